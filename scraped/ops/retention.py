"""Data retention: the runbook's "Clean Old Data", in batches and crash-safe.

1. Jobs in a finished state (COMPLETED, FAILED) created more than `jobs_days` ago (and
   not finished since) are deleted with their frontier entries: per batch the frontier
   first, then the jobs, so an interrupted run leaves no job without its frontier
   cleaned and the next run finishes the rest.
2. Raw questions extracted more than `raw_days` ago move to `archived_raw_questions`:
   per batch, copy first (an upsert by `_id`, so a copy repeated after a crash never
   duplicates; `archived_at` is kept from the first copy), delete second. A run cut
   between the two leaves documents in both; the next run copies them again (no-op)
   and deletes them.

`dry_run` counts what a run would do and changes nothing. Questions found on other
jobs keep their `job_id`; deleting a job never deletes questions.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scraped.bank.lifecycle import ARCHIVED as ARCHIVE
from scraped.bank.lifecycle import RAW, archivable_filter
from scraped.store.base import Filter, Store
from scraped.store.schema import FRONTIER, JOBS

log = logging.getLogger(__name__)

DAY = 86400.0


def job_filter(cutoff: float, statuses: tuple[str, ...]) -> Filter:
    return {"status": {"$in": list(statuses)}, "created_at": {"$lt": cutoff},
            "$or": [{"finished_at": None}, {"finished_at": {"$lt": cutoff}}]}


def raw_filter(cutoff: float) -> Filter:
    # The bank decides what may leave: a question still waiting for (or under) enhancement
    # keeps its place in the enhancement queue.
    return archivable_filter(cutoff)


def _archived(doc: dict[str, Any], now: float) -> dict[str, Any]:
    fields = {k: v for k, v in doc.items() if k not in ("_id", "archived_at")}
    return {"$set": fields, "$setOnInsert": {"archived_at": now}}


async def run_retention(store: Store, cfg: Any, *, dry_run: bool = False,
                        now: float | None = None) -> dict[str, Any]:
    """One retention pass with the [ops.retention] settings `cfg`; returns the counts."""
    now = time.time() if now is None else now
    start = time.perf_counter()
    jobs_cutoff, raw_cutoff = now - cfg.jobs_days * DAY, now - cfg.raw_days * DAY
    result: dict[str, Any] = {"dry_run": dry_run, "jobs_before": iso(jobs_cutoff),
                              "raw_before": iso(raw_cutoff), "statuses": list(cfg.job_statuses)}
    if dry_run:
        result.update(await _plan(store, cfg, jobs_cutoff, raw_cutoff))
    else:
        result.update(await _delete_jobs(store, cfg, jobs_cutoff))
        result.update(await _archive_raw(store, cfg, raw_cutoff, now))
    result["seconds"] = round(time.perf_counter() - start, 3)
    if not dry_run:
        log.info("retention: %d job(s) and %d frontier entries deleted, %d raw question(s) archived",
                 result["jobs_deleted"], result["frontier_deleted"], result["raw_archived"])
    return result


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


async def _plan(store: Store, cfg: Any, jobs_cutoff: float, raw_cutoff: float) -> dict[str, int]:
    flt = job_filter(jobs_cutoff, tuple(cfg.job_statuses))
    jobs = frontier = 0
    async for page in _pages(store, JOBS, flt, cfg.batch_size):
        jobs += len(page)
        frontier += await store.count(FRONTIER, {"job_id": {"$in": [d["_id"] for d in page]}})
    raw = await store.count(RAW, raw_filter(raw_cutoff))
    # Left in both collections by an interrupted run; the real run finishes them.
    pending = 0
    async for page in _pages(store, RAW, raw_filter(raw_cutoff), cfg.batch_size):
        pending += await store.count(ARCHIVE, {"_id": {"$in": [d["_id"] for d in page]}})
    return {"jobs_to_delete": jobs, "frontier_to_delete": frontier, "raw_to_archive": raw,
            "raw_already_copied": pending}


async def _pages(store: Store, coll: str, flt: Filter, size: int) -> Any:
    """Pages of matching documents by `_id` order. Paging from the last `_id` seen (not
    from the start again) makes progress even when a batch cannot be deleted."""
    last: str | None = None
    while True:
        page_filter = flt if last is None else {"$and": [flt, {"_id": {"$gt": last}}]}
        page = await store.find(coll, page_filter, sort=[("_id", 1)], limit=size)
        if page:
            yield page
        if len(page) < size:
            return
        last = page[-1]["_id"]


async def _delete_jobs(store: Store, cfg: Any, cutoff: float) -> dict[str, int]:
    flt = job_filter(cutoff, tuple(cfg.job_statuses))
    jobs = frontier = 0
    async for page in _pages(store, JOBS, flt, cfg.batch_size):
        ids = [d["_id"] for d in page]
        frontier += await store.delete_many(FRONTIER, {"job_id": {"$in": ids}})
        # The filter again: a job resumed or re-run meanwhile is no longer old and finished.
        jobs += await store.delete_many(JOBS, {"$and": [flt, {"_id": {"$in": ids}}]})
    return {"jobs_deleted": jobs, "frontier_deleted": frontier}


async def _archive_raw(store: Store, cfg: Any, cutoff: float, now: float) -> dict[str, int]:
    flt = raw_filter(cutoff)
    archived = deleted = 0
    async for page in _pages(store, RAW, flt, cfg.batch_size):
        ids = [d["_id"] for d in page]
        await store.bulk_upsert(ARCHIVE, [(d["_id"], _archived(d, now)) for d in page])
        archived += len(page)
        # The filter again: a question changed meanwhile so that it is no longer old stays.
        deleted += await store.delete_many(RAW, {"$and": [flt, {"_id": {"$in": ids}}]})
    return {"raw_archived": archived, "raw_deleted": deleted}
