"""Handlers of the daemon's own commands: hello, status, config, health."""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from scraped import PROTOCOL_VERSION, __version__, health
from scraped.api import all_commands
from scraped.config import show
from scraped.dispatch import Handler, Request

STATUS_HEALTH_MAX_AGE = 1.0  # seconds a health report may be reused by `status`


def handlers(app: Any, reload: Callable[[str], Awaitable[dict[str, Any]]],
             control: Any = None) -> dict[str, Handler]:
    """`reload`: the daemon's config reload (SIGHUP's), for `config reload`; `control`: the
    control server, whose connection slots `health` reports."""
    greeting = {
        "server": "scraped",
        "version": __version__,
        "protocol": PROTOCOL_VERSION,
        "commands": [{"name": c.name, "help": c.help, "admin": c.admin, "stream": c.stream}
                     for c in all_commands().values()],
    }

    async def hello(req: Request) -> dict[str, Any]:
        return greeting

    pid, socket_path, state_dir = os.getpid(), str(app.socket_path), str(app.state_dir)
    summaries: dict[float, dict[str, Any]] = {}  # the last report's component summary

    def summary(report: dict[str, Any]) -> dict[str, Any]:
        found = summaries.get(report["checked_at"])
        if found is None:
            summaries.clear()
            found = summaries[report["checked_at"]] = {
                name: {"status": c.get("status"), "reason": c.get("reason", "")}
                for name, c in report["components"].items()}
        return found

    async def status(req: Request) -> dict[str, Any]:
        report = await health.collect(app, max_age=STATUS_HEALTH_MAX_AGE, control=control)
        return {
            "version": __version__,
            "pid": pid,
            "uptime_s": round(time.time() - app.started_at, 1),
            "started_at": app.started_at,
            "config_path": str(app.config_path) if app.config_path else None,
            "socket": socket_path,
            "state_dir": state_dir,
            "store": app.store.backend if app.store else None,
            "health": report["status"],
            "health_checked_at": report["checked_at"],
            "components": summary(report),
        }

    async def config_show(req: Request) -> dict[str, Any]:
        return {"path": str(app.config_path) if app.config_path else None,
                "config": show(app.config), "secrets": app.secrets.configured()}

    async def config_reload(req: Request) -> dict[str, Any]:
        return await reload("command")

    async def health_cmd(req: Request) -> dict[str, Any]:
        name = req.args.get("component")
        if name:
            return await health.component(app, name, control)
        return await health.collect(app, control=control)

    return {"hello": hello, "status": status, "config.show": config_show,
            "config.reload": config_reload, "health": health_cmd}
