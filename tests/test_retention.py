"""Data retention (the runbook's "Clean Old Data") on a real SQLite store."""

from __future__ import annotations

import pytest

from scraped.ops import retention
from scraped.ops.data_config import RetentionConfig
from scraped.store.sqlite import SqliteStore

NOW = 1_800_000_000.0
DAY = 86400.0


@pytest.fixture
async def store(tmp_path):
    s = SqliteStore(tmp_path / "scraped.db")
    await s.open()
    try:
        yield s
    finally:
        await s.close()


def cfg(**kw):
    return RetentionConfig(**{"batch_size": 7, **kw})


async def seed(store):
    """Jobs and questions on both sides of every cut-off (30 days for jobs, 60 for raw)."""
    jobs = []
    for i, (status, age, finished_age) in enumerate([
        ("COMPLETED", 40, 39), ("FAILED", 31, 31), ("COMPLETED", 100, 99),  # old, finished: go
        ("COMPLETED", 29, 28), ("FAILED", 1, 1),                             # recent: stay
        ("RUNNING", 90, None), ("PAUSED", 90, None), ("QUEUED", 90, None),   # active: stay
        ("STOPPED", 90, 89), ("INTERRUPTED", 90, None),                      # not in the list: stay
        ("COMPLETED", 45, 2),                                                # old but finished lately: stays
        ("COMPLETED", 35, None),                                             # old, no finished_at: goes
    ]):
        job = {"_id": f"J{i:02d}", "status": status, "created_at": NOW - age * DAY}
        if finished_age is not None:
            job["finished_at"] = NOW - finished_age * DAY
        jobs.append(job)
    await store.insert_many("scraping_jobs", jobs)
    await store.insert_many("frontier", [{"_id": f"{j['_id']}:{k}", "job_id": j["_id"], "state": "done"}
                                         for j in jobs for k in range(4)])
    await store.insert_many("raw_extracted_questions", [
        {"_id": f"q{i:03d}", "question": f"Q{i}", "options": ["a", "b"], "category": "math",
         "sources": [{"url": f"https://e.org/{i}", "job_id": "J00"}], "extracted_at": NOW - i * DAY,
         "enhancement": {"state": "done"}}
        for i in range(100)])  # q061..q099 are older than 60 days: 39 of them


GONE_JOBS = {"J00", "J01", "J02", "J11"}
OLD_RAW = {f"q{i:03d}" for i in range(61, 100)}


async def ids(store, coll, flt=None):
    return {d["_id"] async for d in store.iterate(coll, flt)}


async def snapshot(store):
    return {c: [d async for d in store.iterate(c)]
            for c in ("scraping_jobs", "frontier", "raw_extracted_questions", "archived_raw_questions")}


async def test_dry_run_counts_and_changes_nothing(store):
    await seed(store)
    before = await snapshot(store)
    r = await retention.run_retention(store, cfg(), dry_run=True, now=NOW)
    assert await snapshot(store) == before
    assert r["dry_run"] is True
    assert r["jobs_to_delete"] == len(GONE_JOBS) and r["frontier_to_delete"] == 4 * len(GONE_JOBS)
    assert r["raw_to_archive"] == len(OLD_RAW) and r["raw_already_copied"] == 0


async def test_a_real_run_moves_exactly_the_old_rows(store):
    await seed(store)
    raw_before = {d["_id"]: d async for d in store.iterate("raw_extracted_questions")}
    r = await retention.run_retention(store, cfg(), now=NOW)
    assert r["jobs_deleted"] == len(GONE_JOBS) and r["frontier_deleted"] == 4 * len(GONE_JOBS)
    assert r["raw_archived"] == len(OLD_RAW) and r["raw_deleted"] == len(OLD_RAW)
    all_jobs = {f"J{i:02d}" for i in range(12)}
    assert await ids(store, "scraping_jobs") == all_jobs - GONE_JOBS
    assert {d["job_id"] async for d in store.iterate("frontier")} == all_jobs - GONE_JOBS
    assert await ids(store, "raw_extracted_questions") == set(raw_before) - OLD_RAW
    archived = {d["_id"]: d async for d in store.iterate("archived_raw_questions")}
    assert set(archived) == OLD_RAW
    for _id, doc in archived.items():  # the whole document, plus when it was archived
        assert doc.pop("archived_at") > NOW - 60
        assert doc == raw_before[_id]


