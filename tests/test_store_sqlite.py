"""The store contract on the embedded SQLite backend, plus SQLite-only behaviour."""

from __future__ import annotations

import sqlite3

import pytest

from scraped.errors import StoreError
from scraped.store.sqlite import SqliteStore
from tests.store_contract import *  # noqa: F401,F403


async def test_indexes_are_used_by_the_planner(store):
    conn = sqlite3.connect(store.path)
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT doc FROM scraping_jobs WHERE json_extract(doc, '$.status') = ? "
        "ORDER BY json_extract(doc, '$.created_at') DESC", ["RUNNING"]).fetchall()
    assert "scraping_jobs__status_created" in str(plan)


async def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=999")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        await SqliteStore(path).open()


async def test_reopen_keeps_data(tmp_path):
    s = SqliteStore(tmp_path / "t.db")
    await s.open()
    await s.insert_one("scraping_jobs", {"_id": "a", "status": "QUEUED"})
    await s.close()
    s2 = SqliteStore(tmp_path / "t.db")
    await s2.open()
    assert await s2.get("scraping_jobs", "a") == {"_id": "a", "status": "QUEUED"}
    await s2.close()


# bulk_update decides plain equality filters in Python (one SELECT per chunk) and hands
# everything else to SQL: both must agree with what `find` (SQL) matches.
_ODD = [
    {"_id": "d0", "state": "in_flight", "n": 1, "flag": True, "lease": {"holder": "a"}, "tags": ["x"]},
    {"_id": "d1", "state": "in_flight", "n": 1.0, "flag": 1, "lease": None, "tags": []},
    {"_id": "d2", "state": "done", "n": "1", "flag": False, "lease": {"holder": None}},
    {"_id": "d3", "state": None, "n": 0, "lease": {"holder": {"deep": 1}}, "sub": {"a": [1]}},
    {"_id": "d4", "n": 2, "lease": {"holder": "b"}, "sub": "x"},
]
_FILTERS = [
    {"state": "in_flight"}, {"state": None}, {"n": 1}, {"n": "1"}, {"n": 1.0}, {"flag": True},
    {"flag": 1}, {"flag": False}, {"flag": None}, {"lease.holder": "a"}, {"lease.holder": None},
    {"lease": None}, {"missing.deep": None}, {"sub": "x"}, {"sub.a": None},
    {"state": {"$in": ["done", "in_flight"]}}, {"n": {"$gt": 0}}, {"state": {"$ne": "done"}},
    {"$or": [{"state": "done"}, {"n": 2}]}, {"state": "in_flight", "n": 1, "lease.holder": "a"},
]


@pytest.mark.parametrize("flt", _FILTERS, ids=[str(f) for f in _FILTERS])
async def test_bulk_update_matches_what_find_matches(store, flt):
    await store.insert_many("frontier", _ODD)
    expected = sorted(d["_id"] for d in await store.find("frontier", flt))
    ops = [({**flt, "_id": d["_id"]}, {"$set": {"hit": True}}) for d in _ODD]
    assert await store.bulk_update("frontier", ops) == len(expected)
    assert sorted(d["_id"] for d in await store.find("frontier", {"hit": True})) == expected


async def test_bulk_update_sees_its_own_earlier_ops_on_one_document(store):
    await store.insert_one("frontier", {"_id": "e", "state": "pending", "n": 0})
    ops = [({"_id": "e", "state": "pending"}, {"$set": {"state": "in_flight"}, "$inc": {"n": 1}}),
           ({"_id": "e", "state": "pending"}, {"$inc": {"n": 10}}),  # no longer pending
           ({"_id": "e", "n": {"$gte": 1}}, {"$inc": {"n": 100}}),  # SQL decides: sees n == 1
           ({"_id": "e", "state": "in_flight"}, {"$set": {"state": "done"}})]
    assert await store.bulk_update("frontier", ops) == 3
    assert await store.get("frontier", "e") == {"_id": "e", "state": "done", "n": 101}


async def test_bulk_update_over_many_chunks(store):
    await store.insert_many("frontier", [{"_id": f"e{i:04d}", "state": "in_flight"} for i in range(1200)])
    ops = [({"_id": f"e{i:04d}", "state": "in_flight"}, {"$set": {"state": "done"}}) for i in range(0, 1300)]
    assert await store.bulk_update("frontier", ops) == 1200
    assert await store.count_by("frontier", "state") == {"done": 1200}


async def test_bulk_upsert_does_not_rewrite_a_document_it_leaves_equal(store):
    conn = sqlite3.connect(store.path)
    conn.execute("CREATE TABLE rewrites (n INTEGER)")
    conn.execute("CREATE TRIGGER count_rewrites AFTER UPDATE ON raw_extracted_questions "
                 "BEGIN INSERT INTO rewrites VALUES (1); END")
    conn.commit()
    ops = [(f"k{i}", {"$setOnInsert": {"question": f"q{i}"}, "$addToSet": {"sources": "s1"}}) for i in range(3)]
    assert await store.bulk_upsert("raw_extracted_questions", ops) == {"inserted": 3, "modified": 0}
    before = [await store.get("raw_extracted_questions", f"k{i}") for i in range(3)]
    # A second sighting from the same source (a page fetched again after a crash): no change.
    assert await store.bulk_upsert("raw_extracted_questions", ops) == {"inserted": 0, "modified": 3}
    assert conn.execute("SELECT COUNT(*) FROM rewrites").fetchone()[0] == 0
    assert [await store.get("raw_extracted_questions", f"k{i}") for i in range(3)] == before
    # A new source is a real change.
    ops2 = [("k1", {"$setOnInsert": {"question": "x"}, "$addToSet": {"sources": "s2"}})]
    assert await store.bulk_upsert("raw_extracted_questions", ops2) == {"inserted": 0, "modified": 1}
    assert conn.execute("SELECT COUNT(*) FROM rewrites").fetchone()[0] == 1
    assert (await store.get("raw_extracted_questions", "k1"))["sources"] == ["s1", "s2"]
    conn.close()


async def test_find_keeps_the_sort_order_over_many_documents(store):
    # _select returns the result as one aggregated JSON row: the order must be the query's.
    docs = [{"_id": f"j{i:04d}", "status": "QUEUED" if i % 3 else "RUNNING", "created_at": float((i * 7919) % 1000)}
            for i in range(1000)]
    await store.insert_many("scraping_jobs", docs)
    want = sorted((d for d in docs if d["status"] == "QUEUED"), key=lambda d: (-d["created_at"], d["_id"]))
    got = await store.find("scraping_jobs", {"status": "QUEUED"}, sort=[("created_at", -1), ("_id", 1)],
                           limit=300, skip=20)
    assert got == want[20:320]
    assert await store.find("scraping_jobs", {"status": "nope"}) == []


async def test_writes_of_many_rows_in_one_statement(store):
    # More rows than one multi-row statement holds, duplicates included.
    docs = [{"_id": f"e{i:04d}", "state": "pending", "n": i} for i in range(1000)]
    assert await store.insert_many("frontier", docs + docs[:10], ignore_duplicates=True) == 1000
    assert await store.update_many("frontier", {"state": "pending"}, {"$set": {"state": "done"}, "$inc": {"n": 1}}) == 1000
    assert [d["n"] for d in await store.find("frontier", {"state": "done"}, sort=[("_id", 1)])] == list(range(1, 1001))
    claimed = await store.claim("frontier", {"state": "done"}, {"$set": {"state": "x"}}, sort=[("n", -1)], limit=450)
    assert [d["n"] for d in claimed] == list(range(1000, 550, -1))
    assert await store.count("frontier", {"state": "x"}) == 450
