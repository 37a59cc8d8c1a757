"""DataService: backups, restore, retention and index management as one daemon service.

Registers two periodic tasks with the scheduler it is given (triggers in [ops.schedule]):
`backup` (runbook: daily, keep 7) and `retention` (the runbook's "Clean Old Data").

Resource handling: one lock serialises the operations that write data or archives
(backup, verify, restore, maintenance, reindex): a restore never runs under a backup or
a retention pass. A command that finds the lock taken is refused at once (conflict,
naming what runs); a scheduled task waits its turn (bounded by the scheduler's
task_timeout). `run()` owns no long-lived task besides waiting: the work runs in the
caller's task (a control connection or the scheduler's nursery).

Error handling: errors reach the caller (the control reply, or the scheduler, which
records them and feeds the error tracker); health shows the last backup's outcome.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import trio

from scraped import errors
from scraped.ops.backups import Backups
from scraped.ops.retention import run_retention
from scraped.service import DEGRADED, HEALTHY

if TYPE_CHECKING:
    from scraped.scheduler import SchedulerService
    from scraped.service import Quiescable

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_BACKUP = "0 3 * * *"
DEFAULT_RETENTION = "30 3 * * *"


class DataService:
    name = "data"

    def __init__(self, app: Any, *, scheduler: SchedulerService | None,
                 quiesce: Sequence[Quiescable] = ()):
        """`quiesce`: the services a restore pauses (the engine's jobs, the AI workers)."""
        self.app = app
        self.scheduler = scheduler  # None: backups and retention only on demand (said at start)
        self.backups = Backups(app, quiesce)
        self._lock = trio.Lock()
        self.busy: str | None = None
        self.busy_since: float | None = None
        self.last_backup: dict[str, Any] | None = None
        self.last_backup_error: str | None = None
        self.last_retention: dict[str, Any] | None = None

    # ------------------------------------------------------------ lifecycle
    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            removed = await self.backups.clean_stale()
            if removed:
                log.info("removed %d leftover(s) of an interrupted backup: %s", len(removed), ", ".join(removed))
        except OSError as exc:
            log.warning("cannot tidy the backup directory %s: %s", self.backups.directory, exc)
        self._register_tasks()
        task_status.started(self)
        await trio.sleep_forever()

    def _register_tasks(self) -> None:
        sched = self.scheduler
        if sched is None:
            log.warning("no scheduler: backups and retention run only on demand (backup run, db maintenance)")
            return
        sched.register("backup", DEFAULT_BACKUP, self.task_backup,
                       description="back up the store, verify it, keep the newest ops.backup.keep")
        sched.register("retention", DEFAULT_RETENTION, self.task_retention,
                       description="delete old finished jobs, archive old raw questions")

    async def reload(self, old: Any, new: Any) -> None:
        return None  # every run reads app.config.ops.backup / .retention when it starts

    async def checkpoint(self) -> None:
        return None  # an unfinished backup leaves only hidden partial files, removed at start

    def handlers(self) -> dict[str, Any]:
        from scraped.ops import data_commands, db_commands

        return {**data_commands.handlers(self), **db_commands.handlers(self)}

    # ------------------------------------------------------------ serialisation
    async def exclusive(self, what: str, fn: Callable[[], Awaitable[T]], *, wait: bool = False) -> T:
        """Run `fn` alone among data operations; without `wait`, refuse when one runs."""
        if not wait and self._lock.locked():
            since = f" for {time.time() - self.busy_since:.0f} s" if self.busy_since else ""
            raise errors.Conflict(f"{self.busy} is running{since}; try again when it ends")
        async with self._lock:
            self.busy, self.busy_since = what, time.time()
            try:
                return await fn()
            finally:
                self.busy = self.busy_since = None

    # ------------------------------------------------------------ operations
    async def backup(self, kind: str = "manual", *, wait: bool = False) -> dict[str, Any]:
        try:
            result = await self.exclusive("a backup", lambda: self.backups.backup(kind), wait=wait)
        except errors.Conflict:
            raise
        except errors.ScrapedError as exc:
            self.last_backup_error = str(exc)
            raise
        self.last_backup, self.last_backup_error = result, None
        return result

    async def verify(self, name: str) -> dict[str, Any]:
        return await self.exclusive("a verification", lambda: self.backups.verify(name))

    async def restore(self, name: str) -> dict[str, Any]:
        return await self.exclusive("a restore", lambda: self.backups.restore(name))

    async def maintenance(self, dry_run: bool = False, *, wait: bool = False) -> dict[str, Any]:
        store = self._store()
        cfg = self.app.config.ops.retention
        if dry_run:  # reads only: no need to wait for (or block) anything
            return await run_retention(store, cfg, dry_run=True)
        result = await self.exclusive("retention", lambda: run_retention(store, cfg), wait=wait)
        self.last_retention = result
        return result

    async def reindex(self) -> dict[str, Any]:
        store = self._store()
        return await self.exclusive("a reindex", store.reindex)

    async def indexes(self) -> dict[str, Any]:
        store = self._store()
        rows = await store.list_indexes()
        return {"backend": store.backend, "indexes": rows,
                "usage_reported": any(r.get("usage") is not None for r in rows)}

    def _store(self) -> Any:
        if self.app.store is None:
            raise errors.Unavailable("the store is not open")
        return self.app.store

    # ------------------------------------------------------------ scheduled tasks
    async def task_backup(self) -> dict[str, Any]:
        result = await self.backup("scheduled", wait=True)
        return {k: result[k] for k in ("name", "size", "documents", "seconds", "deleted")}

    async def task_retention(self) -> dict[str, Any]:
        return await self.maintenance(wait=True)

    # ------------------------------------------------------------ health
    async def health(self) -> dict[str, dict[str, Any]]:
        """`backups`: when the last one was written and whether it verified."""
        facts: dict[str, Any] = {"directory": str(self.backups.directory)}
        if self.busy:
            facts["running"] = self.busy
        if self.last_backup_error:
            return {"backups": {"status": DEGRADED, "reason": f"last backup failed: {self.last_backup_error}",
                                **facts}}
        try:
            listing = await self.backups.list()
        except OSError as exc:
            return {"backups": {"status": DEGRADED, "reason": f"backup directory unreadable: {exc}", **facts}}
        regular = [b for b in listing["backups"] if b["kind"] != "pre-restore"]
        if not regular:
            return {"backups": {"status": HEALTHY, "reason": "no backup yet", **facts}}
        newest = regular[0]
        facts.update(newest=newest["name"], newest_at=newest["created_at"], count=len(regular))
        if newest["verified"] is False:
            return {"backups": {"status": DEGRADED, "reason": f"{newest['name']} fails verification", **facts}}
        age_h = (time.time() - (newest["created_at"] or 0)) / 3600
        return {"backups": {"status": HEALTHY, "reason": f"newest {newest['name']} ({age_h:.1f} h old)", **facts}}
