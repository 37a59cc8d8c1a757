"""`jobs watch`: progress against the frontier, a rate and ETA only when they mean
something, watching on through a pause, and change-only lines when piped.

The Meter is driven with a hand-moved clock (its rate is about time); the end-to-end test
runs the real scrapedctl against a real daemon crawling a loopback site."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from scraped.engine.watch import MIN_SPAN, Meter
from scraped.render.watch import line
from tests.daemon_harness import REPO, DaemonProcess
from tests.engine_site import DAEMON_ENGINE, Site


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _doc(status: str, fetched: int, failed: int = 0, max_pages: int | None = 50) -> dict:
    return {"_id": "j1", "name": "site", "status": status, "spec": {"max_pages": max_pages},
            "progress": {"pages_fetched": fetched, "pages_failed": failed, "questions_found": 0,
                         "questions_new": 0}}


def test_progress_is_done_over_known_not_over_max_pages():
    meter = Meter(Clock())
    meter.set_frontier({"pending": 0, "in_flight": 0, "done": 3, "failed": 0})
    frame = meter.frame(_doc("COMPLETED", 3))
    assert (frame["done"], frame["total"]) == (3, 3)  # a finished 3-page job is 3/3, not 3/50
    assert "3/3 pages (100%)" in line(frame) and frame["ended"]
    meter.set_frontier({"pending": 400, "in_flight": 10, "done": 40, "failed": 5})
    frame = meter.frame(_doc("RUNNING", 40, 5))
    assert (frame["done"], frame["known"], frame["total"]) == (45, 455, 50)  # capped by max_pages
    unlimited = meter.frame(_doc("RUNNING", 40, 5, max_pages=0))
    assert unlimited["total"] == 455


def test_rate_and_eta_only_when_meaningful():
    clock = Clock()
    meter = Meter(clock)
    meter.set_frontier({"pending": 90, "in_flight": 0, "done": 10, "failed": 0})
    first = meter.frame(_doc("RUNNING", 10, max_pages=None))
    assert first["rate"] is None and first["eta_s"] is None  # one sample: no rate yet
    clock.now += MIN_SPAN / 2
    assert meter.frame(_doc("RUNNING", 12, max_pages=None))["rate"] is None  # too short a span
    clock.now += MIN_SPAN
    meter.set_frontier({"pending": 70, "in_flight": 0, "done": 30, "failed": 0})
    frame = meter.frame(_doc("RUNNING", 30, max_pages=None))
    span = MIN_SPAN * 1.5
    assert frame["rate"] == round(20 / span, 2)
    assert frame["eta_s"] == round(70 / (20 / span), 1)
    assert "pages/s · ETA" in line(frame)

    # A pause clears the rate; after the resume it is measured afresh, not from before.
    clock.now += 60
    paused = meter.frame(_doc("PAUSED", 30, max_pages=None))
    assert paused["rate"] is None and paused["eta_s"] is None and not paused["ended"]
    assert "paused (scrapedctl jobs resume j1)" in line(paused)
    clock.now += 1
    assert meter.frame(_doc("RUNNING", 31, max_pages=None))["rate"] is None


def test_no_eta_when_nothing_is_left_or_nothing_moves():
    clock = Clock()
    meter = Meter(clock)
    meter.set_frontier({"pending": 0, "in_flight": 0, "done": 20, "failed": 0})
    meter.frame(_doc("RUNNING", 20))
    clock.now += 10
    frame = meter.frame(_doc("RUNNING", 20))
    assert frame["rate"] == 0 and frame["eta_s"] is None


@pytest.mark.slow
def test_a_watch_through_a_pause_to_the_end_prints_only_changes(tmp_path):
    with Site(pages=60, delay=0.2) as site, \
            DaemonProcess(tmp_path, config={"engine": {**DAEMON_ENGINE, "host_concurrency": 2}}) as d:
        job = d.call("jobs.submit", spec=site.spec("watched"))["job"]
        watch = subprocess.Popen([sys.executable, "-m", "scraped.cli", "--socket", str(d.socket_path),
                                  "jobs", "watch", job["id"], "--interval", "0.1"],
                                 cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(watch.stdout.readline, "")), daemon=True)
        reader.start()
        try:
            d.wait_until(lambda: d.call("jobs.show", id=job["id"])["progress"]["pages_fetched"] >= 3)
            d.call("jobs.pause", id=job["id"])
            d.wait_until(lambda: any(x.startswith("PAUSED") for x in lines))
            assert watch.poll() is None  # still watching a paused job
            d.call("jobs.resume", id=job["id"])
            assert watch.wait(60) == 0, watch.stderr.read()
        finally:
            if watch.poll() is None:
                watch.kill()
        reader.join(5)
        assert lines[-1].startswith(f"job {job['id']} (watched) COMPLETED")
        frames = lines[:-1]
        assert any(x.startswith("PAUSED") for x in frames) and frames[-1].startswith("COMPLETED")
        done = d.call("jobs.show", id=job["id"])["progress"]["pages_fetched"]
        assert f"{done}/{done} pages (100%)" in frames[-1]
        # Piped: a line only when something changed (a 0.1 s tick over a pause would
        # otherwise repeat the PAUSED line many times).
        assert len([x for x in frames if x.startswith("PAUSED")]) <= 2
        assert all(a != b for a, b in zip(frames, frames[1:], strict=False))


@pytest.mark.slow  # a 20-page crawl to its end
def test_a_reader_leaving_a_watch_is_no_error_of_the_daemon(tmp_path):
    # `scrapedctl jobs watch ID | head -1` (or Ctrl-C): the peer closes mid-stream. Before,
    # the daemon's next send raised ConnectionClosed inside the handler and the error
    # tracker recorded a high-severity "control" error for every such reader.
    with Site(pages=20, delay=0.2) as site, \
            DaemonProcess(tmp_path, config={"engine": {**DAEMON_ENGINE, "host_concurrency": 1}}) as d:
        job = d.call("jobs.submit", spec=site.spec("left"))["job"]
        d.wait_until(lambda: d.call("jobs.show", id=job["id"])["status"] == "RUNNING")
        ctl = f"{sys.executable} -m scraped.cli --socket {d.socket_path}"
        out = subprocess.run(["bash", "-c", f"{ctl} jobs watch {job['id']} --interval 0.1 | head -1; "
                              "echo ${PIPESTATUS[0]}"], cwd=REPO, capture_output=True, text=True, timeout=60)
        first, status = out.stdout.strip().splitlines()
        assert first.startswith("RUNNING") and status == "141" and out.stderr == ""
        # By the job's end the watch handler has tried its next frame on the closed socket.
        d.wait_until(lambda: d.call("jobs.show", id=job["id"])["status"] == "COMPLETED", timeout=60)
        stats = d.call("errors.stats")
        assert "control" not in stats["category_breakdown"], stats
        assert d.call("hello")["server"] == "scraped"
