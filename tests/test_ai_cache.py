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


def test_the_key_changes_with_every_part_that_changes_a_reply():
    from scraped.ai.usage import cache_key

    base = {"provider": "groq", "endpoint": "default", "model": "openai/gpt-oss-120b", "schema_name": "s.v1",
            "schema": {"type": "object", "required": ["a"]}, "system": "sys", "user": "u", "temperature": 0.2,
            "max_tokens": 400}
    changed = {"provider": "huggingface", "endpoint": "http://127.0.0.1:9", "model": "openai/gpt-oss-20b",
               "schema_name": "s.v2", "schema": {"type": "object", "required": ["b"]}, "system": "sys2",
               "user": "u2", "temperature": 0.3, "max_tokens": 401}
    keys = {cache_key(**base)} | {cache_key(**{**base, k: v}) for k, v in changed.items()}
    assert len(keys) == 1 + len(changed)
    # The same request is the same key, whatever the order of the schema's keys.
    assert cache_key(**base) == cache_key(**{**base, "schema": {"required": ["a"], "type": "object"}})
    # Field boundaries count: ("ab", "c") is not ("a", "bc").
    assert cache_key(**{**base, "system": "ab", "user": "c"}) != cache_key(**{**base, "system": "a", "user": "bc"})
