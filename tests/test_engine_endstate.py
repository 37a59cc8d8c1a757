"""A job's end state says what happened, in a real daemon subprocess crawling a real
loopback site, driven with the real scrapedctl:

- every page failing (a refused connection) ends FAILED "nothing succeeded", not COMPLETED;
  failures past engine.max_failure_ratio end FAILED; fewer end COMPLETED with the count;
- the failures reach `errors stats` with the job id, `jobs show` gives the reason and
  Scrapy-style stats, `jobs failures` lists URL, reason, attempts;
- `jobs retry-failed` brings the failed pages back and the job runs again;
- `jobs delete` and `jobs purge --finished --older-than` delete finished jobs only.
"""

from __future__ import annotations

import json
import socket

import pytest

from tests.daemon_harness import DaemonProcess
from tests.engine_site import DAEMON_ENGINE, Site
from tests.engine_site import job_of as _job

ENGINE = {**DAEMON_ENGINE, "page_attempts": 1, "fetch": {"retries": 0, "backoff": 0.01}}


class MendedSite(Site):
    """The engine_site with its broken links answering 200 once `mended` is set."""

    mended = False

    def route(self, path: str) -> tuple[int, str]:
        if self.mended and path.startswith("/missing/"):
            return 200, "<html><body>back again</body></html>"
        return super().route(path)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connections are refused
    return port


def _ended(d: DaemonProcess, job_id: str) -> dict:
    return d.wait_until(lambda: (j := _job(d, job_id))["status"] in ("COMPLETED", "FAILED") and j, timeout=60)


def _ctl_json(d: DaemonProcess, *argv: str) -> dict:
    out = d.ctl(*argv, "--json")
    assert out.returncode == 0, (argv, out.stdout, out.stderr)
    return json.loads(out.stdout)


@pytest.mark.slow
def test_every_page_failing_ends_failed_with_the_reason_and_the_errors(tmp_path):
    port = _closed_port()
    spec = (f'name = "refused"\nstart_urls = ["http://127.0.0.1:{port}/a", "http://127.0.0.1:{port}/b"]\n')
    with DaemonProcess(tmp_path, config={"engine": ENGINE}) as d:
        job_id = d.call("jobs.submit", spec=spec)["job"]["id"]
        job = _ended(d, job_id)
        assert job["status"] == "FAILED"
        assert job["reason"].startswith("nothing succeeded: 0 pages fetched, 2 failed: connect 2")
        assert f"jobs retry-failed {job_id}" in job["reason"]
        assert job["stats"]["failures_by_kind"] == {"connect": 2}
        shown = d.ctl("jobs", "show", job_id)
        assert shown.returncode == 0 and "nothing succeeded" in shown.stdout, shown.stdout

        failures = _ctl_json(d, "jobs", "failures", job_id)
        assert failures["total"] == 2
        assert {f["url"] for f in failures["failures"]} == {f"http://127.0.0.1:{port}/a",
                                                            f"http://127.0.0.1:{port}/b"}
        assert all(f["kind"] == "connect" and f["reason"] and f["attempts"] == 1 for f in failures["failures"])

        stats = d.call("errors.stats")
        assert stats["category_breakdown"].get("scraping", 0) >= 2  # the page failures and the job
        dash = d.call("errors.dashboard", limit=50)
        mine = [e for e in dash["recent_errors"] if (e.get("context") or {}).get("job_id") == job_id]
        assert {e["type"] for e in mine} >= {"JobFailed", "PageFailures"}, dash["recent_errors"]


