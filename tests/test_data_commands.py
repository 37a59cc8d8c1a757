"""The data-safety commands: declarations, handlers, renderers, and a real daemon that
answers backup run/list/verify, restore --yes, db indexes/reindex/maintenance over its
socket (scrapedctl included)."""

from __future__ import annotations

import json
import time

import pytest
import trio

from scraped import errors
from scraped.api import all_commands
from scraped.dispatch import Peer, Request
from scraped.render.data import RENDERERS as DATA_RENDERERS
from scraped.render.db import RENDERERS as DB_RENDERERS
from scraped.store.schema import COLLECTIONS
from scraped.store.sqlite import SqliteStore
from tests.daemon_harness import DaemonProcess
from tests.test_backup import make_app, seed

NAMES = ("backup.run", "backup.list", "backup.verify", "restore", "db.indexes", "db.reindex", "db.maintenance")


def test_declarations():
    table = all_commands()
    for name in NAMES:
        cmd = table[name]
        assert cmd.runbook, name
        assert cmd.admin == (name not in ("backup.list", "db.indexes")), name
    assert [a.name for a in table["restore"].args] == ["name", "yes"]
    with pytest.raises(errors.BadRequest):
        table["restore"].check_args({"name": "backup_20240101_000000", "yes": "yes"})
    with pytest.raises(errors.BadRequest):
        table["db.maintenance"].check_args({"dry_run": 1})


@pytest.fixture
async def service(tmp_path):
    from scraped.ops.data_service import DataService

    app = make_app(tmp_path)
    app.store = SqliteStore(app.state_dir / "scraped.db")
    await app.store.open()
    await seed(app.store, 50)
    try:
        yield DataService(app, scheduler=None)
    finally:
        await app.store.close()


async def call(service, command, **args):
    cmd = all_commands()[command]
    req = Request(cmd, cmd.check_args(args), Peer(pid=1, uid=0, gid=0))
    return await service.handlers()[command](req)  # data_commands and db_commands


async def test_restore_needs_yes(service):
    name = (await call(service, "backup.run"))["name"]
    await service.app.store.delete_many("frontier", {})
    for args in ({}, {"yes": False}):
        with pytest.raises(errors.BadRequest, match="add --yes to confirm"):
            await call(service, "restore", name=name, **args)
    assert await service.app.store.count("frontier") == 0
    out = await call(service, "restore", name=name, yes=True)
    assert out["counts_after"]["frontier"] == 50


@pytest.mark.parametrize("name", ["../../etc/passwd", "/tmp/backup_20240101_000000.tar.gz", "a/b"])
async def test_path_names_are_refused_by_every_command(service, name):
    for cmd, extra in (("restore", {"yes": True}), ("backup.verify", {})):
        with pytest.raises(errors.BadRequest, match="not a backup name"):
            await call(service, cmd, name=name, **extra)


RENDERERS = {**DATA_RENDERERS, **DB_RENDERERS}


async def test_every_reply_renders(service):
    """Each renderer on a real reply (what scrapedctl prints without --json)."""
    replies = {"backup.run": await call(service, "backup.run")}
    name = replies["backup.run"]["name"]
    replies["backup.list"] = await call(service, "backup.list")
    replies["backup.verify"] = await call(service, "backup.verify", name=name)
    replies["restore"] = await call(service, "restore", name=name, yes=True)
    replies["db.indexes"] = await call(service, "db.indexes")
    replies["db.reindex"] = await call(service, "db.reindex")
    replies["db.maintenance"] = await call(service, "db.maintenance", dry_run=True)
    for cmd, reply in replies.items():
        text = RENDERERS[cmd](reply)
        assert text and isinstance(text, str), cmd
    assert name in RENDERERS["backup.list"](replies["backup.list"])
    assert "dry run (nothing changed)" in RENDERERS["db.maintenance"](replies["db.maintenance"])
    real = await call(service, "db.maintenance")
    assert "archived" in RENDERERS["db.maintenance"](real)


# ---------------------------------------------------------------- a real daemon


def _with_store(path, fn):
    """Run `fn(store)` on the daemon's database from this process (SQLite allows it)."""
    async def go():
        store = SqliteStore(path)
        await store.open()
        try:
            return await fn(store)
        finally:
            await store.close()

    return trio.run(go)


