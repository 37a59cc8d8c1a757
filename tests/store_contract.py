"""The store contract: every backend passes these, unchanged.

A test module for a backend imports `*` from here and defines a `store` fixture that
yields an opened, empty store.
"""

from __future__ import annotations

import pytest
import trio

from scraped.errors import BadRequest, DuplicateKey

J = "scraping_jobs"
Q = "raw_extracted_questions"
F = "frontier"


def job(i: int, status: str = "QUEUED", **extra):
    return {"_id": f"job{i:03d}", "name": f"j{i}", "status": status, "created_at": 1000.0 + i,
            "progress": {"pages_fetched": 0}, **extra}


async def test_insert_get_and_duplicate(store):
    await store.insert_one(J, job(1))
    assert (await store.get(J, "job001"))["name"] == "j1"
    assert await store.get(J, "nope") is None
    with pytest.raises(DuplicateKey):
        await store.insert_one(J, job(1))


async def test_insert_many_ignore_duplicates_counts_new_only(store):
    assert await store.insert_many(J, [job(1), job(2)]) == 2
    assert await store.insert_many(J, [job(2), job(3)], ignore_duplicates=True) == 1
    assert await store.count(J) == 3


async def test_documents_need_string_ids(store):
    with pytest.raises(BadRequest):
        await store.insert_one(J, {"name": "no id"})


async def test_filters(store):
    await store.insert_many(J, [job(i, "RUNNING" if i % 2 else "QUEUED") for i in range(10)])
    assert await store.count(J, {"status": "RUNNING"}) == 5
    assert await store.count(J, {"status": {"$in": ["RUNNING", "QUEUED"]}}) == 10
    assert await store.count(J, {"status": {"$nin": ["RUNNING"]}}) == 5
    assert await store.count(J, {"created_at": {"$gte": 1005.0, "$lt": 1008.0}}) == 3
    assert await store.count(J, {"status": {"$ne": "RUNNING"}}) == 5
    assert await store.count(J, {"$or": [{"status": "RUNNING"}, {"created_at": {"$lt": 1001.0}}]}) == 6
    assert await store.count(J, {"progress.pages_fetched": 0}) == 10
    assert await store.count(J, {"missing": None}) == 10
    assert await store.count(J, {"missing": {"$exists": True}}) == 0
    assert await store.count(J, {"name": {"$regex": "^J1$", "$options": "i"}}) == 1
    assert await store.count(J, {"_id": {"$gt": "job004"}}) == 5


async def test_array_fields_match_elements(store):
    await store.insert_many(Q, [
        {"_id": "a", "company_tags": ["google", "amazon"], "question": "Trains meet"},
        {"_id": "b", "company_tags": ["tcs"], "question": "Pipes fill"},
        {"_id": "c", "company_tags": [], "question": "Ages"},
    ])
    assert [d["_id"] for d in await store.find(Q, {"company_tags": "google"})] == ["a"]
    assert await store.count(Q, {"company_tags": {"$in": ["tcs", "amazon"]}}) == 2
    assert await store.count(Q, {"question": {"$regex": "train", "$options": "i"}}) == 1


async def test_sort_limit_skip(store):
    await store.insert_many(J, [job(i) for i in range(5)])
    docs = await store.find(J, sort=[("created_at", -1)], limit=2, skip=1)
    assert [d["_id"] for d in docs] == ["job003", "job002"]


async def test_iterate_pages_through_everything(store):
    await store.insert_many(J, [job(i) for i in range(23)])
    seen = [d["_id"] async for d in store.iterate(J, {"status": "QUEUED"}, batch_size=5)]
    assert seen == sorted(seen) and len(seen) == 23


async def test_update_operators(store):
    await store.insert_one(J, job(1, tags=["x"]))
    assert await store.update_one(J, {"_id": "job001"}, {
        "$set": {"status": "RUNNING", "lease.holder": "d1"},
        "$inc": {"progress.pages_fetched": 3},
        "$push": {"failures": {"$each": [1, 2, 3], "$slice": -2}},
        "$addToSet": {"tags": {"$each": ["x", "y"]}},
        "$unset": {"name": ""},
        "$max": {"created_at": 5000.0},
    })
    doc = await store.get(J, "job001")
    assert doc["status"] == "RUNNING" and doc["lease"] == {"holder": "d1"}
    assert doc["progress"]["pages_fetched"] == 3
    assert doc["failures"] == [2, 3] and doc["tags"] == ["x", "y"]
    assert "name" not in doc and doc["created_at"] == 5000.0
    assert not await store.update_one(J, {"_id": "nope"}, {"$set": {"a": 1}})


async def test_bad_updates_are_refused(store):
    await store.insert_one(J, job(1))
    for bad in ({}, {"status": "x"}, {"$rename": {"a": "b"}}, {"$set": {"bad field": 1}},
                {"$set": {"_id": "other"}}):
        with pytest.raises(BadRequest):
            await store.update_one(J, {"_id": "job001"}, bad)
    with pytest.raises(BadRequest):
        await store.find(J, {"$where": "1"})
    assert (await store.get(J, "job001"))["status"] == "QUEUED"


async def test_upsert_uses_filter_and_set_on_insert(store):
    await store.update_one(Q, {"_id": "k1"}, {"$setOnInsert": {"question": "q", "n": 1},
                                              "$addToSet": {"sources": "u1"}}, upsert=True)
    await store.update_one(Q, {"_id": "k1"}, {"$setOnInsert": {"question": "changed", "n": 2},
                                              "$addToSet": {"sources": "u2"}}, upsert=True)
    doc = await store.get(Q, "k1")
    assert doc["question"] == "q" and doc["n"] == 1 and doc["sources"] == ["u1", "u2"]


