"""`engine.jobs_dir`: job spec files loaded at start and on every reload.

Each `*.toml` file is one spec. A spec with a schedule registers (or updates) that
schedule; one without runs once per version of the file: a job already made from the
same file with the same content is not made again, so restarts do not repeat it. An
invalid file is reported (logged, and in `engine status`) and skipped; the others load.
Schedules that came from a file that is gone are removed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import trio

from scraped.engine import spec as specs
from scraped.errors import ConfigError
from scraped.store.schema import JOBS

log = logging.getLogger(__name__)
MAX_FILES = 1000


def _read_all(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    texts: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    if not path.is_dir():
        return texts, {str(path): ["not a directory"]}
    for file in sorted(path.glob("*.toml"))[:MAX_FILES]:
        try:
            texts[file.name] = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors[file.name] = [f"cannot read: {exc}"]
    return texts, errors


async def load(jobs_dir: str, supervisor: Any) -> dict[str, Any]:
    """Load every spec file; returns {"path", "jobs", "schedules", "unchanged", "errors", "removed"}."""
    report: dict[str, Any] = {"path": jobs_dir, "jobs": [], "schedules": [], "unchanged": [],
                              "errors": {}, "removed": []}
    if not jobs_dir:
        return report
    texts, report["errors"] = await trio.to_thread.run_sync(_read_all, Path(jobs_dir))
    sources: set[str] = set()
    for name, text in texts.items():
        source = f"file:{name}"
        sources.add(source)  # an invalid file keeps its previous schedule
        try:
            spec = specs.parse(text, source=name)
        except ConfigError as exc:
            report["errors"][name] = exc.problems
            log.error("jobs_dir: %s is invalid, skipped: %s", name, "; ".join(exc.problems))
            continue
        if spec.schedule:
            await supervisor.schedules.register(spec, source=source, owner=None)
            report["schedules"].append(spec.name)
            continue
        if await supervisor.jobs.store.find(JOBS, {"source": source,
                                                              "spec_digest": spec.digest()}, limit=1):
            report["unchanged"].append(name)
            continue
        job = await supervisor.submit(spec, owner=None, source=source)
        report["jobs"].append(job["_id"])
    report["removed"] = await supervisor.schedules.prune_sources("file:", sources)
    if report["jobs"] or report["schedules"]:
        log.info("jobs_dir %s: %d job(s) queued, %d schedule(s) registered, %d unchanged, %d invalid",
                 jobs_dir, len(report["jobs"]), len(report["schedules"]), len(report["unchanged"]),
                 len(report["errors"]))
    return report
