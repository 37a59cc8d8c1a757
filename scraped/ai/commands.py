"""Handlers of the ai.* commands (declared in scraped/api/ai.py)."""

from __future__ import annotations

from typing import Any

import trio

from scraped.ai.feedback import feedback
from scraped.ai.generate import generate
from scraped.dispatch import Handler, Request
from scraped.errors import BadRequest


def handlers(service: Any) -> dict[str, Handler]:
    async def ai_generate(req: Request) -> dict[str, Any]:
        a = req.args
        return await generate(service, a["category"], a["difficulty"], a["count"], a.get("company"),
                              seed=a.get("seed"))

    async def ai_feedback(req: Request) -> dict[str, Any]:
        a = req.args
        options = [str(o) for o in a.get("options") or []]
        return await feedback(service, a["question"], a["answer"], a.get("correct"), options)

    async def ai_enhance(req: Request) -> dict[str, Any]:
        limit, upgrade = req.args["limit"], req.args["upgrade"]
        if upgrade and not service.has_model("enhance"):
            raise BadRequest("no model provider is configured for enhancement: the offline rules' provisional "
                             "enhancements can only be redone by a model (set a key, see `ai providers`)")
        retried = await service.enhancer.retry_failed(limit) if req.args["retry_failed"] else 0
        totals: dict[str, Any] = {"retried": retried, "claimed": 0, "enhanced": 0, "failed": 0, "retry": 0,
                                  "requests": 0, "provisional": 0, "upgraded": 0}
        if upgrade:
            await service.enhancer.reset_upgrades()
        providers: dict[str, int] = {}
        levels: dict[str, int] = {}
        # Stop early enough to answer within the command's own time limit.
        with trio.move_on_after(max(1.0, (req.cmd.timeout or 600.0) - 10.0)) as scope:
            for mode in ((False, True) if upgrade else (False,)):
                while totals["claimed"] < limit:
                    summary = await service.enhancer.run_batch(limit - totals["claimed"], upgrade=mode)
                    if not summary["claimed"]:
                        break
                    service._count(summary)
                    for k in ("claimed", "enhanced", "failed", "retry", "requests", "provisional"):
                        totals[k] += summary[k]
                    if mode:
                        totals["upgraded"] += summary["enhanced"] - summary["provisional"]
                    for k, v in summary["levels"].items():
                        levels[k] = levels.get(k, 0) + v
                    if summary["provider"]:
                        providers[summary["provider"]] = providers.get(summary["provider"], 0) + summary["claimed"]
                    if mode and summary["enhanced"] == summary["provisional"] and not summary["failed"]:
                        break  # the model did not answer: the rest stays provisional, for later
        return {**totals, "providers": providers, "levels": levels, "timed_out": scope.cancelled_caught,
                "states": await service.enhancer.counts()}

    async def ai_usage(req: Request) -> dict[str, Any]:
        report = await service.router.usage.report(req.args["days"])
        report["daily_budget"] = service.config.daily_budget
        return report

    async def ai_providers(req: Request) -> dict[str, Any]:
        cfg = service.config
        return {"providers": service.router.provider_rows(service.app.secrets),
                "order": {t: [f"{n}:{m}" for n, m in cfg.order(t)]
                          for t in ("enhance", "generate", "feedback", "extract")},
                "offline_fallback": cfg.offline_fallback}

    return {"ai.generate": ai_generate, "ai.feedback": ai_feedback, "ai.enhance": ai_enhance,
            "ai.usage": ai_usage, "ai.providers": ai_providers}
