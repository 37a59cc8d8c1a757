"""The connection-level peers of the fuzz scenario (reliability/fuzz.py), each run in a
forked process as a local user (another uid, a member of the socket's group): one that
holds every slot it may, a slow-drip sender, a connect/close flood; and in the suite's
own process a well-behaved root client and an RSS sampler."""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from reliability import frames
from reliability.common import rss_mb
from scraped.client import Client

NOGROUP = 65534


def drop_to(uid: int | None) -> None:
    if uid is not None:
        os.setgroups([NOGROUP])
        os.setgid(NOGROUP)
        os.setuid(uid)


def holder(path: str, uid: int, seconds: float, q: Any) -> None:
    """Hold every slot a local uid may (idle) and try for more: the extra ones are refused."""
    drop_to(uid)
    held = []
    for _ in range(40):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            held.append(s)
        except OSError:
            break
    time.sleep(1.0)
    readable, _, _ = select.select(held, [], [], 0.5)  # a refusal is a reply and a close
    q.put(("holder", {"connections": len(held), "refused": len(readable), "held": len(held) - len(readable)}))
    time.sleep(seconds)
    for s in held:
        s.close()


def dripper(path: str, uid: int, conns: int, idle_timeout: float, q: Any) -> None:
    """Send a valid frame one byte a second on `conns` connections (a 22-byte frame would take
    22 s): the daemon must cut each once it has spent idle_timeout on one frame."""
    drop_to(uid)
    socks = []
    for _ in range(conns):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        s.setblocking(False)
        socks.append(s)
    data = frames.pack({"v": 1, "id": 1, "cmd": "hello"}) * 50
    start, cut = time.monotonic(), {}
    for i in range(int(idle_timeout + 6)):
        for k, s in enumerate(socks):
            if k in cut:
                continue
            try:
                s.send(data[i:i + 1])
                if s.recv(65536) == b"":
                    cut[k] = time.monotonic() - start
            except BlockingIOError:
                pass
            except OSError:
                cut[k] = time.monotonic() - start
        time.sleep(1.0)
    q.put(("drip", {"connections": conns, "cut": len(cut), "cut_after_max_s": round(max(cut.values(), default=0), 1)}))


def flooder(path: str, uid: int, n: int, q: Any) -> None:
    """Connect and drop, `n` times as fast as possible, then 200 at once."""
    drop_to(uid)
    failed = 0
    for _ in range(n):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            s.send(frames.pack({"v": 1, "id": 1, "cmd": "hello"}))
            s.close()
        except OSError:
            failed += 1
    burst = []
    for _ in range(200):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            burst.append(s)
        except OSError:
            failed += 1
    time.sleep(1)
    for s in burst:
        s.close()
    q.put(("flood", {"connections": n + 200, "connect failed": failed}))


class Probe(threading.Thread):
    """A well-behaved root client: `status` on a new connection every 20 ms."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.lat: list[float] = []
        self.failed: Counter[str] = Counter()
        self.phase = "idle"
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                with Client(self.path, timeout=10) as c:
                    c.call("status")
                self.lat.append(time.perf_counter() - t0)
            except Exception as exc:
                self.failed[f"{self.phase}: {type(exc).__name__}: {str(exc)[:90]}"] += 1
            self.stop.wait(0.02)

    def p99_ms(self, since: int = 0) -> float:
        lat = sorted(self.lat[since:])
        return lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan")


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak = pid, 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.25):
            self.peak = max(self.peak, rss_mb(self.pid))
