"""MongoDB maintenance for the Mongo store: schema, ping facts, stats, indexes, reindex,
validation, the profiler and long-running operations.

Plain blocking functions over a pymongo Database/MongoClient. MongoStore calls them in
worker threads through `_run`, which maps whatever pymongo raises (mongo.py `_mapped`);
here only a server's refusal of an optional feature is caught, and answered with a note.

Servers differ, and each function says what it does where a feature is missing:
  - `$indexStats` (index usage) needs MongoDB 3.2+ and the indexStats privilege: usage None.
  - `reIndex` is refused on replica-set members since 4.4 (and on 6.0+ anywhere but a
    standalone): the indexes are checked and any missing one created, and the reply says
    the rebuild was not done. We do not drop and re-create indexes on a live primary: the
    collection would be unindexed meanwhile and every query a collection scan; MongoDB's
    own answer is a rolling initial sync of each member.
  - `validate` may be refused (privileges, some hosted tiers): logged, no problems returned.
  - nx-27017 (the test server) names indexes `idx_<coll>_<fields>`, drops key directions
    and custom names, so indexes are matched by name, then by keys, then by fields.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import pymongo
from pymongo.errors import CollectionInvalid, OperationFailure

from scraped.store.schema import COLLECTIONS, Collection, Index

log = logging.getLogger(__name__)
_NAMESPACE_NOT_FOUND = 26
# Index builds, reIndex and validate scan whole collections: they get this long instead
# of the store's per-call timeout (pymongo.timeout applies to this thread's calls only).
LONG_TIMEOUT = 3600.0


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return value


def _keys(spec: Any) -> list[tuple[str, int]]:
    return [(str(k), int(v) if isinstance(v, (int, float)) else v) for k, v in dict(spec).items()]


def match_index(ix: Index, server: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The server's index that implements a declared one: same name, else same keys,
    else same fields in the same order (servers that ignore names and directions)."""
    declared = list(ix.keys)
    for pred in (lambda s: s["name"] == ix.name,
                 lambda s: _keys(s["key"]) == declared,
                 lambda s: [k for k, _ in _keys(s["key"])] == [k for k, _ in declared]):
        for s in server:
            if s["name"] != "_id_" and pred(s):
                return s
    return None


def _ensure_indexes(db: Any, coll: Collection) -> list[str]:
    server = list(db[coll.name].list_indexes())
    created = []
    for ix in coll.indexes:
        if match_index(ix, server) is not None:
            continue
        try:
            with pymongo.timeout(LONG_TIMEOUT):
                db[coll.name].create_index(list(ix.keys), name=ix.name, unique=ix.unique)
            created.append(f"index {coll.name}.{ix.name}")
        except OperationFailure as exc:  # e.g. an operator's index under our name
            log.warning("mongodb: cannot create index %s.%s: %s", coll.name, ix.name, exc.details)
    return created


def ensure_schema(db: Any) -> list[str]:
    """Create missing collections and indexes (idempotent); returns what was created."""
    created: list[str] = []
    existing = set(db.list_collection_names())
    for coll in COLLECTIONS.values():
        if coll.name not in existing:
            try:
                db.create_collection(coll.name)
                created.append(f"collection {coll.name}")
            except CollectionInvalid:  # another daemon created it meanwhile
                pass
        created += _ensure_indexes(db, coll)
    return created


def _replica_set(hello: dict[str, Any]) -> dict[str, Any]:
    if hello.get("msg") == "isdbgrid":
        role = "mongos"
    elif not hello.get("setName"):
        role = "standalone"
    elif hello.get("isWritablePrimary") or hello.get("ismaster"):
        role = "primary"
    elif hello.get("secondary"):
        role = "secondary"
    elif hello.get("arbiterOnly"):
        role = "arbiter"
    else:
        role = "other"
    return {"name": hello.get("setName"), "role": role, "primary": hello.get("primary"),
            "hosts": list(hello.get("hosts") or []), "me": hello.get("me")}


