"""EngineService: the scraping engine as one daemon service (scraped/service.py's protocol).

It owns the shared fetcher (one httpx.AsyncClient for every job) and the job supervisor,
answers the engine's and the questions' commands, reports the `scraping_engine` health
component, and offers hooks to the areas the composition root (scraped/daemon.py) hands
it to:

    engine.set_max_jobs(n)            adaptive concurrency (ops); None: back to config
    engine.jobs_running()             the sampler's reading (ops)
    async with engine.quiesce(): ...  no job works or writes inside (restore)

It is given the AI service (jobs in extract mode ai/ai-schema, and auto's fallback, ask
it), the alerts a storage fault raises, and a clock for the supervisor's scheduling.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import trio

from scraped.dispatch import Handler
from scraped.engine import cluster, commands, jobs
from scraped.engine.runner import TOTALS
from scraped.engine.supervisor import Supervisor
from scraped.service import DEGRADED, DOWN, HEALTHY
from scraped.store.schema import JOBS

if TYPE_CHECKING:
    from scraped.ai.ai_service import AIService
    from scraped.ops.alerts import Alerts

log = logging.getLogger(__name__)
STUCK_AFTER = 15.0  # seconds without a supervisor tick: the engine is not working
FAILING_RATIO = 0.5  # a running job failing more than half its pages degrades health
FAILING_MIN_PAGES = 20


def fetch_settings(app: Any) -> Any:
    """The fetcher's settings from [engine] and [engine.fetch]."""
    from scraped.engine.fetch.fetcher import FetchSettings

    return FetchSettings.from_engine(app.config.engine)


