"""The store contract on the embedded SQLite backend, plus SQLite-only behaviour."""

from __future__ import annotations

import sqlite3

import pytest
import trio

from scraped.errors import StoreError
from scraped.store.sqlite import SqliteStore
from tests.store_contract import *  # noqa: F401,F403


async def test_indexes_are_used_by_the_planner(store):
    conn = sqlite3.connect(store.path)
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT doc FROM scraping_jobs WHERE json_extract(doc, '$.status') = ? "
        "ORDER BY json_extract(doc, '$.created_at') DESC", ["RUNNING"]).fetchall()
    assert "scraping_jobs__status_created" in str(plan)


async def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=999")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        await SqliteStore(path).open()


async def test_reopen_keeps_data(tmp_path):
    s = SqliteStore(tmp_path / "t.db")
    await s.open()
    await s.insert_one("scraping_jobs", {"_id": "a", "status": "QUEUED"})
    await s.close()
    s2 = SqliteStore(tmp_path / "t.db")
    await s2.open()
    assert await s2.get("scraping_jobs", "a") == {"_id": "a", "status": "QUEUED"}
    await s2.close()


# bulk_update decides plain equality filters in Python (one SELECT per chunk) and hands
# everything else to SQL: both must agree with what `find` (SQL) matches.
_ODD = [
    {"_id": "d0", "state": "in_flight", "n": 1, "flag": True, "lease": {"holder": "a"}, "tags": ["x"]},
    {"_id": "d1", "state": "in_flight", "n": 1.0, "flag": 1, "lease": None, "tags": []},
    {"_id": "d2", "state": "done", "n": "1", "flag": False, "lease": {"holder": None}},
    {"_id": "d3", "state": None, "n": 0, "lease": {"holder": {"deep": 1}}, "sub": {"a": [1]}},
    {"_id": "d4", "n": 2, "lease": {"holder": "b"}, "sub": "x"},
]
_FILTERS = [
    {"state": "in_flight"}, {"state": None}, {"n": 1}, {"n": "1"}, {"n": 1.0}, {"flag": True},
    {"flag": 1}, {"flag": False}, {"flag": None}, {"lease.holder": "a"}, {"lease.holder": None},
    {"lease": None}, {"missing.deep": None}, {"sub": "x"}, {"sub.a": None},
    {"state": {"$in": ["done", "in_flight"]}}, {"n": {"$gt": 0}}, {"state": {"$ne": "done"}},
    {"$or": [{"state": "done"}, {"n": 2}]}, {"state": "in_flight", "n": 1, "lease.holder": "a"},
]


@pytest.mark.parametrize("flt", _FILTERS, ids=[str(f) for f in _FILTERS])
async def test_bulk_update_matches_what_find_matches(store, flt):
    await store.insert_many("frontier", _ODD)
    expected = sorted(d["_id"] for d in await store.find("frontier", flt))
    ops = [({**flt, "_id": d["_id"]}, {"$set": {"hit": True}}) for d in _ODD]
    assert await store.bulk_update("frontier", ops) == len(expected)
    assert sorted(d["_id"] for d in await store.find("frontier", {"hit": True})) == expected


async def test_bulk_update_sees_its_own_earlier_ops_on_one_document(store):
    await store.insert_one("frontier", {"_id": "e", "state": "pending", "n": 0})
    ops = [({"_id": "e", "state": "pending"}, {"$set": {"state": "in_flight"}, "$inc": {"n": 1}}),
           ({"_id": "e", "state": "pending"}, {"$inc": {"n": 10}}),  # no longer pending
           ({"_id": "e", "n": {"$gte": 1}}, {"$inc": {"n": 100}}),  # SQL decides: sees n == 1
           ({"_id": "e", "state": "in_flight"}, {"$set": {"state": "done"}})]
    assert await store.bulk_update("frontier", ops) == 3
    assert await store.get("frontier", "e") == {"_id": "e", "state": "done", "n": 101}


async def test_bulk_update_over_many_chunks(store):
    await store.insert_many("frontier", [{"_id": f"e{i:04d}", "state": "in_flight"} for i in range(1200)])
    ops = [({"_id": f"e{i:04d}", "state": "in_flight"}, {"$set": {"state": "done"}}) for i in range(0, 1300)]
    assert await store.bulk_update("frontier", ops) == 1200
    assert await store.count_by("frontier", "state") == {"done": 1200}


