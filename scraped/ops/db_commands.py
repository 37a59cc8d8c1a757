"""Handlers of every db.* command (declared in scraped/api/db.py).

indexes, reindex and maintenance run through the data service (one data operation at a
time, see scraped/ops/data_service.py). slow-ops and kill-op reach MongoDB through the
store (pymongo stays in scraped/store/mongo*.py); on any other backend they answer
Conflict, so the command table is the same on every daemon.
"""

from __future__ import annotations

from typing import Any

from scraped.dispatch import Handler, Request
from scraped.errors import Conflict, Unavailable

DEFAULT_SLOW_MS = 100.0


def _mongo(app: Any, command: str) -> Any:
    store = getattr(app, "store", None)
    store = getattr(store, "inner", store)  # under the outage spool (scraped/store/spool.py)
    if store is None:
        raise Unavailable("the store is not open")
    if getattr(store, "backend", None) != "mongodb":
        raise Conflict(f"{command} is only on MongoDB; this daemon uses the "
                       f"{getattr(store, 'backend', 'unknown')} store")
    return store


def handlers(data: Any) -> dict[str, Handler]:
    app = data.app

    async def db_indexes(req: Request) -> dict[str, Any]:
        return await data.indexes()

    async def db_reindex(req: Request) -> dict[str, Any]:
        return await data.reindex()

    async def db_maintenance(req: Request) -> dict[str, Any]:
        return await data.maintenance(bool(req.args.get("dry_run")))

    async def slow_ops(req: Request) -> dict[str, Any]:
        store = _mongo(app, "db slow-ops")
        slow_ms: Any = req.args.get("slow_ms")
        if slow_ms is None:
            slow_ms = getattr(app.config.store, "slow_ms", DEFAULT_SLOW_MS)
        return await store.slow_ops(limit=req.args.get("limit") or 20, slow_ms=float(slow_ms))

    async def kill_op(req: Request) -> dict[str, Any]:
        store = _mongo(app, "db kill-op")
        return await store.kill_ops(older_than=float(req.args["older_than"]),
                                    dry_run=bool(req.args.get("dry_run")),
                                    all_databases=bool(req.args.get("all_databases")))

    return {"db.indexes": db_indexes, "db.reindex": db_reindex, "db.maintenance": db_maintenance,
            "db.slow-ops": slow_ops, "db.kill-op": kill_op}