@pytest.mark.slow
def test_the_failure_ratio_decides_and_retry_failed_runs_the_pages_again(tmp_path):
    engine = {**ENGINE, "max_failure_ratio": 0.25}
    # 6 question pages, 2 lists, the index: 9 good pages; 4 broken links: 4 of 13 fail (31 %).
    with MendedSite(pages=6, per_list=5, broken=4) as site, \
            DaemonProcess(tmp_path, config={"engine": engine}) as d:
        job_id = d.call("jobs.submit", spec=site.spec("ratio"))["job"]["id"]
        job = _ended(d, job_id)
        assert job["status"] == "FAILED", job
        assert "4 of 13 pages failed (31%), more than engine.max_failure_ratio (25%)" in job["reason"]
        st = job["stats"]
        assert st["responses_by_status"] == {"200": 9, "404": 4}
        assert st["failures_by_kind"] == {"http_status": 4} and st["robots_refused"] == 0
        assert st["bytes"] > 6 * 2048 and st["pages_per_s"] and st["retries"] == 0

        # the pages come back: the broken ones answer now
        site.mended = True
        out = d.ctl("jobs", "retry-failed", job_id)
        assert out.returncode == 0 and "QUEUED" in out.stdout, (out.stdout, out.stderr)
        assert d.ctl("jobs", "retry-failed", job_id).returncode == 75  # nothing failed any more
        again = d.wait_until(lambda: (j := _job(d, job_id))["status"] in ("COMPLETED", "FAILED")
                             and len(j["history"]) > len(job["history"]) and j, timeout=60)
        assert again["status"] == "COMPLETED" and again["pages_failed"] == 0, again
        assert again["reason"].startswith("the frontier is exhausted: 13 pages fetched, 0 failed")
        statuses = [h["to"] for h in again["history"]]
        assert statuses[-4:] == ["FAILED", "QUEUED", "RUNNING", again["status"]]
        assert "4 failed page(s) retried by command" in [h["why"] for h in again["history"]]
        assert all(site.hits[f"/missing/{k}"] == 2 for k in range(4))  # fetched again, once each
        assert all(site.hits[p] == 1 for p in site.all_paths())  # nothing else fetched again
        assert d.ctl("jobs", "retry-failed", "nosuchjob").returncode == 66


@pytest.mark.slow
def test_a_few_failures_complete_with_their_count_and_delete_and_purge(tmp_path):
    with Site(pages=12, broken=1) as site, Site(pages=30, delay=3.0) as slow_site, \
            DaemonProcess(tmp_path, config={"engine": ENGINE}) as d:
        job_id = d.call("jobs.submit", spec=site.spec("mostly-fine"))["job"]["id"]
        job = _ended(d, job_id)
        assert job["status"] == "COMPLETED" and job["pages_failed"] == 1
        assert job["reason"].startswith("the frontier is exhausted: 15 pages fetched, 1 failed: http_status 1")
        listed = d.ctl("jobs", "list")
        assert listed.returncode == 0 and "COMPLETED" in listed.stdout

        # delete: refused for an active job, done for a finished one (questions stay)
        running = d.call("jobs.submit", spec=slow_site.spec("slow"))["job"]["id"]
        d.wait_until(lambda: _job(d, running)["status"] == "RUNNING")
        # questions export --job (the bank's command): that job's questions only
        out = d.ctl("questions", "export", "--bank", "raw", "--job", job_id)
        rows = [json.loads(line) for line in out.stdout.splitlines()]
        assert out.returncode == 0 and {r["job_id"] for r in rows} == {job_id}
        assert {r["question"] for r in rows} == site.expected_texts()
        out = d.ctl("jobs", "delete", running)
        assert out.returncode == 75 and "stop it first" in out.stderr, out.stderr
        out = _ctl_json(d, "jobs", "delete", job_id)
        assert out["deleted"] == [job_id] and out["jobs"] == 1 and out["frontier_entries"] == 16
        assert out["questions_kept"] > 0
        assert d.ctl("jobs", "show", job_id).returncode == 66
        assert d.call("questions.count", bank="raw")["total"] > 0

        # purge: --finished is required; --older-than bounds it
        d.call("jobs.stop", id=running)
        out = d.ctl("jobs", "purge", "--older-than", "0")
        assert out.returncode == 65 and "--finished" in out.stderr
        assert _ctl_json(d, "jobs", "purge", "--finished", "--older-than", "1")["jobs"] == 0
        out = _ctl_json(d, "jobs", "purge", "--finished", "--older-than", "0")
        assert out["jobs"] == 1 and out["deleted"] == [running]
        assert d.call("jobs.list")["jobs"] == []
