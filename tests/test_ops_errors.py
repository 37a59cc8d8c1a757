"""The error tracker: fingerprints, counts, rates, the runbook's stats/dashboard fields,
persistence through the real SQLite store."""

from __future__ import annotations

import pytest

from scraped.errors import StoreError
from scraped.ops.errors import ErrorTracker, fingerprint, normalise
from scraped.store.sqlite import SqliteStore
from tests.conftest import Clock


@pytest.mark.parametrize("message, expected", [
    ("timeout after 3.25 s", "timeout after <n> s"),
    ("job 01HZX3QWERTYZ5KM8N4P2RST failed", "job <id> failed"),
    ("utf8 decode error", "utf<n> decode error"),
    ("fetch 'https://a.com/x?id=7' failed", "fetch <str> failed"),
    ('key "abc" missing', "key <str> missing"),
    ("job 6f1c2c4e-6e2a-4f0e-9a43-1f9bb3c2d9aa gone", "job <uuid> gone"),
    ("object at 0x7f3a2b1c", "object at <hex>"),
    ("sha deadbeef12345678 bad", "sha <hex> bad"),
    ("High CPU usage detected: 91.2%", "High CPU usage detected: <n>%"),
    ("-3 items, 1e-05 s, 1,024 bytes", "<n> items, <n> s, <n> bytes"),
])
def test_normalise(message, expected):
    assert normalise(message) == expected


def test_fingerprint_groups_variants_and_separates_types_and_places():
    a = fingerprint("TimeoutError", "timeout after 3.2 s fetching 'a.com'", "engine/fetch.py:get")
    b = fingerprint("TimeoutError", "timeout after 9.9 s fetching 'b.org'", "engine/fetch.py:get")
    assert a == b
    assert a != fingerprint("OSError", "timeout after 3.2 s fetching 'a.com'", "engine/fetch.py:get")
    assert a != fingerprint("TimeoutError", "timeout after 3.2 s fetching 'a.com'", "ai/router.py:call")


def test_capture_counts_first_last_seen_and_latest_message():
    clock = Clock()
    t = ErrorTracker(clock=clock)
    first = t.capture("High CPU usage detected: 91.2%", "system", "high", {"cpu_percent": 91.2, "threshold": 85})
    clock.t += 30
    second = t.capture("High CPU usage detected: 95.0%", "system", "high", {"cpu_percent": 95.0, "threshold": 85})
    assert first["new"] and not second["new"] and first["fingerprint"] == second["fingerprint"]
    rec = t.get(first["fingerprint"])
    assert rec["count"] == 2 and rec["first_seen"] == clock.t - 30 and rec["last_seen"] == clock.t
    assert rec["message"] == "High CPU usage detected: 95.0%" and rec["context"]["cpu_percent"] == 95.0


def test_stats_fields_and_rate_per_minute_over_an_hour():
    clock = Clock()
    t = ErrorTracker(clock=clock)
    for i in range(120):
        t.capture(f"boom {i}", "application", "critical" if i % 2 else "low")
    t.capture("db down", "database", "high")
    s = t.stats()
    assert set(s) >= {"total_unique_errors", "total_occurrences", "error_rate_1h", "severity_breakdown",
                      "category_breakdown"}
    assert s["total_unique_errors"] == 2 and s["total_occurrences"] == 121
    assert s["error_rate_1h"] == pytest.approx(121 / 60, abs=1e-3)
    assert s["severity_breakdown"] == {"critical": 60, "high": 1, "low": 60}
    assert s["category_breakdown"] == {"application": 120, "database": 1}
    clock.t += 3600 + 60  # an hour later: the rate is back to zero, the totals stay
    s = t.stats()
    assert s["error_rate_1h"] == 0 and s["total_occurrences"] == 121


def test_dashboard_top_and_recent():
    clock = Clock()
    t = ErrorTracker(clock=clock)
    for _ in range(5):
        t.capture("often", "application", "medium")
    clock.t += 1
    t.capture("once", "database", "critical")
    d = t.dashboard(limit=10)
    assert [e["message"] for e in d["top_errors"]] == ["often", "once"]
    assert [e["message"] for e in d["recent_errors"]] == ["once", "often"]
    top = d["top_errors"][0]
    assert {"count", "severity", "message", "last_seen", "category"} <= set(top)
    assert d["statistics"]["total_occurrences"] == 6 and len(d["error_trend"]) == 60
    assert d["error_trend"][-1] == 6


def test_capture_exception_uses_type_and_our_innermost_frame():
    t = ErrorTracker()

    def fail(n):
        raise ValueError(f"bad value {n}")

    fps = set()
    for n in (1, 2):
        try:
            fail(n)
        except ValueError as exc:
            out = t.capture_exception(exc, category="parse", context={"url": "x"})
            fps.add(out["fingerprint"])
    assert len(fps) == 1
    rec = t.get(fps.pop())
    assert rec["type"] == "ValueError" and rec["message"] == "ValueError: bad value 2"
    assert rec["severity"] == "high" and rec["category"] == "parse"
    assert rec["location"].endswith(":fail") and "test_ops_errors.py" in rec["context"]["where"]


