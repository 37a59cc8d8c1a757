"""Hostile local peers against a real daemon: a fuzz flood, big search strings, held slots.

    .venv/bin/python bench/control_fuzz.py [--frames 20000] [--repo DIR] [--limits default|off]

`--repo` runs another checkout (e.g. `git archive <old commit>` unpacked, with this
repo's tests/control_frames.py and tests/control_peer.py copied in) for before/after
figures. Three parts, each on a fresh daemon:

1. flood: `--frames` hostile frames from 4 threads of another process, as root or as
   `nobody` with --as-nobody (tests/control_frames.py: random
   bytes, bad lengths, garbage msgpack, wrong types, unknown commands, huge strings,
   deep nesting, half-sent frames) while one well-behaved client runs `status` every
   20 ms on its own connection. Figures: daemon alive, malformed replies, stored
   security rows, unique errors, perf rows, RSS before/after, the client's p50/p99.
2. search: 60 distinct 60,000-character `questions count --search` strings: RSS.
3. slots (root only): `nobody`, a member of the socket's group, opens 64 idle
   connections; root's `status` is timed (10 s client timeout).
Prints Markdown (for docs/reliability.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]


class StatusLoop(threading.Thread):
    def __init__(self, d, every: float = 0.02):
        super().__init__(daemon=True)
        self.d, self.every = d, every
        self.samples: list[float] = []
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with self.d.client(timeout=30) as c:
            while not self.stop.is_set():
                t = time.perf_counter()
                try:
                    c.call("status")
                    self.samples.append((time.perf_counter() - t) * 1000)
                except Exception as exc:  # noqa: BLE001 - a failure is a figure
                    self.failures.append(type(exc).__name__)
                time.sleep(self.every)


def _run_flood(d, repo: Path, frames: int, as_nobody: bool) -> dict:
    """The flood in a process of its own (its own pid and GIL), as root or as nobody."""
    import json
    import subprocess

    site = next(p for p in sys.path if p.endswith("site-packages"))
    system_python = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    extra = {"user": "nobody", "group": "nogroup"} if as_nobody else {}
    out = subprocess.run([system_python if as_nobody else sys.executable, "-m", "tests.control_frames",
                          str(d.socket_path), str(frames), "11"], cwd="/", capture_output=True, text=True,
                         env={"PYTHONPATH": f"{repo}:{site}", "PATH": os.environ["PATH"]}, timeout=1800, **extra)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout)


def flood_part(DaemonProcess, repo: Path, frames: int, limits: str, as_nobody: bool) -> dict:
    cfg: dict = {} if limits == "default" else {"daemon": {"requests_per_second": 1e6, "request_burst": 1_000_000}}
    if as_nobody:
        cfg.setdefault("daemon", {})["socket_group"] = "nogroup"
    with DaemonProcess(Path(tempfile.mkdtemp(prefix="fuzz-")), cfg) as d:
        os.chmod(d.rundir, 0o755)
        pid = d.proc.pid
        base = StatusLoop(d)
        base.start()
        time.sleep(3)
        base.stop.set()
        base.join()
        rss_before = rss_mib(pid)
        loop = StatusLoop(d)
        loop.start()
        t = time.monotonic()
        result = _run_flood(d, repo, frames, as_nobody)
        seconds = time.monotonic() - t
        loop.stop.set()
        loop.join()
        alive = d.proc.poll() is None
        stats = d.call("errors.stats") if alive else {}
        events = d.call("security.events", limit=10_000) if alive else {}
        perf = d.call("perf")["performance_metrics"] if alive else {}
        return {"frames": result["sent"], "seconds": seconds, "alive": alive, "malformed": result["n_malformed"],
                "hangs": len(result["errors"]), "replies": result["replies"], "codes": result["codes"],
                "rows": events.get("total_stored"), "events": sum(events.get("counts_since_start", {}).values()),
                "unique_errors": stats.get("total_unique_errors"), "perf_rows": len(perf),
                "rss_before": rss_before, "rss_after": rss_mib(pid), "rss_peak": rss_mib(pid, "VmHWM"),
                "base_p50": pct(base.samples, 0.5), "base_p99": pct(base.samples, 0.99),
                "p50": pct(loop.samples, 0.5), "p99": pct(loop.samples, 0.99),
                "max": max(loop.samples, default=float("nan")), "status_calls": len(loop.samples),
                "status_failures": len(loop.failures), "tracebacks": d.log().count("Traceback")}


def _fill(path: Path, n: int) -> None:
    """Raw questions in the store file before the daemon starts (a search must scan rows)."""
    import trio

    from scraped.store.sqlite import SqliteStore

    async def fill() -> None:
        store = SqliteStore(path)
        await store.open()
        await store.insert_many("raw_extracted_questions", [
            {"_id": f"{i:040x}", "question": f"Question {i}: how far does the train go?", "extracted_at": 1.0}
            for i in range(n)])
        await store.close()

    path.parent.mkdir(parents=True, exist_ok=True)
    trio.run(fill)


def search_part(DaemonProcess, size: int) -> dict:
    d = DaemonProcess(Path(tempfile.mkdtemp(prefix="search-")))
    _fill(d.state_dir / "scraped.db", 1000)
    with d:
        pid = d.proc.pid
        before = rss_mib(pid)
        refused = ok = 0
        slowest = 0.0
        with d.client(timeout=300) as c:
            for i in range(60):
                t = time.perf_counter()
                try:
                    c.call("questions.count", search=f"{i:05d}" + "q" * (size - 5), bank="raw")
                    ok += 1
                except Exception:  # noqa: BLE001
                    refused += 1
                slowest = max(slowest, time.perf_counter() - t)
        return {"size": size, "rss_before": before, "rss_after": rss_mib(pid), "ok": ok, "refused": refused,
                "slowest": slowest}


def slots_part(DaemonProcess, repo: Path) -> dict | None:
    system_python = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    if os.geteuid() != 0 or not os.path.exists(system_python):
        return None
    import json
    import subprocess

    site = next(p for p in sys.path if p.endswith("site-packages"))
    with DaemonProcess(Path(tempfile.mkdtemp(prefix="slots-")), {"daemon": {"socket_group": "nogroup"}}) as d:
        os.chmod(d.rundir, 0o755)
        peer = subprocess.Popen([system_python, "-m", "tests.control_peer", str(d.socket_path)], cwd="/",
                                user="nobody", group="nogroup", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, env={"PYTHONPATH": f"{repo}:{site}", "PATH": os.environ["PATH"]})
        peer.stdin.write("open 64\n")
        peer.stdin.flush()
        held = json.loads(peer.stdout.readline())
        t = time.perf_counter()
        try:
            with d.client(timeout=10) as c:
                c.call("status")
            outcome = "answered"
        except Exception as exc:  # noqa: BLE001
            outcome = f"{type(exc).__name__}: {exc}"
        ms = (time.perf_counter() - t) * 1000
        peer.stdin.write("quit\n")
        peer.stdin.close()
        peer.wait(30)
        return {"held": held["open"], "refused": len(held["refused"]), "outcome": outcome, "ms": ms}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=20_000)
    ap.add_argument("--repo", default=str(Path(__file__).resolve().parent.parent))
    ap.add_argument("--limits", choices=("default", "off"), default="default")
    ap.add_argument("--as-nobody", action="store_true", help="flood as the user nobody, a member of the "
                    "socket's group (root needed), while root's status loop runs")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: flood,search,slots")
    ns = ap.parse_args()
    repo = Path(ns.repo).resolve()
    sys.path.insert(0, str(repo))
    os.chdir(repo)
    from tests.daemon_harness import DaemonProcess

    skip = set(filter(None, ns.skip.split(",")))
    who = "nobody (socket group member)" if ns.as_nobody else "root (another process)"
    print(f"repo {repo}, {time.strftime('%Y-%m-%d')}, rate limits {ns.limits}, flood from {who}\n")
    if "flood" not in skip:
        f = flood_part(DaemonProcess, repo, ns.frames, ns.limits, ns.as_nobody)
        print("| frames | s | alive | malformed | hangs | security rows (events) | unique errors | perf rows "
              "| RSS MiB before/after/peak | status p50/p99 ms before | during flood p50/p99/max | status failures |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        print(f"| {f['frames']:,} | {f['seconds']:.1f} | {f['alive']} | {f['malformed']} | {f['hangs']} "
              f"| {f['rows']} ({f['events']:,}) | {f['unique_errors']} | {f['perf_rows']} "
              f"| {f['rss_before']:.0f}/{f['rss_after']:.0f}/{f['rss_peak']:.0f} "
              f"| {f['base_p50']:.1f}/{f['base_p99']:.1f} | {f['p50']:.1f}/{f['p99']:.1f}/{f['max']:.0f} "
              f"| {f['status_failures']} of {f['status_calls'] + f['status_failures']} |")
        print(f"\nreply codes: {f['codes']}; tracebacks in the log: {f['tracebacks']}\n")
    if "search" not in skip:
        for size in (60_000, 1_000_000):
            s = search_part(DaemonProcess, size)
            print(f"search: 60 distinct {size:,}-char strings over 1,000 rows: {s['ok']} answered, "
                  f"{s['refused']} refused, RSS {s['rss_before']:.0f} -> {s['rss_after']:.0f} MiB, "
                  f"slowest call {s['slowest'] * 1000:.0f} ms")
        print()
    if "slots" not in skip:
        sl = slots_part(DaemonProcess, repo)
        if sl is None:
            print("slots: skipped (needs root and a system python)")
        else:
            print(f"slots: nobody holds {sl['held']} (refused {sl['refused']}); root status: {sl['outcome']} "
                  f"in {sl['ms']:.0f} ms")


if __name__ == "__main__":
    main()
