"""Crash accounting, in process on the real SQLite store and the real engine: a crash is
counted against a page only when the page was being processed alone; a page seen at two
crashes becomes a suspect and runs alone; a page that kept crashing the daemon alone is
given up (kind "crash"), the job's end names it, and `retry-failed` brings it back.

What broken code would pass: counting every in-flight page (the old rule) fails the first
test; a suspect run next to other pages fails the gate test; giving up without the alone
evidence fails the second."""

from __future__ import annotations

import time
import uuid

import pytest
import trio

from scraped.engine import jobs
from scraped.engine import spec as specs
from scraped.engine.frontier import FAILED, FRONTIER, IN_FLIGHT, PENDING, Frontier, new_entry
from scraped.engine.gate import Gate
from scraped.engine.repo import JobsRepo
from tests.engine_app import make_app, running_engine, wait_status
from tests.engine_site import Site


async def _entries(store, job_id):
    return {d["url"].rsplit("/", 1)[-1]: d async for d in store.iterate(FRONTIER, {"job_id": job_id})}


@pytest.fixture(params=["sqlite", "mongodb"])
async def any_store(request, tmp_path):
    """The real SQLite store, and MongoDB (nx-27017 or SCRAPED_TEST_MONGODB_URI): the
    filters of the crash accounting must mean the same on both."""
    if request.param == "sqlite":
        store = make_app(tmp_path).store
    else:
        from scraped.store.mongo import MongoStore

        store = MongoStore(request.getfixturevalue("mongo_uri"), f"crashes_{uuid.uuid4().hex[:10]}")
    await store.open()
    yield store
    await store.close()


async def test_a_crash_counts_only_against_a_page_processed_alone(any_store):
    class _App:
        store = any_store

    app = _App()
    fr = Frontier(app.store, "J", "host:abc:1")
    now = time.time()
    await app.store.insert_many(FRONTIER, [new_entry("J", f"http://x/{n}", 0, now - 10 + i)
                                           for i, n in enumerate("abc")])
    # three crashes with a, b in flight together: never counted, only seen; two make suspects
    for crash in range(1, 4):
        claimed = await fr.claim(2, 60)
        assert len(claimed) == 2 or crash > 2
        await fr.release_crashed()
        e = await _entries(app.store, "J")
        if crash == 2:
            assert e["a"]["suspect"] and e["b"]["suspect"] and not e["c"].get("suspect")
    e = await _entries(app.store, "J")
    assert all(x["state"] == PENDING and x["attempts"] == 0 and not x.get("crashes") for x in e.values())
    # a suspect claimed and marked alone when the daemon dies: that one is counted
    [s] = await fr.claim(1, 60, suspects=True)
    await fr.mark_alone(s["_id"])
    out = await fr.release_crashed()
    assert out == {"blamed": 1, "seen": 0, "new_suspects": 0}
    e = await _entries(app.store, "J")
    blamed = next(x for x in e.values() if x.get("crashes"))
    assert blamed["crashes"] == 1 and blamed["alone_at"] is None and blamed["attempts"] == 0
    # claimed as a suspect but not started (the claim clears an old mark): not counted
    [s] = await fr.claim(1, 60, suspects=True)
    assert s["alone_at"] is None
    assert (await fr.release_crashed())["blamed"] == 0
    assert len(await fr.claim(5, 60)) == 1  # only "c" is not a suspect