async def test_bulk_upsert_does_not_rewrite_a_document_it_leaves_equal(store):
    conn = sqlite3.connect(store.path)
    conn.execute("CREATE TABLE rewrites (n INTEGER)")
    conn.execute("CREATE TRIGGER count_rewrites AFTER UPDATE ON raw_extracted_questions "
                 "BEGIN INSERT INTO rewrites VALUES (1); END")
    conn.commit()
    ops = [(f"k{i}", {"$setOnInsert": {"question": f"q{i}"}, "$addToSet": {"sources": "s1"}}) for i in range(3)]
    assert await store.bulk_upsert("raw_extracted_questions", ops) == {"inserted": 3, "modified": 0}
    before = [await store.get("raw_extracted_questions", f"k{i}") for i in range(3)]
    # A second sighting from the same source (a page fetched again after a crash): no change.
    assert await store.bulk_upsert("raw_extracted_questions", ops) == {"inserted": 0, "modified": 3}
    assert conn.execute("SELECT COUNT(*) FROM rewrites").fetchone()[0] == 0
    assert [await store.get("raw_extracted_questions", f"k{i}") for i in range(3)] == before
    # A new source is a real change.
    ops2 = [("k1", {"$setOnInsert": {"question": "x"}, "$addToSet": {"sources": "s2"}})]
    assert await store.bulk_upsert("raw_extracted_questions", ops2) == {"inserted": 0, "modified": 1}
    assert conn.execute("SELECT COUNT(*) FROM rewrites").fetchone()[0] == 1
    assert (await store.get("raw_extracted_questions", "k1"))["sources"] == ["s1", "s2"]
    conn.close()


async def test_find_keeps_the_sort_order_over_many_documents(store):
    # _select returns the result as one aggregated JSON row: the order must be the query's.
    docs = [{"_id": f"j{i:04d}", "status": "QUEUED" if i % 3 else "RUNNING", "created_at": float((i * 7919) % 1000)}
            for i in range(1000)]
    await store.insert_many("scraping_jobs", docs)
    want = sorted((d for d in docs if d["status"] == "QUEUED"), key=lambda d: (-d["created_at"], d["_id"]))
    got = await store.find("scraping_jobs", {"status": "QUEUED"}, sort=[("created_at", -1), ("_id", 1)],
                           limit=300, skip=20)
    assert got == want[20:320]
    assert await store.find("scraping_jobs", {"status": "nope"}) == []


async def test_writes_of_many_rows_in_one_statement(store):
    # More rows than one multi-row statement holds, duplicates included.
    docs = [{"_id": f"e{i:04d}", "state": "pending", "n": i} for i in range(1000)]
    assert await store.insert_many("frontier", docs + docs[:10], ignore_duplicates=True) == 1000
    assert await store.update_many("frontier", {"state": "pending"}, {"$set": {"state": "done"}, "$inc": {"n": 1}}) == 1000
    assert [d["n"] for d in await store.find("frontier", {"state": "done"}, sort=[("_id", 1)])] == list(range(1, 1001))
    claimed = await store.claim("frontier", {"state": "done"}, {"$set": {"state": "x"}}, sort=[("n", -1)], limit=450)
    assert [d["n"] for d in claimed] == list(range(1000, 550, -1))
    assert await store.count("frontier", {"state": "x"}) == 450


# ---------------------------------------------------------------- the file, checked


async def _filled(path, n=3000):
    s = SqliteStore(path)
    await s.open()
    await s.insert_many("raw_extracted_questions", [{"_id": f"{i:08d}", "question": "q " * 50} for i in range(n)])
    await s.close()


def _damage_pages(path, pages=10, first=5):
    """Overwrite `pages` 4 KiB pages past the header with garbage (a bad disk, a bad copy)."""
    import random

    rng = random.Random(13)
    with open(path, "r+b") as f:
        for page in range(first, first + pages):
            f.seek(page * 4096)
            f.write(bytes(rng.randrange(256) for _ in range(4096)))


async def test_a_zero_length_file_is_refused_not_taken_for_a_new_store(tmp_path):
    from scraped.store.sqlite_check import StoreCorrupt

    path = tmp_path / "scraped.db"
    path.write_bytes(b"")
    with pytest.raises(StoreCorrupt) as err:
        await SqliteStore(path, check_on_open=True).open()
    message = str(err.value)
    assert f"{path} is empty (0 bytes)" in message and "scrapedctl restore NAME --yes" in message
    assert "scrapedctl backup list" in message and err.value.exit_status == 1
    assert path.stat().st_size == 0  # nothing was written to it


