"""Control-plane benchmark: scraped's `status` over its Unix socket vs scrapyd's
daemonstatus.json over HTTP keep-alive, on the same machine in one run.

    .venv/bin/python bench/control_plane.py [--seconds 3]

Installs scrapyd into its own venv (bench/.venv-scrapyd) the first time. Each client is
its own process with one keep-alive connection sending requests back to back; latency is
measured per request on the client. Also measures `scrapedctl status` wall time and the
daemon's idle RSS. Prints a Markdown table (for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgpack

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv" / "bin"
SCRAPYD_VENV = REPO / "bench" / ".venv-scrapyd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- clients (one process each)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def scraped_client(path: str, seconds: float, out: mp.Queue) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(path)
    lat = []
    i = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        i += 1
        body = msgpack.packb({"v": 1, "id": i, "cmd": "status", "args": {}})
        t0 = time.perf_counter()
        sock.sendall(struct.pack(">I", len(body)) + body)
        (n,) = struct.unpack(">I", _recv_exact(sock, 4))
        reply = msgpack.unpackb(_recv_exact(sock, n))
        lat.append(time.perf_counter() - t0)
        assert reply["ok"], reply
    out.put(lat)


def scrapyd_client(port: int, seconds: float, out: mp.Queue) -> None:
    sock = socket.create_connection(("127.0.0.1", port))
    request = f"GET /daemonstatus.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    lat = []
    buf = b""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        sock.sendall(request)
        while b"\r\n\r\n" not in buf:
            buf += sock.recv(65536)
        head, _, buf = buf.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        while len(buf) < length:
            buf += sock.recv(65536)
        body, buf = buf[:length], buf[length:]
        lat.append(time.perf_counter() - t0)
        assert b'"ok"' in body, body
    out.put(lat)


def load(target, arg, clients: int, seconds: float) -> dict[str, float]:
    q: mp.Queue = mp.Queue()
    procs = [mp.Process(target=target, args=(arg, seconds, q)) for _ in range(clients)]
    for p in procs:
        p.start()
    lat: list[float] = []
    for _ in procs:
        lat.extend(q.get())
    for p in procs:
        p.join()
    lat.sort()
    return {"rps": len(lat) / seconds, "p50_ms": lat[len(lat) // 2] * 1000,
            "p99_ms": lat[int(len(lat) * 0.99)] * 1000, "n": len(lat)}


# ---------------------------------------------------------------- servers


def start_scraped(tmp: Path) -> tuple[subprocess.Popen, Path]:
    sock = tmp / "control.sock"
    config = tmp / "scraped.toml"
    config.write_text(f'[daemon]\nsocket = "{sock}"\nstate_dir = "{tmp / "state"}"\n'
                      "requests_per_second = 1000000.0\nrequest_burst = 1000000\n"
                      "[ai]\nenabled = false\n")
    proc = subprocess.Popen([str(VENV / "scraped"), "--config", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tmp)
    for _ in range(200):
        if sock.exists():
            break
        time.sleep(0.05)
    time.sleep(1.0)
    return proc, sock


def start_scrapyd(tmp: Path) -> tuple[subprocess.Popen, int]:
    if not (SCRAPYD_VENV / "bin" / "scrapyd").exists():
        subprocess.run([sys.executable, "-m", "venv", str(SCRAPYD_VENV)], check=True)
        subprocess.run([str(SCRAPYD_VENV / "bin" / "pip"), "install", "-q", "scrapyd"], check=True)
    port = free_port()
    (tmp / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {tmp}/eggs\nlogs_dir = {tmp}/logs\ndbs_dir = {tmp}/dbs\n")
    proc = subprocess.Popen([str(SCRAPYD_VENV / "bin" / "scrapyd")], cwd=tmp,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    time.sleep(0.5)
    return proc, port


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cli_wall_ms(sock: Path, runs: int = 21) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([str(VENV / "scrapedctl"), "--socket", str(sock), "status"], check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cpbench-"))
    scraped, sock = start_scraped(tmp)
    scrapyd, port = start_scrapyd(tmp)
    try:
        time.sleep(4)  # let both settle before the idle RSS reading
        idle_rss = rss_mb(scraped.pid)
        rows = []
        for clients in (1, 16):
            a = load(scraped_client, str(sock), clients, args.seconds)
            b = load(scrapyd_client, port, clients, args.seconds)
            rows.append((clients, a, b))
        cli_ms = cli_wall_ms(sock)
    finally:
        for proc in (scraped, scrapyd):
            proc.terminate()
            proc.wait(20)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}")
    print("| clients | scraped status req/s | p50 ms | p99 ms | scrapyd daemonstatus req/s | p50 ms | p99 ms "
          "| ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for clients, a, b in rows:
        print(f"| {clients} | {a['rps']:,.0f} | {a['p50_ms']:.3f} | {a['p99_ms']:.3f} | {b['rps']:,.0f} | "
              f"{b['p50_ms']:.3f} | {b['p99_ms']:.3f} | {a['rps'] / b['rps']:.1f}x |")
    print(f"\n`scrapedctl status` wall time (median of 21): {cli_ms:.0f} ms; daemon idle RSS: {idle_rss:.1f} MB")


if __name__ == "__main__":
    main()
