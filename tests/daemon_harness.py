"""Start a real `scraped` daemon as a subprocess and talk to it over its real socket.

    with DaemonProcess(tmp_path, config={"engine": {"allow_private_networks": True}}) as d:
        d.call("status")

`notify=True` binds a datagram socket the test owns as NOTIFY_SOCKET and collects every
sd_notify message the daemon sends (d.notifications).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from scraped.client import Client, DaemonUnreachable

REPO = Path(__file__).resolve().parent.parent


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(value)


def dump_toml(data: dict[str, Any], prefix: str = "") -> str:
    """A minimal TOML writer for test configs (tables, scalars, arrays)."""
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    out = []
    if prefix and scalars:
        out.append(f"[{prefix}]")
    out += [f"{k} = {_toml_value(v)}" for k, v in scalars.items()]
    for k, v in tables.items():
        out.append(dump_toml(v, f"{prefix}.{k}" if prefix else k))
    return "\n".join(out) + "\n"


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class NotifyListener:
    def __init__(self, path: Path):
        self.path = path
        self.messages: list[str] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.messages.append(data.decode())

    def wait_for(self, text: str, timeout: float = 15.0, after: int = 0) -> int:
        """Index of the first message at or after `after` containing `text`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, msg in enumerate(self.messages[after:], start=after):
                if text in msg:
                    return i
            time.sleep(0.02)
        raise AssertionError(f"no notify message with {text!r}; got {self.messages}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class DaemonProcess:
    def __init__(self, tmp_path: Path, config: dict[str, Any] | None = None, *,
                 env: dict[str, str] | None = None, notify: bool = False, watchdog_usec: int = 0):
        # Unix socket paths are limited to 107 bytes: keep them short, outside tmp_path.
        self.rundir = Path(tempfile.mkdtemp(prefix="sd-", dir="/tmp"))
        self.tmp_path = Path(tmp_path)
        self.tmp_path.mkdir(parents=True, exist_ok=True)
        self.socket_path = self.rundir / "control.sock"
        self.state_dir = self.tmp_path / "state"
        self.config_path = self.tmp_path / "scraped.toml"
        self.config = merge({"daemon": {"socket": str(self.socket_path), "state_dir": str(self.state_dir),
                                        "shutdown_grace": 5.0}}, config or {})
        self.write_config(self.config)
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "SCRAPED_SOCKET"):
            self.env.pop(key, None)
        self.notify = NotifyListener(self.rundir / "notify.sock") if notify else None
        if self.notify:
            self.env["NOTIFY_SOCKET"] = str(self.notify.path)
            if watchdog_usec:
                self.env["WATCHDOG_USEC"] = str(watchdog_usec)
        self.log_path = self.tmp_path / "daemon.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def write_config(self, config: dict[str, Any] | str) -> None:
        text = config if isinstance(config, str) else dump_toml(config)
        self.config_path.write_text(text)

    # ------------------------------------------------------------ process
    def start(self, wait: bool = True, args: tuple[str, ...] = ()) -> DaemonProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child keeps it)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scraped.daemon", "--config", str(self.config_path), *args],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}:\n{self.log()}")
            try:
                self.call("hello")
                return
            except DaemonUnreachable:
                time.sleep(0.05)
        raise RuntimeError(f"daemon not ready after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def send_signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"daemon did not stop within {timeout} s:\n{self.log()}") from None

    def kill(self) -> None:
        """kill -9: no checkpoint, no cleanup."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def restart(self) -> DaemonProcess:
        self.stop()
        return self.start()

    # ------------------------------------------------------------ control
    def client(self, timeout: float = 30.0) -> Client:
        return Client(self.socket_path, timeout=timeout)

    def call(self, cmd: str, **args: Any) -> Any:
        with self.client() as c:
            return c.call(cmd, **args)

    def ctl(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run the real scrapedctl command line against this daemon."""
        return subprocess.run([sys.executable, "-m", "scraped.cli", "--socket", str(self.socket_path), *argv],
                              cwd=REPO, capture_output=True, text=True, timeout=timeout)

    def wait_until(self, predicate: Any, timeout: float = 30.0, interval: float = 0.1) -> Any:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout} s (last: {last!r})\n{self.log()[-3000:]}")

    def close(self) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.stop()
        finally:
            if self.notify:
                self.notify.close()
            shutil.rmtree(self.rundir, ignore_errors=True)

    def __enter__(self) -> DaemonProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
