"""The store contract on the embedded SQLite backend, plus SQLite-only behaviour."""

from __future__ import annotations

import sqlite3

import pytest

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
