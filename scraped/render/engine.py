"""Renderers of the engine's commands (stdlib at import; rich inside). The questions'
are the bank's: scraped/render/bank.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scraped.render.extraction import extraction_lines
from scraped.render.table import fmt, kv, table

_JOB_COLUMNS = ["id", "name", "status", "pages", "failed", "questions", "created_at", "reason"]


def _cut(text: Any, width: int) -> str:
    text = fmt(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _job_row(j: dict[str, Any]) -> dict[str, Any]:
    return {"id": j["id"], "name": _cut(j["name"], 28), "status": j["status"], "pages": j["pages_fetched"],
            "failed": j["pages_failed"], "questions": f"{j['questions_new']} new / {j['questions_found']}",
            "created_at": j["created_at"], "reason": _cut(j.get("reason") or j.get("last_error"), 60)}


def jobs_list(r: dict[str, Any]) -> str:
    counts = "  ".join(f"{k.lower()} {v}" for k, v in sorted(r.get("counts", {}).items()))
    # Ids are never shortened (they are copied into the next command); long text is.
    rows = table([_job_row(j) for j in r["jobs"]], _JOB_COLUMNS, max_width=1000)
    return rows + (f"\n\n{counts}" if counts else "")


_ENDED = {"COMPLETED", "FAILED", "STOPPED"}


def _frontier_line(r: dict[str, Any]) -> str:
    counts = r.get("frontier") or {}
    if r.get("status") in _ENDED and not any(counts.values()):
        # [engine] drop_frontier deletes an ended job's frontier; zeros would read as "nothing done"
        return "frontier: dropped when the job ended (the counts are under progress)"
    return "frontier: " + "  ".join(f"{k} {v}" for k, v in counts.items())


def jobs_show(r: dict[str, Any]) -> str:
    head = {k: r.get(k) for k in ("id", "name", "status", "reason", "source", "created_at", "started_at",
                                  "finished_at", "updated_at", "last_error")}
    if head["last_error"] == head["reason"] or head["status"] == "COMPLETED":
        # FAILED repeats its reason there; a COMPLETED job's is an old interruption (in the history)
        del head["last_error"]
    parts = [kv(head), "", "progress:", kv(r.get("progress") or {}, 2)]
    if r.get("held"):
        h = r["held"]
        parts.append(f"  held: {h['reason']} since {fmt(h['since'], 'since')}, {h['unwritten']} extracted item(s) "
                     f"kept in memory{'' if h['recorded'] else ' (PAUSED not in the store yet: it is not writable)'}")
    if r.get("stats"):
        parts += ["", "stats:", kv(_stats_rows(r["stats"]), 2)]
    if r.get("live"):
        live = r["live"]
        parts.append(f"  rate {fmt(live.get('rate'))} pages/s, {live.get('in_flight')} in flight, "
                     f"{live.get('unsaved')} writes buffered")
    parts += ["", _frontier_line(r)]
    parts += extraction_lines(r.get("extraction"))
    if r.get("history"):
        parts += ["", "history:", _indent(table(r["history"], ["at", "from", "to", "why"]))]
    if r.get("failures"):
        parts += ["", f"recent failures ({len(r['failures'])}):",
                  _indent(table(r["failures"], ["at", "url", "kind", "reason"]))]
    return "\n".join(parts)


def _stats_rows(st: dict[str, Any]) -> dict[str, Any]:
    def pairs(d: dict[str, Any]) -> str:
        return "  ".join(f"{k} {v}" for k, v in d.items()) or "-"
    return {"responses by status": pairs(st.get("responses_by_status") or {}), "bytes": st.get("bytes"),
            "retries": st.get("retries"), "robots refusals": st.get("robots_refused"),
            "failures by kind": pairs(st.get("failures_by_kind") or {}),
            "given up after crashes": st.get("given_up_after_crashes"),
            "pages/s": st.get("pages_per_s"), "run seconds": st.get("run_seconds")}


def jobs_failures(r: dict[str, Any]) -> str:
    if not r["failures"]:
        return f"job {r['id']} ({r['name']}): no failed page"
    rows = [{**f, "url": _cut(f["url"], 70), "reason": _cut(f["reason"], 60)} for f in r["failures"]]
    return (table(rows, ["url", "kind", "attempts", "crashes", "reason"], max_width=1000)
            + f"\n\n{len(rows)} of {r['total']} failed page(s) of job {r['id']} ({r['source']})"
            + f"\nretry them: scrapedctl jobs retry-failed {r['id']}")


def jobs_deleted(r: dict[str, Any]) -> str:
    more = f" (and {r['more']} more)" if r.get("more") else ""
    kept = f"; {r['questions_kept']} question(s) kept in the bank" if "questions_kept" in r else ""
    return (f"deleted {r['jobs']} job(s){more}, {r['frontier_entries']} frontier entries{kept}"
            + ("".join(f"\n  {i}" for i in r["deleted"]) if r["deleted"] else ""))


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def jobs_submit(r: dict[str, Any]) -> str:
    lines = []
    if r.get("schedule"):
        s = r["schedule"]
        lines.append(f"scheduled {s['name']!r} ({s['cron']}, UTC): next run {fmt(s['next_run_at'], 'next_run_at')}")
    if r.get("job"):
        j = r["job"]
        lines.append(f"job {j['id']} ({j['name']}) {j['status']}")
        lines.append(f"  follow it:  scrapedctl jobs watch {j['id']}")
    return "\n".join(lines)


def job_state(r: dict[str, Any]) -> str:
    return f"job {r['id']} ({r['name']}): {r['status']}"


def jobs_stop(r: dict[str, Any]) -> str:
    if not r["stopped"]:
        return "no active jobs"
    return "\n".join(f"job {s['id']} ({s['name']}): {s.get('status') or 'not stopped: ' + s.get('error', '')}"
                     for s in r["stopped"])


def schedules(r: dict[str, Any]) -> str:
    return table(r["schedules"], ["name", "cron", "next_run_at", "last_run_at", "runs", "skipped", "source"])


def queue(r: dict[str, Any]) -> str:
    if "slots" not in r:
        return fmt(r.get("error"))
    s = r["slots"]
    adaptive = f" (adaptive {s['adaptive']}, configured {s['configured']})" if s.get("adaptive") else ""
    lines = [f"queued {r['queued']}  running {r['running']}  paused {r['paused']}  "
             f"interrupted {r['interrupted']}",
             f"slots  {s['used']} of {s['max']} used, {s['free']} free{adaptive}"]
    nxt = r.get("next_scheduled")
    lines.append(f"next scheduled  {nxt['name']} at {fmt(nxt['at'], 'at')} ({nxt['cron']})" if nxt
                 else "next scheduled  -")
    if r.get("next_jobs"):
        lines += ["", "next in the queue:", _indent(table(r["next_jobs"], ["id", "name", "created_at"]))]
    if r.get("quiesced"):
        lines.append("\nthe engine is paused for a restore")
    return "\n".join(lines)


def engine_status(r: dict[str, Any]) -> str:
    if not r.get("running"):
        return "the scraping engine is not running"
    parts = [f"engine {r['identity']}, up since {fmt(r['started_at'], 'started_at')}, "
             f"{fmt(r['pages_per_s'])} pages/s", "", "limits:", kv(r["limits"], 2), "", "queue:",
             _indent(queue(r["queue"]))]
    if r.get("totals"):
        parts += ["", "all jobs, all time: " + "  ".join(f"{k} {v}" for k, v in r["totals"].items())]
    if r["jobs_running"]:
        parts += ["", "running jobs:", _indent(table(r["jobs_running"], [
            "id", "name", "role", "pages_fetched", "pages_failed", "questions_new", "rate", "in_flight"]))]
    if r.get("fetcher"):
        parts += ["", "fetcher:", kv(r["fetcher"], 2)]
    if r.get("cluster"):
        rows = [{**d, "jobs": ", ".join(d["jobs"]) or "-", "helping": ", ".join(d.get("helping") or ()) or "-"}
                for d in r["cluster"]]
        parts += ["", "daemons on this store:", _indent(table(rows, [
            "identity", "pid", "state", "heartbeat_age_s", "version", "jobs", "helping"]))]
    jd = r.get("jobs_dir") or {}
    if jd.get("path"):
        parts += ["", f"jobs_dir {jd['path']}: {len(jd.get('errors') or {})} invalid file(s)"]
        for name, problems in (jd.get("errors") or {}).items():
            parts += [f"  {name}: {p}" for p in problems]
    return "\n".join(parts)


# ---------------------------------------------------------------- streams


def watch_stream(results: Iterable[dict[str, Any]]) -> int:
    from scraped.render.watch import watch_stream as stream  # progress against the frontier

    return stream(results)


RENDERERS = {
    "jobs.list": jobs_list, "jobs.show": jobs_show, "jobs.submit": jobs_submit,
    "jobs.pause": job_state, "jobs.resume": job_state, "jobs.stop": jobs_stop, "jobs.schedules": schedules,
    "queue": queue, "queue.clear": lambda r: f"cleared {r['cleared']} queued job(s)",
    "engine.status": engine_status, "jobs.unschedule": lambda r: f"schedule {r['removed']!r} removed",
    "jobs.watch:stream": watch_stream, "jobs.failures": jobs_failures, "jobs.delete": jobs_deleted,
    "jobs.purge": jobs_deleted,
    "jobs.retry-failed": lambda r: f"job {r['id']} ({r['name']}): {r['retried']} failed page(s) back to pending; "
                                   f"{r['status']}",
}
