"""Recurring jobs: a spec with `schedule = "<cron>"` becomes a schedule, not a job.

Schedules live in the store (`meta`, `_id = "schedule:<name>"`), so they survive
restarts and several daemons sharing a store fire each run once: a run is claimed by
moving `next_run_at` forward atomically (compare-and-set on its old value). Next fire
times come from APScheduler 3.x's CronTrigger (`.get_next_fire_time(None, now)`), in UTC.
A run is skipped, not stacked, while the previous run of the same schedule is active.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from scraped.engine import jobs
from scraped.engine.repo import JOBS, JobsRepo
from scraped.engine.spec import JobSpec, next_fire
from scraped.errors import NotFound
from scraped.store.base import Store
from scraped.store.schema import META

log = logging.getLogger(__name__)
Names = list[str]  # (Schedules.list shadows the builtin inside the class)


def schedule_id(name: str) -> str:
    return f"schedule:{name}"


class Schedules:
    def __init__(self, store: Store, jobs_repo: JobsRepo, *, clock: Callable[[], float] = time.time):
        self.store = store
        self.jobs = jobs_repo
        self.clock = clock  # epoch seconds: when a schedule is due, when it ran

    async def register(self, spec: JobSpec, *, source: str, owner: int | None) -> dict[str, Any]:
        """Create or update the schedule of `spec` (a changed cron or spec re-times it)."""
        now = self.clock()
        sid = schedule_id(spec.name)
        old = await self.store.get(META, sid)
        sets: dict[str, Any] = {"kind": "schedule", "name": spec.name, "spec": spec.raw, "cron": spec.schedule,
                                "source": source, "spec_digest": spec.digest(), "owner": owner,
                                "updated_at": now}
        if old is None or old.get("cron") != spec.schedule or old.get("spec_digest") != spec.digest():
            sets["next_run_at"] = next_fire(spec.schedule, now)
        await self.store.update_one(META, {"_id": sid}, {
            "$set": sets, "$setOnInsert": {"created_at": now, "last_run_at": None, "last_job_id": None,
                                           "runs": 0, "skipped": 0}}, upsert=True)
        doc = await self.store.get(META, sid)
        assert doc is not None
        log.info("schedule %r (%s): next run at %s", spec.name, spec.schedule, doc.get("next_run_at"))
        return doc

    async def remove(self, name: str) -> None:
        if not await self.store.delete_many(META, {"_id": schedule_id(name)}):
            raise NotFound(f"no schedule {name!r}")

    async def list(self) -> list[dict[str, Any]]:
        return await self.store.find(META, {"kind": "schedule"}, sort=[("next_run_at", 1)], limit=1000)

    async def next_scheduled(self) -> dict[str, Any] | None:
        found = await self.store.find(META, {"kind": "schedule", "next_run_at": {"$ne": None}},
                                      sort=[("next_run_at", 1)], limit=1)
        return found[0] if found else None

    async def fire_due(self, submit: Any) -> Names:
        """Start every due run; `submit(spec_raw, name, source, owner)` creates the job."""
        now = self.clock()
        started = []
        due = await self.store.find(META, {"kind": "schedule", "next_run_at": {"$lte": now}}, limit=100)
        for doc in due:
            following = next_fire(doc["cron"], now)
            claimed = await self.store.find_one_and_update(
                META, {"_id": doc["_id"], "next_run_at": doc["next_run_at"]},
                {"$set": {"next_run_at": following, "last_run_at": now}})
            if claimed is None:
                continue  # another daemon fired it
            source = f"schedule:{doc['name']}"
            active = await self.store.find(JOBS, {"source": source, "status": {"$in": sorted(jobs.ACTIVE)}},
                                           limit=1)
            if active:
                log.warning("schedule %r: previous run %s is still %s; skipping this run", doc["name"],
                            active[0]["_id"], active[0]["status"])
                await self.store.update_one(META, {"_id": doc["_id"]}, {"$inc": {"skipped": 1}})
                continue
            job = await submit(doc["spec"], doc["name"], source, doc.get("owner"))
            await self.store.update_one(META, {"_id": doc["_id"]},
                                        {"$set": {"last_job_id": job["_id"]}, "$inc": {"runs": 1}})
            started.append(job["_id"])
        return started

    async def prune_sources(self, prefix: str, keep: set[str]) -> Names:
        """Remove schedules whose source starts with `prefix` but is not in `keep`
        (a jobs_dir file that was deleted)."""
        gone = [d for d in await self.list()
                if str(d.get("source", "")).startswith(prefix) and d.get("source") not in keep]
        for d in gone:
            await self.store.delete_many(META, {"_id": d["_id"]})
            log.info("schedule %r removed: %s is gone", d["name"], d["source"])
        return [d["name"] for d in gone]
