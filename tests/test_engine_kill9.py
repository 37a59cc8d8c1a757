"""kill -9 in the middle of a crawl: after a restart the job resumes (INTERRUPTED ->
QUEUED -> RUNNING -> COMPLETED) and the store ends up exactly as after an uninterrupted
run: the same questions, no duplicates (not even of a source), and no page that was
already stored fetched again (the server counts hits per path; only pages in flight at
the kill may be fetched twice)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraped.engine.frontier import DONE, FRONTIER, IN_FLIGHT
from tests.daemon_harness import DaemonProcess
from tests.engine_site import DAEMON_ENGINE as ENGINE
from tests.engine_site import SHARED_QUESTION, Site
from tests.engine_site import job_of as _job


def _submit(d: DaemonProcess, tmp_path: Path, text: str) -> str:
    return d.call("jobs.submit", spec=text)["job"]["id"]


def _fetched(d: DaemonProcess, job_id: str, n: int) -> bool:
    return _job(d, job_id)["progress"]["pages_fetched"] >= n


def _store_snapshot(state_dir: Path) -> tuple[set[str], set[str]]:
    """(urls done, urls in flight) in the store of a daemon that is not running."""
    import trio

    from scraped.store.sqlite import SqliteStore

    async def read() -> tuple[set[str], set[str]]:
        store = SqliteStore(state_dir / "scraped.db")
        await store.open()
        try:
            done = {d["url"] async for d in store.iterate(FRONTIER, {"state": DONE})}
            flying = {d["url"] async for d in store.iterate(FRONTIER, {"state": IN_FLIGHT})}
            return done, flying
        finally:
            await store.close()

    return trio.run(read)


def _questions(d: DaemonProcess) -> dict[str, dict]:
    out = d.ctl("questions", "export", "--bank", "raw")
    assert out.returncode == 0, out.stderr
    return {r["id"]: r for r in (json.loads(line) for line in out.stdout.splitlines())}


@pytest.mark.slow
def test_kill_9_mid_crawl_resumes_and_matches_an_uninterrupted_run(tmp_path):
    engine = {**ENGINE, "job_concurrency": 4, "drop_frontier": False}
    with Site(pages=300, delay=0.0) as site:
        base = len(site.base)
        # The reference: the same crawl, uninterrupted.
        with DaemonProcess(tmp_path / "reference", config={"engine": engine}) as ref:
            ref_job = _submit(ref, tmp_path, site.spec("crawl"))
            ref.wait_until(lambda: _job(ref, ref_job)["status"] == "COMPLETED", timeout=60)
            expected = _questions(ref)
        assert {q["question"] for q in expected.values()} == site.expected_texts()

        site.hits.clear()
        site.delay = 0.02
        d = DaemonProcess(tmp_path / "killed", config={"engine": engine})
        try:
            d.start()
            job_id = _submit(d, tmp_path, site.spec("crawl"))
            d.wait_until(lambda: _fetched(d, job_id, 60), interval=0.05)
            d.kill()  # SIGKILL: no checkpoint, no flush
            hits_at_kill = dict(site.hits)
            done_at_kill, in_flight_at_kill = _store_snapshot(d.state_dir)
            assert 60 <= len(done_at_kill) < 300 and in_flight_at_kill

            d.start()
            d.wait_until(lambda: _job(d, job_id)["status"] == "COMPLETED", timeout=60)
            got = _questions(d)
            job = _job(d, job_id)
        finally:
            d.close()

    assert got.keys() == expected.keys()  # the same questions, each stored once
    for key, q in got.items():
        ref_q = expected[key]
        assert (q["question"], q["options"], q["answer"]) == (ref_q["question"], ref_q["options"], ref_q["answer"])
        urls = [s["url"] for s in q["sources"]]
        assert len(urls) == len(set(urls)) == len(ref_q["sources"])  # no duplicate source either
    shared = next(q for q in got.values() if q["question"] == SHARED_QUESTION)
    assert len(shared["sources"]) == 300

    statuses = [h["to"] for h in job["history"]]
    assert statuses[-4:] == ["INTERRUPTED", "QUEUED", "RUNNING", "COMPLETED"]
    assert job["progress"]["pages_fetched"] == len(site.all_paths())
    assert job["progress"]["questions_new"] == len(expected)

    pages = site.all_paths()
    assert {p for p in pages if site.hits[p] == 0} == set()  # nothing lost
    done_paths = {u[base:] for u in done_at_kill}
    flying_paths = {u[base:] for u in in_flight_at_kill}
    refetched = {p for p in pages if site.hits[p] > 1}
    assert not refetched & done_paths, "a page already stored was fetched again"
    assert refetched <= flying_paths  # only pages in flight at the kill
    assert all(hits_at_kill.get(p, 0) == 0 for p in pages - done_paths - flying_paths)
