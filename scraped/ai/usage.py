"""Token and cost accounting per provider per UTC day (`ai_usage`), the daily budget, and
the response cache (`ai_cache`).

Usage documents: _id "PROVIDER:YYYY-MM-DD", {provider, day, requests, failures,
cache_hits, tokens_in, tokens_out (thinking included), tokens_thinking, cost}; incremented
atomically with $inc, so several daemons sharing a store add up. Today's spend is kept in
memory too (loaded at start, re-read when the day changes) so the budget check costs no
round trip. Writes are buffered (see `Usage`).

The daily budget is reserved, not checked: before a call the router reserves its worst
case (the prompt estimate at the input price plus max_tokens at the output price) with
`reserve`, which fails when spent + reserved + that would pass the budget; after the call
the real cost is recorded and the reservation released. Reserve is synchronous (no
checkpoint between the check and the add), so concurrent calls under trio cannot overspend.

Cache documents: _id sha256 of everything that changes a reply (provider, endpoint, model,
schema name and schema, system, user, temperature, max tokens), {provider, model, response
(validated JSON), tokens_in, tokens_out, created_at}. Only replies the caller accepted are
written (the router's Task.defer_cache / Result.commit); an expired entry is ignored and
overwritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import trio

from scraped.errors import StoreError
from scraped.store.schema import AI_CACHE, AI_USAGE

log = logging.getLogger(__name__)
USAGE, CACHE = AI_USAGE, AI_CACHE


def day_of(t: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if t is None else t, UTC).strftime("%Y-%m-%d")


class Usage:
    """Accounting. Increments are buffered in memory and written in one bulk upsert per
    `flush` (every second by `run_flusher`, before a report, and when the service stops),
    so no store write sits on an AI call's path; a kill -9 loses at most the last second.
    Without a running flusher each record is written at once."""

    def __init__(self, store: Any):
        self.store = store
        self.day = ""
        self.spent = 0.0  # estimated USD today, all providers
        self.reserved = 0.0  # worst cases of the calls in flight
        self.refused_day = ""  # the day a call's reservation last did not fit
        self._pending: dict[str, dict[str, Any]] = {}
        self._flusher = False

    async def load(self) -> None:
        self.day = day_of()
        docs = await self.store.find(USAGE, {"day": self.day})
        self.spent = sum(float(d.get("cost", 0.0)) for d in docs)
        self.spent += sum(p["inc"]["cost"] for p in self._pending.values() if p["day"] == self.day)

    async def _roll(self) -> None:
        if day_of() != self.day:
            await self.flush()
            await self.load()

    async def spent_today(self) -> float:
        await self._roll()
        return self.spent

    def reserve(self, amount: float, budget: float) -> bool:
        """Hold `amount` USD of today's budget for a call; False when it does not fit. No
        checkpoint inside: the check and the hold are one step for every trio task."""
        if self.spent + self.reserved + amount > budget:
            self.refused_day = self.day
            return False
        self.reserved += amount
        return True

    def budget_refused_today(self) -> bool:
        return bool(self.refused_day) and self.refused_day == day_of()

    def release(self, amount: float) -> None:
        self.reserved = max(0.0, self.reserved - amount)

    async def record(self, provider: str, *, ok: bool, tokens_in: int = 0, tokens_out: int = 0,
                     cost: float = 0.0, cache_hit: bool = False, tokens_thinking: int = 0) -> None:
        await self._roll()
        self.spent += cost
        entry = self._pending.setdefault(f"{provider}:{self.day}", {
            "provider": provider, "day": self.day,
            "inc": dict.fromkeys(("requests", "failures", "cache_hits", "tokens_in", "tokens_out",
                                  "tokens_thinking"), 0) | {"cost": 0.0}})
        inc = entry["inc"]
        inc["requests"] += 0 if cache_hit else 1
        inc["failures"] += 0 if ok else 1
        inc["cache_hits"] += 1 if cache_hit else 0
        inc["tokens_in"] += tokens_in
        inc["tokens_out"] += tokens_out
        inc["tokens_thinking"] = inc.get("tokens_thinking", 0) + tokens_thinking
        inc["cost"] += cost
        if not self._flusher:
            await self.flush()

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        if not pending:
            return
        now = time.time()
        ops = [(key, {"$inc": p["inc"], "$set": {"provider": p["provider"], "day": p["day"], "updated_at": now}})
               for key, p in pending.items()]
        try:
            await self.store.bulk_upsert(USAGE, ops)
        except StoreError as exc:  # keep the counts for the next flush; accounting never fails a call
            log.warning("could not record AI usage: %s", exc)
            for key, p in pending.items():
                mine = self._pending.setdefault(key, {**p, "inc": dict.fromkeys(p["inc"], 0)})
                for k, v in p["inc"].items():
                    mine["inc"][k] += v

    async def run_flusher(self, interval: float = 1.0) -> None:
        self._flusher = True
        try:
            while True:
                await trio.sleep(interval)
                await self.flush()
        finally:
            self._flusher = False
            with trio.CancelScope(shield=True):
                await self.flush()

    async def report(self, days: int = 7) -> dict[str, Any]:
        await self.flush()
        since = day_of(time.time() - 86400 * (days - 1))
        docs = await self.store.find(USAGE, {"day": {"$gte": since}}, sort=[("day", -1), ("provider", 1)])
        rows = [{k: d.get(k, 0) for k in ("day", "provider", "requests", "failures", "cache_hits",
                                            "tokens_in", "tokens_out", "tokens_thinking", "cost")}
                for d in docs]
        for r in rows:
            r["cost"] = round(float(r["cost"]), 6)
        return {"today": self.day or day_of(), "spent_today": round(await self.spent_today(), 6),
                "rows": rows}


def cache_key(*, provider: str, endpoint: str, model: str, schema_name: str, schema: Any, system: str,
              user: str, temperature: float, max_tokens: int) -> str:
    """The key of everything that changes a reply: two requests that differ in any of these
    never share a cached reply."""
    h = hashlib.sha256()
    parts = (provider, endpoint, model, schema_name, json.dumps(schema, sort_keys=True, separators=(",", ":")),
             system, user, repr(float(temperature)), str(int(max_tokens)))
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


class Cache:
    def __init__(self, store: Any):
        self.store = store

    async def get(self, key: str, ttl_days: float) -> dict[str, Any] | None:
        try:
            doc = await self.store.get(CACHE, key)
        except StoreError as exc:
            log.warning("AI cache read failed: %s", exc)
            return None
        if doc is None:
            return None
        if ttl_days and time.time() - float(doc.get("created_at", 0)) > ttl_days * 86400:
            return None
        return doc

    async def prune(self, ttl_days: float, now: float | None = None) -> int:
        """Delete replies older than the TTL (`get` already ignores them); 0 keeps them all."""
        if not ttl_days:
            return 0
        cutoff = (time.time() if now is None else now) - ttl_days * 86400
        return await self.store.delete_many(CACHE, {"created_at": {"$lt": cutoff}})

    async def put(self, key: str, provider: str, model: str, response: Any, tokens_in: int,
                  tokens_out: int) -> None:
        try:
            await self.store.update_one(CACHE, {"_id": key}, {"$set": {
                "provider": provider, "model": model, "response": response, "tokens_in": tokens_in,
                "tokens_out": tokens_out, "created_at": time.time()}}, upsert=True)
        except StoreError as exc:
            log.warning("AI cache write failed: %s", exc)
