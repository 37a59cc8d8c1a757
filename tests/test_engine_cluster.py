"""Two real daemons on one MongoDB database (nx-27017 stands in for MongoDB, or the server
named by SCRAPED_TEST_MONGODB_URI) share one job.

- Takeover: the one holding it is killed with -9 mid-crawl; the other sees its lease
  expire, takes the job over and finishes it.
- Joining (`engine.join_running_jobs`): the second daemon helps crawl the first one's
  running job; both fetch pages (told apart by their User-Agents), no page twice; a pause
  asked for on the helper pauses the job on its owner and the helper leaves.

Each time the stored questions equal a single-daemon run's, each stored once with no
duplicate source. Both daemons publish heartbeats; `engine status` lists them with the
jobs they hold and help."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.daemon_harness import DaemonProcess
from tests.engine_site import DAEMON_ENGINE, SHARED_QUESTION, Site
from tests.engine_site import job_of as _job

ENGINE = {**DAEMON_ENGINE, "job_concurrency": 4, "lease_seconds": 5.0, "drop_frontier": False}
PAGES = 200




def _config(uri: str, db: str, **engine) -> dict:
    return {"store": {"uri": uri, "database": db}, "ai": {"enabled": False}, "engine": {**ENGINE, **engine}}


def _submit(d: DaemonProcess, tmp_path: Path | None, text: str) -> str:
    return d.call("jobs.submit", spec=text)["job"]["id"]


def _questions(d: DaemonProcess) -> dict[str, dict]:
    out = d.ctl("questions", "export", "--bank", "raw")
    assert out.returncode == 0, out.stderr
    return {r["id"]: r for r in (json.loads(line) for line in out.stdout.splitlines())}


@pytest.fixture(scope="module")
def expected(tmp_path_factory, mongo_uri) -> dict[str, dict]:
    """The questions of a single-daemon run over the test site (PAGES pages)."""
    with Site(pages=PAGES, delay=0.0) as site, DaemonProcess(
            tmp_path_factory.mktemp("reference"), _config(mongo_uri, f"ref_{uuid.uuid4().hex[:10]}")) as ref:
        ref_job = _submit(ref, None, site.spec("crawl"))
        ref.wait_until(lambda: _job(ref, ref_job)["status"] == "COMPLETED", timeout=60)
        found = _questions(ref)
        assert {q["question"] for q in found.values()} == site.expected_texts()
    return found


def _same_questions(got: dict[str, dict], expected: dict[str, dict]) -> None:
    assert got.keys() == expected.keys()  # the same questions, each stored once
    for key, q in got.items():
        urls = [s["url"] for s in q["sources"]]
        assert len(urls) == len(set(urls)) == len(expected[key]["sources"])
    shared = next(q for q in got.values() if q["question"] == SHARED_QUESTION)
    assert len(shared["sources"]) == PAGES


@pytest.mark.slow
def test_two_daemons_one_job_kill_9_the_holder_the_other_finishes(tmp_path, mongo_uri, expected):
    with Site(pages=PAGES, delay=0.02) as site:
        db = f"cluster_{uuid.uuid4().hex[:10]}"
        a = DaemonProcess(tmp_path / "a", _config(mongo_uri, db))
        b = DaemonProcess(tmp_path / "b", _config(mongo_uri, db))
        try:
            a.start()
            job_id = _submit(a, tmp_path, site.spec("crawl"))
            a.wait_until(lambda: _job(a, job_id)["status"] == "RUNNING", interval=0.05)
            b.start()
            cluster = b.wait_until(lambda: (lambda c: c if len(c) == 2 else None)(
                b.call("engine.status")["cluster"]), timeout=15)
            holders = {d["identity"]: d for d in cluster}
            assert all(d["state"] == "alive" for d in cluster)
            assert sorted(len(d["jobs"]) for d in holders.values()) == [0, 1]
            out = b.ctl("engine", "status")
            assert out.returncode == 0 and "daemons on this store" in out.stdout, out.stderr

            b.wait_until(lambda: _job(b, job_id)["progress"]["pages_fetched"] >= 40, interval=0.05)
            a.kill()  # SIGKILL: no checkpoint, no flush, leases left to expire
            assert _job(b, job_id)["progress"]["pages_fetched"] < PAGES + PAGES // 10
            b.wait_until(lambda: _job(b, job_id)["status"] == "COMPLETED", timeout=60)
            got = _questions(b)
            job = _job(b, job_id)
            lost = b.wait_until(lambda: [d for d in b.call("engine.status")["cluster"] if d["state"] == "lost"],
                                timeout=30)
        finally:
            a.close()
            b.close()

    _same_questions(got, expected)
    # nx-27017 returns documents pushed with `$push: {$each: [...]}` as JSON strings; MongoDB
    # returns the documents. Read both.
    history = [h if isinstance(h, dict) else json.loads(h) for h in job["history"]]
    assert [h["to"] for h in history][-4:] == ["INTERRUPTED", "QUEUED", "RUNNING", "COMPLETED"]
    assert job["progress"]["questions_new"] == len(expected)
    assert len(lost) == 1 and lost[0]["jobs"] == []
    assert all(site.hits[p] >= 1 for p in site.all_paths())  # nothing lost


def _pair(tmp_path: Path, uri: str) -> tuple[DaemonProcess, DaemonProcess]:
    """A owns jobs; B helps (join_running_jobs); each sends its own User-Agent."""
    db = f"join_{uuid.uuid4().hex[:10]}"
    small = {"frontier_batch": 8, "job_concurrency": 3}
    a = DaemonProcess(tmp_path / "a", _config(uri, db, user_agent="daemon-a", **small))
    b = DaemonProcess(tmp_path / "b", _config(uri, db, user_agent="daemon-b", join_running_jobs=True, **small))
    return a, b


def _helping(d: DaemonProcess, job_id: str) -> bool:
    return any(job_id in (c.get("helping") or []) for c in d.call("engine.status")["cluster"])


def _a_runs_b_helps(a: DaemonProcess, b: DaemonProcess, site: Site) -> str:
    """Start A with a job, then B; returns the job's id once B helps it."""
    a.start()
    job_id = _submit(a, None, site.spec("crawl"))
    a.wait_until(lambda: _job(a, job_id)["status"] == "RUNNING", interval=0.05)
    b.start()
    b.wait_until(lambda: _helping(b, job_id), timeout=20, interval=0.1)
    return job_id


