"""kill -9 at uniform random times, and crash loops, against a real daemon crawling the
1,000-page loopback site (5,000 questions).

Single kills: an uninterrupted reference crawl gives the crawl's duration T; each run
then starts a fresh daemon, submits the crawl, sends SIGKILL at a time drawn uniformly
from (0, T), restarts it and waits for the job's end. Crash loops: one SIGKILL mid-crawl,
then `quick` kills each within 0.5 s of the restarted daemon crawling again (a systemd
Restart= loop after an OOM kill), then a clean run to the end.

Figures: questions lost / duplicated / extra (against the site's known question set),
pages fetched twice (site hit counts), pages that were already stored at a kill and
fetched again, and the jobs' end states.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import trio

from reliability.common import (
    END_STATES,
    Budget,
    OutOfTime,
    Report,
    count,
    daemon,
    job,
    questions,
    site,
    wait_end,
)
from tests.daemon_harness import DaemonProcess
from tests.engine_site import Site

SECTION = "kill -9"


@dataclass
class Tally:
    runs: int = 0
    kills: int = 0
    lost: int = 0
    duplicated: int = 0
    extra: int = 0
    twice: list[int] = field(default_factory=list)
    done_refetched: int = 0
    states: Counter[str] = field(default_factory=Counter)
    failed_pages: int = 0
    seconds: float = 0.0


def _store_urls(state_dir: Path) -> tuple[set[str], set[str]]:
    """(urls done, urls in flight) in the store of a daemon that is not running."""
    from scraped.engine.frontier import DONE, FRONTIER, IN_FLIGHT
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


def _crawling(d: DaemonProcess, job_id: str) -> bool:
    j = job(d, job_id)
    if j["status"] in END_STATES:
        return True
    return j["status"] == "RUNNING" and bool((j.get("live") or {}).get("in_flight"))


def _seen_done(d: DaemonProcess, s: Site, seen: dict[str, int]) -> None:
    """After a kill: each page the store has as done, with the hits it had had by then
    (the first kill at which it was done counts; a later hit is a refetch of a stored page)."""
    base = len(s.base)
    for url in _store_urls(d.state_dir)[0]:
        seen.setdefault(url[base:], s.hits[url[base:]])


def _finish(d: DaemonProcess, s: Site, job_id: str, t: Tally, budget: Budget,
            done_at_kills: dict[str, int]) -> None:
    end = wait_end(d, job_id, budget.cap(180))
    c = count(s.expected_texts(), questions(d))
    t.runs += 1
    t.lost += c.lost
    t.duplicated += c.duplicated
    t.extra += c.extra
    paths = s.all_paths()
    t.twice.append(sum(1 for p in paths if s.hits[p] > 1))
    t.done_refetched += sum(1 for p, hits in done_at_kills.items() if s.hits[p] > hits)
    t.states[end["status"]] += 1
    t.failed_pages += end.get("pages_failed", 0)


def reference(s: Site, tmp: Path, budget: Budget) -> float:
    """Seconds an uninterrupted crawl takes (submit to end), checking it finds every question."""
    with daemon(tmp) as d:
        start = time.monotonic()
        job_id = d.call("jobs.submit", spec=s.spec("reference"))["job"]["id"]
        end = wait_end(d, job_id, budget.cap(180))
        took = time.monotonic() - start
        c = count(s.expected_texts(), questions(d))
    if end["status"] != "COMPLETED" or c.lost or c.duplicated:
        raise RuntimeError(f"the reference crawl is not clean: {end['status']}, {c}")
    return took


def single_kills(t: Tally, s: Site, root: Path, runs: int, crawl_seconds: float, budget: Budget,
                 seed: int) -> None:
    rng = random.Random(seed)
    start = time.monotonic()
    for n in range(runs):
        budget.check(f"single kills (run {n + 1} of {runs})")
        s.hits.clear()
        d = daemon(root / f"kill-{n}")
        try:
            d.start()
            job_id = d.call("jobs.submit", spec=s.spec(f"kill-{n}"))["job"]["id"]
            time.sleep(rng.uniform(0.0, crawl_seconds))
            d.kill()
            t.kills += 1
            done: dict[str, int] = {}
            _seen_done(d, s, done)
            d.start()
            _finish(d, s, job_id, t, budget, done)
        finally:
            d.close()
        t.seconds = time.monotonic() - start


def crash_loops(t: Tally, s: Site, root: Path, loops: int, quick: int, window: float, crawl_seconds: float,
                budget: Budget, seed: int) -> None:
    rng = random.Random(seed)
    start = time.monotonic()
    for n in range(loops):
        budget.check(f"crash loops (loop {n + 1} of {loops})")
        s.hits.clear()
        d = daemon(root / f"loop-{n}")
        done_at_kills: dict[str, int] = {}
        try:
            d.start()
            job_id = d.call("jobs.submit", spec=s.spec(f"loop-{n}"))["job"]["id"]
            time.sleep(rng.uniform(0.05, 0.4) * crawl_seconds)
            d.kill()
            t.kills += 1
            _seen_done(d, s, done_at_kills)
            for _ in range(quick):
                d.start()
                d.wait_until(lambda d=d, job_id=job_id: _crawling(d, job_id), interval=0.01,
                             timeout=budget.cap(60))
                if job(d, job_id)["status"] != "RUNNING":
                    break
                time.sleep(rng.uniform(0.0, window))
                d.kill()
                t.kills += 1
                _seen_done(d, s, done_at_kills)
            d.start()
            _finish(d, s, job_id, t, budget, done_at_kills)
        finally:
            d.close()
        t.seconds = time.monotonic() - start


def _report(report: Report, label: str, planned: int, t: Tally) -> None:
    report.add(SECTION, f"{label}: runs done / planned", f"{t.runs} / {planned}", "all",
               ok=t.runs == planned)
    report.add(SECTION, f"{label}: kills", t.kills)
    report.add(SECTION, f"{label}: questions lost", t.lost, "0", ok=t.lost == 0)
    report.add(SECTION, f"{label}: questions duplicated", t.duplicated, "0", ok=t.duplicated == 0)
    report.add(SECTION, f"{label}: questions extra", t.extra, "0", ok=t.extra == 0)
    if t.twice:
        report.add(SECTION, f"{label}: pages fetched twice per run (min-max)", f"{min(t.twice)}-{max(t.twice)}")
    report.add(SECTION, f"{label}: pages stored before a kill fetched again", t.done_refetched, "0",
               ok=t.done_refetched == 0)
    report.add(SECTION, f"{label}: job end states", dict(t.states) or "-", "all COMPLETED",
               ok=bool(t.states) and set(t.states) == {"COMPLETED"})
    report.add(SECTION, f"{label}: pages given up", t.failed_pages, "0", ok=t.failed_pages == 0)
    report.add(SECTION, f"{label}: seconds", round(t.seconds, 1))


def run(report: Report, *, kills: int = 20, loops: int = 5, quick: int = 4, pages: int = 1000,
        seconds: float = 480.0, seed: int = 13) -> None:
    budget = Budget(seconds)
    with tempfile.TemporaryDirectory(prefix="rel-kill-") as tmp, site(pages) as s:
        root = Path(tmp)
        crawl = reference(s, root / "reference", budget)
        report.add(SECTION, f"uninterrupted crawl of {pages:,} pages (s)", round(crawl, 1))
        singles, loop_t = Tally(), Tally()
        try:
            single_kills(singles, s, root, kills, crawl, budget, seed)
            crash_loops(loop_t, s, root, loops, quick, 0.5, crawl, budget, seed + 1)
        except OutOfTime as exc:
            report.note(SECTION, str(exc))
        _report(report, "single kills", kills, singles)
        _report(report, f"crash loops (1 + {quick} kills each)", loops, loop_t)
