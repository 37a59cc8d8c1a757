"""Daemon heartbeats: who shares this store, and which jobs each one holds.

Every daemon upserts `daemons/<identity>` every HEARTBEAT seconds; `engine status` reads
them back: seen within LOST_AFTER heartbeats is alive, older is lost. The jobs a daemon
holds come from `scraping_jobs.lease.holder` and the jobs it helps from
`scraping_jobs.helpers` (the source of truth), not from its own doc.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

import trio

from scraped import __version__
from scraped.engine import jobs
from scraped.engine.repo import helpers_of
from scraped.errors import ScrapedError
from scraped.store.schema import DAEMONS, JOBS

log = logging.getLogger(__name__)

HEARTBEAT = 5.0
LOST_AFTER = 3  # missed heartbeats
FORGET_AFTER = 86400.0  # the sweep deletes docs of daemons gone for a day


async def beat(sup: Any) -> None:
    """Upsert this daemon's heartbeat document."""
    now = time.time()
    await sup.app.store.update_one(DAEMONS, {"_id": sup.identity}, {"$set": {
        "host": socket.gethostname(), "pid": os.getpid(), "holder": sup.holder, "version": __version__,
        "backend": getattr(sup.app.store, "backend", "?"), "started_at": sup.started_at,
        "heartbeat_at": now, "slots": sup.max_jobs,
        "running": sorted(i for i, h in sup.running.items() if not h.helper),
        "helping": sorted(i for i, h in sup.running.items() if h.helper)}}, upsert=True)


async def heartbeat_loop(sup: Any, interval: float = HEARTBEAT) -> None:
    """Beat until cancelled; a failed beat is logged and retried at the next interval."""
    while True:
        try:
            await beat(sup)
        except ScrapedError as exc:
            log.warning("heartbeat failed: %s", exc)
        await trio.sleep(interval)


async def forget_old(store: Any) -> int:
    return await store.delete_many(DAEMONS, {"heartbeat_at": {"$lt": time.time() - FORGET_AFTER}})


async def view(store: Any, interval: float = HEARTBEAT) -> list[dict[str, Any]]:
    """Every known daemon: alive or lost, and the jobs it holds a lease on."""
    now = time.time()
    docs = await store.find(DAEMONS, {}, sort=[("heartbeat_at", -1)], limit=1000)
    held = await store.find(JOBS, {"status": {"$in": [jobs.RUNNING, jobs.STOPPING]}}, limit=1000)
    by_holder: dict[str, list[str]] = {}
    helping: dict[str, list[str]] = {}
    for job in held:
        holder = (job.get("lease") or {}).get("holder")
        if holder:
            by_holder.setdefault(holder, []).append(job["_id"])
        for helper in helpers_of(job, now):
            helping.setdefault(helper, []).append(job["_id"])
    out = []
    for d in docs:
        age = now - float(d.get("heartbeat_at") or 0)
        out.append({"identity": d["_id"], "host": d.get("host"), "pid": d.get("pid"), "holder": d.get("holder"),
                    "version": d.get("version"), "state": "alive" if age <= LOST_AFTER * interval else "lost",
                    "heartbeat_age_s": round(age, 1), "jobs": sorted(by_holder.get(d.get("holder") or "", [])),
                    "helping": sorted(helping.get(d.get("holder") or "", []))})
    return out
