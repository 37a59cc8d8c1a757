"""`jobs show` as an operator reads it: no line that says something false about a job.

Rendered from replies shaped as the daemon's jobs.show sends them (the audit found both
cases on a real daemon: a COMPLETED job of 200 pages showing "frontier: ... done 0" after
[engine] drop_frontier deleted it, and "last_error daemon shutdown or restore" on a job
that then completed)."""

from __future__ import annotations

from typing import Any

from scraped.render.engine import jobs_show


def _reply(status: str, reason: str, last_error: str | None, frontier: dict[str, int]) -> dict[str, Any]:
    return {"id": "J1", "name": "site", "status": status, "reason": reason, "last_error": last_error,
            "progress": {"pages_fetched": 200, "pages_failed": 0}, "frontier": frontier, "history": []}


ZERO = {"pending": 0, "in_flight": 0, "done": 0, "failed": 0}


def test_an_ended_job_whose_frontier_was_dropped_says_so_not_done_0():
    text = jobs_show(_reply("COMPLETED", "the frontier is exhausted: 200 pages fetched, 0 failed", None, ZERO))
    assert "frontier: dropped when the job ended" in text and "done 0" not in text


def test_a_running_job_shows_its_frontier_counts():
    text = jobs_show(_reply("RUNNING", "", None, {"pending": 5, "in_flight": 2, "done": 40, "failed": 1}))
    assert "frontier: pending 5  in_flight 2  done 40  failed 1" in text
    assert "dropped" not in jobs_show(_reply("RUNNING", "", None, ZERO))  # just started: the counts


def test_a_failed_job_keeping_its_failed_pages_shows_them():
    text = jobs_show(_reply("FAILED", "nothing succeeded", "nothing succeeded", {**ZERO, "failed": 2}))
    assert "failed 2" in text


def test_last_error_only_when_it_says_something_the_reason_does_not():
    completed = jobs_show(_reply("COMPLETED", "max_pages (200) reached", "daemon shutdown or restore", ZERO))
    assert "last_error" not in completed and "daemon shutdown" not in completed
    failed = jobs_show(_reply("FAILED", "nothing succeeded: 0 pages fetched", "nothing succeeded: 0 pages fetched",
                              {**ZERO, "failed": 2}))
    assert failed.count("nothing succeeded") == 1
    paused = jobs_show(_reply("PAUSED", "paused", "storage: disk full", {**ZERO, "pending": 3}))
    assert "storage: disk full" in paused