async def test_rerunning_is_idempotent(store):
    await seed(store)
    await retention.run_retention(store, cfg(), now=NOW)
    after_first = await snapshot(store)
    r = await retention.run_retention(store, cfg(), now=NOW)
    assert (r["jobs_deleted"], r["frontier_deleted"], r["raw_archived"], r["raw_deleted"]) == (0, 0, 0, 0)
    assert await snapshot(store) == after_first


async def test_an_interrupted_move_completes_without_duplicates(store):
    await seed(store)
    # A run that died between copy and delete: part of the old rows are in both collections,
    # copied earlier (their archived_at must survive the second copy).
    copied = sorted(OLD_RAW)[:20]
    docs = [await store.get("raw_extracted_questions", i) for i in copied]
    await store.insert_many("archived_raw_questions", [{**d, "archived_at": NOW - 5} for d in docs])
    dry = await retention.run_retention(store, cfg(), dry_run=True, now=NOW)
    assert dry["raw_to_archive"] == len(OLD_RAW) and dry["raw_already_copied"] == 20
    await retention.run_retention(store, cfg(), now=NOW)
    assert await store.count("archived_raw_questions") == len(OLD_RAW)
    assert await ids(store, "archived_raw_questions") == OLD_RAW
    assert await ids(store, "raw_extracted_questions", {"extracted_at": {"$lt": NOW - 60 * DAY}}) == set()
    kept = await store.get("archived_raw_questions", copied[0])
    assert kept["archived_at"] == NOW - 5


async def test_an_interrupted_job_deletion_completes(store):
    await seed(store)
    # frontier of J00 deleted, the job itself not yet (the run died in between)
    await store.delete_many("frontier", {"job_id": "J00"})
    r = await retention.run_retention(store, cfg(), now=NOW)
    assert r["jobs_deleted"] == len(GONE_JOBS) and r["frontier_deleted"] == 4 * (len(GONE_JOBS) - 1)
    assert await store.count("frontier", {"job_id": {"$in": sorted(GONE_JOBS)}}) == 0


@pytest.mark.parametrize("batch", [1, 2, 39, 40, 10_000])
async def test_any_batch_size_gives_the_same_result(store, batch):
    await seed(store)
    r = await retention.run_retention(store, cfg(batch_size=batch), now=NOW)
    assert r["raw_archived"] == len(OLD_RAW) and r["jobs_deleted"] == len(GONE_JOBS)
    assert await store.count("raw_extracted_questions") == 100 - len(OLD_RAW)


async def test_configured_days_and_statuses_apply(store):
    await seed(store)
    r = await retention.run_retention(store, cfg(jobs_days=50, raw_days=90, job_statuses=("STOPPED",)),
                                      now=NOW)
    assert r["jobs_deleted"] == 1 and await store.get("scraping_jobs", "J08") is None
    assert r["raw_archived"] == 9  # q091..q099


def test_config_refuses_active_or_unknown_states():
    assert RetentionConfig(job_statuses=("RUNNING", "DONE")).validate() == [
        "job_statuses: unknown state 'DONE'",
        "job_statuses: RUNNING jobs are not finished; retention never deletes them"]


async def test_an_old_question_still_waiting_for_enhancement_is_not_archived(store):
    await store.insert_many("raw_extracted_questions", [
        {"_id": f"w{state}", "question": state, "options": ["a", "b"], "extracted_at": NOW - 400 * DAY,
         "enhancement": {"state": state}} for state in ("pending", "in_progress", "done", "provisional", "failed")])
    await retention.run_retention(store, cfg(), now=NOW)
    left = await ids(store, "raw_extracted_questions", {"extracted_at": {"$lt": NOW - 60 * DAY}})
    assert left == {"wpending", "win_progress"}
