"""The ops service: the sampler, monitors, adaptive concurrency, the commands over the
perf, errors and security trackers (which `App` holds, so every part records into them
from its first line), and the periodic tasks that persist and export them.

Built by the composition root (scraped/daemon.py) with what it reads and drives: the
scheduler it registers its tasks with, the engine whose job count it samples and whose
concurrency it sets, the alerts it shares with the engine.

Resource handling: `run()` owns one nursery: the sampler (every metrics.interval, then
adaptive concurrency) and the flusher (error and security-event writes, every second).
The periodic tasks (metrics_persist, monitors, textfile) are registered with the
scheduler and run in its nursery. `checkpoint()` writes what is pending before
the daemon stops.

Error handling: a store that fails leaves the pending writes queued (bounded) and is
logged once a minute; nothing here stops the daemon.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import trio

from scraped.ai.usage import Cache
from scraped.ops import capacity, prometheus
from scraped.ops.adaptive import Adaptive
from scraped.ops.alerts import Alerts
from scraped.ops.errors import ErrorTracker
from scraped.ops.history import History
from scraped.ops.metrics import SampleFn, Sampler
from scraped.ops.monitors import Monitors
from scraped.ops.ops_config import ScheduleConfig
from scraped.ops.perf import PerfTracker
from scraped.ops.security import SecurityLog
from scraped.service import DEGRADED, DOWN, HEALTHY

if TYPE_CHECKING:
    from scraped.app import App
    from scraped.scheduler import SchedulerService
    from scraped.service import JobLimits

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 1.0
DISK_DOWN_PERCENT = 98.0
DISK_DOWN_FREE = 100 << 20


class OpsService:
    name = "ops"

    def __init__(self, app: App, *, scheduler: SchedulerService | None, engine: JobLimits | None,
                 alerts: Alerts | None = None, sample_fn: SampleFn | None = None,
                 clock: Callable[[], float] = time.time):
        self.app = app
        self.scheduler = scheduler  # None: no periodic tasks (said once at start)
        self.clock = clock
        self.perf: PerfTracker = app.perf
        self.errors: ErrorTracker = app.errors
        self.security: SecurityLog = app.security
        self.alerts = alerts if alerts is not None else Alerts(app, app.errors)
        self.sampler = Sampler(app, sample_fn, clock=clock, engine=engine)
        self.history = History(self.sampler, self.errors)
        self.monitors = Monitors(app, self.errors, self.alerts, self.sampler, clock=clock)
        self.adaptive = Adaptive(app, engine, clock=clock)
        self.started_at = clock()
        self._flush_error_logged_at = 0.0

    # ------------------------------------------------------------ lifecycle
    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        if self.app.store is not None:
            try:
                loaded = await self.errors.load(self.app.store)
                log.debug("error tracker: %d known errors loaded", loaded)
            except Exception as exc:
                log.warning("error tracker starts empty: cannot read the store: %s", exc)
        await self._sample_once()  # `metrics` answers from the first second
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._sample_loop)
            nursery.start_soon(self._flush_loop)
            self._register_tasks()
            task_status.started(self)

    def _register_tasks(self) -> None:
        sched = self.scheduler
        if sched is None:
            log.warning("no scheduler: metrics history, monitors and the textfile will not run")
            return
        defaults = ScheduleConfig()
        sched.register("metrics_persist", defaults.metrics_persist, self.task_metrics_persist,
                       description="persist minute metrics; prune old history, events and AI cache")
        sched.register("monitors", defaults.monitors, self.task_monitors,
                       description="threshold monitors and alerts")
        sched.register("textfile", defaults.textfile, self.task_textfile,
                       description="node_exporter textfile (metrics.textfile)")

    async def _sample_once(self) -> None:
        # No adaptive decision on this one: the CPU counters were primed only moments ago.
        await self.sampler.take()

    async def _sample_loop(self) -> None:
        self.sampler.after = self._after_sample
        await self.sampler.run()

    async def _after_sample(self, sample: dict[str, Any]) -> None:
        cpu = self.sampler.average("cpu_percent", self.app.config.ops.adaptive.window)
        await self.adaptive.update(cpu, sample.get("memory_percent"))
        sample["max_jobs"] = self.adaptive.target()

    async def _flush_loop(self) -> None:
        while True:
            await trio.sleep(FLUSH_INTERVAL)
            await self.flush()

    async def flush(self) -> None:
        store = self.app.store
        if store is None:
            return
        for what, fn in (("errors", self.errors.flush), ("security events", self.security.flush)):
            try:
                await fn(store)
            except Exception as exc:  # kept for the next flush; the store's own health shows it
                now = time.monotonic()
                if now - self._flush_error_logged_at > 60:
                    self._flush_error_logged_at = now
                    log.warning("cannot write %s to the store (will retry): %s", what, exc)

    async def checkpoint(self) -> None:
        await self.flush()
        if self.app.store is not None:
            try:
                await self.history.persist(self.app.store, self.clock() + 60,
                                           self.app.config.ops.metrics.history_days)
            except Exception as exc:
                log.warning("metrics of the last minute not saved: %s", exc)

    async def reload(self, old: Any, new: Any) -> None:
        self.errors.max_tracked = new.ops.errors.max_tracked
        self.security.log_per_minute = new.ops.security.log_per_minute
        self.security.max_rows = new.ops.security.max_rows
        await self.adaptive.apply()  # adaptive switched off: the engine gets its limit back

    def handlers(self) -> dict[str, Any]:
        from scraped.ops.commands import handlers

        return handlers(self)

    # ------------------------------------------------------------ tasks
    async def task_metrics_persist(self) -> dict[str, Any]:
        store, now, cfg = self.app.store, self.clock(), self.app.config.ops
        result = await self.history.persist(store, now, cfg.metrics.history_days)
        result["errors_pruned"] = await self.errors.prune(store, now - cfg.metrics.history_days * 86400)
        result["events_pruned"] = await self.security.prune(store, now - cfg.security.keep_days * 86400)
        result["ai_cache_pruned"] = await Cache(store).prune(self.app.config.ai.cache_ttl_days, now)
        return result

    async def task_monitors(self) -> dict[str, Any]:
        return await self.monitors.check()

    async def task_textfile(self) -> dict[str, Any] | str:
        path = self.app.config.ops.metrics.textfile
        if not path:
            return "off (metrics.textfile is empty)"
        text = self.prometheus_text()
        size = await trio.to_thread.run_sync(prometheus.write_textfile, path, text)
        return {"path": path, "bytes": size}

    # ------------------------------------------------------------ views
    def prometheus_text(self) -> str:
        return prometheus.render(self)

    def metrics_now(self) -> dict[str, Any]:
        sample = dict(self.sampler.latest or {})
        at = sample.pop("at", None)
        return {"timestamp": at, **sample, "error_rate_1h": self.errors.rate_per_minute(60),
                "uptime_s": round(self.clock() - self.app.started_at, 1)}

    async def metrics_history(self, hours: float, max_points: int) -> dict[str, Any]:
        return await self.history.query(self.app.store, hours, self.clock(), max_points)

    async def security_events(self, limit: int, kind: str | None) -> dict[str, Any]:
        return await self.security.events(self.app.store, limit, kind)

    async def capacity(self, hours: float) -> dict[str, Any]:
        history = await self.history.query(self.app.store, hours, self.clock(), max_points=0)
        rows, source = history["metrics"], "history"
        if not rows:
            rows, source = list(self.sampler.ring), "memory (no minute persisted yet)"
        return capacity.analyze(rows, self.sampler.latest or {}, self.perf.snapshot(), hours, source)

    def status(self) -> dict[str, Any]:
        latest = self.sampler.latest or {}
        sched = self.scheduler
        tasks = sched.tasks() if sched is not None else []
        return {
            "sampler": {"interval_s": self.app.config.ops.metrics.interval, "samples": len(self.sampler.ring),
                        "last_at": latest.get("at"), "disk_error": self.sampler.disk_error},
            "adaptive": self.adaptive.status(),
            "monitors": {m["monitor"]: ("BREACH" if m["breaching"] else "ok") if m["enabled"] else "off"
                         for m in self.monitors.status()["monitors"]},
            "alerts_total": sum(self.monitors.alert_counts().values()),
            "errors": self.errors.stats(),
            "security_events": dict(self.security.counts),
            "operations_tracked": len(self.perf.operations()),
            "scheduler": [{"name": t["name"], "outcome": t["outcome"], "next_run_at": t["next_run_at"]}
                          for t in tasks],
        }

    # ------------------------------------------------------------ health
    async def health(self) -> dict[str, dict[str, Any]]:
        return {"disk": self._disk_health(), "system": self._system_health()}

    def _disk_health(self) -> dict[str, Any]:
        latest = self.sampler.latest or {}
        path = latest.get("disk_path") or self.sampler.disk_path()
        if self.sampler.disk_error:
            return {"status": DOWN, "reason": self.sampler.disk_error, "path": path}
        percent, free = latest.get("disk_percent"), latest.get("disk_free")
        if percent is None:
            return {"status": HEALTHY, "reason": "no disk reading yet", "path": path}
        threshold = self.app.config.ops.monitors.disk_percent or 100.0
        facts = {"path": path, "percent": percent, "free_bytes": free, "total_bytes": latest.get("disk_total")}
        text = f"{percent:.1f}% used" + (f", {free / (1 << 30):.1f} GiB free" if free is not None else "") + \
            f" on {path}"
        if percent >= DISK_DOWN_PERCENT or (free is not None and free < DISK_DOWN_FREE):
            return {"status": DOWN, "reason": text + " (full)", **facts}
        if percent > threshold:
            return {"status": DEGRADED, "reason": f"{text} (over {threshold:g}%)", **facts}
        return {"status": HEALTHY, "reason": text, **facts}

    def _system_health(self) -> dict[str, Any]:
        """Degraded only by what hurts serving (memory pressure, a stalling event loop).
        High CPU is a monitor's alert, not ill health: a busy host still answers, and a
        health that follows CPU would flap with every crawl."""
        cfg = self.app.config.ops.monitors
        latest = self.sampler.latest or {}
        cpu = self.sampler.average("cpu_percent", cfg.cpu_window) if self.sampler.covers(cfg.cpu_window / 2) \
            else latest.get("cpu_percent")
        memory, lag = latest.get("memory_percent"), latest.get("loop_lag_ms")
        facts = {"cpu_percent": None if cpu is None else round(cpu, 1), "memory_percent": memory,
                 "loop_lag_ms": lag, "rss": latest.get("rss"), "max_jobs": self.adaptive.target()}
        problems = []
        if memory is not None and cfg.memory_percent and memory > cfg.memory_percent:
            problems.append(f"memory {memory:.0f}% over {cfg.memory_percent:g}%")
        if lag is not None and cfg.loop_lag_ms and lag > cfg.loop_lag_ms:
            problems.append(f"event loop {lag:.0f} ms behind")
        if cpu is None:
            return {"status": HEALTHY, "reason": "no sample yet", **facts}
        text = f"CPU {cpu:.0f}%" + (f" (over {cfg.cpu_percent:g}%: see `monitors`)"
                                     if cfg.cpu_percent and cpu > cfg.cpu_percent else "")
        if problems:
            return {"status": DEGRADED, "reason": "; ".join(problems) + f"; {text}", **facts}
        return {"status": HEALTHY, "reason": f"{text}, memory {memory or 0:.0f}%, loop lag {lag or 0:.1f} ms",
                **facts}