async def test_a_page_that_keeps_crashing_the_daemon_is_given_up_and_retry_brings_it_back(tmp_path):
    with Site(pages=3) as site:
        app = make_app(tmp_path, {"page_crashes": 2, "drop_frontier": False})
        await app.store.open()
        spec = specs.parse(site.spec("poison"))
        repo = JobsRepo(app.store)
        job = await repo.create(spec.raw, spec.name, owner=0, source="submit", digest=spec.digest())
        poison = new_entry(job["_id"], site.base + "/q/2", 1, time.time())
        poison.update(suspect=True, crash_seen=2, crashes=2)  # alone at two crashes already
        await app.store.insert_one(FRONTIER, poison)
        await app.store.close()
        async with running_engine(tmp_path, app=app) as svc:
            done = await wait_status(svc, job["_id"], jobs.COMPLETED, jobs.FAILED)
            assert done["status"] == jobs.COMPLETED
            end = done["outcome"]
            assert end["given_up_after_crashes"] == 1 and end["failed_by_kind"] == {"crash": 1}
            assert "(1 given up after crashes)" in end["reason"] and "jobs retry-failed" in end["reason"]
            assert site.hits["/q/2"] == 0  # given up without being fetched
            fr = Frontier(app.store, job["_id"])
            [row] = await fr.failures(10)
            assert row["fail_kind"] == "crash" and "died 2 times" in row["last_error"]

            assert await fr.retry_failed() == 1
            await svc.supervisor.jobs.transition(job["_id"], "retry", why="test")
            svc.supervisor.wake()
            again = await wait_status(svc, job["_id"], jobs.COMPLETED)
            while again["history"][-1]["from"] != jobs.RUNNING or len(again["history"]) < 6:
                await trio.sleep(0.05)
                again = await svc.supervisor.jobs.get(job["_id"])
            assert again["outcome"]["pages_failed"] == 0
            assert site.hits["/q/2"] == 1  # run again, alone (it stays a suspect), and fine
            e = await app.store.get(FRONTIER, poison["_id"])
            assert e["state"] == "done" and e["suspect"] is True


async def test_the_gate_runs_a_suspect_alone():
    gate = Gate()
    log: list[str] = []
    active = 0

    async def shared(name: str, hold: float) -> None:
        nonlocal active
        async with gate.shared():
            active += 1
            log.append(f"+{name}:{active}")
            await trio.sleep(hold)
            active -= 1

    async def alone() -> None:
        async with gate.alone():
            log.append(f"alone:{active}")
            await trio.sleep(0.05)
            log.append("alone-done")

    async with trio.open_nursery() as n:
        n.start_soon(shared, "a", 0.1)
        n.start_soon(shared, "b", 0.1)
        await trio.sleep(0.01)
        n.start_soon(alone)
        await trio.sleep(0.01)
        n.start_soon(shared, "c", 0.01)  # waits: a suspect is waiting
    firsts = [i for i, x in enumerate(log) if x.startswith(("+a", "+b"))]
    assert len(firsts) == 2 and log.index("alone:0") > max(firsts)  # after a and b, none running
    assert log.index("+c:1") > log.index("alone-done")  # c held back until the suspect is done


async def test_failed_entries_keep_their_kind_and_in_flight_ones_stay_out(tmp_path):
    app = make_app(tmp_path)
    await app.store.open()
    try:
        fr = Frontier(app.store, "K", "h:1:1")
        await app.store.insert_many(FRONTIER, [new_entry("K", f"http://x/{n}", 0, time.time()) for n in "ab"])
        a, b = await fr.claim(2, 60)
        await app.store.bulk_update(FRONTIER, [Frontier.failed_op(a["_id"], "h:1:1", "HTTP 404", time.time(),
                                                                  None, "http_status")])
        assert await fr.failed_by_kind() == {"http_status": 1}
        assert (await fr.counts())[IN_FLIGHT] == 1 and (await fr.counts())[FAILED] == 1
    finally:
        await app.store.close()


async def test_a_suspect_waiting_for_its_retry_does_not_spin_the_feeder(tmp_path, monkeypatch):
    calls = 0
    original = Frontier.has_suspects

    async def counting(self, due=False):
        nonlocal calls
        calls += 1
        return await original(self, due)

    monkeypatch.setattr(Frontier, "has_suspects", counting)
    with Site(pages=2, flaky=1) as site:
        app = make_app(tmp_path, {"page_retry_delay": 0.5})
        await app.store.open()
        spec = specs.parse(site.spec("flaky-suspect"))
        job = await JobsRepo(app.store).create(spec.raw, spec.name, owner=0, source="submit", digest=spec.digest())
        entry = new_entry(job["_id"], site.base + "/flaky/0", 1, time.time())
        entry.update(suspect=True, crash_seen=2)
        await app.store.insert_one(FRONTIER, entry)
        await app.store.close()
        async with running_engine(tmp_path, app=app) as svc:
            done = await wait_status(svc, job["_id"], jobs.COMPLETED)
        assert site.hits["/flaky/0"] == 2 and done["outcome"]["pages_failed"] == 0
        assert calls < 50, calls  # it slept until the retry was due, it did not poll the store
