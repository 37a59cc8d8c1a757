"""Security events: aggregated per peer, kind and minute in the real SQLite store, the
collection capped, logged with bounds, captured into the error tracker under the
runbook's categories with fingerprints that the peer's bytes cannot multiply."""

from __future__ import annotations

import logging

from scraped.dispatch import Peer
from scraped.ops.errors import ErrorTracker
from scraped.ops.security import MAX_PENDING, SecurityLog
from scraped.store.sqlite import SqliteStore
from tests.conftest import Clock

PEER = Peer(pid=4242, uid=1001, gid=1001)


async def test_record_store_and_query(store):
    clock = Clock()
    errors = ErrorTracker(clock=clock)
    sec = SecurityLog(errors, clock=clock)
    sec.record("auth_failure", PEER, command="jobs.stop", detail="not an admin")
    clock.t += 1
    sec.record("rate_limit_violation", PEER, command="status", detail="request rate over the limit")
    clock.t += 1
    sec.record("bad_frame", Peer(pid=7, uid=0, gid=0), detail="frame of 2147483648 bytes is over the limit",
               reason="frame over the size limit")
    out = await sec.events(store, limit=10)
    assert out["source"] == "store" and out["total_stored"] == 3
    assert [e["kind"] for e in out["events"]] == ["bad_frame", "rate_limit_violation", "auth_failure"]
    first = out["events"][-1]
    assert {k: first[k] for k in ("at", "first_at", "kind", "peer_uid", "peer_pid", "peer_gid", "command",
                                  "detail", "count")} == {
        "at": clock.t - 2, "first_at": clock.t - 2, "kind": "auth_failure", "peer_uid": 1001, "peer_pid": 4242,
        "peer_gid": 1001, "command": "jobs.stop", "detail": "not an admin", "count": 1}
    assert out["counts_since_start"] == {"auth_failure": 1, "bad_frame": 1, "rate_limit_violation": 1}
    assert out["top_peers"][0] == {"uid": 1001, "events": 2}
    only = await sec.events(store, limit=10, kind="rate_limit_violation")
    assert [e["command"] for e in only["events"]] == ["status"] and only["total_stored"] == 1
    assert len((await sec.events(store, limit=1))["events"]) == 1

    # The runbook's query: top_errors with category "rate_limiting".
    top = errors.dashboard()["top_errors"]
    (rate,) = [e for e in top if e["category"] == "rate_limiting"]
    assert rate["context"]["peer_uid"] == 1001 and rate["severity"] == "medium"
    security = sorted((e["message"], e["severity"]) for e in top if e["category"] == "security")
    assert security == [("auth failure: not an admin", "high"), ("bad frame: frame over the size limit", "medium")]


async def test_one_row_per_peer_kind_and_minute_however_many_events(store):
    clock = Clock(1_800_000_000.0)  # a minute boundary
    sec = SecurityLog(ErrorTracker(clock=clock), clock=clock)
    other = Peer(pid=5, uid=1002, gid=1002)
    for i in range(3000):
        sec.record("bad_frame", Peer(pid=1000 + i, uid=1001, gid=1001), detail=f"garbage {i}",
                   reason="not valid msgpack")
        sec.record("rate_limit_violation", other, command="status", detail="request rate over the limit")
        clock.t += 0.01  # 30 s of flood
    await sec.flush(store)
    clock.t = 1_800_000_061.0  # the next minute: new rows, counted from one
    for _ in range(10):
        sec.record("bad_frame", PEER, detail="garbage", reason="not valid msgpack")
    await sec.flush(store)
    rows = await store.find("security_events", {}, sort=[("at", 1)])
    assert len(rows) == 3  # (minute 1, uid 1001), (minute 1, uid 1002), (minute 2, uid 1001)
    by = {(r["minute"], r["peer_uid"], r["kind"]): r for r in rows}
    first = by[(1_800_000_000.0, 1001, "bad_frame")]
    assert first["count"] == 3000 and first["detail"] == "garbage 2999" and first["peer_pid"] == 3999
    assert first["first_at"] == 1_800_000_000.0 and first["at"] > first["first_at"]
    assert by[(1_800_000_000.0, 1002, "rate_limit_violation")]["count"] == 3000
    assert by[(1_800_000_060.0, 1001, "bad_frame")]["count"] == 10
    assert sec.dropped == 0 and sec.counts == {"bad_frame": 3010, "rate_limit_violation": 3000}


