"""An in-process engine for tests: a real App, a real SQLite store in tmp_path, the real
EngineService (real fetcher) in a trio nursery. No daemon, no socket."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import trio

from scraped.app import App
from scraped.config import parse_config
from scraped.secrets import Secrets
from scraped.store.sqlite import SqliteStore

FAST = {"allow_private_networks": True, "write_interval": 0.05, "progress_interval": 0.2,
        "stop_grace": 5.0, "host_concurrency": 16, "page_retry_delay": 0.2,
        "fetch": {"retries": 0, "backoff": 0.05, "total_timeout": 10.0}}


def make_app(tmp_path: Path, engine: dict[str, Any] | None = None) -> App:
    settings = {**FAST, **(engine or {})}
    config = parse_config({"daemon": {"state_dir": str(tmp_path / "state")}, "engine": settings})
    app = App(config, None, Secrets({}))
    app.store = SqliteStore(tmp_path / "state" / "scraped.db")
    return app


@contextlib.asynccontextmanager
async def running_engine(tmp_path: Path, engine: dict[str, Any] | None = None,
                         app: App | None = None) -> AsyncIterator[Any]:
    from scraped.engine.engine_service import EngineService

    app = app or make_app(tmp_path, engine)
    await app.store.open()
    try:
        async with trio.open_nursery() as nursery:
            service = await nursery.start(EngineService(app).run)
            try:
                yield service
            finally:
                nursery.cancel_scope.cancel()
    finally:
        await app.store.close()


async def wait_status(service: Any, job_id: str, *states: str, within: float = 30.0) -> dict[str, Any]:
    with trio.fail_after(within):
        while True:
            doc = await service.supervisor.jobs.get(job_id)
            if doc["status"] in states:
                return doc
            await trio.sleep(0.02)


async def wait_for(predicate: Any, within: float = 30.0) -> Any:
    with trio.fail_after(within):
        while True:
            value = await predicate()
            if value:
                return value
            await trio.sleep(0.02)
