"""Two real daemons on one MongoDB database (nx-27017 stands in for MongoDB, or the server
named by SCRAPED_TEST_MONGODB_URI) share one job: the one holding it is killed with -9
mid-crawl; the other sees its lease expire, takes the job over and finishes it. The
stored questions equal a single-daemon run's, each stored once with no duplicate source.
Both daemons publish heartbeats; `engine status` lists them with the jobs they hold."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.daemon_harness import DaemonProcess
from tests.engine_site import SHARED_QUESTION, Site
from tests.mongo_server import NxServer, external_uri, nx_binary

ENGINE = {"allow_private_networks": True, "write_interval": 0.05, "progress_interval": 0.2,
          "stop_grace": 5.0, "host_concurrency": 16, "job_concurrency": 4, "lease_seconds": 5.0,
          "drop_frontier": False}
PAGES = 200


@pytest.fixture(scope="module")
def mongo_uri(tmp_path_factory):
    uri = external_uri()
    if uri:
        yield uri
        return
    if nx_binary() is None:
        pytest.skip("no nx-27017 and no SCRAPED_TEST_MONGODB_URI")
    server = NxServer(tmp_path_factory.mktemp("nx-cluster"))
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


def _config(uri: str, db: str) -> dict:
    return {"store": {"uri": uri, "database": db}, "ai": {"enabled": False}, "engine": ENGINE}


def _job(d: DaemonProcess, job_id: str) -> dict:
    return d.call("jobs.show", id=job_id)


def _submit(d: DaemonProcess, tmp_path: Path, text: str) -> str:
    return d.call("jobs.submit", spec=text)["job"]["id"]


def _questions(d: DaemonProcess) -> dict[str, dict]:
    out = d.ctl("questions", "export")
    assert out.returncode == 0, out.stderr
    return {r["id"]: r for r in (json.loads(line) for line in out.stdout.splitlines())}


@pytest.mark.slow
def test_two_daemons_one_job_kill_9_the_holder_the_other_finishes(tmp_path, mongo_uri):
    with Site(pages=PAGES, delay=0.0) as site:
        with DaemonProcess(tmp_path / "reference", _config(mongo_uri, f"ref_{uuid.uuid4().hex[:10]}")) as ref:
            ref_job = _submit(ref, tmp_path, site.spec("crawl"))
            ref.wait_until(lambda: _job(ref, ref_job)["status"] == "COMPLETED", timeout=60)
            expected = _questions(ref)
        assert {q["question"] for q in expected.values()} == site.expected_texts()

        site.delay = 0.02
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

    assert got.keys() == expected.keys()  # the same questions, each stored once
    for key, q in got.items():
        urls = [s["url"] for s in q["sources"]]
        assert len(urls) == len(set(urls)) == len(expected[key]["sources"])
    shared = next(q for q in got.values() if q["question"] == SHARED_QUESTION)
    assert len(shared["sources"]) == PAGES
    # nx-27017 returns documents pushed with `$push: {$each: [...]}` as JSON strings; MongoDB
    # returns the documents. Read both.
    history = [h if isinstance(h, dict) else json.loads(h) for h in job["history"]]
    assert [h["to"] for h in history][-4:] == ["INTERRUPTED", "QUEUED", "RUNNING", "COMPLETED"]
    assert job["progress"]["questions_new"] == len(expected)
    assert len(lost) == 1 and lost[0]["jobs"] == []
    assert all(site.hits[p] >= 1 for p in site.all_paths())  # nothing lost
