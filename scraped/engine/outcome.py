"""A finished crawl's end state, decided from its frontier (exact whatever crashed on the way).

    no page fetched                                     -> FAILED
    failed / (fetched + failed) > engine.max_failure_ratio
        (robots.txt refusals left out of both)          -> FAILED
    otherwise                                           -> COMPLETED, with its failure count

Every end carries a `reason` an operator can act on ("12 of 40 pages failed: connect 12"),
kept on the job (`outcome`, and the history's why) and shown by `jobs show`. Pages given
up after crashes (kind "crash") are named in the reason of a COMPLETED job too, with the
command that brings them back. Failures reach the error tracker with the job id: one
record per failure kind of the job (robots.txt refusals are policy, not errors), and one
for a FAILED job.
"""

from __future__ import annotations

import logging
from typing import Any

from scraped.engine import jobs
from scraped.engine.frontier import DONE, FAILED, Frontier

log = logging.getLogger(__name__)


def _kinds(by_kind: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0])))


async def judge(frontier: Frontier, cfg: Any, *, why: str) -> tuple[str, str, dict[str, Any]]:
    """(event, reason, outcome) for a job whose crawl ended by itself (`why`: frontier
    exhausted or max_pages reached)."""
    counts = await frontier.counts()
    done, failed = counts[DONE], counts[FAILED]
    by_kind = await frontier.failed_by_kind() if failed else {}
    robots = by_kind.get("robots", 0)
    crash = by_kind.get("crash", 0)
    outcome: dict[str, Any] = {"pages_done": done, "pages_failed": failed, "failed_by_kind": by_kind,
                               "given_up_after_crashes": crash}
    detail = f": {_kinds(by_kind)}" if by_kind else ""
    retry = f"; `scrapedctl jobs retry-failed {frontier.job_id}` tries them again" if failed else ""
    if done == 0:
        reason = (f"nothing succeeded: 0 pages fetched, {failed} failed{detail}" if failed
                  else "nothing was fetched: the crawl found no page to fetch")
        return "fail", reason + retry, {**outcome, "state": jobs.FAILED, "reason": reason + retry}
    counted, total = failed - robots, done + failed - robots
    ratio = counted / total if total else 0.0
    if ratio > cfg.max_failure_ratio:
        reason = (f"{counted} of {total} pages failed ({ratio:.0%}), more than engine.max_failure_ratio "
                  f"({cfg.max_failure_ratio:.0%}){detail}")
        return "fail", reason + retry, {**outcome, "state": jobs.FAILED, "reason": reason + retry}
    reason = f"{why}: {done} pages fetched, {failed} failed{detail}"
    if crash:
        reason += f" ({crash} given up after crashes)"
    return "complete", reason + retry, {**outcome, "state": jobs.COMPLETED, "reason": reason + retry}


def report(app: Any, job: dict[str, Any], outcome: dict[str, Any]) -> None:
    """The job's failures into the error tracker (`errors stats`), with its id."""
    tracker = getattr(app, "errors", None)
    failed_job = outcome.get("state") == jobs.FAILED
    if failed_job:
        log.warning("job %s (%s) FAILED: %s", job["_id"], job.get("name"), outcome["reason"])
    if tracker is None:
        return
    ctx = {"job_id": job["_id"], "job": job.get("name")}
    for kind, n in (outcome.get("failed_by_kind") or {}).items():
        if kind == "robots":
            continue  # obeying robots.txt is policy, not an error (still counted in the job's stats)
        tracker.capture(f"job {job.get('name')}: {n} page(s) failed ({kind})", "scraping",
                        "medium", {**ctx, "kind": kind, "pages": n}, error_type="PageFailures",
                        location=f"engine:{kind}")
    if failed_job:
        tracker.capture(f"job {job.get('name')} failed: {outcome['reason']}", "scraping", "high", ctx,
                        error_type="JobFailed", location="engine:job")


def first_failure(app: Any, job_id: str, failure: dict[str, Any]) -> None:
    """The first final failure of a kind in a run, captured at once (the dashboard shows a
    failing crawl while it runs; the totals come at its end)."""
    tracker = getattr(app, "errors", None)
    if tracker is not None and failure.get("kind") != "robots":
        tracker.capture(f"page failed ({failure.get('kind')}): {failure.get('reason')}", "scraping", "medium",
                        {"job_id": job_id, "url": failure.get("url"), "attempts": failure.get("attempts")},
                        error_type="PageFailure", location=f"engine:{failure.get('kind')}")
