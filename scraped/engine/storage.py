"""Disk full and a read-only state dir during a crawl: jobs pause, and resume by themselves.

A store write failing because the disk is full (SQLITE_FULL, ENOSPC, EDQUOT) or the state
dir became read-only (SQLITE_READONLY, EROFS) is a *storage fault*, not an outage to wait
out under the lease: the runner stops at once (`StorageFault`) without touching the store,
and the supervisor holds the job (`Holds`):

- the job shows PAUSED with the reason ("disk full", "state dir read-only"); the state is
  written to the store as soon as the store takes writes again (until then `jobs show`
  and `jobs list` say so from memory: `recorded: false`);
- the engine's health is down and an alert is raised (error tracker, journal at CRITICAL,
  the alert webhook when one is set), once per fault;
- what was extracted but not written stays in the runner's write buffer in memory
  (bounded: workers wait when it is full) and is written first when space returns. The
  pages it came from are still in flight in the store, never marked done before their
  questions are written: if the daemon dies meanwhile they are fetched again after the
  restart, so nothing extracted is lost either way;
- every `PROBE_SECONDS` the held job tries its buffered writes; once they succeed the job
  is recorded PAUSED then QUEUED ("space returned after N s") and runs on.
"""

from __future__ import annotations

import errno
import logging
import time
from dataclasses import dataclass
from typing import Any

import trio

from scraped.engine import jobs
from scraped.engine.frontier import Frontier
from scraped.errors import Conflict, NotFound, ScrapedError

log = logging.getLogger(__name__)

PROBE_SECONDS = 2.0
ALERT_COOLDOWN = 300.0
DISK_FULL = "disk full"
READ_ONLY = "state dir read-only"
IO_ERROR = "state dir write error"
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_RO_ERRNOS = {errno.EROFS}


class StorageFault(ScrapedError):
    """A store write failed for want of space or write access: hold the job."""

    code = "unavailable"

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def storage_fault(exc: BaseException) -> StorageFault | None:
    """The fault behind a failed store call, or None for any other failure."""
    if isinstance(exc, StorageFault):
        return exc
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno in _FULL_ERRNOS:
            return StorageFault(DISK_FULL, str(exc))
        if exc.errno in _RO_ERRNOS:
            return StorageFault(READ_ONLY, str(exc))
    text = str(exc).lower()
    if any(s in text for s in ("database or disk is full", "no space left", "disk quota exceeded")):
        return StorageFault(DISK_FULL, str(exc))
    if any(s in text for s in ("readonly database", "read-only file system", "read-only database")):
        return StorageFault(READ_ONLY, str(exc))
    if "disk i/o error" in text:  # SQLITE_IOERR: what SQLite reports when the kernel remounts the
        return StorageFault(IO_ERROR, str(exc))  # state dir read-only under it (EROFS), or the disk fails
    return None


@dataclass
class Held:
    job_id: str
    name: str
    reason: str
    detail: str
    since: float
    writer: Any  # the runner's BatchWriter, holding what was extracted and not yet written
    recorded: bool = False  # the PAUSED state is in the store
    probes: int = 0


