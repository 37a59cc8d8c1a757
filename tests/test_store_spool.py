"""The outage spool in front of the Mongo store, against a server that really goes away.

Each test runs its own nx-27017 (tests/mongo_server.py), stops it mid-test (kill) and
starts it again on the same port with the same data, so pymongo sees a real outage: a
refused connection, then a server that answers again. (A shared server named by
SCRAPED_TEST_MONGODB_URI cannot be stopped from here; these tests always use nx-27017.)
"""

from __future__ import annotations

import json

import pytest
import trio

from scraped.errors import BadRequest, StoreError
from scraped.store.mongo import MongoStore
from scraped.store.spool import SpoolingStore
from tests.mongo_server import NxServer, nx_binary

pytestmark = pytest.mark.skipif(nx_binary() is None, reason="nx-27017 is not installed")
Q = "raw_extracted_questions"
J = "scraping_jobs"


@pytest.fixture
def server(tmp_path):
    s = NxServer(tmp_path / "nx")
    s.start()
    yield s
    s.stop()


def _spooling(server: NxServer, tmp_path, **kw) -> SpoolingStore:
    # connect_timeout decides how fast a dead server is noticed; timeout is generous so a
    # slow machine never times out a write the server did apply (replay is at-least-once).
    inner = MongoStore(server.uri, "spool_test", connect_timeout=0.5, timeout=20.0)
    return SpoolingStore(inner, tmp_path / "spool" / "store.jsonl", retry_initial=0.05,
                         retry_max=0.3, **kw)


async def _drained(store: SpoolingStore) -> None:
    """Until the background replay has applied everything and truncated the file."""
    with trio.fail_after(60):  # a hang guard, not a timing assertion
        while store.status()["pending"] or store.path.stat().st_size:  # noqa: ASYNC110
            await trio.sleep(0.05)


@pytest.mark.slow
async def test_outage_spools_writes_and_replays_them_in_order(server, tmp_path):
    store = _spooling(server, tmp_path, max_bytes=1 << 20)
    await store.open()
    await store.insert_one(J, {"_id": "job1", "status": "RUNNING", "seq": []})
    server.stop()

    for i in range(30):  # the first fails against the dead server, the rest queue behind it
        assert await store.update_one(J, {"_id": "job1"}, {"$push": {"seq": i}, "$inc": {"n": 1}})
        if i % 10 == 0:
            result = await store.bulk_upsert(Q, [(f"q{i}-{k}", {"$setOnInsert": {"question": f"{i}/{k}"},
                                                                "$addToSet": {"sources": "u"}})
                                                 for k in range(5)])
            assert result == {"inserted": 0, "modified": 0, "spooled": 5}
    await store.insert_many("frontier", [{"_id": f"f{i}", "state": "pending"} for i in range(4)],
                            ignore_duplicates=True)
    # Filtered marks keep their filter through the spool: f0 and f1 match, f9 never existed.
    marks = [({"_id": f, "state": "pending"}, {"$set": {"state": "done"}}) for f in ("f0", "f1", "f9")]
    assert await store.bulk_update("frontier", marks) == 0
    await store.update_one(J, {"_id": "job1"}, {"$set": {"status": "PAUSED"}})
    assert store.status()["state"] == "spooling" and store.status()["pending"] == 36

    # Reads and atomic operations answer at once: their result matters now.
    for call in (store.get(J, "job1"), store.count(Q),
                 store.find_one_and_update(J, {"_id": "job1"}, {"$set": {"x": 1}}),
                 store.claim("frontier", {"state": "pending"}, {"$set": {"state": "in_flight"}},
                             sort=None, limit=2)):
        with pytest.raises(StoreError, match="36 writes spooled"):
            await call
    with pytest.raises(StoreError):
        await store.replay()  # still down: nothing applied, nothing lost
    assert store.status()["pending"] == 36
    # Bad input is refused now, not discovered at replay.
    with pytest.raises(BadRequest):
        await store.update_one(J, {"_id": "job1"}, {"$rename": {"a": "b"}})

    server.start()
    async with trio.open_nursery() as nursery:
        await nursery.start(store.run)
        await _drained(store)
        nursery.cancel_scope.cancel()

    job = await store.get(J, "job1")
    assert job["seq"] == list(range(30)) and job["n"] == 30 and job["status"] == "PAUSED"
    assert await store.count(Q) == 15 and await store.count("frontier") == 4
    assert await store.count("frontier", {"state": "done"}) == 2
    assert store.status()["since"] is None and store.status()["state"] == "direct"
    assert (tmp_path / "spool" / "store.jsonl").stat().st_size == 0
    # Back to direct writes, with real results.
    assert await store.bulk_upsert(Q, [("q0-0", {"$addToSet": {"sources": "v"}})]) == {"inserted": 0, "modified": 1}
    await store.close()


