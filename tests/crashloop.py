"""A crash loop against a real daemon subprocess on a loopback site: one kill -9 mid-crawl,
then kills within `window` seconds of each restart of the crawl (the job RUNNING
again with pages in flight) (what a systemd Restart= loop after an
OOM kill or a bad deploy does), then a clean run to the end. Shared by
tests/test_engine_crashloop.py and bench/crash_loops.py (which prints the figures)."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.daemon_harness import DaemonProcess
from tests.engine_site import DAEMON_ENGINE, Site
from tests.engine_site import job_of as _job


@dataclass
class LoopResult:
    questions_expected: int = 0
    questions_got: int = 0
    lost: int = 0
    duplicated_sources: int = 0
    extra: int = 0
    pages: int = 0
    pages_fetched_twice: int = 0
    extra_fetches: int = 0
    status: str = ""
    pages_failed: int = 0
    kills: list[float] = field(default_factory=list)  # seconds after ready of each quick kill
    history: list[str] = field(default_factory=list)
    reason: str | None = None


def _questions(d: DaemonProcess) -> list[dict[str, Any]]:
    out = d.ctl("questions", "export", "--bank", "raw")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def _crawling(d: DaemonProcess, job_id: str) -> bool:
    """The restarted daemon runs the job and has pages of it in flight (or the job ended)."""
    job = _job(d, job_id)
    if job["status"] in ("COMPLETED", "FAILED"):
        return True
    return job["status"] == "RUNNING" and bool((job.get("live") or {}).get("in_flight"))


def crash_loop(tmp_path: Path, *, pages: int = 200, quick_kills: int = 4, window: float = 0.5,
               first_kill_after: int = 40, seed: int = 0, delay: float = 0.03, per_list: int = 10,
               engine: dict[str, Any] | None = None) -> LoopResult:
    rng = random.Random(seed)
    cfg = {**DAEMON_ENGINE, "job_concurrency": 8, "drop_frontier": False, **(engine or {})}
    res = LoopResult()
    with Site(pages=pages, delay=delay, per_list=per_list) as site:
        d = DaemonProcess(tmp_path, config={"engine": cfg})
        try:
            d.start()
            job_id = d.call("jobs.submit", spec=site.spec("crashloop"))["job"]["id"]
            d.wait_until(lambda: _job(d, job_id)["progress"]["pages_fetched"] >= first_kill_after,
                         interval=0.05, timeout=60)
            d.kill()
            for _ in range(quick_kills):
                d.start()  # returns once the daemon answers; then the job must be crawling again
                d.wait_until(lambda: _crawling(d, job_id), interval=0.01, timeout=60)
                if _job(d, job_id)["status"] != "RUNNING":
                    break  # it ended meanwhile (pages given up): nothing left to kill
                after = rng.uniform(0.0, window)
                time.sleep(after)
                d.kill()
                res.kills.append(round(after, 3))
            d.start()
            job = d.wait_until(lambda: (j := _job(d, job_id))["status"] in ("COMPLETED", "FAILED") and j,
                               timeout=120)
            got = _questions(d)
        finally:
            d.close()
        expected = site.expected_texts()
        texts = [q["question"] for q in got]
        res.questions_expected = len(expected)
        res.questions_got = len(set(texts))
        res.lost = len(expected - set(texts))
        res.extra = len(set(texts) - expected) + (len(texts) - len(set(texts)))
        res.duplicated_sources = sum(len(q["sources"]) - len({s["url"] for s in q["sources"]}) for q in got)
        paths = site.all_paths()
        res.pages = len(paths)
        res.pages_fetched_twice = sum(1 for p in paths if site.hits[p] > 1)
        res.extra_fetches = sum(max(0, site.hits[p] - 1) for p in paths)
        res.status = job["status"]
        res.pages_failed = job["pages_failed"]
        res.history = [h["to"] for h in job["history"]]
        res.reason = job.get("reason")
    return res
