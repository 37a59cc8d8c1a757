"""A MongoDB for the tests: the one named by SCRAPED_TEST_MONGODB_URI, else nx-27017.

nx-27017 (PyPI; a MongoDB wire-protocol server on SQLite) runs as a real subprocess on a
free loopback port, so the real pymongo driver talks to it over a real connection. It is
started with `--data-dir` (one SQLite file per logical database): with `--db FILE` every
database shares one file, and "a fresh database per test" would not be fresh.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ENV = "SCRAPED_TEST_MONGODB_URI"


def nx_binary() -> str | None:
    local = Path(sys.executable).parent / "nx-27017"
    return str(local) if local.exists() else shutil.which("nx-27017")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NxServer:
    """nx-27017 in a subprocess; stop() and start() again keep its data and port."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, wait: float = 30.0) -> None:
        binary = nx_binary()
        if binary is None:
            raise RuntimeError("nx-27017 is not installed: pip install -e '.[test]'")
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "nx.log", "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [binary, "--data-dir", str(self.workdir / "data"), "--host", "127.0.0.1",
             "--port", str(self.port), "--log-file", str(self.workdir / "nx-server.log"),
             "--pid-file", str(self.workdir / "nx.pid")],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nx-27017 exited with {self.proc.returncode}; see {self.workdir}/nx.log")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nx-27017 did not accept connections on port {self.port} within {wait} s")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.kill()  # its SIGTERM handler prints tracebacks; nothing to flush (SQLite WAL)
        proc.wait(timeout=30)


def external_uri() -> str | None:
    return os.environ.get(ENV) or None