async def test_a_full_spool_refuses_writes_and_keeps_what_it_has(server, tmp_path):
    store = _spooling(server, tmp_path, max_bytes=5000)
    await store.open()
    server.stop()
    accepted = 0
    with pytest.raises(StoreError, match="spool is full"):
        for i in range(1000):
            await store.insert_one(Q, {"_id": f"k{i:03d}", "question": "x" * 400})
            accepted += 1
    assert 5 < accepted < 1000
    with pytest.raises(StoreError, match="spool is full"):  # still full, still refused
        await store.insert_one(Q, {"_id": "lat", "question": "y" * 400})
    assert store.status()["pending"] == accepted

    server.start()
    with trio.fail_after(60):
        while True:
            try:
                assert await store.replay() == accepted
                break
            except StoreError:  # pymongo may still hold a connection from before the restart
                await trio.sleep(0.1)
    assert await store.count(Q) == accepted and await store.get(Q, "lat") is None
    assert [d["_id"] for d in await store.find(Q, sort=[("_id", 1)])] == [f"k{i:03d}" for i in range(accepted)]
    await store.close()


@pytest.mark.slow
async def test_spooled_writes_survive_a_restart_of_the_daemon(server, tmp_path):
    store = _spooling(server, tmp_path)
    await store.open()
    server.stop()
    for i in range(3):
        await store.insert_one(Q, {"_id": f"k{i}", "question": "q"})
    await store.close()  # the daemon stops during the outage
    path = tmp_path / "spool" / "store.jsonl"
    torn = path.read_bytes() + b'{"op":"insert_one","coll":"raw_ext'  # and had crashed mid-append
    path.write_bytes(torn)
    assert [json.loads(line)["op"] for line in path.read_text().splitlines()[:3]] == ["insert_one"] * 3

    again = _spooling(server, tmp_path)
    await again.open()  # the server is still down: the daemon starts anyway
    assert again.status()["pending"] == 3 and again.status()["state"] == "spooling"
    with pytest.raises(StoreError):
        await again.count(Q)
    server.start()
    async with trio.open_nursery() as nursery:
        await nursery.start(again.run)
        await _drained(again)
        nursery.cancel_scope.cancel()
    assert await again.count(Q) == 3
    await again.close()


async def test_duplicates_found_at_replay_are_dropped_not_retried(server, tmp_path):
    store = _spooling(server, tmp_path)
    await store.open()
    await store.insert_one(Q, {"_id": "dup", "question": "first"})
    server.stop()
    await store.insert_one(Q, {"_id": "dup", "question": "second"})
    await store.insert_one(Q, {"_id": "new", "question": "third"})
    server.start()
    with trio.fail_after(60):
        while store.status()["pending"]:
            try:
                await store.replay()
            except StoreError:
                await trio.sleep(0.1)
    assert store.status()["dropped"] == 1
    assert (await store.get(Q, "dup"))["question"] == "first" and await store.get(Q, "new")
    await store.close()


async def test_permanent_errors_are_not_spooled(server, tmp_path):
    store = _spooling(server, tmp_path, max_bytes=0)  # spool disabled: failures surface
    await store.open()
    server.stop()
    with pytest.raises(StoreError, match="unreachable"):
        await store.insert_one(Q, {"_id": "a"})
    assert store.status()["pending"] == 0
    server.start()
    await store.close()
