"""The job supervisor: the job nursery, the queue, and every change of a job's state.

Resource handling: each running job is one task in the supervisor's nursery, inside its
own CancelScope; the runner opens a child nursery for its workers. Pause, stop and
shutdown cancel that scope with an *intent*; the runner saves its work in `finally` and
the supervisor then applies the intent as a state transition (scraped.engine.jobs). The
queue is the store (jobs in QUEUED), so it survives restarts and can be shared.

Error handling: a page never fails a job (the runner records it); a store failure
interrupts the job (it resumes later); anything else fails it, with the error recorded
and sent to the error tracker. The supervisor loop itself logs store errors and retries.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import trio

from scraped.engine import cluster, jobs, jobsdir
from scraped.engine import outcome as outcomes
from scraped.engine import spec as specs
from scraped.engine.frontier import FRONTIER, PENDING, Frontier
from scraped.engine.gate import Gate
from scraped.engine.repo import JobsRepo
from scraped.engine.runner import LeaseLost, Runner
from scraped.engine.schedules import Schedules
from scraped.engine.storage import Holds, StorageFault
from scraped.errors import Conflict, ScrapedError, StoreError, Unavailable

if TYPE_CHECKING:
    from scraped.ai.ai_service import AIService
    from scraped.ops.alerts import Alerts

log = logging.getLogger(__name__)


@dataclass(eq=False)
class RunningJob:
    doc: dict[str, Any]
    scope: trio.CancelScope = field(default_factory=trio.CancelScope)
    done: trio.Event = field(default_factory=trio.Event)
    intent: str | None = None  # pause | stop | interrupt, set before the scope is cancelled
    runner: Runner | None = None
    helper: bool = False  # helping another daemon's job: never changes the job's state

    def cancel(self, intent: str) -> None:
        if self.intent is None:
            self.intent = intent
        self.scope.cancel()


def daemon_identity(state_dir: str) -> str:
    """Stable across restarts of one daemon (host + state dir): a crashed daemon's jobs
    are recognised as its own at the next start."""
    digest = hashlib.sha1(state_dir.encode()).hexdigest()[:8]
    return f"{socket.gethostname()}:{digest}"


class Supervisor:
    def __init__(self, app: Any, fetcher: Any, *, ai: AIService | None = None, alerts: Alerts | None = None,
                 clock: Callable[[], float] = time.time):
        self.app = app
        self.fetcher = fetcher
        self.ai = ai  # handed to each job's runner (extraction by model)
        self.alerts = alerts  # a storage fault's alert (scraped/engine/storage.py)
        self.clock = clock  # the ticks' time: sweeps, schedules due, last_tick_at
        self.jobs = JobsRepo(app.store)
        self.schedules = Schedules(app.store, self.jobs, clock=clock)
        self.identity = daemon_identity(str(app.state_dir))
        self.holder = f"{self.identity}:{os.getpid()}"
        self.running: dict[str, RunningJob] = {}
        self.gate = Gate()  # every job's pages: many at once, or one suspect alone
        self.holds = Holds(self)  # jobs paused by a full disk or a read-only state dir
        self.adaptive: int | None = None
        self.jobs_dir_report: dict[str, Any] = {}
        self.started_at = clock()
        self.last_tick_at = 0.0
        self._wake = trio.Event()
        self._quiesced = 0
        self._nursery: trio.Nursery | None = None
        self._next_sweep = 0.0

    @property
    def cfg(self) -> Any:
        return self.app.config.engine

    @property
    def max_jobs(self) -> int:
        configured = self.cfg.max_concurrent_jobs
        return configured if self.adaptive is None else max(1, min(configured, self.adaptive))

    @property
    def quiesced(self) -> bool:
        return self._quiesced > 0

    def wake(self) -> None:
        self._wake.set()

    def set_max_jobs(self, n: int | None) -> None:
        """Adaptive concurrency (ops): running jobs go on; no new one starts above the limit."""
        if n is not None and n != self.adaptive:
            log.info("adaptive job limit: %s -> %d", self.adaptive, n)
        self.adaptive = n
        self.wake()

    # ------------------------------------------------------------ the loop
    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            await self.recover()
            await self.load_jobs_dir()
            task_status.started(self)
            while True:
                with trio.move_on_after(1.0):
                    await self._wake.wait()
                self._wake = trio.Event()
                try:
                    await self.tick()
                except ScrapedError as exc:
                    log.error("job supervisor: %s; retrying", exc)
                    await trio.sleep(1.0)

    async def tick(self) -> None:
        self.last_tick_at = now = self.clock()
        if self.quiesced:
            return
        if now >= self._next_sweep:
            self._next_sweep = now + self.cfg.lease_seconds / 2
            await self._sweep_expired()
            await cluster.forget_old(self.app.store)
        await self.schedules.fire_due(self._submit_raw)
        while len(self.running) < self.max_jobs and not self.quiesced:
            doc = await self.jobs.claim_next(self.holder, self.cfg.lease_seconds)
            if doc is None:
                break
            self._start(doc)
        if self.cfg.join_running_jobs and len(self.running) < self.max_jobs and not self.quiesced:
            doc = await self.jobs.join_running(self.holder, self.cfg.lease_seconds, list(self.running),
                                               self._worth_helping)
            if doc is not None:
                self._start(doc, helper=True)

    async def _worth_helping(self, job: dict[str, Any]) -> bool:
        """A job with at least a frontier batch of due pages (less is not worth a second daemon)."""
        due = await self.app.store.count(FRONTIER, {"job_id": job["_id"], "state": PENDING,
                                                    "next_attempt_at": {"$lte": time.time()}})
        return due >= self.cfg.frontier_batch

    def owned(self, job_id: str) -> RunningJob | None:
        """The handle of a job this daemon holds the lease of (not one it only helps)."""
        handle = self.running.get(job_id)
        return handle if handle is not None and not handle.helper else None

    def _start(self, doc: dict[str, Any], helper: bool = False) -> None:
        assert self._nursery is not None
        handle = RunningJob(doc, helper=helper)
        self.running[doc["_id"]] = handle
        self._nursery.start_soon(self._run_job, handle, name=f"job {doc['_id']}")

    async def _run_job(self, handle: RunningJob) -> None:
        job_id = handle.doc["_id"]
        outcome: str | None = "complete"
        why = "the frontier is exhausted"
        fault: StorageFault | None = None
        try:
            with handle.scope:
                try:
                    spec = specs.from_dict(handle.doc["spec"], source=f"job {job_id}")
                    handle.runner = Runner(app=self.app, jobs=self.jobs, job=handle.doc, spec=spec,
                                           fetcher=self.fetcher, holder=self.holder, helper=handle.helper,
                                           gate=self.gate, ai=self.ai,
                                           on_request=None if handle.helper else
                                           lambda what: self._request(job_id, what))
                    log.info("job %s (%s) %s", job_id, handle.doc["name"],
                             "helping" if handle.helper else "running")
                    await handle.runner.run()
                    if handle.runner.max_pages and handle.runner._settled >= handle.runner.max_pages:
                        why = f"max_pages ({handle.runner.max_pages}) reached"
                except* LeaseLost as group:
                    outcome, why = None, str(group.exceptions[0])
                except* StorageFault as group:
                    fault = group.exceptions[0]  # type: ignore[assignment]
                except* (StoreError, Unavailable) as group:
                    outcome, why = "interrupt", f"store unavailable: {group.exceptions[0]}"
                except* Exception as group:
                    exc = group.exceptions[0]
                    outcome, why = "fail", f"{type(exc).__name__}: {exc}"
                    self.app.capture_exception(exc, category="scraping", context={"job_id": job_id})
            if handle.scope.cancelled_caught:
                outcome = handle.intent or "interrupt"
                why = {"pause": "paused", "stop": "stopped", "interrupt": "daemon shutdown or restore"}.get(
                    outcome, outcome)
            with trio.CancelScope(shield=True):
                if fault is not None and not handle.scope.cancelled_caught and not handle.helper:
                    await self.holds.hold(handle.doc, fault, handle.runner.writer if handle.runner else None)
                elif handle.helper:
                    await self._leave(job_id, why)
                else:
                    await self._finish(job_id, outcome, why)
        finally:
            self.running.pop(job_id, None)
            handle.done.set()
            self.wake()

    async def _finish(self, job_id: str, outcome: str | None, why: str) -> None:
        if outcome is None:
            log.warning("job %s: %s", job_id, why)
            return
        try:
            doc = await self.jobs.get(job_id)
            event = {"stop": "stopped"}.get(outcome, outcome)
            if doc["status"] == jobs.STOPPING:
                event = "fail" if outcome == "fail" else "stopped"
            extra: dict[str, Any] | None = {"last_error": why} if outcome in ("fail", "interrupt") else None
            end: dict[str, Any] | None = None
            frontier = Frontier(self.app.store, job_id)
            if event == "complete":
                event, why, end = await outcomes.judge(frontier, self.cfg, why=why)
                extra = {"outcome": end, **({"last_error": why} if event == "fail" else {})}
            elif event == "fail":
                end = {"state": jobs.FAILED, "reason": why}
                extra = {"outcome": end, "last_error": why}
            doc = await self.jobs.transition(job_id, event, why=why, extra=extra)
            if end is not None:
                outcomes.report(self.app, doc, end)
            if doc["status"] in jobs.TERMINAL and self.cfg.drop_frontier and (
                    doc["status"] == jobs.STOPPED or not (await frontier.counts())["failed"]):
                await frontier.drop()  # a job with failed pages keeps it: jobs failures, retry-failed
        except ScrapedError as exc:
            log.error("job %s: could not record %s (%s): %s", job_id, outcome, why, exc)

    async def _leave(self, job_id: str, why: str) -> None:
        log.info("job %s: stopped helping (%s)", job_id, why)
        try:
            await self.jobs.leave(job_id, self.holder)
        except ScrapedError as exc:  # the entry expires on its own
            log.warning("job %s: could not remove the helper entry: %s", job_id, exc)

    def _request(self, job_id: str, what: str) -> None:
        """A pause/stop asked for through the store (by a command on another daemon)."""
        if self._nursery is not None:
            self._nursery.start_soon(self._apply_request, job_id, what)

    async def _apply_request(self, job_id: str, what: str) -> None:
        handle = self.owned(job_id)
        if handle is not None and what in ("pause", "stop"):
            handle.cancel(what)

    # ------------------------------------------------------------ recovery
    async def recover(self) -> dict[str, list[str]]:
        """At start (and after a restore): jobs this daemon was running when it died become
        INTERRUPTED; with engine.resume_interrupted, every INTERRUPTED job is queued again."""
        report: dict[str, list[str]] = {"interrupted": [], "resumed": []}
        for doc in await self.jobs.orphaned(self.identity):
            if self.owned(doc["_id"]) is not None:
                continue
            await self._interrupt_orphan(doc, "the daemon running it stopped unexpectedly")
            report["interrupted"].append(doc["_id"])
        if self.cfg.resume_interrupted:
            for doc in await self.jobs.list([jobs.INTERRUPTED], limit=1000):
                with contextlib.suppress(Conflict):
                    await self.jobs.transition(doc["_id"], "resume", why="resumed automatically")
                    report["resumed"].append(doc["_id"])
        if report["interrupted"] or report["resumed"]:
            log.info("recovered jobs: %d interrupted, %d resumed", len(report["interrupted"]),
                     len(report["resumed"]))
        self.wake()
        return report

    async def _interrupt_orphan(self, doc: dict[str, Any], why: str) -> None:
        with contextlib.suppress(Conflict):
            doc = await self.jobs.transition(doc["_id"], "interrupt", why=why, expect=doc["status"],
                                             extra={"last_error": why})
        await Frontier(self.app.store, doc["_id"]).release_crashed()
        if doc["status"] in jobs.TERMINAL and self.cfg.drop_frontier:
            await Frontier(self.app.store, doc["_id"]).drop()

    async def _sweep_expired(self) -> None:
        """Jobs of another daemon whose lease ran out (it died): interrupt, maybe resume."""
        found = [d for d in await self.jobs.orphaned(None) if self.owned(d["_id"]) is None and d["_id"] not in self.holds]
        for doc in found:
            holder = (doc.get("lease") or {}).get("holder")
            await self._interrupt_orphan(doc, f"the lease of {holder} expired")
            if self.cfg.resume_interrupted:
                with contextlib.suppress(Conflict):
                    await self.jobs.transition(doc["_id"], "resume", why="resumed after a lease expired")

    # ------------------------------------------------------------ commands
    async def submit(self, spec: specs.JobSpec, *, owner: int | None, source: str) -> dict[str, Any]:
        doc = await self.jobs.create(spec.raw, spec.name, owner=owner, source=source, digest=spec.digest())
        self.wake()
        return doc

    async def _submit_raw(self, raw: dict[str, Any], name: str, source: str, owner: int | None) -> dict[str, Any]:
        spec = specs.from_dict(raw, source=source)
        return await self.submit(spec, owner=owner, source=source)

    async def _wait(self, handle: RunningJob) -> None:
        with trio.move_on_after(self.cfg.stop_grace + 5):
            await handle.done.wait()

    async def pause(self, job_id: str) -> dict[str, Any]:
        doc = await self.jobs.get(job_id)
        handle = self.owned(job_id)
        if doc["status"] == jobs.RUNNING and handle is not None:
            handle.cancel("pause")
            await self._wait(handle)
        elif doc["status"] == jobs.RUNNING:
            await self.jobs.request(job_id, "pause")  # its daemon pauses it at its next save
        else:
            await self.jobs.transition(job_id, "pause", why="paused by command", expect=doc["status"])
        return await self.jobs.get(job_id)

    async def resume(self, job_id: str) -> dict[str, Any]:
        if job_id in self.holds:
            raise Conflict(f"job {job_id} is paused because the store cannot be written "
                           f"({self.holds.held[job_id].reason}); it resumes by itself once it can")
        doc = await self.jobs.transition(job_id, "resume", why="resumed by command")
        self.wake()
        return doc

    async def stop(self, job_id: str) -> dict[str, Any]:
        doc = await self.jobs.get(job_id)
        handle = self.owned(job_id)
        if doc["status"] == jobs.RUNNING:
            await self.jobs.transition(job_id, "stop", why="stopped by command", expect=jobs.RUNNING)
            if handle is None:
                await self.jobs.request(job_id, "stop")
        elif doc["status"] != jobs.STOPPING or handle is None:
            doc = await self.jobs.transition(job_id, "stop", why="stopped by command", expect=doc["status"])
            if self.cfg.drop_frontier:
                await Frontier(self.app.store, job_id).drop()
            return doc
        if handle is not None:
            handle.cancel("stop")
            await self._wait(handle)
        return await self.jobs.get(job_id)

    async def stop_all(self) -> list[dict[str, Any]]:
        out = []
        for doc in await self.jobs.list(sorted(jobs.ACTIVE), limit=10_000):
            try:
                done = await self.stop(doc["_id"])
                out.append({"id": doc["_id"], "name": doc["name"], "was": doc["status"],
                            "status": done["status"]})
            except Conflict as exc:
                out.append({"id": doc["_id"], "name": doc["name"], "was": doc["status"], "error": str(exc)})
        return out

    async def clear_queue(self) -> list[str]:
        cleared = []
        for doc in await self.jobs.list([jobs.QUEUED], limit=10_000):
            with contextlib.suppress(Conflict):
                await self.jobs.transition(doc["_id"], "clear", why="queue cleared", expect=jobs.QUEUED)
                cleared.append(doc["_id"])
                if self.cfg.drop_frontier:
                    await Frontier(self.app.store, doc["_id"]).drop()
        return cleared

    async def checkpoint(self) -> None:
        """Shutdown: every running job saves its work and becomes INTERRUPTED."""
        for h in self.holds.held.values():
            log.warning("job %s: %s at shutdown; its %d unwritten item(s) are fetched again after the restart",
                        h.job_id, h.reason, h.writer.pending() if h.writer is not None else 0)
        handles = list(self.running.values())
        for handle in handles:
            handle.cancel("interrupt")
        for handle in handles:
            await handle.done.wait()

    @contextlib.asynccontextmanager
    async def quiesce(self) -> AsyncIterator[None]:
        """No job works or writes inside this block (a restore replaces the store's
        contents); afterwards recovery runs on whatever the store now holds."""
        self._quiesced += 1
        paused: list[str] = []
        try:
            handles = list(self.running.values())
            for handle in handles:
                handle.cancel("interrupt")
                if not handle.helper:
                    paused.append(handle.doc["_id"])
            for handle in handles:
                await handle.done.wait()
            yield
        finally:
            self._quiesced -= 1
            if not self._quiesced:
                with trio.CancelScope(shield=True):
                    try:
                        await self.recover()
                        for job_id in paused:
                            with contextlib.suppress(Conflict, ScrapedError):
                                await self.jobs.transition(job_id, "resume", why="resumed after quiesce")
                    except ScrapedError as exc:
                        log.error("after quiesce: %s", exc)
                self.wake()

    async def load_jobs_dir(self) -> dict[str, Any]:
        try:
            self.jobs_dir_report = await jobsdir.load(self.cfg.jobs_dir, self)
        except ScrapedError as exc:
            self.jobs_dir_report = {"path": self.cfg.jobs_dir, "errors": {"*": [str(exc)]}}
            log.error("jobs_dir %s: %s", self.cfg.jobs_dir, exc)
        return self.jobs_dir_report
