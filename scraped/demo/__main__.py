"""`python -m scraped.demo` (what `make run` does), everything under ./var of this folder:

1. serve scraped/demo/site on 127.0.0.1 at this checkout's port: the one kept in
   var/demo.port, first chosen from a hash of the checkout's path (another free port if
   that one is taken), so the sample job's URLs stay valid from one `make run` to the next;
2. write var/scraped.toml: state in ./var, the control socket at ./var/control.sock (never
   the production /run/scraped/control.sock, whoever runs it, nor another checkout's),
   engine.allow_private_networks = true (the site is on loopback);
3. start `scraped --config var/scraped.toml` in the foreground (its log is this output);
4. once it answers, run the sample job: submitted on the first run, resumed when it was
   paused or interrupted, left alone when it is going or finished (a re-run adds no
   second demo job). Only when the site had to move to another port is the old job
   replaced (stopped, deleted, submitted again at the new address).

`scrapedctl` run in this folder finds ./var/control.sock by itself (scraped.client), so
`scrapedctl status` needs no flags; from elsewhere: `--socket PATH/var/control.sock`. When
$SCRAPED_SOCKET names another daemon (scrapedctl tries it first), the demo says so and
prints its commands with --socket.
Ctrl-C stops the daemon (gracefully) and the server.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from scraped.paths import DEMO_MARKER  # scrapedctl finds a checkout's demo by it

HERE = Path(__file__).resolve().parent
SITE = HERE / "site"
SAMPLE = HERE / "sample_job.toml"
SAMPLE_BASE = "http://127.0.0.1:8000"
JOB_NAME = "demo-sample-site"
PORTS = (20000, 40000)  # the range a checkout's first port is hashed into
MAX_SOCKET_PATH = 107  # sun_path holds 108 bytes with the NUL
ACTIVE = {"QUEUED", "RUNNING", "STOPPING"}
RESUMABLE = {"PAUSED", "INTERRUPTED"}


def _config(var: Path, socket_path: Path) -> str:
    return (
        f"{DEMO_MARKER}; safe to delete (it is rewritten on every run).\n"
        "[daemon]\n"
        f'state_dir = "{var}"\n'
        f'socket = "{socket_path}"\n'
        "shutdown_grace = 5.0\n\n"
        "[engine]\n"
        "# The sample site is served on loopback, which the fetcher refuses by default.\n"
        "allow_private_networks = true\n"
    )


def _preferred_port(var: Path) -> int:
    low, high = PORTS
    return low + zlib.crc32(str(var).encode()) % (high - low)


def _serve(port: int) -> tuple[subprocess.Popen[str] | None, int]:
    proc = subprocess.Popen([sys.executable, "-m", "scraped.demo.serve", str(SITE), str(port)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.isdigit():
        proc.wait(5)
        return None, port
    return proc, int(line)


def _start_site(var: Path) -> tuple[subprocess.Popen[str], str, bool]:
    """(server, base URL, moved): moved when the kept port could not be had."""
    if not (SITE / "index.html").is_file():
        sys.exit(f"scraped.demo: the sample site is missing ({SITE}/index.html)")
    kept = var / "demo.port"
    text = kept.read_text().strip() if kept.is_file() else ""
    wanted = int(text) if text.isdigit() else _preferred_port(var)
    proc, port = _serve(wanted)
    moved = False
    if proc is None:
        print(f"demo: port {wanted} is taken; serving the site on another one", flush=True)
        proc, port = _serve(0)
        moved = bool(text)
        if proc is None:
            sys.exit("scraped.demo: the sample site server did not start")
    kept.write_text(f"{port}\n")
    return proc, f"http://127.0.0.1:{port}", moved


def _wait_ready(socket_path: Path, daemon: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    from scraped.client import Client, DaemonUnreachable

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            return False
        try:
            with Client(socket_path, timeout=5) as c:
                c.call("hello")
            return True
        except DaemonUnreachable:
            time.sleep(0.1)
    return False


def _ctl() -> str:
    if shutil.which("scrapedctl"):
        return "scrapedctl"
    exe = str(Path(sys.executable).with_name("scrapedctl"))
    return exe if os.path.relpath(exe).startswith("..") else os.path.relpath(exe)


def _sample_job(client: Any, spec: str, base: str) -> tuple[dict[str, Any], str]:
    """The demo job and what was done with it: one job per checkout, however many runs."""
    listed = client.call("jobs.list", name=JOB_NAME, limit=1)["jobs"]
    if listed:
        old = client.call("jobs.show", id=listed[0]["id"])
        urls = (old.get("spec") or {}).get("start_urls") or [""]
        if str(urls[0]).startswith(base + "/"):
            if old["status"] in RESUMABLE:
                return client.call("jobs.resume", id=old["id"]), "resumed"
            return old, "going on" if old["status"] in ACTIVE else f"already {old['status']}"
        # The site moved to another port: the old job's URLs point nowhere now.
        if old["status"] not in {"COMPLETED", "FAILED", "STOPPED"}:
            client.call("jobs.stop", id=old["id"])
            deadline = time.monotonic() + 30
            while client.call("jobs.show", id=old["id"])["status"] not in {"COMPLETED", "FAILED", "STOPPED"}:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the old demo job {old['id']} did not stop")
                time.sleep(0.2)
        client.call("jobs.delete", id=old["id"])
        return client.call("jobs.submit", spec=spec)["job"], f"submitted again (old job {old['id']} deleted)"
    return client.call("jobs.submit", spec=spec)["job"], "submitted"


def _where(ctl: str, socket_path: Path) -> tuple[str, str]:
    """(the scrapedctl to print, how it finds this demo): true even when $SCRAPED_SOCKET,
    which scrapedctl tries before ./var/control.sock, names another daemon."""
    env = os.environ.get("SCRAPED_SOCKET")
    if env and os.path.abspath(env) != str(socket_path):
        return f"{ctl} --socket {socket_path}", (
            f"WARNING: $SCRAPED_SOCKET is set ({env}) and scrapedctl tries it first: without --socket,\n"
            f"scrapedctl in this folder talks to THAT daemon, not this demo. Unset it or give --socket.")
    return ctl, (f"(scrapedctl finds this demo's socket, {socket_path}, from this folder; elsewhere give\n"
                 f"--socket {socket_path}.)")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM (a supervisor, `timeout`) stops the demo as Ctrl-C does


def main() -> int:
    from scraped.client import Client
    from scraped.errors import ScrapedError

    signal.signal(signal.SIGTERM, _interrupt)
    var = Path("var").resolve()
    var.mkdir(exist_ok=True)
    socket_path = var / "control.sock"
    if len(str(socket_path)) > MAX_SOCKET_PATH:
        print(f"scraped.demo: {socket_path} is longer than a Unix socket path may be "
              f"({MAX_SOCKET_PATH} bytes); run `make run` from a checkout with a shorter path",
              file=sys.stderr)
        return 1
    config = var / "scraped.toml"
    config.write_text(_config(var, socket_path))
    site, base, moved = _start_site(var)
    print(f"demo: serving {SITE} on {base}" + (" (a new port: the demo job is replaced)" if moved else ""),
          flush=True)
    spec = SAMPLE.read_text(encoding="utf-8").replace(SAMPLE_BASE, base)
    (var / "sample_job.toml").write_text(spec, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
    daemon = subprocess.Popen([sys.executable, "-m", "scraped.daemon", "--config", str(config)], env=env)
    try:
        if not _wait_ready(socket_path, daemon):
            print("demo: the daemon did not start; see its log above", file=sys.stderr)
            return 1
        try:
            with Client(socket_path) as c:
                job, what = _sample_job(c, spec, base)
        except (ScrapedError, RuntimeError) as exc:
            print(f"demo: could not run the sample job: {exc}", file=sys.stderr)
            return 1
        ctl, finding = _where(_ctl(), socket_path)
        print(f"""
demo: sample job {job['id']} ({job['name']}): {what}. Try, in another terminal in this folder:

    {ctl} jobs watch {job['id']}
    {ctl} questions list
    {ctl} questions export --format csv > questions.csv
    {ctl} engine status

{finding}
Ctrl-C stops the daemon and the sample site.
""", flush=True)
        return daemon.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(15)
            except subprocess.TimeoutExpired:
                daemon.kill()
        site.terminate()
        site.wait(5)


if __name__ == "__main__":
    sys.exit(main())
