"""`jobs watch`: frames of a job's progress, measured against its frontier.

Progress is done / known: pages settled (fetched or given up) out of every page the crawl
has found so far (capped by max_pages), not out of max_pages alone, which a small site
never reaches (a finished job sat at "3/50"). The known count grows while the crawl
discovers links, so the bar can move back; that is the truth of a crawl.

The rate (pages per second) is measured over the last RATE_WINDOW seconds of RUNNING
samples and shown only once there is at least MIN_SPAN seconds of them; a pause (or any
state but RUNNING) clears it, so the first frames after a resume show none rather than
a rate from before the pause. The ETA is shown only with a rate and pages left to do.

A watch ends when the job does (COMPLETED, FAILED, STOPPED): PAUSED, QUEUED and
INTERRUPTED jobs are watched on, since they may run again.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from typing import Any

from scraped.engine import jobs

RATE_WINDOW = 30.0  # seconds of samples the rate is measured over
MIN_SPAN = 2.0  # seconds of RUNNING samples before a rate (and an ETA) is shown
FRONTIER_EVERY = 1.0  # seconds between two frontier counts (a query per count)


class Meter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.samples: collections.deque[tuple[float, int]] = collections.deque()
        self.frontier: dict[str, int] | None = None
        self._frontier_at = float("-inf")

    def frontier_due(self) -> bool:
        return self.clock() - self._frontier_at >= FRONTIER_EVERY

    def set_frontier(self, counts: dict[str, int]) -> None:
        self.frontier, self._frontier_at = dict(counts), self.clock()

    def _rate(self, status: str, pages: int) -> float | None:
        now = self.clock()
        if status != jobs.RUNNING:
            self.samples.clear()
            return None
        self.samples.append((now, pages))
        while len(self.samples) > 2 and now - self.samples[0][0] > RATE_WINDOW:
            self.samples.popleft()
        first_at, first_pages = self.samples[0]
        span = now - first_at
        if span < MIN_SPAN:
            return None
        return max(0, pages - first_pages) / span

    def frame(self, doc: dict[str, Any], handle: Any = None) -> dict[str, Any]:
        runner = handle.runner if handle is not None else None
        progress = dict(runner.progress if runner is not None else doc.get("progress") or {})
        spec_max = (doc.get("spec") or {}).get("max_pages")
        max_pages = runner.max_pages if runner is not None else spec_max
        pages = int(progress.get("pages_fetched", 0)) + int(progress.get("pages_failed", 0))
        status = doc["status"]
        rate = self._rate(status, pages)
        counts = self.frontier or {}
        known = sum(counts.values())
        if known:
            done = counts.get("done", 0) + counts.get("failed", 0)
            source = "frontier"
        else:  # the frontier was dropped (a finished job) or is not counted yet
            done = known = pages
            source = "pages"
        total = min(known, max_pages) if max_pages else known
        done = min(done, total) if total else done
        if status == jobs.COMPLETED and source == "pages":
            total = done
        left = max(0, total - done)
        eta = left / rate if rate and left and status == jobs.RUNNING else None
        return {"id": doc["_id"], "name": doc["name"], "status": status, "progress": progress,
                "done": done, "known": known, "total": total, "measured_on": source,
                "max_pages": max_pages or None,
                "rate": round(rate, 2) if rate is not None else None,
                "eta_s": round(eta, 1) if eta is not None else None,
                "last_error": doc.get("last_error"),
                "ended": status in jobs.TERMINAL}
