"""The AI response cache: expired replies are ignored on read and deleted by the prune."""

from __future__ import annotations

import time

from scraped.ai.usage import CACHE, Cache


async def test_expired_replies_are_ignored_then_pruned(store):
    cache = Cache(store)
    await cache.put("fresh", "groq", "m", {"ok": 1}, 10, 5)
    await cache.put("old", "groq", "m", {"ok": 2}, 10, 5)
    await store.update_one(CACHE, {"_id": "old"}, {"$set": {"created_at": time.time() - 31 * 86400}})
    assert await cache.get("old", ttl_days=30) is None
    assert (await cache.get("fresh", ttl_days=30))["response"] == {"ok": 1}
    assert await cache.prune(0) == 0  # 0: kept for ever
    assert await cache.prune(30) == 1
    assert [d["_id"] for d in await store.find(CACHE, {})] == ["fresh"]
