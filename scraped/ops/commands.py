"""Handlers of the ops commands (declared in scraped/api/ops.py)."""

from __future__ import annotations

from typing import Any

from scraped import errors
from scraped.dispatch import Handler, Request


def handlers(ops: Any) -> dict[str, Handler]:
    app = ops.app

    async def metrics(req: Request) -> Any:
        if req.args.get("prometheus"):
            return ops.prometheus_text()
        return ops.metrics_now()

    async def metrics_history(req: Request) -> dict[str, Any]:
        return await ops.metrics_history(req.args["hours"], req.args["max_points"])

    async def errors_capture(req: Request) -> dict[str, Any]:
        message = req.args["message"].strip()
        if not message:
            raise errors.BadRequest("message must not be empty")
        context = dict(req.args.get("context") or {})
        context.setdefault("peer_uid", req.peer.uid)
        result = ops.errors.capture(message, req.args["category"] or "application", req.args["severity"],
                                    context, error_type="Captured")
        return {"captured": True, **result}

    async def errors_stats(req: Request) -> dict[str, Any]:
        return ops.errors.stats()

    async def errors_dashboard(req: Request) -> dict[str, Any]:
        return ops.errors.dashboard(req.args["limit"])

    async def perf(req: Request) -> dict[str, Any]:
        return ops.perf.snapshot(req.args.get("prefix") or "")

    def _scheduler() -> Any:
        if ops.scheduler is None:
            raise errors.Unavailable("this daemon runs no scheduler")
        return ops.scheduler

    async def scheduler_list(req: Request) -> dict[str, Any]:
        sched = _scheduler()
        return {"tasks": sched.tasks(), "timezone": app.config.ops.scheduler.timezone or "local"}

    async def scheduler_run(req: Request) -> dict[str, Any]:
        return await _scheduler().run_now(req.args["name"])

    async def security_events(req: Request) -> dict[str, Any]:
        return await ops.security_events(req.args["limit"], req.args.get("kind"))

    async def capacity(req: Request) -> dict[str, Any]:
        return await ops.capacity(req.args["hours"])

    async def monitors(req: Request) -> dict[str, Any]:
        return {**ops.monitors.status(), "adaptive": ops.adaptive.status()}

    async def ops_status(req: Request) -> dict[str, Any]:
        return ops.status()

    return {"metrics": metrics, "metrics.history": metrics_history, "errors.capture": errors_capture,
            "errors.stats": errors_stats, "errors.dashboard": errors_dashboard, "perf": perf,
            "scheduler.list": scheduler_list, "scheduler.run": scheduler_run,
            "security.events": security_events, "capacity": capacity, "monitors": monitors,
            "ops.status": ops_status}