def ping(client: Any, database: str) -> dict[str, Any]:
    start = time.perf_counter()
    hello = client.admin.command("hello")
    rtt = (time.perf_counter() - start) * 1000
    out: dict[str, Any] = {"ok": True, "round_trip_ms": rtt, "backend": "mongodb", "database": database,
                           "replica_set": _replica_set(hello), "version": None,
                           "connections": None, "opcounters": None, "notes": []}
    try:
        out["version"] = client.admin.command("buildInfo").get("version")
    except OperationFailure as exc:
        out["notes"].append(f"buildInfo refused: {exc.details.get('errmsg') if exc.details else exc}")
    if out["version"] is None:
        out["notes"].append("the server does not report its version")
    try:
        status = client.admin.command("serverStatus")
        conns = status.get("connections")
        out["connections"] = {k: conns[k] for k in ("current", "available", "totalCreated", "active")
                              if k in conns} if conns else None
        ops = status.get("opcounters")
        out["opcounters"] = {k: int(v) for k, v in ops.items()} if ops else None
        out["uptime_s"] = status.get("uptime")
    except OperationFailure as exc:  # needs the clusterMonitor role
        out["notes"].append(f"serverStatus refused: {exc.details.get('errmsg') if exc.details else exc}")
    if out["opcounters"] is None:
        out["notes"].append("the server does not report opcounters")
    return out


def stats(db: Any) -> dict[str, Any]:
    s = db.command("dbStats")
    data, index = int(s.get("dataSize") or 0), int(s.get("indexSize") or 0)
    total = int(s.get("totalSize") or 0) or int(s.get("storageSize") or 0) + index or data + index
    counts = {name: int(db[name].estimated_document_count()) for name in COLLECTIONS}
    return {"backend": "mongodb", "database": db.name, "size_bytes": total, "data_bytes": data,
            "index_bytes": index, "objects": int(s.get("objects") or 0), "collections": counts}


def _usage(db: Any, name: str) -> dict[str, Any] | None:
    try:
        rows = list(db[name].aggregate([{"$indexStats": {}}]))
    except OperationFailure:  # unsupported or not permitted
        return None
    return {r["name"]: {"ops": int((r.get("accesses") or {}).get("ops", 0)),
                        "since": _epoch((r.get("accesses") or {}).get("since"))} for r in rows}