async def test_a_second_flush_of_the_same_minute_adds_to_its_row(store):
    clock = Clock()
    sec = SecurityLog(clock=clock)
    for _ in range(5):
        sec.record("auth_failure", PEER, command="jobs.stop", detail="not an admin")
    assert await sec.flush(store) == 5
    for _ in range(7):
        sec.record("auth_failure", PEER, command="jobs.stop", detail="not an admin")
    assert await sec.flush(store) == 7
    (row,) = await store.find("security_events", {})
    assert row["count"] == 12


async def test_the_collection_is_capped_oldest_windows_first(store):
    clock = Clock(1_800_000_000.0)
    sec = SecurityLog(clock=clock, max_rows=100)
    for _ in range(130):
        sec.record("bad_frame", PEER, detail="x", reason="not valid msgpack")
        clock.t += 60
        await sec.flush(store)  # checks the size at most once a minute: here, every time
    assert await store.count("security_events") == 100
    oldest = await store.find("security_events", {}, sort=[("at", 1)], limit=1)
    assert oldest[0]["minute"] == 1_800_000_000.0 + 30 * 60  # the first 30 minutes went
    assert sec.capped == 30


async def test_a_flood_is_bounded_in_the_journal_the_queue_and_the_tracker(store, caplog):
    clock = Clock()
    errors = ErrorTracker(clock=clock)
    sec = SecurityLog(errors, log_per_minute=5, clock=clock)
    with caplog.at_level(logging.WARNING, logger="scraped.ops.security"):
        for i in range(MAX_PENDING + 50):
            # Distinct uids: each is a window of its own, so the pending table fills.
            sec.record("rate_limit_violation", Peer(pid=1, uid=10_000 + i, gid=1), command="status",
                       detail="request rate over the limit")
        for _ in range(20):
            sec.record("rate_limit_violation", PEER, command="status", detail="request rate over the limit")
        clock.t += 61
        sec.record("rate_limit_violation", PEER, command="status", detail="request rate over the limit")
    lines = [r for r in caplog.records if r.name == "scraped.ops.security"]
    mine = [r for r in lines if getattr(r, "peer_uid", None) == 1001]
    assert len(mine) == 5 + 1 + 1  # five, a summary of the rest, then the next minute's first
    assert mine[5].suppressed == 15 and "were not logged" in mine[5].getMessage()
    # New windows past MAX_PENDING are dropped (counted) until a flush empties the table.
    assert sec.dropped == 50 + 20 + 1 and sec.counts["rate_limit_violation"] == MAX_PENDING + 71
    assert errors.stats()["total_unique_errors"] == 1
    assert await sec.flush(store) == MAX_PENDING
    assert await store.count("security_events") == MAX_PENDING
    for _ in range(100):  # after the flush, a window's events are all counted in one row
        sec.record("rate_limit_violation", PEER, command="status", detail="request rate over the limit")
    assert await sec.flush(store) == 100 and sec.dropped == 71
    assert await store.count("security_events") == MAX_PENDING + 1


async def test_random_details_make_no_new_fingerprints(store):
    clock = Clock()
    errors = ErrorTracker(clock=clock)
    sec = SecurityLog(errors, clock=clock)
    import random

    rng = random.Random(7)
    for _ in range(2000):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        sec.record("bad_frame", PEER, detail=f"unknown request field(s): {junk!r} {junk.hex()}",
                   reason="not a request envelope")
    assert errors.stats()["total_unique_errors"] == 1
    (only,) = errors.dashboard()["top_errors"]
    assert only["message"] == "bad frame: not a request envelope" and only["count"] == 2000
    assert only["context"]["detail"].startswith("unknown request field(s)")  # the latest sample


async def test_events_come_from_memory_when_the_store_is_down(tmp_path):
    s = SqliteStore(tmp_path / "t.db")
    await s.open()
    await s.close()
    sec = SecurityLog()
    sec.record("bad_frame", PEER, detail="garbage")
    out = await sec.events(s, limit=5)
    assert out["source"] == "memory" and out["events"][0]["detail"] == "garbage"
    await s.open()
    assert await sec.flush(s) == 1  # the failed flush kept the event
    await s.close()


async def test_odd_peers_and_details_are_tolerated(store):
    sec = SecurityLog()
    sec.record("bad_frame", None, detail="x" * 5000)
    sec.record("auth_failure", PEER)
    out = await sec.events(store)
    odd = [e for e in out["events"] if e["peer_uid"] == -1]
    assert len(odd) == 1 and len(odd[0]["detail"]) == 500


async def test_prune(store):
    clock = Clock()
    sec = SecurityLog(clock=clock)
    sec.record("bad_frame", PEER)
    clock.t += 100 * 86400
    sec.record("bad_frame", PEER)
    await sec.flush(store)
    assert await sec.prune(store, clock.t - 90 * 86400) == 1
    assert await store.count("security_events") == 1
