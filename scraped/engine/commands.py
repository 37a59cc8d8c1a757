"""Handlers of the engine's control commands (declared in scraped/api/engine.py)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import trio

from scraped.dispatch import Handler, Request
from scraped.engine import jobs
from scraped.engine import spec as specs
from scraped.engine.frontier import Frontier
from scraped.engine.repo import QUESTIONS, helpers_of
from scraped.engine.watch import Meter
from scraped.errors import BadRequest, Conflict, Unavailable

if TYPE_CHECKING:
    from scraped.engine.engine_service import EngineService

FAILURES_SHOWN = 20


def reason_of(doc: dict[str, Any]) -> str | None:
    """Why the job is in its state: the judged outcome of a finished crawl, else the why of
    its last state change ("paused by command", "disk full: ...")."""
    end = doc.get("outcome") or {}
    if end.get("reason") and end.get("state") == doc["status"]:
        return str(end["reason"])
    history = doc.get("history")
    last = history[-1] if isinstance(history, list) and history else None
    return str(last.get("why")) if isinstance(last, dict) and last.get("why") else None


def job_summary(doc: dict[str, Any]) -> dict[str, Any]:
    p = doc.get("progress") or {}
    return {"id": doc["_id"], "name": doc["name"], "status": doc["status"], "created_at": doc["created_at"],
            "started_at": doc.get("started_at"), "finished_at": doc.get("finished_at"),
            "pages_fetched": p.get("pages_fetched", 0), "pages_failed": p.get("pages_failed", 0),
            "questions_found": p.get("questions_found", 0), "questions_new": p.get("questions_new", 0),
            "reason": reason_of(doc), "last_error": doc.get("last_error")}


def job_stats(doc: dict[str, Any], by_kind: dict[str, int], live: dict[str, int] | None = None) -> dict[str, Any]:
    """Scrapy-style stats of a job: responses by status, bytes, retries, robots.txt
    refusals, failures by kind (exact, from the frontier, when it is kept), pages/s."""
    st: dict[str, float] = dict(doc.get("stats") or {})
    for k, v in (live or {}).items():  # a running job's counters not yet saved
        st[k] = st.get(k, 0) + v
    responses = {k[len("status_"):]: int(v) for k, v in sorted(st.items()) if k.startswith("status_")}
    counted = {k[len("failed_"):]: int(v) for k, v in sorted(st.items()) if k.startswith("failed_")}
    kinds = by_kind or counted
    run_s = float(st.get("run_ms", 0)) / 1000
    pages = int(st.get("pages", 0))
    return {"responses_by_status": responses, "bytes": int((doc.get("progress") or {}).get("bytes", 0)),
            "retries": int(st.get("retries", 0)), "robots_refused": int(kinds.get("robots", 0)),
            "failures_by_kind": dict(sorted(kinds.items())),
            "given_up_after_crashes": int(kinds.get("crash", 0)),
            "pages_per_s": round(pages / run_s, 2) if run_s > 0 else None, "run_seconds": round(run_s, 1)}


def failure_row(entry: dict[str, Any]) -> dict[str, Any]:
    return {"url": entry.get("url"), "reason": entry.get("last_error"), "kind": entry.get("fail_kind"),
            "attempts": entry.get("attempts", 0), "crashes": entry.get("crashes", 0),
            "at": entry.get("done_at")}


def handlers(service: EngineService) -> dict[str, Handler]:
    def sup() -> Any:
        if service.supervisor is None:
            raise Unavailable("the scraping engine is not running")
        return service.supervisor

    def writable() -> Any:
        s = sup()
        if s.quiesced:
            raise Unavailable("the engine is paused for a restore; try again in a moment")
        return s

    async def submit(req: Request) -> dict[str, Any]:
        s = writable()
        spec = specs.parse(req.args["spec"], source="spec")
        if targets := spec.target_problems(s.app.config.engine.allow_private_networks):
            raise BadRequest("; ".join(targets) + " (the fetch guard refuses it; [engine] "
                             "allow_private_networks = true allows loopback and private networks)")
        from scraped.engine.extraction import missing_model

        if problem := missing_model(s.ai, spec.extract.mode):
            raise BadRequest(problem)
        if spec.schedule:
            sched = await s.schedules.register(spec, source="submit", owner=req.peer.uid)
            out: dict[str, Any] = {"schedule": _schedule_summary(sched), "job": None}
            if req.args.get("now"):
                out["job"] = job_summary(await s.submit(spec, owner=req.peer.uid,
                                                        source=f"schedule:{spec.name}"))
            return out
        if req.args.get("now"):
            raise BadRequest("--now only applies to a spec with a schedule")
        return {"job": job_summary(await s.submit(spec, owner=req.peer.uid, source="submit")), "schedule": None}

    async def list_jobs(req: Request) -> dict[str, Any]:
        statuses = [str(x).upper() for x in (req.args.get("status") or [])]
        bad = [x for x in statuses if x not in jobs.STATES]
        if bad:
            raise BadRequest(f"unknown status {', '.join(bad)}; one of {', '.join(jobs.STATES)}")
        docs = await sup().jobs.list(statuses, limit=req.args["limit"], name=req.args.get("name"))
        return {"jobs": [sup().holds.overlay(job_summary(d)) for d in docs],
                "counts": await sup().jobs.count_by_status()}

    async def show(req: Request) -> dict[str, Any]:
        s = sup()
        doc = await s.jobs.resolve(req.args["id"])
        frontier = Frontier(s.app.store, doc["_id"])
        counts = await frontier.counts()
        handle = s.running.get(doc["_id"])
        runner = handle.runner if handle is not None else None
        by_kind = await frontier.failed_by_kind() if counts["failed"] else {}
        out = {**job_summary(doc), "stats": job_stats(doc, by_kind, dict(runner.stats) if runner else None),
               "outcome": doc.get("outcome"), "spec": doc["spec"], "source": doc.get("source"), "owner": doc.get("owner"),
               "updated_at": doc.get("updated_at"), "progress": doc.get("progress"),
               "lease": doc.get("lease"), "helpers": helpers_of(doc, time.time()),
               "history": doc.get("history", []),
               "failures": (doc.get("failures") or [])[-FAILURES_SHOWN:],
               "frontier": counts}
        if handle is not None and handle.runner is not None:
            out["live"] = {**handle.runner.snapshot(), "role": "helper" if handle.helper else "owner"}
        from scraped.engine.extraction_show import describe

        out["extraction"] = await describe(s.app, doc, runner.extraction if runner else None, s.ai)  # layouts, drift
        return s.holds.overlay(out)

    async def pause(req: Request) -> dict[str, Any]:
        s = writable()
        return job_summary(await s.pause((await s.jobs.resolve(req.args["id"]))["_id"]))

    async def resume(req: Request) -> dict[str, Any]:
        s = writable()
        return job_summary(await s.resume((await s.jobs.resolve(req.args["id"]))["_id"]))

    async def stop(req: Request) -> dict[str, Any]:
        s = writable()
        if req.args.get("all"):
            if req.args.get("id"):
                raise BadRequest("give a job id or --all, not both")
            return {"stopped": await s.stop_all()}
        if not req.args.get("id"):
            raise BadRequest("give a job id, or --all to stop every active job")
        doc = await s.stop((await s.jobs.resolve(req.args["id"]))["_id"])
        return {"stopped": [{"id": doc["_id"], "name": doc["name"], "status": doc["status"]}]}

    async def watch(req: Request) -> dict[str, Any]:
        s = sup()
        job_id = (await s.jobs.resolve(req.args["id"]))["_id"]
        interval = req.args["interval"]
        meter = Meter()  # progress against the frontier: scraped.engine.watch
        frontier = Frontier(s.app.store, job_id)
        while True:
            doc = await s.jobs.get(job_id)
            if meter.frontier_due() or doc["status"] in jobs.TERMINAL:
                meter.set_frontier(await frontier.counts())
            frame = meter.frame(doc, s.running.get(job_id))
            if frame["ended"]:
                return frame
            await req.send(frame)
            await trio.sleep(interval)

    async def failures(req: Request) -> dict[str, Any]:
        s = sup()
        doc = await s.jobs.resolve(req.args["id"])
        frontier = Frontier(s.app.store, doc["_id"])
        total = (await frontier.counts())["failed"]
        if total:
            rows = [failure_row(e) for e in await frontier.failures(req.args["limit"], req.args["skip"])]
            return {"id": doc["_id"], "name": doc["name"], "total": total, "source": "frontier", "failures": rows}
        recorded = [f for f in doc.get("failures") or [] if not f.get("will_retry")]
        rows = [{"url": f.get("url"), "reason": f.get("reason"), "kind": f.get("kind"),
                 "attempts": f.get("attempts"), "crashes": None, "at": f.get("at")} for f in recorded]
        return {"id": doc["_id"], "name": doc["name"], "total": len(rows), "source": "job (frontier dropped)",
                "failures": rows[req.args["skip"]:req.args["skip"] + req.args["limit"]]}

    async def retry_failed(req: Request) -> dict[str, Any]:
        s = writable()
        doc = await s.jobs.resolve(req.args["id"])
        if doc["status"] in jobs.TERMINAL:
            jobs.next_state(doc["status"], "retry")
        retried = await Frontier(s.app.store, doc["_id"]).retry_failed()
        if not retried:
            raise Conflict(f"job {doc['_id']} has no failed page to retry"
                           + (" (its frontier was dropped)" if doc["status"] in jobs.TERMINAL else ""))
        if doc["status"] in jobs.TERMINAL:
            doc = await s.jobs.transition(doc["_id"], "retry", why=f"{retried} failed page(s) retried by command",
                                          expect=doc["status"], extra={"outcome": None})
            s.wake()
        return {**job_summary(doc), "retried": retried}

    async def delete(req: Request) -> dict[str, Any]:
        s = writable()
        doc = await s.jobs.resolve(req.args["id"])
        if doc["status"] not in jobs.TERMINAL:
            raise Conflict(f"job {doc['_id']} is {doc['status']}; stop it first (scrapedctl jobs stop {doc['_id']})")
        out = await s.jobs.delete_finished([doc["_id"]])
        if not out["jobs"]:
            raise Conflict(f"job {doc['_id']} changed state meanwhile; look again (scrapedctl jobs show {doc['_id']})")
        return {"deleted": [doc["_id"]], **out,
                "questions_kept": await s.app.store.count(QUESTIONS, {"job_id": doc["_id"]})}

    async def purge(req: Request) -> dict[str, Any]:
        s = writable()
        if not req.args.get("finished"):
            raise BadRequest("give --finished: only finished jobs (COMPLETED, FAILED, STOPPED) are purged")
        before = time.time() - req.args["older_than"] * 86400
        deleted: list[str] = []
        removed = {"frontier_entries": 0, "jobs": 0}
        while True:
            docs = await s.jobs.finished_before(before, limit=500)
            if not docs:
                break
            out = await s.jobs.delete_finished([d["_id"] for d in docs])
            removed = {k: removed[k] + out[k] for k in removed}
            deleted += [d["_id"] for d in docs]
        return {"deleted": deleted[:100], "more": max(0, len(deleted) - 100), **removed}

    async def schedules_list(req: Request) -> dict[str, Any]:
        return {"schedules": [_schedule_summary(d) for d in await sup().schedules.list()]}

    async def unschedule(req: Request) -> dict[str, Any]:
        await writable().schedules.remove(req.args["name"])
        return {"removed": req.args["name"]}

    async def queue(req: Request) -> dict[str, Any]:
        return await service.queue_status()

    async def queue_clear(req: Request) -> dict[str, Any]:
        cleared = await writable().clear_queue()
        return {"cleared": len(cleared), "ids": cleared}

    async def engine_status(req: Request) -> dict[str, Any]:
        return await service.system_status()

    return {"jobs.submit": submit, "jobs.list": list_jobs, "jobs.show": show, "jobs.pause": pause,
            "jobs.resume": resume, "jobs.stop": stop, "jobs.watch": watch,
            "jobs.failures": failures, "jobs.retry-failed": retry_failed, "jobs.delete": delete, "jobs.purge": purge, "jobs.schedules": schedules_list,
            "jobs.unschedule": unschedule, "queue": queue, "queue.clear": queue_clear,
            "engine.status": engine_status}


def _schedule_summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {"name": doc["name"], "cron": doc["cron"], "next_run_at": doc.get("next_run_at"),
            "last_run_at": doc.get("last_run_at"), "last_job_id": doc.get("last_job_id"),
            "runs": doc.get("runs", 0), "skipped": doc.get("skipped", 0), "source": doc.get("source")}