def list_indexes(db: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for coll in COLLECTIONS.values():
        server = list(db[coll.name].list_indexes())
        usage = _usage(db, coll.name)
        used: set[str] = {"_id_"}

        def row(name: str, keys: Any, unique: bool, present: bool, server_name: str | None,
                declared: bool, _coll: str = coll.name, _usage: Any = usage) -> dict[str, Any]:
            u = None if _usage is None or server_name is None else _usage.get(server_name, {"ops": 0, "since": None})
            return {"collection": _coll, "name": name, "keys": [list(k) for k in keys], "unique": unique,
                    "present": present, "server_name": server_name, "declared": declared, "usage": u}

        out.append(row("_id_", [("_id", 1)], True, True, "_id_", True))
        for ix in coll.indexes:
            found = match_index(ix, server)
            if found is not None:
                used.add(found["name"])
            out.append(row(ix.name, ix.keys, ix.unique, found is not None,
                           found["name"] if found else None, True))
        for s in server:
            if s["name"] not in used:
                out.append(row(s["name"], _keys(s["key"]), bool(s.get("unique")), True, s["name"], False))
    return out


def reindex(db: Any) -> dict[str, Any]:
    start = time.perf_counter()
    result: dict[str, str] = {}
    notes: list[str] = []
    for name in COLLECTIONS:
        try:
            with pymongo.timeout(LONG_TIMEOUT):
                db.command("reIndex", name)
            result[name] = "rebuilt"
        except OperationFailure as exc:
            reason = (exc.details or {}).get("errmsg") or str(exc)
            result[name] = "not rebuilt"
            if reason not in notes:
                notes.append(reason)
    created: list[str] = []
    for coll in COLLECTIONS.values():
        created += _ensure_indexes(db, coll)
    if notes:
        notes.append("reIndex is refused on replica-set members (MongoDB 4.4+): indexes were checked "
                     "and missing ones created; rebuild a member by resyncing it")
    return {"collections": result, "created": created, "notes": notes,
            "seconds": time.perf_counter() - start}


def integrity_check(db: Any) -> list[str]:
    with pymongo.timeout(LONG_TIMEOUT):
        return _validate_all(db)


def _validate_all(db: Any) -> list[str]:
    problems: list[str] = []
    for name in COLLECTIONS:
        try:
            # background: no exclusive collection lock on MongoDB 5.0+; older servers
            # and nx-27017 ignore the option or refuse it (then a plain validate).
            try:
                r = db.command({"validate": name, "background": True})
            except OperationFailure as exc:
                if exc.code == _NAMESPACE_NOT_FOUND:
                    continue
                r = db.command({"validate": name})
        except OperationFailure as exc:
            if exc.code == _NAMESPACE_NOT_FOUND:
                continue
            log.info("mongodb: validate %s not available here: %s", name, (exc.details or {}).get("errmsg"))
            continue
        if not r.get("valid", True):
            errors = [str(e) for e in (r.get("errors") or [])] or ["invalid"]
            problems += [f"{name}: {e}" for e in errors]
    return problems


def _summary(command: Any) -> str:
    if not isinstance(command, dict):
        return ""
    text = json.dumps({k: v for k, v in command.items() if not k.startswith("$") and k != "lsid"},
                      default=str, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "..."


def slow_ops(db: Any, limit: int, slow_ms: float) -> dict[str, Any]:
    level = db.command({"profile": -1})
    base = {"database": db.name, "slow_ms": slow_ms, "ops": []}
    if "was" not in level:
        return {**base, "enabled": False, "supported": False,
                "message": "this server does not report a profiling level (no profiler)"}
    if level["was"] == 0:
        return {**base, "enabled": False, "supported": True, "level": 0,
                "message": f"profiling is off on {db.name}; enable it in the mongo shell with "
                           f"db.setProfilingLevel(1, {{slowms: {int(slow_ms)}}})"}
    rows = db["system.profile"].find({"millis": {"$gte": slow_ms}}, sort=[("ts", -1)], limit=int(limit))
    ops = [{"at": _epoch(r.get("ts")), "op": r.get("op"), "ns": r.get("ns"), "millis": r.get("millis"),
            "plan": r.get("planSummary"), "docs_examined": r.get("docsExamined"),
            "keys_examined": r.get("keysExamined"), "returned": r.get("nreturned"),
            "client": r.get("client"), "user": r.get("user"),
            "command": _summary(r.get("command") or r.get("query"))} for r in rows]
    return {**base, "enabled": True, "supported": True, "level": level["was"],
            "server_slow_ms": level.get("slowms"), "ops": ops,
            "message": "" if ops else f"no operation of {slow_ms:g} ms or more in system.profile"}


def kill_ops(client: Any, database: str, older_than: float, dry_run: bool,
             all_databases: bool) -> dict[str, Any]:
    reply = client.admin.command({"currentOp": 1, "active": True, "secs_running": {"$gte": int(older_than)}})
    if "inprog" not in reply:
        return {"supported": False, "killed": [], "failed": [], "matched": [],
                "message": "this server does not report running operations (currentOp has no inprog)"}
    matched = []
    for op in reply["inprog"]:
        ns = str(op.get("ns") or "")
        if op.get("opid") is None or float(op.get("secs_running") or 0) < older_than:
            continue
        if not all_databases and not ns.startswith(database + "."):
            continue
        matched.append({"opid": op["opid"], "ns": ns, "op": op.get("op"), "secs_running": op.get("secs_running"),
                        "client": op.get("client"), "command": _summary(op.get("command"))})
    killed, failed = [], []
    for op in matched if not dry_run else []:
        try:
            client.admin.command("killOp", op=op["opid"])
            killed.append(op["opid"])
        except OperationFailure as exc:
            failed.append({"opid": op["opid"], "error": (exc.details or {}).get("errmsg") or str(exc)})
    return {"supported": True, "matched": matched, "killed": killed, "failed": failed, "dry_run": dry_run,
            "message": f"{len(matched)} operation(s) running {older_than:g} s or longer"}
