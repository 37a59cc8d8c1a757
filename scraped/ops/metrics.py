"""The sampler: psutil readings every few seconds into an in-memory ring.

One sample holds the system (cpu_percent, memory_percent, disk_percent of the state
directory's filesystem, load averages), the daemon process (rss, cpu, open fds,
threads), the event-loop lag, running jobs, and rates derived from the perf counters
(pages/s from "fetch", AI calls/s from "ai.call:*"). `metrics` answers from the latest
sample; the monitors and adaptive concurrency read window averages from the ring; the
history task persists minute aggregates of it (scraped/ops/history.py).

Tests and benchmarks inject `sample_fn` (a function returning readings), so the
monitors can be driven with any CPU or memory value.

Resource handling: the procfs readings take ~0.3 ms in all (measured) and run inline;
`disk_usage` runs in a worker thread with a bound, because statvfs on a hung network
filesystem never returns. The loop-lag probe wakes four times a second and records how
late each wake-up is (the worst per sample).
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
import trio

if TYPE_CHECKING:
    from scraped.service import JobLimits

log = logging.getLogger(__name__)

LAG_TICK = 0.25
DISK_TIMEOUT = 2.0
SampleFn = Callable[[], dict[str, Any]]


def system_readings(process: psutil.Process) -> dict[str, Any]:
    """Everything but the disk: procfs reads, quick."""
    vm = psutil.virtual_memory()
    load1: float | None
    load5: float | None
    load15: float | None
    try:
        load1, load5, load15 = os.getloadavg()
    except OSError:
        load1 = load5 = load15 = None
    out: dict[str, Any] = {
        "cpu_percent": psutil.cpu_percent(interval=None),
        "memory_percent": vm.percent,
        "memory_available": vm.available,
        "load_1": load1, "load_5": load5, "load_15": load15,
        "cpu_count": psutil.cpu_count() or 1,
    }
    try:
        with process.oneshot():
            out["rss"] = process.memory_info().rss
            out["process_cpu_percent"] = process.cpu_percent(interval=None)
            out["threads"] = process.num_threads()
        out["open_fds"] = process.num_fds()
    except (psutil.Error, OSError) as exc:
        log.debug("process readings failed: %s", exc)
    return out


def disk_readings(path: str) -> dict[str, Any]:
    usage = psutil.disk_usage(path)
    return {"disk_percent": usage.percent, "disk_free": usage.free, "disk_total": usage.total}


class Sampler:
    def __init__(self, app: Any, sample_fn: SampleFn | None = None, clock: Callable[[], float] = time.time, *,
                 engine: JobLimits | None = None):
        self.app = app
        self.engine = engine  # None: no jobs_running reading (a daemon without the engine, tests)
        self.sample_fn = sample_fn
        self.clock = clock
        self.ring: deque[dict[str, Any]] = deque(maxlen=self._ring_len())
        self.latest: dict[str, Any] | None = None
        self.disk_error: str | None = None
        self.started_at: float | None = None  # time of the first sample
        self._process = psutil.Process()
        self._lag_max = 0.0
        self._last_counts: tuple[float, int, int] | None = None
        self.after: Callable[[dict[str, Any]], Awaitable[None]] | None = None  # runs after each sample
        psutil.cpu_percent(interval=None)  # the first call only primes the counters
        self._process.cpu_percent(interval=None)

    def _ring_len(self) -> int:
        cfg = self.app.config.ops.metrics
        return max(12, int(cfg.ring_minutes * 60 / cfg.interval))

    def disk_path(self) -> str:
        path = self.app.config.ops.metrics.disk_path or str(self.app.state_dir)
        p = Path(path)
        while not p.exists() and p != p.parent:  # the state dir may not exist yet
            p = p.parent
        return str(p)

    # ------------------------------------------------------------ sampling
    async def take(self) -> dict[str, Any]:
        """One sample, appended to the ring and returned."""
        start = time.perf_counter()
        if self.sample_fn is not None:
            readings = dict(self.sample_fn())
        else:
            first_cpu = None
            if self.started_at is None:  # counters primed moments ago: measure 0.1 s, off the loop
                first_cpu = await trio.to_thread.run_sync(psutil.cpu_percent, 0.1)
            readings = system_readings(self._process)
            if first_cpu is not None:
                readings["cpu_percent"] = first_cpu
            readings.update(await self._disk())
        now = self.clock()
        if self.started_at is None:
            self.started_at = now
        sample = {"at": now, **readings}
        sample.setdefault("loop_lag_ms", round(self._lag_max * 1000, 3))
        self._lag_max = 0.0
        sample.setdefault("jobs_running", self._jobs_running())
        sample.update(self._rates(now))
        want = self._ring_len()
        if self.ring.maxlen != want:
            self.ring = deque(self.ring, maxlen=want)
        self.ring.append(sample)
        self.latest = sample
        self.app.observe("ops.sample", time.perf_counter() - start, True)
        return sample

    async def _disk(self) -> dict[str, Any]:
        path = self.disk_path()
        with trio.move_on_after(DISK_TIMEOUT):
            try:
                out = await trio.to_thread.run_sync(disk_readings, path, abandon_on_cancel=True)
                self.disk_error = None
                return {**out, "disk_path": path}
            except OSError as exc:
                self.disk_error = f"cannot stat {path}: {exc.strerror or exc}"
                return {"disk_percent": None, "disk_path": path}
        self.disk_error = f"statvfs of {path} did not answer within {DISK_TIMEOUT:g} s"
        return {"disk_percent": None, "disk_path": path}

    def _jobs_running(self) -> int | None:
        if self.engine is None:
            return None
        try:
            return int(self.engine.jobs_running())
        except Exception:  # a reading, not worth failing the sample
            return None

    def _rates(self, now: float) -> dict[str, float]:
        perf = self.app.perf
        pages, ai_calls = perf.count("fetch"), perf.count("ai.call:")
        last, self._last_counts = self._last_counts, (now, pages, ai_calls)
        if last is None or now <= last[0]:
            return {"pages_per_s": 0.0, "ai_calls_per_s": 0.0}
        dt = now - last[0]
        return {"pages_per_s": round((pages - last[1]) / dt, 3), "ai_calls_per_s": round((ai_calls - last[2]) / dt, 3)}

    async def run(self) -> None:
        """Sample every metrics.interval seconds; between samples, probe the loop's lag."""
        while True:
            interval = self.app.config.ops.metrics.interval
            deadline = trio.current_time() + interval
            while (left := deadline - trio.current_time()) > 0:
                tick = min(LAG_TICK, left)
                before = trio.current_time()
                await trio.sleep(tick)
                self._lag_max = max(self._lag_max, trio.current_time() - before - tick)
            try:
                sample = await self.take()
                if self.after is not None:
                    await self.after(sample)
            except Exception as exc:  # one bad sample must not stop sampling
                self.app.capture_exception(exc, category="metrics", severity="medium")

    # ------------------------------------------------------------ reading
    def covers(self, seconds: float) -> bool:
        """Whether sampling has gone on for `seconds` (a window average means something)."""
        return self.started_at is not None and self.clock() - self.started_at >= seconds

    def window(self, seconds: float, now: float | None = None) -> list[dict[str, Any]]:
        if not self.ring:
            return []
        now = self.clock() if now is None else now
        since = now - seconds
        out = [s for s in reversed(self.ring) if s["at"] >= since]
        return out[::-1] or [self.ring[-1]]

    def average(self, key: str, seconds: float, now: float | None = None) -> float | None:
        """The mean of `key` over the last `seconds` (the latest sample when the window is empty)."""
        values = [s[key] for s in self.window(seconds, now) if isinstance(s.get(key), (int, float))]
        return sum(values) / len(values) if values else None
