"""What every reliability scenario shares: the figures table, time budgets, the crawl site
and the measurements taken of a real daemon subprocess (questions, RSS, the store).

Every loop in the suite is bounded twice: by a count and by a `Budget` (a monotonic
deadline). A scenario that runs out of time stops, and its figures say how far it got
(`runs done` < `runs planned`), never silently.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.daemon_harness import DaemonProcess  # noqa: E402
from tests.engine_site import DAEMON_ENGINE, Site  # noqa: E402

# The site: 1,000 question pages, 5 questions each (5,000 distinct questions).
PAGES, PER_PAGE = 1000, 5
END_STATES = ("COMPLETED", "FAILED", "CANCELLED")


class OutOfTime(Exception):
    """A scenario's budget ran out; the figures so far are kept."""


@dataclass
class Budget:
    seconds: float
    started: float = field(default_factory=time.monotonic)

    @property
    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def check(self, what: str) -> None:
        if self.left <= 0:
            raise OutOfTime(f"{what}: out of time after {self.seconds:.0f} s")

    def cap(self, timeout: float) -> float:
        """A wait bounded by both its own timeout and what is left of the budget (>= 1 s)."""
        return max(1.0, min(timeout, self.left))


@dataclass
class Figure:
    section: str
    name: str
    value: Any
    goal: str = ""
    ok: bool | None = None  # None: no goal to meet, only a figure


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, section: str, name: str, value: Any, goal: str = "",
            ok: bool | Callable[[Any], bool] | None = None) -> None:
        verdict = ok(value) if callable(ok) else ok
        self.figures.append(Figure(section, name, value, goal, verdict))

    def note(self, section: str, text: str) -> None:
        self.notes.append(f"[{section}] {text}")

    @property
    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.ok is False]

    def table(self) -> str:
        rows = [("section", "figure", "value", "goal", "")]
        for f in self.figures:
            mark = "" if f.ok is None else ("ok" if f.ok else "MISSED")
            rows.append((f.section, f.name, _fmt(f.value), f.goal, mark))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines + ([""] + self.notes if self.notes else []))

    def markdown(self) -> str:
        out = ["| section | figure | value | goal | |", "|---|---|---|---|---|"]
        for f in self.figures:
            mark = "" if f.ok is None else ("ok" if f.ok else "**missed**")
            out.append(f"| {f.section} | {f.name} | {_fmt(f.value)} | {f.goal} | {mark} |")
        return "\n".join(out)

    def to_json(self) -> str:
        return json.dumps({"figures": [f.__dict__ for f in self.figures], "notes": self.notes},
                          indent=1, default=str)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
    return str(value)


# ---------------------------------------------------------------- the site and the daemon


def site(pages: int = PAGES, delay: float = 0.0) -> Site:
    """The loopback question site: `pages` pages of PER_PAGE distinct questions each."""
    return Site(pages=pages, per_page=PER_PAGE + 1, shared=False, per_list=50, delay=delay)


def engine_config(**extra: Any) -> dict[str, Any]:
    return {**DAEMON_ENGINE, "job_concurrency": 8, "drop_frontier": False, **extra}


def daemon(tmp: Path, config: dict[str, Any] | None = None, **kw: Any) -> DaemonProcess:
    """A daemon subprocess with the AI enhancement worker off (no provider is reachable)."""
    base: dict[str, Any] = {"engine": engine_config(), "ai": {"enabled": False}}
    for key, value in (config or {}).items():
        base[key] = {**base.get(key, {}), **value} if isinstance(value, dict) else value
    return DaemonProcess(tmp, config=base, **kw)


def job(d: DaemonProcess, job_id: str) -> dict[str, Any]:
    result: dict[str, Any] = d.call("jobs.show", id=job_id)
    return result


def wait_end(d: DaemonProcess, job_id: str, timeout: float) -> dict[str, Any]:
    """The job once it is in an end state; AssertionError after `timeout`."""
    result: dict[str, Any] = d.wait_until(lambda: (j := job(d, job_id))["status"] in END_STATES and j,
                                          timeout=timeout, interval=0.1)
    return result


def questions(d: DaemonProcess) -> list[dict[str, Any]]:
    """Every stored raw question, through the real `scrapedctl questions export`."""
    out = d.ctl("questions", "export", "--bank", "raw", timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"questions export failed ({out.returncode}): {out.stderr.strip()[:300]}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


@dataclass
class Count:
    expected: int
    got: int
    lost: int
    duplicated: int  # rows beyond the first of one question text, plus repeated sources
    extra: int       # texts the site never served


def count(expected: set[str], got: list[dict[str, Any]]) -> Count:
    texts = [q["question"] for q in got]
    unique = set(texts)
    dup_sources = sum(len(q.get("sources", [])) - len({s["url"] for s in q.get("sources", [])}) for q in got)
    return Count(len(expected), len(unique), len(expected - unique), len(texts) - len(unique) + dup_sources,
                 len(unique - expected))


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
