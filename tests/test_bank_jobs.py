"""`questions ... --job ID` names every job that found a question, not only the first:
two jobs crawl the same loopback site (tests/engine_site.py) through a real daemon and the
real scrapedctl; a third crawls another site. Before, `--bank raw --job` matched only the
raw document's first `job_id` (SQLite could not filter on `sources.job_id`) and the
enhanced document kept only the job ids it had when it was enhanced: the second job
exported 0 questions of the many it found."""

from __future__ import annotations

import json

import pytest
import trio

from scraped.store.sqlite import SqliteStore
from tests.daemon_harness import DaemonProcess
from tests.engine_site import DAEMON_ENGINE, Site
from tests.engine_site import job_of as _job


class OtherSite(Site):
    """Another site's questions (the engine_site's texts are the same on every instance)."""

    def question_text(self, page: int, i: int) -> str:
        return f"Other site {page}.{i}: what is {page} times {i + 2}?"


def _ended(d: DaemonProcess, job_id: str) -> dict:
    return d.wait_until(lambda: (j := _job(d, job_id))["status"] in ("COMPLETED", "FAILED") and j, timeout=90)


def _ids(d: DaemonProcess, *argv: str) -> set[str]:
    out = d.ctl("questions", "export", *argv)
    assert out.returncode == 0, out.stderr
    return {json.loads(line)["id"] for line in out.stdout.splitlines() if line.strip()}


@pytest.mark.slow
def test_every_job_that_found_a_question_exports_it_in_every_bank(tmp_path):
    with Site(pages=9) as site, OtherSite(pages=3, per_list=3, shared=False) as other, \
            DaemonProcess(tmp_path, {"engine": DAEMON_ENGINE, "ai": {"enabled": True}}) as d:
        first = d.call("jobs.submit", spec=site.spec("first"))["job"]["id"]
        assert _ended(d, first)["status"] == "COMPLETED"
        # the offline rules enhance what the first job found before the second job starts
        d.wait_until(lambda: d.call("questions.count", bank="raw", enhancement="pending")["total"] == 0)
        raw_first = _ids(d, "--bank", "raw", "--job", first)
        enhanced_first = _ids(d, "--job", first)
        assert len(raw_first) == len(site.expected_texts()) and enhanced_first

        second = d.call("jobs.submit", spec=site.spec("second"))["job"]["id"]
        third = d.call("jobs.submit", spec=other.spec("third"))["job"]["id"]
        assert _ended(d, second)["status"] == "COMPLETED" and _ended(d, third)["status"] == "COMPLETED"
        d.wait_until(lambda: d.call("questions.count", bank="raw", enhancement="pending")["total"] == 0)

        assert _ids(d, "--bank", "raw", "--job", second) == raw_first  # found again, not new
        assert _ids(d, "--job", second) == enhanced_first
        assert _ids(d, "--bank", "all", "--job", second) == enhanced_first
        assert d.call("questions.count", bank="raw", job=second)["total"] == len(raw_first)
        rows = d.call("questions.list", job=second, limit=1000)["questions"]
        assert {r["id"] for r in rows} == enhanced_first
        # the other site's job: its own questions only, and the first jobs' lists did not grow
        raw_third = _ids(d, "--bank", "raw", "--job", third)
        assert raw_third and not raw_third & raw_first
        assert _ids(d, "--bank", "raw", "--job", first) == raw_first
        assert not _ids(d, "--job", first) & _ids(d, "--job", third)
        out = d.ctl("questions", "export", "--format", "csv", "--job", second)
        assert out.returncode == 0 and second in out.stdout.splitlines()[1]  # the CSV's job_ids column


async def test_sqlite_filters_on_a_field_of_an_arrays_elements(tmp_path):
    store = SqliteStore(tmp_path / "s.db")
    await store.open()
    try:
        docs = [{"_id": "a", "sources": [{"job_id": "J1", "url": "u1"}, {"job_id": "J2", "url": "u2"}]},
                {"_id": "b", "sources": [{"job_id": "J2", "url": "u3"}]},
                {"_id": "c", "sources": []}, {"_id": "d"}]
        await store.insert_many("raw_extracted_questions", docs)

        async def ids(flt: dict) -> list[str]:
            return sorted(d["_id"] for d in await store.find("raw_extracted_questions", flt))

        assert await ids({"sources.job_id": "J1"}) == ["a"]
        assert await ids({"sources.job_id": "J2"}) == ["a", "b"]
        assert await ids({"sources.job_id": {"$in": ["J1", "J9"]}}) == ["a"]
        assert await ids({"sources.job_id": {"$in": []}}) == []
        assert await ids({"sources.job_id": "J3"}) == []
        assert await store.count("raw_extracted_questions", {"sources.url": "u3"}) == 1
        with trio.fail_after(5):
            try:
                await store.find("raw_extracted_questions", {"sources.job_id": {"$regex": "J"}})
            except Exception as exc:  # a clear refusal, not a wrong answer
                assert "only equality or $in" in str(exc)
            else:
                raise AssertionError("an unsupported operator on an element field was accepted")
    finally:
        await store.close()