@pytest.mark.slow
def test_a_second_daemon_joins_a_running_job_and_they_crawl_it_together(tmp_path, mongo_uri, expected):
    with Site(pages=PAGES, per_list=40, delay=0.1) as site:
        a, b = _pair(tmp_path, mongo_uri)
        try:
            job_id = _a_runs_b_helps(a, b, site)
            live = b.call("jobs.show", id=job_id)
            assert live["helpers"] and live["live"]["role"] == "helper"
            out = b.ctl("engine", "status")
            assert out.returncode == 0 and "HELPING" in out.stdout and "helper" in out.stdout, out.stderr
            a.wait_until(lambda: _job(a, job_id)["status"] == "COMPLETED", timeout=90)
            got = _questions(a)
            b.wait_until(lambda: not b.call("engine.status")["jobs_running"], timeout=15)
            job = _job(a, job_id)  # after the helper left: its last counters are in
        finally:
            a.close()
            b.close()

    _same_questions(got, expected)
    assert site.agents["daemon-a"] > 0 and site.agents["daemon-b"] > 0, site.agents
    assert all(site.hits[p] == 1 for p in site.all_paths()), "a page was fetched twice"
    assert job["progress"]["pages_fetched"] == len(site.all_paths()) == job["frontier"]["done"]
    assert job["progress"]["questions_new"] == len(expected)
    assert job["helpers"] == []  # the helper left


@pytest.mark.slow
def test_pause_asked_on_the_helper_pauses_the_job_and_the_helper_leaves(tmp_path, mongo_uri, expected):
    with Site(pages=PAGES, per_list=40, delay=0.1) as site:
        a, b = _pair(tmp_path, mongo_uri)
        try:
            job_id = _a_runs_b_helps(a, b, site)
            assert b.call("jobs.pause", id=job_id)["status"] in ("RUNNING", "PAUSED")  # asked of A
            b.wait_until(lambda: _job(b, job_id)["status"] == "PAUSED", timeout=15)
            # The helper leaves; both daemons have put back what they had in flight.
            b.wait_until(lambda: not b.call("engine.status")["jobs_running"], timeout=15)
            paused = _job(b, job_id)
            assert paused["frontier"]["in_flight"] == 0 and paused["helpers"] == []
            assert 0 < paused["frontier"]["done"] < len(site.all_paths())
            b.call("jobs.resume", id=job_id)
            b.wait_until(lambda: _job(b, job_id)["status"] == "COMPLETED", timeout=90)
            got = _questions(b)
        finally:
            a.close()
            b.close()

    _same_questions(got, expected)
    assert all(site.hits[p] >= 1 for p in site.all_paths())
