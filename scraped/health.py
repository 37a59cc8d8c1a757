"""Health of the daemon, overall and per component.

Each service reports its own components; the store is checked here because every
service depends on it. Overall health is the worst component.

The database is healthy only when it answers, a write succeeds (a one-document upsert
into `meta`: a read-only remount or a full disk makes reads work and writes fail, which
a ping cannot see) and the last `PRAGMA quick_check` of the SQLite file found nothing.
The control socket is a component too: its connection slots and who holds them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import trio

from scraped import errors
from scraped.service import DEGRADED, DOWN, HEALTHY, worst

log = logging.getLogger(__name__)
SLOW_STORE_MS = 500.0


async def database_health(app: Any) -> dict[str, Any]:
    store = app.store
    if store is None:
        return {"status": DOWN, "reason": "store is not open"}
    try:
        with trio.fail_after(app.config.store.timeout):
            ping = await store.ping()
            stats = await store.stats()
    except errors.ScrapedError as exc:
        return {"status": DOWN, "reason": str(exc), "backend": store.backend}
    except trio.TooSlowError:
        return {"status": DOWN, "reason": f"no answer within {app.config.store.timeout} s",
                "backend": store.backend}
    rtt = ping.get("round_trip_ms", 0.0)
    status = DEGRADED if rtt > SLOW_STORE_MS else HEALTHY
    reason = f"round trip {rtt:.1f} ms" + (" (slow)" if status == DEGRADED else "")
    facts = {k: v for k, v in ping.items() if k not in ("ok",)}
    out = {"status": status, "reason": reason, **facts, "size_bytes": stats.get("size_bytes"),
           "collections": stats.get("collections", {})}
    out["write_probe"] = probe = await write_probe(app)
    if not probe["ok"]:
        out["status"], out["reason"] = DOWN, f"writes fail: {probe['error']}"
    check = getattr(store, "last_check", None)
    if check is not None:
        out["quick_check"] = {k: check[k] for k in ("at", "ok", "seconds")} | {"problems": check["problems"][:5]}
        if not check["ok"]:
            out["status"] = DOWN
            out["reason"] = (f"the store file fails quick_check ({check['problems'][0]}); restore a backup: "
                             "`scrapedctl backup list`, `scrapedctl restore NAME --yes`")
    return out


async def write_probe(app: Any) -> dict[str, Any]:
    """Write one small document and say whether it worked (and how long it took)."""
    start = time.perf_counter()
    timeout = app.config.store.timeout
    probe = getattr(app.store, "write_probe", None)  # SQLite: bounded lock and busy waits
    try:
        with trio.fail_after(timeout + 1.0):
            if probe is not None:
                await probe(timeout)
            else:
                await app.store.bulk_upsert("meta", [("health_probe", {"$set": {"at": time.time()},
                                                                       "$inc": {"writes": 1}})])
    except errors.ScrapedError as exc:
        return {"ok": False, "error": str(exc)}
    except trio.TooSlowError:
        return {"ok": False, "error": f"no answer within {app.config.store.timeout} s"}
    return {"ok": True, "ms": round((time.perf_counter() - start) * 1000, 2)}


def control_health(app: Any, control: Any = None) -> dict[str, Any] | None:
    """The control socket's slots; None without a control server (`control`, handed to the
    health commands by the daemon)."""
    if control is None:
        return None
    cfg = app.config.daemon
    slots = control.slots.stats(cfg)
    shared = slots["max"] - min(cfg.reserved_connections, slots["max"] - 1)
    if slots["open"] >= slots["max"]:
        status, reason = DEGRADED, f"all {slots['max']} connection slots in use, {slots['waiting']} waiting"
    elif slots["unprivileged_open"] >= shared:
        status, reason = DEGRADED, (f"local users hold all {shared} shared slots; "
                                    f"{slots['max'] - slots['open']} kept for root and admins")
    else:
        status, reason = HEALTHY, f"{slots['open']} of {slots['max']} connection slots in use"
    return {"status": status, "reason": reason, **slots, "requests_total": control.requests_total}


async def collect(app: Any, max_age: float = 0.0, control: Any = None) -> dict[str, Any]:
    """{"status": overall, "components": {name: {...}}, "checked_at": t}.

    With max_age, a report at most that old is reused: `status` is called by monitoring
    scripts in tight loops and must not turn each call into a store round trip per
    component. `health` always checks afresh.
    """
    cached = app.health_report
    if max_age and cached is not None and time.time() - cached["checked_at"] <= max_age:
        return cached
    report = await _collect(app, control)
    app.health_report = report
    return report


async def _collect(app: Any, control: Any) -> dict[str, Any]:
    components: dict[str, Any] = {"database": await database_health(app)}
    slots = control_health(app, control)
    if slots is not None:
        components["control"] = slots
    for service in app.services:
        try:
            components.update(await service.health())
        except Exception as exc:  # a broken health check is itself a finding
            app.capture_exception(exc, category="health", context={"service": service.name})
            components[service.name] = {"status": DEGRADED, "reason": f"health check failed: {exc}"}
    overall = worst([c.get("status", DOWN) for c in components.values()])
    return {"status": overall, "components": components, "checked_at": time.time()}


async def component(app: Any, name: str, control: Any = None) -> dict[str, Any]:
    if name == "ai":
        name = "ai_services"
    report = await collect(app, control=control) if name != "database" else {
        "components": {"database": await database_health(app)}}
    found = report["components"].get(name)
    if found is None:
        raise errors.NotFound(f"no component {name!r} in this daemon; "
                              f"known: {', '.join(sorted(report['components']))}")
    return {"component": name, **found}
