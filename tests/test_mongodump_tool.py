"""MongoDB backups through the `mongodump` binary ([store] mongodump).

MongoDB's tools cannot be installed on these machines, so tests/fake_mongodump.py stands
in for the binary: it takes mongodump's flags and writes mongodump's layout with pymongo's
bson. What is tested is ours: how the binary is found and called (the password never on
its command line; the config file private and deleted), how its failure is reported
(with the password scrubbed), and that its dump restores through our restore."""

from __future__ import annotations

import json
import os
import sys
import uuid

import pytest
import trio

from scraped.errors import BadRequest, StoreError
from scraped.store import mongodump_tool
from scraped.store.mongo import MongoStore
from tests.store_contract import J, Q, job


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """An executable `mongodump` in its own PATH folder; returns (path, record file)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    binary = folder / "mongodump"
    script = os.path.join(os.path.dirname(__file__), "fake_mongodump.py")
    binary.write_text(f"#!/bin/sh\nexec {sys.executable} {script} \"$@\"\n")
    binary.chmod(0o755)
    record = tmp_path / "record.json"
    monkeypatch.setenv("FAKE_MONGODUMP_RECORD", str(record))
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return binary, record


async def _store(uri: str, mongodump: str = "") -> MongoStore:
    s = MongoStore(uri, f"dump_{uuid.uuid4().hex[:10]}", connect_timeout=5.0, timeout=20.0, mongodump=mongodump)
    await s.open()
    return s


async def test_auto_uses_mongodump_on_path_and_its_dump_restores(tmp_path, mongo_uri, fake):
    binary, record = fake
    src = await _store(mongo_uri, "auto")
    dst = await _store(mongo_uri)
    try:
        await src.insert_many(J, [job(i) for i in range(5)])
        await src.bulk_upsert(Q, [(f"q{i}", {"$setOnInsert": {"question": f"q {i}?"}}) for i in range(30)])
        result = await src.backup(tmp_path / "dump")
        assert result["tool"] == "mongodump" and result["layout"] == "mongodump"
        assert result["counts"][Q] == 30 and result["counts"][J] == 5
        assert f"{src.database}/{Q}.bson.gz" in result["files"]
        rec = json.loads(record.read_text())
        assert rec["config_mode"] == 0o600
        assert "--gzip" in rec["argv"] and f"--db={src.database}" in rec["argv"]
        assert not any(mongo_uri in a for a in rec["argv"])  # the URI went in the config file
        config = next(a.split("=", 1)[1] for a in rec["argv"] if a.startswith("--config="))
        assert not await trio.Path(config).exists()  # and the file is gone

        await dst.restore(tmp_path / "dump")  # our restore reads the binary's layout
        assert await dst.count(Q) == 30 and await dst.count(J) == 5
        assert (await dst.get(Q, "q7"))["question"] == "q 7?"
    finally:
        for s in (src, dst):
            await trio.to_thread.run_sync(s._client.drop_database, s.database)
            await s.close()


async def test_empty_setting_uses_the_built_in_writer_even_with_mongodump_on_path(tmp_path, mongo_uri, fake):
    _, record = fake
    s = await _store(mongo_uri, "")
    try:
        await s.insert_many(J, [job(1)])
        result = await s.backup(tmp_path / "dump")
        assert "tool" not in result and result["counts"][J] == 1 and not record.exists()
    finally:
        await trio.to_thread.run_sync(s._client.drop_database, s.database)
        await s.close()


async def test_a_failing_mongodump_is_reported_without_the_password(tmp_path, fake, monkeypatch):
    binary, _ = fake
    monkeypatch.setenv("FAKE_MONGODUMP_FAIL", "1")
    uri = "mongodb://backup:s3cret-pw@127.0.0.1:1/"
    with pytest.raises(StoreError, match="mongodump exited with 1") as err:
        await mongodump_tool.backup(str(binary), uri, "db", tmp_path / "out",
                                    scrub=lambda t: t.replace("s3cret-pw", "***"))
    assert "s3cret-pw" not in str(err.value) and "***" in str(err.value)


def test_a_configured_path_that_is_not_an_executable_is_refused(tmp_path):
    with pytest.raises(BadRequest, match="not an executable"):
        mongodump_tool.resolve(str(tmp_path / "nope"))
    assert mongodump_tool.resolve("") is None