def test_bad_input_is_bounded_and_secrets_are_redacted():
    t = ErrorTracker()

    class Weird:
        def __repr__(self):
            return "<weird>"

    out = t.capture("x" * 10_000, "c" * 500, "apocalyptic",
                    {"api_key": "sk-123", "Authorization": "Bearer t", "nested": {"password": "p", "n": 1},
                     "obj": Weird(), "big": "y" * 5000, "many": list(range(500)), 7: "int key"})
    rec = t.get(out["fingerprint"])
    assert len(rec["message"]) == 2000 and len(rec["category"]) == 100
    assert rec["severity"] == "medium"  # unknown severities are not invented
    ctx = rec["context"]
    assert ctx["api_key"] == ctx["Authorization"] == ctx["nested"]["password"] == "<redacted>"
    assert ctx["nested"]["n"] == 1 and ctx["obj"] == "<weird>" and ctx["7"] == "int key"
    assert len(ctx["big"]) <= 1001 and len(ctx["many"]) == 50


def test_memory_is_bounded():
    t = ErrorTracker(max_tracked=10)
    for i in range(100):
        t.capture("distinct", location=f"place{i}")
    s = t.stats()
    assert s["total_unique_errors"] == 10 and s["total_occurrences"] == 100


async def test_flush_and_load_carry_counts_across_restarts(store):
    clock = Clock()
    t = ErrorTracker(clock=clock)
    for _ in range(3):
        t.capture("disk full: 10 bytes left", "system", "critical", {"free": 0})
    t.capture("other", "application", "low")
    assert await t.flush(store) == 4
    assert await t.flush(store) == 0  # nothing new
    t.capture("disk full: 3 bytes left", "system", "critical")
    await t.flush(store)

    docs = {d["message"]: d for d in await store.find("errors")}
    assert docs["disk full: 3 bytes left"]["count"] == 4 and docs["disk full: 3 bytes left"]["first_seen"] == clock.t
    assert sum(d["count"] for d in await store.find("error_minutes")) == 5

    again = ErrorTracker(clock=clock)  # a restarted daemon
    assert await again.load(store) == 2
    s = again.stats()
    assert s["total_unique_errors"] == 2 and s["total_occurrences"] == 5
    assert s["severity_breakdown"] == {"critical": 4, "low": 1}
    assert s["error_rate_1h"] == pytest.approx(5 / 60, abs=1e-3)
    again.capture("disk full: 0 bytes left", "system", "critical")
    await again.flush(store)
    assert (await store.find("errors", {"category": "system"}))[0]["count"] == 5


async def test_a_failed_flush_keeps_the_changes(tmp_path):
    s = SqliteStore(tmp_path / "t.db")
    await s.open()
    t = ErrorTracker()
    t.capture("kept", "application", "high")
    await s.close()
    with pytest.raises(StoreError):
        await t.flush(s)
    await s.open()
    assert await t.flush(s) == 1
    assert (await s.find("errors"))[0]["count"] == 1
    await s.close()


async def test_prune_minutes(store):
    clock = Clock()
    t = ErrorTracker(clock=clock)
    t.capture("old")
    await t.flush(store)
    clock.t += 7200
    t.capture("new")
    await t.flush(store)
    assert await t.prune(store, clock.t - 3600) == 1
    assert await store.count("error_minutes") == 1


def test_random_messages_from_one_place_cannot_grow_the_unique_count():
    import random

    from scraped.ops.errors import MAX_VARIANTS

    t = ErrorTracker(clock=Clock())
    rng = random.Random(3)

    def junk() -> str:  # what a fuzzer's bytes look like once they are in an exception message
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_:[]{}(), ") for _ in range(rng.randrange(3, 30)))

    for _ in range(5000):
        t.capture(f"unknown request field(s): {junk()}", "control", "medium", error_type="BadRequest",
                  location="control.py:_conversation")
    assert t.stats()["total_unique_errors"] == MAX_VARIANTS + 1
    top = t.dashboard(limit=1)["top_errors"][0]
    assert top["count"] > 5000 - MAX_VARIANTS - 50
    # The same place's varied record is one fingerprint; another place has its own budget.
    t.capture("boom 1", "control", error_type="ValueError", location="engine/fetch.py:get")
    assert t.stats()["total_unique_errors"] == MAX_VARIANTS + 2


async def test_the_variant_budget_survives_a_restart(tmp_path):
    from scraped.ops.errors import MAX_VARIANTS

    s = SqliteStore(tmp_path / "t.db")
    await s.open()
    t = ErrorTracker(clock=Clock())
    for i in range(MAX_VARIANTS):
        t.capture(f"field {'x' * (i + 1)} missing", "control", error_type="KeyError", location="a.py:f")
    await t.flush(s)
    again = ErrorTracker(clock=Clock())
    await again.load(s)
    again.capture("field yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy missing", "control", error_type="KeyError",
                  location="a.py:f")
    assert again.stats()["total_unique_errors"] == MAX_VARIANTS + 1
    assert any(r["message"].startswith("field y") for r in again.dashboard(limit=50)["recent_errors"])
    await s.close()