async def test_damaged_pages_and_garbage_are_refused_at_open(tmp_path):
    from scraped.store.sqlite_check import StoreCorrupt

    path = tmp_path / "scraped.db"
    await _filled(path)
    _damage_pages(path)
    with pytest.raises(StoreCorrupt, match=r"is damaged \(quick_check: "):
        await SqliteStore(path, check_on_open=True).open()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is no database" * 1000)
    with pytest.raises(StoreCorrupt, match="file is not a database"):
        await SqliteStore(junk, check_on_open=True).open()
    # Without the check (a backup's copy being verified), the file opens and
    # integrity_check says what is wrong.
    lenient = SqliteStore(path)
    await lenient.open()
    assert await lenient.integrity_check()
    await lenient.close()


async def test_quick_check_while_open_reports_damage_done_under_it(tmp_path):
    path = tmp_path / "scraped.db"
    await _filled(path)
    s = SqliteStore(path, check_on_open=True)
    await s.open()
    try:
        assert s.last_check["ok"] and s.last_check["problems"] == []
        assert (await s.quick_check())["ok"]
        _damage_pages(path)
        check = await s.quick_check()
        assert not check["ok"] and check["problems"]
    finally:
        await s.close()


async def test_a_new_store_is_private_and_an_old_one_is_made_private(tmp_path):
    import os
    import stat

    state = tmp_path / "state"
    s = SqliteStore(state / "scraped.db")
    await s.open()
    await s.insert_one("meta", {"_id": "x"})
    await s.close()
    assert stat.S_IMODE((state / "scraped.db").stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert not list(state.glob(".scraped.db.new*"))  # built under a temporary name, renamed
    os.chmod(state / "scraped.db", 0o644)  # as an older scraped left them
    os.chmod(state, 0o755)
    await s.open()
    await s.close()
    assert stat.S_IMODE((state / "scraped.db").stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o750


@pytest.mark.parametrize("text", ["train", "a.b", "(a+)+$", "Speed?", "ß", " two  words ", "x" * 5000])
async def test_literal_searches_match_as_the_regex_would(store, text):
    import re

    values = ["a train", "A TRAIN", "aXb", "a.b", "(a+)+$ is a regex", "speed? fast", "STRASSE ß",
              " two  words ", "two words", "x" * 5001, "", "a\nb"]
    await store.insert_many("raw_extracted_questions",
                            [{"_id": f"{i:03d}", "question": v} for i, v in enumerate(values)])
    for pattern in (re.escape(text), "^" + re.escape(text), "^\\s*" + re.escape(text.strip()) + "\\s*$"):
        for options in ("", "i"):
            found = await store.find("raw_extracted_questions",
                                     {"question": {"$regex": pattern, "$options": options}})
            flags = re.I if options else 0
            want = [v for v in values if re.search(pattern, v, flags)]
            assert sorted(d["question"] for d in found) == sorted(want), (pattern, options)


async def test_a_real_regex_is_still_one_and_a_huge_one_is_refused(store):
    from scraped.errors import BadRequest

    await store.insert_many("raw_extracted_questions", [{"_id": "1", "question": "abc123"}])
    assert len(await store.find("raw_extracted_questions", {"question": {"$regex": "\\d+$"}})) == 1
    with pytest.raises(BadRequest, match="regular expression of"):
        await store.find("raw_extracted_questions", {"question": {"$regex": "(a|b)" * 2000}})


async def test_the_scheduled_quick_check_finds_damage(tmp_path, autojump_clock):
    import time

    import trio

    path = tmp_path / "scraped.db"
    await _filled(path)
    s = SqliteStore(path, check_interval=3600, check_on_open=True)
    await s.open()
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(s.run)
            first = s.last_check
            _damage_pages(path)
            await trio.sleep(3600 + 60)  # the autojump clock: no real hour passes
            for _ in range(400):  # the check's thread may still be running: wait real time
                if s.last_check is not first:
                    break
                await trio.to_thread.run_sync(time.sleep, 0.05)
            assert not s.last_check["ok"] and s.last_check["problems"]
            nursery.cancel_scope.cancel()
    finally:
        await s.close()


# ---------------------------------------------------------------- the daemon on a bad store


def _start_fails(tmp_path, prepare):
    from tests.daemon_harness import DaemonProcess

    d = DaemonProcess(tmp_path)
    d.state_dir.mkdir(parents=True, exist_ok=True)
    prepare(d.state_dir / "scraped.db")
    d.start(wait=False)
    assert d.proc is not None
    code = d.proc.wait(30)
    d.close()
    return code, d.log()


@pytest.mark.parametrize("damage", ["empty", "pages", "garbage"])
def test_the_daemon_refuses_a_bad_store_in_one_line_and_exits_1(tmp_path, damage):
    import trio

    def prepare(path):
        if damage == "empty":
            path.write_bytes(b"")
        elif damage == "garbage":
            path.write_bytes(b"\x00garbage" * 5000)
        else:
            trio.run(_filled, path)
            _damage_pages(path)

    code, log = _start_fails(tmp_path, prepare)
    assert code == 1, log
    lines = [line for line in log.splitlines() if line.startswith("scraped: cannot start:")]
    assert len(lines) == 1 and "Traceback" not in log, log
    (line,) = lines
    assert str(tmp_path / "state" / "scraped.db") in line
    assert "`scrapedctl backup list`, `scrapedctl restore NAME --yes`" in line
    assert ("empty (0 bytes)" if damage == "empty" else "is damaged (quick_check:") in line


def test_health_database_reports_the_write_probe_and_the_quick_check(tmp_path):
    from tests.daemon_harness import DaemonProcess

    with DaemonProcess(tmp_path, {"store": {"timeout": 1.0}}) as d:
        db = d.call("health", component="database")
        assert db["status"] == "healthy" and db["write_probe"]["ok"] and db["quick_check"]["ok"]
        # Another process holds the write lock (a stuck sqlite3 shell, a copy tool): reads
        # and the ping still work, so old code said healthy; no write can succeed.
        other = sqlite3.connect(d.state_dir / "scraped.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            db = d.call("health", component="database")
            assert db["status"] == "down" and db["reason"].startswith("writes fail:"), db
            assert "locked" in db["reason"] and db["collections"]["daemons"] == 1
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert d.call("health", component="database")["status"] == "healthy"


def _can_mount() -> bool:
    import os
    import shutil

    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.mark.skipif(not _can_mount(), reason="a read-only filesystem needs root and mount(8)")
def test_backup_run_on_a_read_only_filesystem_says_so(tmp_path):
    import subprocess

    from tests.daemon_harness import DaemonProcess

    mnt = tmp_path / "ro"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mnt)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        with DaemonProcess(tmp_path, {"ops": {"backup": {"dir": str(mnt)}}}) as d:
            out = d.ctl("backup", "run")
            # Old code: "internal error: OSError: [Errno 30] Read-only file system".
            assert out.returncode == 69, (out.returncode, out.stderr)
            assert f"backup directory {mnt} is on a read-only filesystem; nothing was written" in out.stderr
            assert "Errno" not in out.stderr and "OSError" not in out.stderr
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


async def test_commits_are_fsynced_by_default_and_normal_is_an_explicit_choice(tmp_path):
    """A job submitted just before a power loss or a kernel read-only remount must survive
    (measured by `make reliability`): the daemon's store runs synchronous=FULL unless the
    config asks for normal; anything else is refused, never put into the PRAGMA."""
    from scraped.config import Config, StoreConfig
    from scraped.store import open_store

    def level(store) -> int:
        return store._writer.execute("PRAGMA synchronous").fetchone()[0]

    default = open_store(Config(), tmp_path / "a")
    await default.open()
    assert level(default) == 2  # FULL
    await default.close()
    fast = open_store(Config(store=StoreConfig(sqlite_synchronous="normal")), tmp_path / "b")
    await fast.open()
    assert level(fast) == 1  # NORMAL
    await fast.close()
    with pytest.raises(StoreError, match="sqlite_synchronous"):
        await SqliteStore(tmp_path / "c.db", synchronous="off; DROP TABLE x").open()


async def test_close_waits_for_calls_in_flight_instead_of_closing_under_them(tmp_path):
    """A call still running in a worker thread when the store closes finishes first; closing
    its connection under it crashed the process (segfault) in a test's teardown."""
    import threading

    store = SqliteStore(tmp_path / "s.db", threads=2)
    await store.open()
    await store.insert_many("raw_extracted_questions", [{"_id": "q1", "question": "x"}])
    entered, release = threading.Event(), threading.Event()
    finished: list[object] = []

    def slow_read() -> None:
        with store._reader() as conn:
            entered.set()
            release.wait(5)
            finished.append(conn.execute("SELECT count(*) FROM sqlite_master").fetchone())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(store._run, slow_read)
        await trio.to_thread.run_sync(entered.wait, 5)
        closed = trio.Event()

        async def close() -> None:
            await store.close()
            closed.set()
        nursery.start_soon(close)
        await trio.sleep(0.2)
        assert not closed.is_set()  # waiting for the read, not closing under it
        release.set()
    assert closed.is_set() and finished and finished[0][0] > 0
