"""Security events: counted, stored in the real SQLite store, logged with bounds,
captured into the error tracker under the runbook's categories."""

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
    sec.record("bad_frame", Peer(pid=7, uid=0, gid=0), detail="frame of 2 GiB refused")
    out = await sec.events(store, limit=10)
    assert out["source"] == "store" and out["total_stored"] == 3
    assert [e["kind"] for e in out["events"]] == ["bad_frame", "rate_limit_violation", "auth_failure"]
    first = out["events"][-1]
    assert first == {"at": clock.t - 2, "kind": "auth_failure", "peer_uid": 1001, "peer_pid": 4242,
                     "peer_gid": 1001, "command": "jobs.stop", "detail": "not an admin"}
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
    assert security == [("auth failure: not an admin", "high"), ("bad frame: frame of 2 GiB refused", "medium")]


async def test_a_flood_is_bounded_in_the_journal_the_queue_and_the_tracker(store, caplog):
    clock = Clock()
    errors = ErrorTracker(clock=clock)
    sec = SecurityLog(errors, log_per_minute=5, clock=clock)
    with caplog.at_level(logging.WARNING, logger="scraped.ops.security"):
        for _ in range(MAX_PENDING + 50):
            sec.record("rate_limit_violation", PEER, command="status", detail="request rate over the limit")
        clock.t += 61
        sec.record("rate_limit_violation", PEER, command="status", detail="request rate over the limit")
    lines = [r for r in caplog.records if r.name == "scraped.ops.security"]
    assert len(lines) == 5 + 1 + 1  # five, a summary of the rest, then the next minute's first
    summary = lines[5]
    assert summary.suppressed == MAX_PENDING + 45 and "were not logged" in summary.getMessage()
    assert lines[0].peer_uid == 1001 and lines[0].peer_pid == 4242
    assert sec.dropped == 51 and sec.counts["rate_limit_violation"] == MAX_PENDING + 51
    assert errors.stats()["total_unique_errors"] == 1
    assert await sec.flush(store) == MAX_PENDING
    assert await store.count("security_events") == MAX_PENDING


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
    assert out["events"][1]["peer_uid"] == -1 and len(out["events"][1]["detail"]) == 500


async def test_prune(store):
    clock = Clock()
    sec = SecurityLog(clock=clock)
    sec.record("bad_frame", PEER)
    clock.t += 100 * 86400
    sec.record("bad_frame", PEER)
    await sec.flush(store)
    assert await sec.prune(store, clock.t - 90 * 86400) == 1
    assert await store.count("security_events") == 1