async def test_update_many_and_delete_many(store):
    await store.insert_many(J, [job(i) for i in range(6)])
    assert await store.update_many(J, {"created_at": {"$lt": 1003.0}}, {"$set": {"status": "FAILED"}}) == 3
    assert await store.delete_many(J, {"status": "FAILED"}) == 3
    assert await store.count(J) == 3


async def test_find_one_and_update_is_atomic_under_concurrency(store):
    await store.insert_many(J, [job(i) for i in range(10)])
    claimed: list[str] = []

    async def worker(name: str) -> None:
        while True:
            doc = await store.find_one_and_update(
                J, {"status": "QUEUED"}, {"$set": {"status": "RUNNING", "lease.holder": name}},
                sort=[("created_at", 1)])
            if doc is None:
                return
            claimed.append(doc["_id"])

    async with trio.open_nursery() as nursery:
        for i in range(4):
            nursery.start_soon(worker, f"w{i}")
    assert sorted(claimed) == [f"job{i:03d}" for i in range(10)]


async def test_find_one_and_update_return_old_and_upsert(store):
    await store.insert_one(J, job(1))
    old = await store.find_one_and_update(J, {"_id": "job001"}, {"$set": {"status": "X"}}, return_new=False)
    assert old["status"] == "QUEUED"
    made = await store.find_one_and_update(J, {"_id": "job009", "status": "QUEUED"},
                                           {"$set": {"name": "n"}}, upsert=True)
    assert made["status"] == "QUEUED" and made["name"] == "n"


async def test_claim_takes_each_document_once(store):
    await store.insert_many(F, [{"_id": f"f{i:03d}", "job_id": "j", "state": "pending",
                                 "next_attempt_at": float(i)} for i in range(25)])
    seen: list[str] = []

    async def worker() -> None:
        while batch := await store.claim(F, {"job_id": "j", "state": "pending"},
                                         {"$set": {"state": "in_flight"}},
                                         sort=[("next_attempt_at", 1)], limit=4):
            assert all(d["state"] == "in_flight" for d in batch)
            seen.extend(d["_id"] for d in batch)

    async with trio.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(worker)
    assert sorted(seen) == [f"f{i:03d}" for i in range(25)]


async def test_bulk_upsert_inserts_and_modifies(store):
    ops = [(f"k{i}", {"$setOnInsert": {"question": f"q{i}"}, "$addToSet": {"sources": "s1"}})
           for i in range(700)]
    assert await store.bulk_upsert(Q, ops) == {"inserted": 700, "modified": 0}
    ops2 = [(f"k{i}", {"$setOnInsert": {"question": "new"}, "$addToSet": {"sources": "s2"}})
            for i in range(650, 750)]
    assert await store.bulk_upsert(Q, ops2) == {"inserted": 50, "modified": 50}
    doc = await store.get(Q, "k660")
    assert doc["question"] == "q660" and doc["sources"] == ["s1", "s2"]
    assert (await store.get(Q, "k740"))["sources"] == ["s2"]
    assert await store.count(Q) == 750


async def test_bulk_update_applies_only_where_the_filter_holds(store):
    await store.insert_many(F, [{"_id": f"e{i}", "job_id": "j", "state": "in_flight",
                                 "lease": {"holder": "a" if i % 2 else "b"}} for i in range(6)])
    done = {"$set": {"state": "done", "lease": None}}
    ops = [({"_id": f"e{i}", "lease.holder": "a"}, done) for i in range(6)]
    ops.append(({"_id": "missing", "lease.holder": "a"}, done))  # never created: no upsert
    assert await store.bulk_update(F, ops) == 3
    states = {d["_id"]: d["state"] for d in await store.find(F, {})}
    assert states == {"e0": "in_flight", "e1": "done", "e2": "in_flight", "e3": "done",
                      "e4": "in_flight", "e5": "done"}
    assert await store.get(F, "missing") is None
    assert await store.bulk_update(F, []) == 0


@pytest.mark.parametrize("bad", [{}, {"_id": ""}, {"_id": 3}, {"_id": "x", "$where": "1"}, "not a map"])
async def test_bulk_update_refuses_filters_without_an_id(store, bad):
    with pytest.raises(BadRequest):
        await store.bulk_update(F, [(bad, {"$set": {"state": "done"}})])


async def test_count_by(store):
    await store.insert_many(J, [job(i, "RUNNING" if i < 3 else "QUEUED") for i in range(5)])
    assert await store.count_by(J, "status") == {"RUNNING": 3, "QUEUED": 2}


async def test_ping_stats_indexes(store):
    assert (await store.ping())["ok"]
    await store.insert_one(J, job(1))
    stats = await store.stats()
    assert stats["collections"][J] == 1 and stats["size_bytes"] > 0
    names = {(i["collection"], i["name"]) for i in await store.list_indexes()}
    assert (J, "status_created") in names
    await store.reindex()
    assert await store.integrity_check() == []


async def test_backup_and_restore_round_trip(store, tmp_path):
    await store.insert_many(J, [job(i) for i in range(5)])
    info = await store.backup(tmp_path / "b1")
    assert info["counts"][J] == 5
    await store.delete_many(J, {})
    await store.insert_one(J, job(99))
    counts = await store.restore(tmp_path / "b1")
    assert counts[J] == 5
    assert await store.get(J, "job099") is None
    assert (await store.get(J, "job003"))["name"] == "j3"


async def test_unicode_round_trip(store):
    text = "√2 × 3 ÷ 4 — 中文 🙂"
    await store.insert_one(Q, {"_id": "u", "question": text})
    assert (await store.get(Q, "u"))["question"] == text
    assert await store.count(Q, {"question": {"$regex": "中文"}}) == 1