class EngineService:
    name = "engine"

    def __init__(self, app: Any, *, ai: AIService | None = None, alerts: Alerts | None = None,
                 clock: Callable[[], float] = time.time):
        self.app = app
        self.ai = ai  # None: no model (modes ai/ai-schema refused, no fallback)
        self.alerts = alerts  # None: storage alerts go to the log and the error tracker only
        self.clock = clock
        self.supervisor: Supervisor | None = None
        self.fetcher: Any = None
        self.started_at: float | None = None

    # ------------------------------------------------------------ hooks for other areas
    def set_max_jobs(self, n: int | None) -> None:
        if self.supervisor is not None:
            self.supervisor.set_max_jobs(n)

    def jobs_running(self) -> int:
        return len(self.supervisor.running) if self.supervisor is not None else 0

    @contextlib.asynccontextmanager
    async def quiesce(self) -> AsyncIterator[None]:
        if self.supervisor is None:
            yield
            return
        async with self.supervisor.quiesce():
            yield

    # ------------------------------------------------------------ service protocol
    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        from scraped.engine.fetch.fetcher import Fetcher

        async with Fetcher(fetch_settings(self.app)) as fetcher:
            self.fetcher = fetcher
            supervisor = Supervisor(self.app, fetcher, ai=self.ai, alerts=self.alerts, clock=self.clock)
            async with trio.open_nursery() as nursery:
                self.supervisor = await nursery.start(supervisor.run)
                nursery.start_soon(cluster.heartbeat_loop, supervisor)
                self.started_at = self.clock()
                log.info("scraping engine ready: %d job slot(s), identity %s", supervisor.max_jobs,
                         supervisor.holder)
                task_status.started(self)

    def handlers(self) -> dict[str, Handler]:
        return commands.handlers(self)

    async def reload(self, old: Any, new: Any) -> None:
        if self.supervisor is None:
            return
        self.supervisor.wake()  # a new max_concurrent_jobs takes effect at once
        if self.fetcher is not None:
            self.fetcher.update_settings(fetch_settings(self.app))
        if old.engine.jobs_dir != new.engine.jobs_dir or new.engine.jobs_dir:
            await self.supervisor.load_jobs_dir()

    async def checkpoint(self) -> None:
        if self.supervisor is not None:
            await self.supervisor.checkpoint()

    async def health(self) -> dict[str, dict[str, Any]]:
        s = self.supervisor
        if s is None:
            return {"scraping_engine": {"status": DOWN, "reason": "the engine is not running"}}
        facts: dict[str, Any] = {"running": len(s.running), "max_jobs": s.max_jobs,
                                 "pages_per_s": round(sum(h.runner.rate for h in s.running.values()
                                                          if h.runner is not None), 1)}
        status, reasons = HEALTHY, []
        if self.clock() - s.last_tick_at > STUCK_AFTER:
            status = DOWN
            reasons.append(f"job supervisor has not run for {self.clock() - s.last_tick_at:.0f} s")
        if s.quiesced:
            status = max(status, DEGRADED, key=[HEALTHY, DEGRADED, DOWN].index)
            reasons.append("paused for a restore")
        for handle in s.running.values():
            r = handle.runner
            if r is None:
                continue
            done, failed = r.progress["pages_fetched"], r.progress["pages_failed"]
            if done + failed >= FAILING_MIN_PAGES and failed / (done + failed) > FAILING_RATIO:
                status = max(status, DEGRADED, key=[HEALTHY, DEGRADED, DOWN].index)
                reasons.append(f"job {handle.doc['name']} fails {failed} of {done + failed} pages")
        held = s.holds.health()
        if held is not None:  # a full disk or a read-only state dir: jobs paused, nothing written
            status = DOWN
            reasons += held[1]
            facts["held_jobs"] = {h.job_id: s.holds.describe(h) for h in s.holds.held.values()}
        if (s.jobs_dir_report or {}).get("errors"):
            status = max(status, DEGRADED, key=[HEALTHY, DEGRADED, DOWN].index)
            reasons.append(f"{len(s.jobs_dir_report['errors'])} invalid file(s) in jobs_dir")
        reason = "; ".join(reasons) or f"{len(s.running)} job(s) running of {s.max_jobs} slot(s)"
        return {"scraping_engine": {"status": status, "reason": reason, **facts}}

    # ------------------------------------------------------------ reports
    async def queue_status(self) -> dict[str, Any]:
        s = self.supervisor
        if s is None:
            return {"error": "the engine is not running"}
        counts = await s.jobs.count_by_status()
        queued = await s.jobs.store.find(JOBS, {"status": jobs.QUEUED},
                                         sort=[("created_at", 1)], limit=5)
        nxt = await s.schedules.next_scheduled()
        return {
            "queued": counts.get(jobs.QUEUED, 0), "running": counts.get(jobs.RUNNING, 0),
            "paused": counts.get(jobs.PAUSED, 0), "interrupted": counts.get(jobs.INTERRUPTED, 0),
            "stopping": counts.get(jobs.STOPPING, 0),
            "slots": {"max": s.max_jobs, "configured": s.cfg.max_concurrent_jobs, "adaptive": s.adaptive,
                      "used": len(s.running), "free": max(0, s.max_jobs - len(s.running))},
            "next_jobs": [{"id": d["_id"], "name": d["name"], "created_at": d["created_at"]} for d in queued],
            "next_scheduled": None if nxt is None else {"name": nxt["name"], "cron": nxt["cron"],
                                                        "at": nxt.get("next_run_at")},
            "quiesced": s.quiesced,
        }

    async def system_status(self) -> dict[str, Any]:
        s = self.supervisor
        if s is None:
            return {"running": False}
        cfg = s.cfg
        running = []
        for job_id, handle in s.running.items():
            r = handle.runner
            snap = r.snapshot() if r is not None else {}
            running.append({"id": job_id, "name": handle.doc["name"], "role": "helper" if handle.helper else "owner",
                            **(snap.get("progress") or {}),
                            "rate": snap.get("rate"), "in_flight": snap.get("in_flight")})
        stats = self.fetcher.stats() if self.fetcher is not None and hasattr(self.fetcher, "stats") else {}
        return {
            "running": True, "identity": s.holder, "started_at": self.started_at,
            "jobs_running": running, "queue": await self.queue_status(),
            "limits": {"max_concurrent_jobs": cfg.max_concurrent_jobs, "adaptive": s.adaptive,
                       "effective": s.max_jobs, "job_concurrency": cfg.job_concurrency,
                       "host_concurrency": cfg.host_concurrency, "host_delay": cfg.host_delay,
                       "max_pages_default": cfg.max_pages, "allow_private_networks": cfg.allow_private_networks,
                       "obey_robots": cfg.obey_robots},
            "pages_per_s": round(sum(j["rate"] or 0 for j in running), 1),
            "totals": ((await self.app.store.get(*TOTALS)) or {}).get("progress", {}),
            "fetcher": stats,
            "jobs_dir": s.jobs_dir_report,
            "schedules": len(await s.schedules.list()),
            "cluster": await cluster.view(self.app.store),
        }
