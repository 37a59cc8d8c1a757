"""The store contract on the MongoDB backend, plus MongoDB-only behaviour.

Runs against the server named by SCRAPED_TEST_MONGODB_URI when set (a fresh database per
test, dropped after), otherwise against nx-27017 started here (tests/mongo_server.py).
Where nx-27017 differs from MongoDB, the test says so and checks what MongoDB would do
as far as the stand-in allows.
"""

from __future__ import annotations

import gzip
import json
import uuid
from types import SimpleNamespace

import bson
import pytest
import trio
from bson.json_util import loads as ejson_loads

from scraped.errors import BadRequest, Conflict, StoreError
from scraped.store.mongo import MongoStore, redact_uri
from tests.mongo_server import external_uri, free_port
from tests.store_contract import *  # noqa: F401,F403
from tests.store_contract import J, Q, job

ON_NX = external_uri() is None




async def _drop(store: MongoStore) -> None:
    client = store._client
    if client is not None:
        await trio.to_thread.run_sync(client.drop_database, store.database)


@pytest.fixture
async def store(mongo_uri):
    s = MongoStore(mongo_uri, f"scraped_test_{uuid.uuid4().hex[:12]}", threads=4,
                   connect_timeout=5.0, timeout=20.0)
    await s.open()
    try:
        yield s
    finally:
        await _drop(s)
        await s.close()


# ------------------------------------------------------------------ connection and errors
async def test_unreachable_server_is_a_store_error_without_the_password():
    port = free_port()  # nothing listens there
    uri = f"mongodb://scraped:Sup3r-S3cret%21@127.0.0.1:{port}/?authSource=admin"
    s = MongoStore(uri, "scraped_test", connect_timeout=0.5, timeout=2.0)
    with trio.fail_after(30):  # a hang guard, not a timing assertion
        with pytest.raises(StoreError) as info:
            await s.open()
    message = str(info.value)
    assert "Sup3r-S3cret" not in message and "Sup3r-S3cret%21" not in message
    assert "unreachable" in message and f"127.0.0.1:{port}" in message
    assert info.value.transient is True
    assert "Sup3r" not in repr(s) and "***" in redact_uri(uri)


async def test_bad_database_name_is_refused(mongo_uri):
    with pytest.raises(BadRequest):
        MongoStore(mongo_uri, "bad.name")


async def test_server_side_code_and_unknown_operators_are_refused(store):
    await store.insert_one(J, job(1))
    for bad in ({"$expr": {"$eq": ["$status", "QUEUED"]}}, {"status": {"$function": {}}},
                {"name": {"$options": "i"}}, {"lease": {"holder": "x"}}):
        with pytest.raises(BadRequest):
            await store.count(J, bad)
    with pytest.raises(BadRequest, match="string _id"):  # MongoDB would make an ObjectId
        await store.update_one(J, {"status": "Q"}, {"$set": {"a": 1}}, upsert=True)


async def test_reopening_is_idempotent(store, mongo_uri):
    before = await store.list_indexes()
    again = MongoStore(mongo_uri, store.database)
    await again.open()
    await again.close()
    assert await store.list_indexes() == before


# ------------------------------------------------------------------ what MongoDB reports
async def test_ping_reports_server_facts(store):
    info = await store.ping()
    assert info["ok"] and info["round_trip_ms"] >= 0 and info["database"] == store.database
    assert info["replica_set"]["role"] in ("standalone", "primary", "secondary", "mongos")
    if ON_NX:
        # nx-27017 answers `hello` as a standalone and serverStatus without opcounters.
        assert info["replica_set"]["role"] == "standalone"
        assert info["opcounters"] is None and any("opcounters" in n for n in info["notes"])
    else:
        assert isinstance(info["version"], str) and info["opcounters"]
    assert info["connections"] is None or info["connections"]["current"] >= 1


async def test_indexes_carry_the_schemas_names(store):
    rows = await store.list_indexes()
    declared = [r for r in rows if r["declared"] and r["name"] != "_id_"]
    assert declared and all(r["present"] for r in declared)
    status = next(r for r in rows if (r["collection"], r["name"]) == (J, "status_created"))
    assert status["keys"] == [["status", 1], ["created_at", -1]]
    if ON_NX:
        # nx-27017 ignores index names (idx_<coll>_<fields>) and key directions; the
        # backend matches by fields and still reports the schema's name; no $indexStats.
        assert status["server_name"].startswith("idx_") and status["usage"] is None
    else:
        assert status["server_name"] == "status_created" and status["usage"]["ops"] >= 0


async def test_reindex_and_validate(store):
    await store.insert_many(J, [job(i) for i in range(3)])
    result = await store.reindex()
    assert set(result["collections"]) >= {J, Q}
    # A standalone MongoDB (and nx-27017) rebuilds; a replica-set member refuses and says so.
    if any(v != "rebuilt" for v in result["collections"].values()):
        assert result["notes"]
    assert await store.integrity_check() == []


async def test_slow_ops_and_kill_op_answer_clearly(store):
    slow = await store.slow_ops(limit=5, slow_ms=100)
    killed = await store.kill_ops(older_than=3600, dry_run=True)
    if ON_NX:
        # nx-27017 has no profiler and no currentOp: the reply says so instead of failing.
        assert slow["supported"] is False and slow["ops"] == [] and slow["message"]
        assert killed["supported"] is False and killed["message"]
    else:
        assert slow["enabled"] in (True, False) and slow["message"] is not None
        assert killed["supported"] and killed["killed"] == []


