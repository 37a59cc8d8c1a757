"""Jobs and questions on top of the Store interface (the frontier has its own module).

Job state changes are atomic compare-and-set updates (`find_one_and_update` filtered on
the current status), so two commands racing on one job, or two daemons sharing a store,
cannot both win. Questions are upserted in batches: `$setOnInsert` the document and
`$addToSet` the source, so a second sighting adds a source, never a copy.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Sequence
from typing import Any

from scraped.engine import jobs
from scraped.engine.frontier import FRONTIER
from scraped.engine.ids import new_id
from scraped.errors import BadRequest, NotFound
from scraped.store.base import Filter, Store
from scraped.store.schema import JOBS, RAW

log = logging.getLogger(__name__)
QUESTIONS = RAW  # the engine's name for the raw questions it writes

HISTORY_KEPT = 30
Docs = list[dict[str, Any]]  # (JobsRepo.list shadows the builtin inside the class)


def empty_progress() -> dict[str, int]:
    return {"pages_fetched": 0, "pages_failed": 0, "questions_found": 0, "questions_new": 0, "bytes": 0}


class JobsRepo:
    def __init__(self, store: Store):
        self.store = store

    async def create(self, spec_raw: dict[str, Any], name: str, *, owner: int | None, source: str,
                     digest: str, status: str = jobs.QUEUED) -> dict[str, Any]:
        now = time.time()
        doc = {"_id": new_id(now), "name": name, "spec": spec_raw, "spec_digest": digest, "source": source,
               "status": status, "created_at": now, "started_at": None, "finished_at": None,
               "updated_at": now, "progress": empty_progress(), "stats": {}, "outcome": None,
               "last_error": None, "failures": [],
               "owner": owner, "lease": None, "request": None,
               "history": [{"at": now, "from": None, "to": status, "why": f"created ({source})"}]}
        await self.store.insert_one(JOBS, doc)
        return doc

    async def get(self, job_id: str) -> dict[str, Any]:
        doc = await self.store.get(JOBS, job_id)
        if doc is None:
            raise NotFound(f"no job {job_id!r}")
        return doc

    async def resolve(self, ref: str) -> dict[str, Any]:
        """A job by id, by a unique id prefix, or by name (the newest job of that name)."""
        doc = await self.store.get(JOBS, ref)
        if doc is not None:
            return doc
        if len(ref) >= 6 and re.fullmatch(r"[0-9A-Za-z]+", ref):
            found = await self.store.find(JOBS, {"_id": {"$regex": "^" + ref.upper()}}, limit=2)
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise BadRequest(f"job id prefix {ref!r} is ambiguous")
        found = await self.store.find(JOBS, {"name": ref}, sort=[("created_at", -1)], limit=1)
        if found:
            return found[0]
        raise NotFound(f"no job {ref!r}")

    async def list(self, statuses: Sequence[str] | None = None, limit: int = 50,
                   name: str | None = None) -> list[dict[str, Any]]:
        flt: Filter = {}
        if statuses:
            flt["status"] = {"$in": list(statuses)}
        if name:
            flt["name"] = name
        return await self.store.find(JOBS, flt, sort=[("created_at", -1)], limit=limit)

    async def transition(self, job_id: str, event: str, *, why: str = "",
                         extra: dict[str, Any] | None = None, expect: str | None = None) -> dict[str, Any]:
        """Apply `event` atomically; Conflict when the job's state forbids it."""
        doc = await self.get(job_id) if expect is None else None
        state = expect if expect is not None else doc["status"]  # type: ignore[index]
        new_state = jobs.next_state(state, event)
        now = time.time()
        sets: dict[str, Any] = {"status": new_state, "updated_at": now, **(extra or {})}
        if new_state == jobs.RUNNING:
            sets.setdefault("started_at", now)
        if state in jobs.TERMINAL:  # retried: no longer finished
            sets.setdefault("finished_at", None)
        if new_state in jobs.TERMINAL:
            sets["finished_at"] = now
            sets["lease"] = None
            sets["request"] = None
        if new_state in (jobs.PAUSED, jobs.INTERRUPTED, jobs.QUEUED):
            sets["lease"] = None
            sets["request"] = None
        if new_state != jobs.RUNNING:
            sets["helpers"] = {}  # helping daemons see it at their next save and leave
        update = {"$set": sets, "$push": {"history": {
            "$each": [{"at": now, "from": state, "to": new_state, "why": why or event}],
            "$slice": -HISTORY_KEPT}}}
        updated = await self.store.find_one_and_update(JOBS, {"_id": job_id, "status": state}, update)
        if updated is None:
            current = await self.get(job_id)
            jobs.next_state(current["status"], event)  # raises Conflict with the real state
            return await self.transition(job_id, event, why=why, extra=extra)
        log.info("job %s (%s): %s -> %s (%s)", job_id, updated.get("name"), state, new_state, why or event)
        return updated

    async def claim_next(self, holder: str, lease_seconds: float) -> dict[str, Any] | None:
        """Take the oldest QUEUED job: RUNNING, leased to `holder`."""
        now = time.time()
        doc = await self.store.find_one_and_update(
            JOBS, {"status": jobs.QUEUED},
            {"$set": {"status": jobs.RUNNING, "updated_at": now, "lease": {"holder": holder,
                                                                          "until": now + lease_seconds},
                      "request": None},
             "$push": {"history": {"$each": [{"at": now, "from": jobs.QUEUED, "to": jobs.RUNNING,
                                              "why": f"started by {holder}"}], "$slice": -HISTORY_KEPT}}},
            sort=[("created_at", 1)])
        if doc is not None and doc.get("started_at") is None:
            await self.store.update_one(JOBS, {"_id": doc["_id"]}, {"$set": {"started_at": now}})
            doc["started_at"] = now
        return doc

    async def join_running(self, holder: str, lease_seconds: float, exclude: Sequence[str],
                           worth: Any) -> dict[str, Any] | None:
        """Help the oldest RUNNING job of another live daemon that `worth(job)` says has
        work to share: adds `helpers.<key> = {holder, until}` to it atomically."""
        now = time.time()
        key = helper_key(holder)
        candidates = await self.store.find(JOBS, {
            "status": jobs.RUNNING, "lease.holder": {"$ne": holder}, "lease.until": {"$gt": now},
            "_id": {"$nin": list(exclude)}}, sort=[("started_at", 1)], limit=10)
        for job in candidates:
            if not await worth(job):
                continue
            joined = await self.store.find_one_and_update(
                JOBS, {"_id": job["_id"], "status": jobs.RUNNING},
                {"$set": {f"helpers.{key}": {"holder": holder, "until": now + lease_seconds}}})
            if joined is not None:
                log.info("job %s (%s): %s helps %s", joined["_id"], joined.get("name"), holder,
                         (joined.get("lease") or {}).get("holder"))
                return joined
        return None

    async def leave(self, job_id: str, holder: str) -> None:
        await self.store.update_one(JOBS, {"_id": job_id}, {"$unset": {f"helpers.{helper_key(holder)}": ""}})

    async def save_progress(self, job_id: str, holder: str, progress: dict[str, int],
                            failures: Docs, kept: int, lease_seconds: float,
                            last_error: str | None, *, replace: bool = False,
                            helper: bool = False, final: bool = False,
                            stats: dict[str, int] | None = None) -> dict[str, Any] | None:
        """Persist counters, append failures, renew the lease; returns the job (None if the
        lease was lost), whose `request` field carries a pause/stop from another daemon.

        `progress` holds deltas since the last save, added with `$inc` so daemons sharing
        the job do not overwrite each other; `replace=True` sets the whole map instead
        (the owner's recount from the store at start). A helper renews its `helpers` entry
        instead of the lease, and only while the job is RUNNING; its `final` save (as it
        leaves) adds its last counters whatever the job's state now (the owner may have
        completed the job meanwhile: the pages were still crawled)."""
        now = time.time()
        until = now + lease_seconds
        if helper and final:
            sets: dict[str, Any] = {"updated_at": now}
            flt: Filter = {"_id": job_id}
        elif helper:
            key = helper_key(holder)
            sets = {"updated_at": now, f"helpers.{key}": {"holder": holder, "until": until}}
            flt = {"_id": job_id, "status": jobs.RUNNING, f"helpers.{key}.holder": holder}
        else:
            sets = {"updated_at": now, "lease": {"holder": holder, "until": until}}
            flt = {"_id": job_id, "status": {"$in": [jobs.RUNNING, jobs.STOPPING]}, "lease.holder": holder}
        if replace:
            sets["progress"] = progress
        if last_error is not None:
            sets["last_error"] = last_error
        update: dict[str, Any] = {"$set": sets}
        incs = {f"progress.{k}": v for k, v in progress.items() if v} if not replace else {}
        incs.update({f"stats.{k}": v for k, v in (stats or {}).items() if v})
        if incs:
            update["$inc"] = incs
        if failures:
            update["$push"] = {"failures": {"$each": failures, "$slice": -kept}}
        return await self.store.find_one_and_update(JOBS, flt, update)

    async def request(self, job_id: str, what: str) -> None:
        await self.store.update_one(JOBS, {"_id": job_id}, {"$set": {"request": what}})

    async def orphaned(self, holder_prefix: str | None) -> Docs:
        """RUNNING/STOPPING jobs whose daemon died: with an expired (or no) lease, or,
        given `holder_prefix`, held by any earlier process of this daemon."""
        now = time.time()
        dead: list[Filter] = [{"lease.until": {"$lt": now}}, {"lease": None}]
        if holder_prefix is not None:
            dead.append({"lease.holder": {"$regex": "^" + re.escape(holder_prefix + ":")}})
        return await self.store.find(JOBS, {"status": {"$in": [jobs.RUNNING, jobs.STOPPING]}, "$or": dead},
                                     limit=1000)

    async def finished_before(self, before: float, limit: int) -> Docs:
        return await self.store.find(JOBS, {"status": {"$in": sorted(jobs.TERMINAL)}, "finished_at": {"$lt": before}},
                                     sort=[("finished_at", 1)], limit=limit)

    async def delete_finished(self, job_ids: Sequence[str]) -> dict[str, int]:
        """Delete finished jobs and their frontiers (a job that left its final state meanwhile,
        e.g. retried, is kept). Questions stay: they are the bank."""
        out = {"jobs": 0, "frontier_entries": 0}
        for job_id in job_ids:
            if await self.store.delete_many(JOBS, {"_id": job_id, "status": {"$in": sorted(jobs.TERMINAL)}}):
                out["jobs"] += 1
                out["frontier_entries"] += await self.store.delete_many(FRONTIER, {"job_id": job_id})
        return out

    async def count_by_status(self) -> dict[str, int]:
        return {str(k): v for k, v in (await self.store.count_by(JOBS, "status")).items()}


