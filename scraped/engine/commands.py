"""Handlers of the engine's control commands (declared in scraped/api/engine.py)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import trio

from scraped.dispatch import Handler, Request
from scraped.engine import jobs, questions
from scraped.engine import spec as specs
from scraped.engine.frontier import Frontier
from scraped.engine.repo import helpers_of
from scraped.engine.watch import Meter
from scraped.errors import BadRequest, Unavailable

if TYPE_CHECKING:
    from scraped.engine.service import EngineService

FAILURES_SHOWN = 20


def job_summary(doc: dict[str, Any]) -> dict[str, Any]:
    p = doc.get("progress") or {}
    return {"id": doc["_id"], "name": doc["name"], "status": doc["status"], "created_at": doc["created_at"],
            "started_at": doc.get("started_at"), "finished_at": doc.get("finished_at"),
            "pages_fetched": p.get("pages_fetched", 0), "pages_failed": p.get("pages_failed", 0),
            "questions_found": p.get("questions_found", 0), "questions_new": p.get("questions_new", 0),
            "last_error": doc.get("last_error")}


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
        return {"jobs": [job_summary(d) for d in docs], "counts": await sup().jobs.count_by_status()}

    async def show(req: Request) -> dict[str, Any]:
        s = sup()
        doc = await s.jobs.resolve(req.args["id"])
        out = {**job_summary(doc), "spec": doc["spec"], "source": doc.get("source"), "owner": doc.get("owner"),
               "updated_at": doc.get("updated_at"), "progress": doc.get("progress"),
               "lease": doc.get("lease"), "helpers": helpers_of(doc, time.time()),
               "history": doc.get("history", []),
               "failures": (doc.get("failures") or [])[-FAILURES_SHOWN:],
               "frontier": await Frontier(s.app.store, doc["_id"]).counts()}
        handle = s.running.get(doc["_id"])
        if handle is not None and handle.runner is not None:
            out["live"] = {**handle.runner.snapshot(), "role": "helper" if handle.helper else "owner"}
        return out

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
            "jobs.resume": resume, "jobs.stop": stop, "jobs.watch": watch, "jobs.schedules": schedules_list,
            "jobs.unschedule": unschedule, "queue": queue, "queue.clear": queue_clear,
            "engine.status": engine_status, **questions.handlers(service)}


def _schedule_summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {"name": doc["name"], "cron": doc["cron"], "next_run_at": doc.get("next_run_at"),
            "last_run_at": doc.get("last_run_at"), "last_job_id": doc.get("last_job_id"),
            "runs": doc.get("runs", 0), "skipped": doc.get("skipped", 0), "source": doc.get("source")}
