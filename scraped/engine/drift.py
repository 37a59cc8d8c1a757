"""Selector drift: the yield of each layout of a css or ai-schema job, watched page by page.

A job's rules (its own css selectors, or the rules a model derived for a layout) stop
working when the site changes its markup: pages keep coming, questions stop. Per layout
(scraped.engine.layouts) the tracker counts pages, pages that gave questions and
questions, and keeps the last `drift_window` pages. When at least `drift_ratio` of that
window gave nothing, for a layout whose earlier pages gave questions (`drift_min_pages` of
them at least), a drift alarm opens: it names the job, the layout and sample URLs, goes
to the error tracker (category "extraction") once, and is shown by `jobs show`. A page of
the layout giving questions again closes it (kept as `last_drift`).

The counters live in the `layout_yield` collection, one document per job and layout
(counters added with $inc, so the helpers of a job add theirs), and are loaded again when
the job resumes: a drift that began before a restart is still seen as one.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from scraped.store.schema import LAYOUT_YIELD as YIELD

__all__ = ["YIELD", "LayoutYield", "Tracker", "yield_id"]

SAMPLES = 5
MAX_LAYOUTS = 1000  # layouts tracked per job; pages of more are not watched (counted in `untracked`)


def yield_id(job_id: str, layout: str) -> str:
    return f"{job_id} {layout}"


@dataclass
class LayoutYield:
    layout: str
    window: int
    pages: int = 0
    pages_with_questions: int = 0
    questions: int = 0
    recent: deque[tuple[str, int]] = field(default_factory=deque)
    drift: dict[str, Any] | None = None  # the open alarm
    last_drift: dict[str, Any] | None = None
    drifts: int = 0
    unsaved: dict[str, int] = field(default_factory=dict)  # counter deltas not yet written
    changed: bool = False

    def row(self) -> dict[str, Any]:
        return {"layout": self.layout, "pages": self.pages, "pages_with_questions": self.pages_with_questions,
                "questions": self.questions, "drift": self.drift, "last_drift": self.last_drift,
                "drifts": self.drifts}


class Tracker:
    """The yield of one job's layouts (in memory; `pending()` gives what to write)."""

    def __init__(self, job_id: str, job_name: str, config: Any):
        self.job_id = job_id
        self.job_name = job_name
        self._config = config  # a callable: the live [engine.extraction] section
        self.layouts: dict[str, LayoutYield] = {}
        self.untracked = 0  # pages of layouts past MAX_LAYOUTS

    def _get(self, layout: str) -> LayoutYield:
        window = self._config().drift_window
        ly = self.layouts.get(layout)
        if ly is None:
            ly = self.layouts[layout] = LayoutYield(layout, window, recent=deque(maxlen=max(window, 1)))
        elif ly.window != window:  # the window was changed by a reload
            ly.window, ly.recent = window, deque(ly.recent, maxlen=max(window, 1))
        return ly

    def load(self, doc: dict[str, Any]) -> None:
        """A stored document of this job (at resume)."""
        ly = self._get(doc["layout"])
        ly.pages, ly.pages_with_questions = int(doc.get("pages") or 0), int(doc.get("pages_with_questions") or 0)
        ly.questions = int(doc.get("questions") or 0)
        ly.recent.extend((str(u), int(n)) for u, n in doc.get("recent") or [])
        ly.drift, ly.last_drift = doc.get("drift"), doc.get("last_drift")
        ly.drifts = int(doc.get("drifts") or 0)

    def record(self, layout: str, url: str, found: int) -> dict[str, Any] | None:
        """One page of the layout extracted by the job's rules; a new drift alarm, if this
        page opened one."""
        cfg = self._config()
        if layout not in self.layouts and len(self.layouts) >= MAX_LAYOUTS:
            self.untracked += 1
            return None
        ly = self._get(layout)
        ly.pages += 1
        ly.unsaved["pages"] = ly.unsaved.get("pages", 0) + 1
        ly.changed = True
        if found:
            ly.pages_with_questions += 1
            ly.questions += found
            for key, n in (("pages_with_questions", 1), ("questions", found)):
                ly.unsaved[key] = ly.unsaved.get(key, 0) + n
        if not cfg.drift_window:
            return None
        ly.recent.append((url, found))
        if found:
            if ly.drift is not None:  # the rules work again: the alarm closes
                ly.last_drift = {**ly.drift, "recovered_at": time.time(), "recovered_by": url}
                ly.drift = None
            return None
        if ly.drift is not None or len(ly.recent) < cfg.drift_window:
            return None
        empty = [u for u, n in ly.recent if not n]
        earlier = ly.pages_with_questions - sum(1 for _, n in ly.recent if n)
        if len(empty) < math.ceil(cfg.drift_ratio * cfg.drift_window) or earlier < cfg.drift_min_pages:
            return None
        ly.drifts += 1
        ly.drift = {"at": time.time(), "layout": layout, "job_id": self.job_id,
                    "reason": (f"{len(empty)} of the last {len(ly.recent)} pages of layout {layout} gave no "
                               f"question; before them {earlier} of its pages gave questions "
                               f"({ly.questions} in all)"),
                    "sample_urls": empty[-SAMPLES:], "pages_before": ly.pages - len(ly.recent),
                    "pages_with_questions_before": earlier}
        return ly.drift

    def pending(self) -> list[tuple[str, dict[str, Any]]]:
        """(_id, update) of each layout changed since the last call."""
        out = []
        now = time.time()
        for ly in self.layouts.values():
            if not ly.changed:
                continue
            update: dict[str, Any] = {"$set": {
                "job_id": self.job_id, "layout": ly.layout, "recent": [list(x) for x in ly.recent],
                "drift": ly.drift, "last_drift": ly.last_drift, "drifts": ly.drifts, "updated_at": now}}
            if ly.unsaved:
                update["$inc"] = dict(ly.unsaved)
            out.append((yield_id(self.job_id, ly.layout), update))
            ly.unsaved, ly.changed = {}, False
        return out

    def restore(self, failed: list[tuple[str, dict[str, Any]]]) -> None:
        """Updates that could not be written: their deltas are written with the next ones."""
        by_id = {yield_id(self.job_id, ly.layout): ly for ly in self.layouts.values()}
        for _id, update in failed:
            ly = by_id.get(_id)
            if ly is None:
                continue
            ly.changed = True
            for key, n in (update.get("$inc") or {}).items():
                ly.unsaved[key] = ly.unsaved.get(key, 0) + n