async def test_claim_returns_no_marker_and_a_stale_one_is_harmless(store):
    """The claim token stays on claimed documents (removing it would cost a round trip per
    claim); it is never returned, and the next claim of those documents works."""
    await store.insert_many("frontier", [{"_id": f"f{i}", "job_id": "j", "state": "pending",
                                          "next_attempt_at": float(i)} for i in range(5)])
    claim = {"$set": {"state": "in_flight"}}
    got = await store.claim("frontier", {"state": "pending"}, claim, sort=[("next_attempt_at", 1)], limit=3)
    assert [d["_id"] for d in got] == ["f0", "f1", "f2"] and all("_claim" not in d for d in got)
    await store.update_many("frontier", {"_id": {"$in": ["f0", "f1"]}}, {"$set": {"state": "pending"}})
    again = await store.claim("frontier", {"state": "pending"}, claim, sort=[("next_attempt_at", 1)], limit=10)
    assert [d["_id"] for d in again] == ["f0", "f1", "f3", "f4"] and all("_claim" not in d for d in again)
    assert await store.claim("frontier", {"state": "pending"}, claim, sort=None, limit=10) == []


# ------------------------------------------------------------------ backups
async def test_backup_writes_the_mongodump_layout(store, tmp_path):
    docs = [job(i) for i in range(7)]
    await store.insert_many(J, docs)
    info = await store.backup(tmp_path / "b")
    root = tmp_path / "b" / store.database
    assert info["layout"] == "mongodump" and info["counts"][J] == 7
    assert f"{store.database}/{J}.bson.gz" in info["files"]
    decoded = bson.decode_all(gzip.decompress((root / f"{J}.bson.gz").read_bytes()))
    assert decoded == docs
    assert bson.decode_all(gzip.decompress((root / f"{Q}.bson.gz").read_bytes())) == []
    meta = ejson_loads(gzip.decompress((root / f"{J}.metadata.json.gz").read_bytes()))
    assert meta["collectionName"] == J and meta["type"] == "collection"
    names = {ix["name"]: dict(ix["key"]) for ix in meta["indexes"]}
    # mongorestore re-creates these: the schema's names and directions, whatever the server said.
    assert names["_id_"] == {"_id": 1} and names["status_created"] == {"status": 1, "created_at": -1}
    # canonical extended JSON, as mongodump writes it
    assert '"$numberInt"' in gzip.decompress((root / f"{J}.metadata.json.gz").read_bytes()).decode()


async def test_backup_pages_through_big_collections(store, tmp_path, monkeypatch):
    from scraped.store import mongo_dump

    monkeypatch.setattr(mongo_dump, "PAGE", 7)
    await store.bulk_upsert(Q, [(f"k{i:03d}", {"$set": {"question": f"q{i}"}}) for i in range(50)])
    info = await store.backup(tmp_path / "b")
    assert info["counts"][Q] == 50
    await store.delete_many(Q, {})
    assert (await store.restore(tmp_path / "b"))[Q] == 50
    assert (await store.get(Q, "k042"))["question"] == "q42"


async def test_truncated_bson_is_refused_before_anything_is_dropped(store, tmp_path):
    await store.insert_many(J, [job(i) for i in range(5)])
    await store.backup(tmp_path / "b")
    path = tmp_path / "b" / store.database / f"{J}.bson.gz"
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(raw[:-10]))
    await store.insert_one(J, job(50))
    with pytest.raises(BadRequest, match="truncated or corrupt"):
        await store.restore(tmp_path / "b")
    assert await store.count(J) == 6


async def test_restore_reads_an_uncompressed_mongodump(store, tmp_path):
    # `mongodump --db X --out DIR` without --gzip: plain .bson and .metadata.json files.
    root = tmp_path / "dump" / "production_scraping_db"
    root.mkdir(parents=True)
    root.joinpath(f"{J}.bson").write_bytes(b"".join(bson.encode(job(i)) for i in range(3)))
    root.joinpath(f"{J}.metadata.json").write_text(json.dumps({"indexes": [], "collectionName": J}))
    root.joinpath("unknown_things.bson").write_bytes(bson.encode({"_id": "x"}))
    counts = await store.restore(tmp_path / "dump")
    assert counts[J] == 3 and (await store.get(J, "job002"))["name"] == "j2"


async def test_restore_without_a_dump_is_refused(store, tmp_path):
    with pytest.raises(BadRequest, match="no mongodump layout"):
        await store.restore(tmp_path)


# ------------------------------------------------------------------ control commands
def _request(name: str, **args):
    from scraped.api.spec import all_commands
    from scraped.dispatch import Peer, Request

    cmd = all_commands()[name]
    return Request(cmd, cmd.check_args(args), Peer(1, 0, 0))


async def test_mongo_commands(store):
    from scraped.ops.db_commands import handlers

    app = SimpleNamespace(store=store, config=SimpleNamespace(store=SimpleNamespace(slow_ms=50.0)))
    table = handlers(SimpleNamespace(app=app))  # the data service's app
    slow = await table["db.slow-ops"](_request("db.slow-ops", limit=3))
    assert slow["slow_ms"] == 50.0 and "message" in slow
    killed = await table["db.kill-op"](_request("db.kill-op", older_than=120.0, dry_run=True))
    assert killed["killed"] == []


async def test_mongo_commands_on_sqlite_are_a_conflict(tmp_path):
    from scraped.ops.db_commands import handlers
    from scraped.store.sqlite import SqliteStore

    s = SqliteStore(tmp_path / "t.db")
    await s.open()
    try:
        table = handlers(SimpleNamespace(app=SimpleNamespace(store=s, config=SimpleNamespace(store=SimpleNamespace()))))
        with pytest.raises(Conflict, match="only on MongoDB"):
            await table["db.slow-ops"](_request("db.slow-ops"))
        with pytest.raises(Conflict, match="only on MongoDB"):
            await table["db.kill-op"](_request("db.kill-op", older_than=60.0))
    finally:
        await s.close()