def helper_key(holder: str) -> str:
    """A field name for a holder (holders hold dots and colons: host names, pids)."""
    return "h" + hashlib.sha1(holder.encode()).hexdigest()[:12]


def helpers_of(job: dict[str, Any], now: float) -> list[str]:
    """Holders helping `job` whose entry has not expired."""
    return sorted(h["holder"] for h in (job.get("helpers") or {}).values()
                  if isinstance(h, dict) and float(h.get("until") or 0) > now)


# ---------------------------------------------------------------- questions


def question_filter(args: dict[str, Any]) -> Filter:
    """The store filter of the questions commands' common arguments."""
    flt: Filter = {}
    if args.get("category"):
        flt["category"] = args["category"]
    if args.get("difficulty"):
        flt["difficulty"] = args["difficulty"]
    if args.get("company"):
        flt["company_tags"] = args["company"]
    if args.get("job"):
        flt["job_id"] = args["job"]
    if args.get("enhancement"):
        flt["enhancement.state"] = args["enhancement"]
    if args.get("search"):
        flt["question"] = {"$regex": re.escape(args["search"]), "$options": "i"}
    return flt


def question_upsert(q: Any, *, url: str, job_id: str, extractor: str, seen_at: float,
                    defaults: Any) -> tuple[str, dict[str, Any]]:
    """The bulk_upsert op for one extracted question (`q`: ExtractedQuestion).

    The source's `seen_at` is the page's first claim time (stable across a crash-refetch),
    so re-adding it after a restart is idempotent under $addToSet.
    """
    tags = sorted(set(getattr(q, "company_tags", None) or ()) | set(defaults.company_tags))
    doc = {
        "question": q.question,
        "options": list(q.options or ()),
        "answer": q.answer,
        "answer_text": q.answer_text,
        "explanation": q.explanation,
        "category": q.category or defaults.category or None,
        "difficulty": q.difficulty or defaults.difficulty or None,
        "company_tags": tags,
        "extracted_at": seen_at,
        "job_id": job_id,
        "enhancement": {"state": "pending", "attempts": 0, "last_error": None},
    }
    source = {"url": url, "job_id": job_id, "extractor": extractor, "seen_at": seen_at}
    update: dict[str, Any] = {"$setOnInsert": doc, "$addToSet": {"sources": source}}
    if tags:
        update["$addToSet"]["company_tags"] = {"$each": tags}
        del doc["company_tags"]
    return q.key(), update
