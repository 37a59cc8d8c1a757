"""One job's frontier, kept in the store: URLs to visit, their depth, state and attempts.

    pending ──claim──▶ in_flight ──▶ done
       ▲                  │  └─────▶ failed (after engine.page_attempts)
       └──release / retry─┘

Entries are keyed `job_id:sha1(canonical url)`, so the store's `_id` is the
de-duplication: adding a URL twice inserts it once (`insert_many(ignore_duplicates)`).
Memory stays bounded for any frontier size: a runner claims small batches, never the
whole frontier, and the seen-set in front of the store is a bounded cache.

A claim stamps `first_claimed_at` with `$min`, so a page fetched again after a crash
keeps its first time: the question sources written from it are the same values, and
`$addToSet` makes the second write a no-op.

Crash accounting (`release_crashed`): a page in flight when the daemon died is not
blamed for it: its attempt is refunded and `crash_seen` counted. A page seen at two
crashes becomes a *suspect*; suspects are then run one at a time, alone in the whole
daemon (`scraped.engine.gate`), with `alone_at` stamped when their processing starts. Only
a crash while a page was processed alone counts against it (`crashes`); at
`engine.page_crashes` such crashes it is given up (failed, kind "crash"), and
`jobs retry-failed` brings it back. A crash loop therefore cannot give up a healthy page
unless the daemon dies while that page alone is being worked on, `page_crashes` times.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from typing import Any

from scraped.store.base import Store
from scraped.store.schema import FRONTIER

PENDING, IN_FLIGHT, DONE, FAILED = "pending", "in_flight", "done", "failed"


def entry_id(job_id: str, url: str) -> str:
    return f"{job_id}:{hashlib.sha1(url.encode('utf-8', 'surrogatepass')).hexdigest()}"


def new_entry(job_id: str, url: str, depth: int, now: float, referrer: str | None = None) -> dict[str, Any]:
    return {"_id": entry_id(job_id, url), "job_id": job_id, "url": url, "depth": depth, "state": PENDING,
            "attempts": 0, "next_attempt_at": now, "last_error": None, "added_at": now,
            "referrer": referrer, "lease": None}


class SeenCache:
    """A bounded LRU of entry ids already known to be in the frontier."""

    def __init__(self, size: int):
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        if key in self._ids:
            self._ids.move_to_end(key)
            return True
        return False

    def add(self, key: str) -> None:
        if self.size <= 0:
            return
        self._ids[key] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)

    def __len__(self) -> int:
        return len(self._ids)


class Frontier:
    def __init__(self, store: Store, job_id: str, holder: str = ""):
        self.store = store
        self.job_id = job_id
        self.holder = holder

    async def seed(self, urls: list[str]) -> int:
        now = time.time()
        docs = [new_entry(self.job_id, u, 0, now) for u in dict.fromkeys(urls)]
        return await self.store.insert_many(FRONTIER, docs, ignore_duplicates=True)

    async def claim(self, limit: int, lease_seconds: float, *, suspects: bool = False) -> list[dict[str, Any]]:
        """Up to `limit` due pending entries, oldest first, now in flight; `suspects`: only
        pages seen at several crashes (else only the others)."""
        now = time.time()
        return await self.store.claim(
            FRONTIER, {"job_id": self.job_id, "state": PENDING, "next_attempt_at": {"$lte": now},
                       "suspect": True if suspects else {"$in": [False, None]}},
            {"$set": {"state": IN_FLIGHT, "lease": {"holder": self.holder, "until": now + lease_seconds},
                      "alone_at": None},
             "$inc": {"attempts": 1}, "$min": {"first_claimed_at": now}},
            sort=[("next_attempt_at", 1)], limit=limit)

    async def has_suspects(self, due: bool = False) -> bool:
        flt: dict[str, Any] = {"job_id": self.job_id, "state": PENDING, "suspect": True}
        if due:
            flt["next_attempt_at"] = {"$lte": time.time()}
        return bool(await self.store.count(FRONTIER, flt))

    async def mark_alone(self, entry_id_: str) -> None:
        """A suspect's processing starts with nothing else in flight in the daemon."""
        await self.store.update_one(FRONTIER, _mine(entry_id_, self.holder), {"$set": {"alone_at": time.time()}})

    async def release_crashed(self, holder_filter: dict[str, Any] | None = None) -> dict[str, int]:
        """In-flight entries a dead daemon left (matching `holder_filter`) go back to pending.

        The attempt is refunded (the page did not fail; the daemon died). A page that was
        being processed alone (`alone_at` set) has the crash counted against it; any other
        counts one more `crash_seen`, and at two it becomes a suspect (run alone next)."""
        now = time.time()
        base: dict[str, Any] = {"job_id": self.job_id, "state": IN_FLIGHT, **(holder_filter or {})}
        blamed = await self.store.update_many(
            FRONTIER, {**base, "alone_at": {"$gt": 0}},
            {"$set": {"state": PENDING, "lease": None, "alone_at": None, "next_attempt_at": now},
             "$inc": {"crashes": 1, "attempts": -1}})
        seen = await self.store.update_many(
            FRONTIER, base, {"$set": {"state": PENDING, "lease": None}, "$inc": {"crash_seen": 1, "attempts": -1}})
        suspects = 0
        if seen:
            suspects = await self.store.update_many(
                FRONTIER, {"job_id": self.job_id, "state": PENDING, "crash_seen": {"$gte": 2},
                           "suspect": {"$in": [False, None]}}, {"$set": {"suspect": True}})
        return {"blamed": blamed, "seen": seen, "new_suspects": suspects}

    async def release_in_flight(self, *, refund: bool = True, mine_only: bool = False) -> int:
        """In-flight entries go back to pending (pause, stop, shutdown, crash recovery).

        refund: the attempt did not happen (a pause); after a crash it is not refunded, so
        a page that kills the daemon runs out of attempts instead of looping.
        mine_only: only entries this holder claimed (a runner that lost its job's lease
        must not release what the job's new holder claimed)."""
        update: dict[str, Any] = {"$set": {"state": PENDING, "lease": None}}
        if refund:
            update["$inc"] = {"attempts": -1}
        flt: dict[str, Any] = {"job_id": self.job_id, "state": IN_FLIGHT}
        if mine_only:
            flt["lease.holder"] = self.holder
        return await self.store.update_many(FRONTIER, flt, update)

    async def release_expired(self) -> int:
        """In-flight entries whose lease ran out (their daemon died) go back to pending."""
        out = await self.release_crashed({"lease.until": {"$lt": time.time()}})
        return out["blamed"] + out["seen"]

    async def release_stale(self) -> int:
        """At a runner's start: entries earlier processes of this daemon left in flight,
        and expired leases of anyone, go back to pending (as after a crash); this process's
        own go back as after a pause; a live helper's entries stay."""
        prefix = self.holder.rsplit(":", 1)[0] + ":"
        mine = await self.store.update_many(
            FRONTIER, {"job_id": self.job_id, "state": IN_FLIGHT, "lease.holder": self.holder},
            {"$set": {"state": PENDING, "lease": None, "alone_at": None}, "$inc": {"attempts": -1}})
        out = await self.release_crashed({"$or": [
            {"lease.holder": {"$regex": "^" + re.escape(prefix)}}, {"lease.until": {"$lt": time.time()}},
            {"lease": None}]})
        return mine + out["blamed"] + out["seen"]

    async def retry_failed(self) -> int:
        """Failed entries back to pending with fresh attempts (`jobs retry-failed`). A page
        given up after crashes stays a suspect: it runs alone again."""
        return await self.store.update_many(
            FRONTIER, {"job_id": self.job_id, "state": FAILED},
            {"$set": {"state": PENDING, "attempts": 0, "crashes": 0, "next_attempt_at": time.time(),
                      "last_error": None, "fail_kind": None, "done_at": None, "alone_at": None}})

    async def failures(self, limit: int, skip: int = 0) -> list[dict[str, Any]]:
        return await self.store.find(FRONTIER, {"job_id": self.job_id, "state": FAILED},
                                     sort=[("done_at", 1)], limit=limit, skip=skip)

    async def failed_by_kind(self) -> dict[str, int]:
        raw = await self.store.count_by(FRONTIER, "fail_kind", {"job_id": self.job_id, "state": FAILED})
        return {str(k or "unknown"): v for k, v in raw.items()}

    async def renew(self, ids: list[str], lease_seconds: float) -> int:
        """Extend the leases of the entries this holder is working on (long fetches keep
        them). Only those: an entry a failed claim call left in flight under this holder
        but never handed over must expire and go back to pending."""
        if not ids:
            return 0
        return await self.store.update_many(
            FRONTIER, {"_id": {"$in": ids}, "state": IN_FLIGHT, "lease.holder": self.holder},
            {"$set": {"lease.until": time.time() + lease_seconds}})

    async def counts(self) -> dict[str, int]:
        raw = await self.store.count_by(FRONTIER, "state", {"job_id": self.job_id})
        out = {PENDING: 0, IN_FLIGHT: 0, DONE: 0, FAILED: 0}
        out.update({str(k): v for k, v in raw.items()})
        return out

    async def next_due(self) -> float | None:
        """When the earliest pending entry becomes due (None: nothing pending)."""
        found = await self.store.find(FRONTIER, {"job_id": self.job_id, "state": PENDING},
                                      sort=[("next_attempt_at", 1)], limit=1)
        return found[0]["next_attempt_at"] if found else None

    async def drop(self) -> int:
        return await self.store.delete_many(FRONTIER, {"job_id": self.job_id})

    # Bulk operations the batch writer sends (one round trip per batch). Each applies only
    # while the entry is in flight under `holder`: a mark from a daemon that lost the page
    # (its lease expired and another daemon claimed it) or from after a drop changes nothing.
    @staticmethod
    def done_op(entry_id_: str, holder: str, now: float) -> tuple[dict[str, Any], dict[str, Any]]:
        return _mine(entry_id_, holder), {"$set": {"state": DONE, "lease": None, "done_at": now,
                                                   "last_error": None}}

    @staticmethod
    def failed_op(entry_id_: str, holder: str, reason: str, now: float,
                  retry_at: float | None, kind: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
        if retry_at is not None:
            return _mine(entry_id_, holder), {"$set": {"state": PENDING, "lease": None, "last_error": reason,
                                                       "next_attempt_at": retry_at}}
        return _mine(entry_id_, holder), {"$set": {"state": FAILED, "lease": None, "last_error": reason,
                                                   "fail_kind": kind or "unknown", "done_at": now}}


def _mine(entry_id_: str, holder: str) -> dict[str, Any]:
    return {"_id": entry_id_, "state": IN_FLIGHT, "lease.holder": holder}