class Holds:
    """Jobs held by a storage fault, the probe that resumes them, the alert."""

    def __init__(self, supervisor: Any):
        self.sup = supervisor
        self.held: dict[str, Held] = {}
        self._alerted: dict[str, float] = {}

    def __contains__(self, job_id: str) -> bool:
        return job_id in self.held

    def overlay(self, summary: dict[str, Any]) -> dict[str, Any]:
        """A job summary as it is now, for a held job whose PAUSED is not in the store yet."""
        h = self.held.get(summary.get("id", ""))
        if h is None:
            return summary
        return {**summary, "status": jobs.PAUSED, "reason": f"{h.reason}: {h.detail}",
                "held": self.describe(h)}

    def describe(self, h: Held) -> dict[str, Any]:
        return {"reason": h.reason, "detail": h.detail, "since": h.since, "recorded": h.recorded,
                "unwritten": h.writer.pending() if h.writer is not None else 0, "probes": h.probes}

    def health(self) -> tuple[str, list[str]] | None:
        if not self.held:
            return None
        reasons = sorted({h.reason for h in self.held.values()})
        unwritten = sum(h.writer.pending() for h in self.held.values() if h.writer is not None)
        return "down", [f"{len(self.held)} job(s) paused: {', '.join(reasons)} ({self.sup.app.state_dir}); "
                        f"{unwritten} extracted item(s) kept in memory until it is writable again"]

    async def hold(self, job: dict[str, Any], fault: StorageFault, writer: Any) -> None:
        h = Held(job["_id"], job.get("name", ""), fault.reason, fault.detail, time.time(), writer)
        self.held[h.job_id] = h
        log.error("job %s (%s) paused: %s; retrying every %.0f s", h.job_id, h.name, fault, PROBE_SECONDS)
        self.alert(h)
        try:
            await self.sup.jobs.transition(h.job_id, "pause", why=f"{h.reason}: {h.detail}",
                                           extra={"held_by": h.reason}, expect=jobs.RUNNING)
            h.recorded = True
        except (ScrapedError, OSError) as exc:
            log.info("job %s: PAUSED not recorded yet (%s)", h.job_id, exc)
        assert self.sup._nursery is not None
        self.sup._nursery.start_soon(self._probe, h, name=f"storage probe {h.job_id}")

    async def _probe(self, h: Held) -> None:
        try:
            while True:
                await trio.sleep(PROBE_SECONDS)
                h.probes += 1
                try:
                    await self._try_resume(h)
                    return
                except (ScrapedError, OSError) as exc:
                    if storage_fault(exc) is None and not isinstance(exc, Conflict):
                        log.warning("job %s: still held (%s)", h.job_id, exc)
        finally:
            self.held.pop(h.job_id, None)
            self.sup.wake()

    async def _try_resume(self, h: Held) -> None:
        try:
            doc = await self.sup.jobs.get(h.job_id)
        except NotFound:
            return  # deleted meanwhile
        if doc["status"] not in (jobs.RUNNING, jobs.PAUSED):
            log.warning("job %s is %s now: its %d unwritten item(s) are dropped", h.job_id, doc["status"],
                        h.writer.pending() if h.writer is not None else 0)
            return  # stopped or deleted meanwhile: nothing to write into
        if h.writer is not None:
            await h.writer.flush()  # what was extracted, first
        await Frontier(self.sup.app.store, h.job_id, self.sup.holder).release_in_flight(mine_only=True)
        took = time.time() - h.since
        if not h.recorded:
            await self.sup.jobs.transition(h.job_id, "pause", why=f"{h.reason}: {h.detail} (at "
                                           f"{time.strftime('%H:%M:%S', time.gmtime(h.since))} UTC)",
                                           extra={"held_by": h.reason}, expect=jobs.RUNNING)
            h.recorded = True
        doc = await self.sup.jobs.get(h.job_id)
        if doc["status"] == jobs.PAUSED and doc.get("held_by"):
            await self.sup.jobs.transition(h.job_id, "resume", why=f"{h.reason} is over: writable again after "
                                           f"{took:.0f} s", extra={"held_by": None}, expect=jobs.PAUSED)
        log.warning("job %s (%s): %s over after %.0f s; resumed", h.job_id, h.name, h.reason, took)

    def alert(self, h: Held) -> None:
        now = time.time()
        if now - self._alerted.get(h.reason, 0.0) < ALERT_COOLDOWN:
            return
        self._alerted[h.reason] = now
        app = self.sup.app
        message = f"Storage fault: {h.reason} in {app.state_dir}; job {h.name} paused"
        context = {"job_id": h.job_id, "reason": h.reason, "detail": h.detail, "state_dir": str(app.state_dir)}
        log.critical("ALERT %s", message, extra={"alert": "storage", "severity": "critical"})
        app.errors.capture(message, "storage", "critical", context, error_type="Alert", location="engine:storage")
        alerts = self.sup.alerts  # ops' alerts (scraped/ops/alerts.py), given by the composition root
        if alerts is not None and self.sup._nursery is not None:
            alert = {"message": message, "category": "storage", "severity": "critical", "context": context,
                     "monitor": "storage", "at": now}
            alerts.recent.append(alert)  # `scrapedctl monitors` last alerts
            self.sup._nursery.start_soon(alerts.deliver, [alert])  # the webhook, when one is set
