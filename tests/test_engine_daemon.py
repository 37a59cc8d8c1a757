"""The engine in a real daemon subprocess, driven over its real socket with scrapedctl:
submit (and a refused spec), list, show, pause, resume, watch, stop, stop --all, queue,
queue clear, engine status, health, and the questions commands incl. streamed export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.daemon_harness import DaemonProcess
from tests.engine_site import DAEMON_ENGINE as ENGINE
from tests.engine_site import SHARED_QUESTION, Site, submit_file
from tests.engine_site import job_of as _job


def _fetched(d: DaemonProcess, job_id: str, n: int) -> bool:
    return _job(d, job_id)["progress"]["pages_fetched"] >= n


@pytest.mark.slow
def test_job_commands_over_the_socket(tmp_path):
    with Site(pages=50, delay=0.03) as site, \
            DaemonProcess(tmp_path, config={"engine": {**ENGINE, "job_concurrency": 4}}) as d:
        bad = tmp_path / "bad.toml"
        bad.write_text('name = "x"\nmax_depth = -3\n[follow]\nallow = ["("]\n')
        out = d.ctl("jobs", "submit", str(bad))
        assert out.returncode == 65  # bad request, every problem listed
        for key in ("max_depth:", "start_urls:", "follow.allow[0]:"):
            assert key in out.stderr, out.stderr

        job_id = submit_file(d, tmp_path, site.spec("over-socket"))
        d.wait_until(lambda: _fetched(d, job_id, 5))
        out = d.ctl("jobs", "pause", job_id)
        assert out.returncode == 0 and "PAUSED" in out.stdout, out.stderr
        assert d.ctl("jobs", "pause", job_id).returncode == 75  # conflict: already paused
        listed = d.ctl("jobs", "list", "--status", "paused")
        assert job_id in listed.stdout and "over-socket" in listed.stdout
        queue = d.call("queue")
        assert queue["paused"] == 1 and queue["slots"]["max"] >= 1
        assert d.ctl("jobs", "resume", job_id[:10]).returncode == 0  # an id prefix works
        watched = d.ctl("jobs", "watch", job_id, "--interval", "0.2", timeout=60)
        assert watched.returncode == 0, watched.stderr
        lines = watched.stdout.strip().splitlines()
        assert "COMPLETED" in lines[-1] and any("fetched" in line for line in lines[:-1])

        show = _job(d, job_id)
        assert show["status"] == "COMPLETED" and show["progress"]["questions_new"] == len(site.expected_texts())
        assert d.ctl("jobs", "show", "over-socket").returncode == 0  # by name

        # questions: list, count, show, export (JSONL and CSV, streamed)
        listed = d.call("questions.list", bank="raw", limit=5)
        assert listed["total"] == len(site.expected_texts()) and len(listed["questions"]) == 5
        assert d.call("questions.count", bank="raw", search="prime")["total"] == 1
        assert d.call("questions.count", bank="raw", job=job_id, by="category")["total"] == len(site.expected_texts())
        shared = d.call("questions.list", bank="raw", search="which of these")["questions"][0]
        one = d.call("questions.show", bank="raw", id=shared["id"][:12])
        assert one["question"] == SHARED_QUESTION and len(one["sources"]) == 50
        assert d.ctl("questions", "show", "deadbeefdeadbeef").returncode == 66
        out = d.ctl("questions", "export", "--bank", "raw")
        records = [json.loads(line) for line in out.stdout.splitlines()]
        assert {r["question"] for r in records} == site.expected_texts()
        out = d.ctl("questions", "export", "--bank", "raw", "--format", "csv", "--search", "page 1 ")
        rows = list(csv.DictReader(io.StringIO(out.stdout)))
        assert rows and all("Page 1 " in r["question"] for r in rows)
        assert json.loads(rows[0]["options"]) and rows[0]["source_url"].startswith(site.base)
        assert d.ctl("questions", "list").returncode == 0

        # stop a running job, then stop --all and queue clear on an empty engine
        other = submit_file(d, tmp_path, site.spec("to-stop"))
        d.wait_until(lambda: _job(d, other)["status"] == "RUNNING")
        out = d.ctl("jobs", "stop", other)
        assert out.returncode == 0 and "STOPPED" in out.stdout, out.stderr
        assert d.ctl("jobs", "stop", "--all").returncode == 0
        assert d.call("queue.clear")["cleared"] == 0
        status = d.ctl("engine", "status")
        assert status.returncode == 0 and "limits" in status.stdout
        health = d.call("health", component="scraping_engine")
        assert health["status"] == "healthy"


@pytest.mark.slow
def test_sigterm_checkpoints_a_running_job_and_a_restart_resumes_it(tmp_path):
    import trio

    from scraped.engine.frontier import FRONTIER, IN_FLIGHT
    from scraped.store.sqlite import SqliteStore

    async def saved(state_dir: Path, job_id: str) -> tuple[dict, int]:
        store = SqliteStore(state_dir / "scraped.db")
        await store.open()
        try:
            return (await store.get("scraping_jobs", job_id),
                    await store.count(FRONTIER, {"job_id": job_id, "state": IN_FLIGHT}))
        finally:
            await store.close()

    with Site(pages=80, delay=0.03) as site:
        d = DaemonProcess(tmp_path, config={"engine": {**ENGINE, "job_concurrency": 4}})
        try:
            d.start()
            job_id = submit_file(d, tmp_path, site.spec("graceful"))
            d.wait_until(lambda: _fetched(d, job_id, 10))
            assert d.stop() == 0  # SIGTERM: checkpoint, then exit 0
            job, in_flight = trio.run(saved, d.state_dir, job_id)
            assert job["status"] == "INTERRUPTED" and in_flight == 0
            assert job["progress"]["pages_fetched"] >= 10
            d.start()
            d.wait_until(lambda: _job(d, job_id)["status"] == "COMPLETED")
            assert d.call("questions.count", bank="raw", job=job_id)["total"] == len(site.expected_texts())
            assert max(site.hits[p] for p in site.all_paths()) <= 2
        finally:
            d.close()
