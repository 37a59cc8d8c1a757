"""`scrapedctl jobs watch`: a live bar on a terminal, change-only lines when piped.

Frames come from scraped.engine.watch: done / total pages (total: what the frontier
knows, capped by max_pages), a rate and an ETA only when they mean something (None
otherwise). The watch goes on through PAUSED, QUEUED and INTERRUPTED and ends with the job.
Piped (a log, `| tee`), a line is printed only when the job's state or counts changed,
not at every tick.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


def duration(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _pages(f: dict[str, Any]) -> str:
    total = f.get("total") or 0
    done = f.get("done", 0)
    if not total:
        return f"{done} pages"
    return f"{done}/{total} pages ({100 * done // total}%)"


def _speed(f: dict[str, Any]) -> str:
    if f.get("rate") is None:
        return ""
    eta = f" · ETA {duration(f['eta_s'])}" if f.get("eta_s") is not None else ""
    return f" · {f['rate']:.1f} pages/s{eta}"


def _counts(f: dict[str, Any]) -> str:
    p = f.get("progress") or {}
    return (f"{p.get('pages_fetched', 0)} fetched, {p.get('pages_failed', 0)} failed · questions "
            f"{p.get('questions_found', 0)} found, {p.get('questions_new', 0)} new")


def line(f: dict[str, Any]) -> str:
    """One frame as a line (what a pipe gets)."""
    note = ""
    if f["status"] == "PAUSED":
        note = f" · paused (scrapedctl jobs resume {f['id']})"
    elif f["status"] in ("QUEUED", "INTERRUPTED"):
        note = " · waiting for a job slot" if f["status"] == "QUEUED" else " · interrupted, will resume"
    return f"{f['status']:<11} {_pages(f)} · {_counts(f)}{_speed(f)}{note}"


def _changed_key(f: dict[str, Any]) -> tuple[Any, ...]:
    p = f.get("progress") or {}
    return (f["status"], f.get("done"), f.get("total"), p.get("pages_fetched"), p.get("pages_failed"),
            p.get("questions_found"), p.get("questions_new"), f.get("last_error"))


def watch_stream(results: Iterable[dict[str, Any]]) -> int:
    last: dict[str, Any] | None = None
    if not sys.stdout.isatty():
        printed: tuple[Any, ...] | None = None
        for frame in results:
            last = frame
            key = _changed_key(frame)
            if key != printed:
                print(line(frame), flush=True)
                printed = key
    else:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        with Progress(TextColumn("[bold]{task.description}"), BarColumn(bar_width=24),
                      TextColumn("{task.fields[counts]}"), console=Console(), transient=False) as bar:
            task = None
            for frame in results:
                last = frame
                desc = f"{frame['name']} {frame['status']}"
                total = frame.get("total") or None
                counts = f"{_pages(frame)} · {_counts(frame)}{_speed(frame)}"
                if task is None:
                    task = bar.add_task(desc, total=total, counts=counts)
                bar.update(task, description=desc, completed=frame.get("done", 0), total=total, counts=counts)
    if last is None:
        return 0
    error = f": {last['last_error']}" if last.get("last_error") and last["status"] != "COMPLETED" else ""
    print(f"job {last['id']} ({last['name']}) {last['status']}{error}")
    return 1 if last["status"] == "FAILED" else 0


RENDERERS = {"jobs.watch:stream": watch_stream}