async def _dump(store):
    return {name: [d async for d in store.iterate(name)] for name in COLLECTIONS
            if name not in ("errors", "error_minutes", "metrics", "security_events", "daemons")}


@pytest.mark.slow
def test_a_real_daemon_answers_every_data_command(tmp_path):
    state = tmp_path / "d" / "state"
    db = state / "scraped.db"
    _with_store(db, seed)
    # No AI worker: it would enhance the seeded questions while the test compares them.
    config = {"ops": {"backup": {"keep": 2}, "schedule": {"backup": "off"}}, "ai": {"enabled": False}}
    with DaemonProcess(tmp_path / "d", config=config) as d:
        ctl = d.ctl("backup", "run", "--json")
        assert ctl.returncode == 0, ctl.stderr
        first = json.loads(ctl.stdout)
        assert first["verified"] and first["counts"]["raw_extracted_questions"] == 300
        listed = d.call("backup.list")
        assert [b["name"] for b in listed["backups"]] == [first["name"]]
        assert listed["backups"][0]["verified"] is True
        human = d.ctl("backup", "list")
        assert human.returncode == 0 and first["name"] in human.stdout and "ok" in human.stdout

        before = _with_store(db, _dump)
        # Damage the live data from outside the daemon.
        _with_store(db, lambda s: s.delete_many("raw_extracted_questions", {"category": "logic"}))
        _with_store(db, lambda s: s.update_many("scraping_jobs", {}, {"$set": {"status": "FAILED"}}))
        assert _with_store(db, _dump) != before

        refused = d.ctl("restore", first["name"])
        assert refused.returncode == 65 and "--yes" in refused.stderr
        traversal = d.ctl("restore", "../../scraped.db", "--yes")
        assert traversal.returncode == 65 and "not a backup name" in traversal.stderr
        missing = d.ctl("restore", "backup_20000101_000000", "--yes")
        assert missing.returncode == 66

        restored = d.call("restore", name=first["name"], yes=True)
        assert restored["counts_after"]["raw_extracted_questions"] == 300
        assert restored["counts_before"]["raw_extracted_questions"] == 150
        assert "engine" in restored["paused"] and restored["integrity"] == "ok"
        assert _with_store(db, _dump) == before
        assert d.call("health")["components"]["backups"]["status"] == "healthy"

        # A truncated archive is refused and nothing changes.
        path = state / "backups" / first["name"]
        path.write_bytes(path.read_bytes()[:-200])
        bad = d.ctl("restore", first["name"], "--yes")
        assert bad.returncode == 75 and "nothing was changed" in bad.stderr
        assert _with_store(db, _dump) == before
        assert d.call("backup.verify", name=first["name"])["verified"] is False

        indexes = d.call("db.indexes")
        assert {"collection": "scraping_jobs", "name": "status_created"}.items() <= \
            next(i for i in indexes["indexes"] if i["name"] == "status_created").items()
        assert d.call("db.reindex")["collections"]
        assert d.ctl("db", "indexes").returncode == 0

        # Retention: old, enhanced rows made from outside, then a dry run and a real run over the
        # socket (a question still waiting for enhancement is not archived: test_retention.py).
        old = time.time() - 90 * 86400
        _with_store(db, lambda s: s.update_many("raw_extracted_questions", {"category": "math"},
                                                {"$set": {"extracted_at": old, "enhancement.state": "done"}}))
        dry = d.call("db.maintenance", dry_run=True)
        assert dry["raw_to_archive"] == 150 and dry["jobs_to_delete"] == 0
        assert _with_store(db, lambda s: s.count("archived_raw_questions")) == 0
        real = d.ctl("db", "maintenance", "--json")
        assert real.returncode == 0, real.stderr
        assert json.loads(real.stdout)["raw_archived"] == 150
        assert _with_store(db, lambda s: s.count("archived_raw_questions")) == 150

        # The scheduled tasks are registered and run on demand; retention keeps 2.
        tasks = {t["name"]: t for t in d.call("scheduler.list")["tasks"]}
        assert tasks["backup"]["enabled"] is False and tasks["retention"]["trigger"] == "30 3 * * *"
        ran = d.call("scheduler.run", name="backup")
        assert ran["outcome"] == "ok", ran
        d.call("backup.run")
        names = [b["name"] for b in d.call("backup.list")["backups"] if b["kind"] != "pre-restore"]
        assert len(names) == 2 and first["name"] not in names
