"""perf: log-bucket histograms per operation, the runbook's performance_metrics shape."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from scraped.ops.perf import OTHER, PerfTracker, bucket_bounds, bucket_of

durations = st.floats(min_value=1e-6, max_value=3600.0, allow_nan=False, allow_infinity=False)


@given(durations)
def test_a_value_falls_inside_its_bucket(x):
    low, high = bucket_bounds(bucket_of(x))
    assert low <= x < high
    assert (high - low) / low <= 1 / 16 + 1e-9  # ~6 % wide, so the midpoint is within ~3 %


def test_edges():
    assert bucket_of(0.0) == 0 and bucket_of(-1.0) == 0 and bucket_of(1e-12) == 0
    assert bucket_of(1e9) == bucket_of(float("inf")) == bucket_of(1e7)


@settings(max_examples=50, deadline=None)
@given(st.lists(durations, min_size=1, max_size=400))
def test_quantiles_are_close_to_the_exact_ones(values):
    perf = PerfTracker()
    for v in values:
        perf.observe("op", v)
    row = perf.stats("op")
    ordered = sorted(values)
    for q, key in ((0.5, "p50_ms"), (0.95, "p95_ms"), (0.99, "p99_ms")):
        exact = ordered[max(1, math.ceil(q * len(ordered))) - 1] * 1000
        assert abs(row[key] - exact) <= exact * 0.04 + 1e-3, (q, row[key], exact)
    assert row["max_ms"] == round(max(values) * 1000, 4)
    assert row["count"] == len(values)


def test_counts_errors_and_the_runbook_shape():
    perf = PerfTracker()
    for i in range(10):
        perf.observe("cmd:status", 0.002, ok=i != 0)
    perf.observe("fetch", 0.5)
    perf.observe("ai.call:groq", 1.0)
    perf.observe("ai.call:gemini", 1.0, False)
    snap = perf.snapshot()
    assert snap["total_endpoints"] == 4
    row = snap["performance_metrics"]["cmd:status"]
    for key in ("average_duration_ms", "count", "error_rate", "total_errors"):
        assert key in row
    assert row["count"] == 10 and row["total_errors"] == 1 and row["error_rate"] == 0.1
    assert row["average_duration_ms"] == 2.0
    assert perf.count("fetch") == 1 and perf.count("ai.call:") == 2 and perf.count("nothing") == 0
    only_cmds = perf.snapshot("cmd:")
    assert list(only_cmds["performance_metrics"]) == ["cmd:status"]


def test_the_number_of_operations_is_bounded():
    """Names come from peers (an unknown command is still timed): a flood of new names
    must not grow the table."""
    perf = PerfTracker(max_ops=5)
    for i in range(1000):
        perf.observe(f"cmd:fuzz{i}", 0.001)
    assert len(perf.operations()) == 5
    assert perf.stats(OTHER)["count"] == 1000 - 4
