"""The batch writer: order of writes, coalescing, and a failed flush losing nothing."""

from __future__ import annotations

import pytest
import trio

from scraped.engine.frontier import FRONTIER, Frontier, new_entry
from scraped.engine.repo import QUESTIONS
from scraped.engine.writer import BatchWriter, coalesce
from scraped.errors import StoreError
from scraped.store.sqlite import SqliteStore


def _q(key: str, url: str, tags: list[str] | None = None) -> tuple[str, dict]:
    update = {"$setOnInsert": {"question": key}, "$addToSet": {"sources": {"url": url, "seen_at": 1.0}}}
    if tags:
        update["$addToSet"]["company_tags"] = {"$each": tags}
    return key, update


def test_coalesce_merges_sightings_of_one_question():
    ops = coalesce([_q("a", "u1"), _q("b", "u1"), _q("a", "u2", ["tcs"]), _q("a", "u2")])
    assert [k for k, _ in ops] == ["a", "b"]
    a = dict(ops)["a"]["$addToSet"]
    assert a["sources"]["$each"] == [{"url": "u1", "seen_at": 1.0}, {"url": "u2", "seen_at": 1.0}]
    assert a["company_tags"]["$each"] == ["tcs"]


class FlakyStore(SqliteStore):
    """The real SQLite store whose question upserts fail while `broken` is set."""

    broken = False
    calls: list[str]

    async def bulk_update(self, coll, ops):
        self.calls.append(f"bulk_update:{coll}")
        return await super().bulk_update(coll, ops)

    async def bulk_upsert(self, coll, ops):
        self.calls.append(f"bulk_upsert:{coll}")
        if self.broken and coll == QUESTIONS:
            raise StoreError("disk on fire")
        return await super().bulk_upsert(coll, ops)

    async def insert_many(self, coll, docs, *, ignore_duplicates=False):
        self.calls.append(f"insert_many:{coll}")
        return await super().insert_many(coll, docs, ignore_duplicates=ignore_duplicates)


def in_flight(job: str, url: str, holder: str = "H") -> dict:
    """A frontier entry as a claim leaves it: in flight under `holder`."""
    return {**new_entry(job, url, 0, 1.0), "state": "in_flight", "lease": {"holder": holder, "until": 9e9}}


def writer(store, **kw) -> BatchWriter:
    args = {"holder": "H", "batch": 100, "interval": 0.05, "timeout": 5, "on_flush": lambda f: None,
            "observe": lambda *a: None, **kw}
    return BatchWriter(store, **args)


@pytest.fixture
async def store(tmp_path):
    s = FlakyStore(tmp_path / "w.db")
    s.calls = []
    await s.open()
    yield s
    await s.close()


async def test_links_then_questions_then_done_marks_and_a_failed_flush_loses_nothing(store):
    flushed = []
    w = writer(store, on_flush=flushed.append)
    page = in_flight("J", "http://a.example/1")
    await store.insert_one(FRONTIER, page)
    link = new_entry("J", "http://a.example/2", 1, 1.0)
    await w.page_done(page["_id"], [link], [_q("k1", page["url"])], 1234)
    store.broken = True
    with pytest.raises(StoreError):
        await w.flush()
    assert w.pending() == 3 and not flushed  # all of it is still buffered
    assert (await store.get(FRONTIER, page["_id"]))["state"] == "in_flight"  # not marked done
    store.broken = False
    store.calls.clear()
    await w.flush()
    assert store.calls == [f"insert_many:{FRONTIER}", f"bulk_upsert:{QUESTIONS}", f"bulk_update:{FRONTIER}"]
    assert (await store.get(FRONTIER, page["_id"]))["state"] == "done"
    assert await store.get(FRONTIER, link["_id"]) is not None
    assert flushed[0].pages_fetched == 1 and flushed[0].questions_new == 1 and flushed[0].bytes == 1234


async def test_a_page_written_twice_after_a_crash_changes_nothing(store):
    w = writer(store)
    page = in_flight("J", "http://a.example/1")
    await store.insert_one(FRONTIER, page)
    for _ in range(2):  # the refetch after a crash writes exactly the same ops
        await w.page_done(page["_id"], [], [_q("k1", page["url"])], 10)
        await w.flush()
    doc = await store.get(QUESTIONS, "k1")
    assert doc["sources"] == [{"url": page["url"], "seen_at": 1.0}]


async def test_the_flusher_runs_on_its_interval(store):
    flushed = trio.Event()
    w = writer(store, batch=2, on_flush=lambda f: flushed.set())
    async with trio.open_nursery() as nursery:
        nursery.start_soon(w.run)
        await w.page_failed("J:x", {"url": "u", "reason": "r", "kind": "timeout", "at": 1.0}, None)
        with trio.fail_after(2):
            await flushed.wait()
        nursery.cancel_scope.cancel()
    assert w.pending() == 0 and Frontier.failed_op("J:x", "H", "r", 1.0, None)[1]["$set"]["state"] == "failed"


async def test_marks_apply_only_to_pages_still_in_flight_under_this_holder(store):
    """A daemon that lost a page (its lease expired and another daemon claimed it), or
    whose job's frontier was dropped, must not mark it nor bring it back."""
    mine, taken = in_flight("J", "http://a.example/1"), in_flight("J", "http://a.example/2", holder="OTHER")
    await store.insert_many(FRONTIER, [mine, taken])
    w = writer(store)
    dropped = new_entry("J", "http://a.example/3", 0, 1.0)["_id"]  # no longer in the store
    for entry_id in (mine["_id"], taken["_id"], dropped):
        await w.page_done(entry_id, [], [], 10)
    await w.flush()
    assert (await store.get(FRONTIER, mine["_id"]))["state"] == "done"
    assert (await store.get(FRONTIER, taken["_id"]))["state"] == "in_flight"
    assert await store.get(FRONTIER, dropped) is None
