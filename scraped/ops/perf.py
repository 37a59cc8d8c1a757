"""Timings of every control command and internal operation (`perf`).

`observe(op, seconds, ok)` runs on every control command, so it is a handful of
attribute updates and one list increment: no allocation, no lock, no logging. Each
operation keeps a log-bucketed histogram (16 buckets per power of two between 1 µs and
2.3 h, so a quantile is within ~3 % of the truth) of fixed size: memory per operation is
O(1) whatever the traffic, and p50/p95/p99 come from walking the buckets on demand.

The number of distinct operation names is capped (`max_ops`): names come from peers
(an unknown command is still timed), so a fuzzing client must not grow the table
without bound; past the cap, new names are counted under "other".

Observations normally come from the trio thread; one from a worker thread may race
another's increment and lose a count, which a statistic can afford (a lock would cost
more than the rest of observe).
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left
from itertools import accumulate
from math import frexp
from typing import Any

_SUB = 16  # buckets per power of two
_MIN_EXP = -20  # 2**-21 s ~ 0.5 µs and below: bucket 0
_MAX_EXP = 13  # 2**13 s ~ 2.3 h and above: the last bucket
_NBUCKETS = (_MAX_EXP - _MIN_EXP) * _SUB + 2
OTHER = "other"


_TOP = 2.0 ** _MAX_EXP


def bucket_of(seconds: float) -> int:
    if seconds <= 0.0:
        return 0
    if not seconds < _TOP:  # also inf and NaN
        return _NBUCKETS - 1
    mantissa, exp = frexp(seconds)  # seconds = mantissa * 2**exp, 0.5 <= mantissa < 1
    if exp <= _MIN_EXP:
        return 0
    if exp > _MAX_EXP:
        return _NBUCKETS - 1
    return (exp - _MIN_EXP - 1) * _SUB + int((mantissa - 0.5) * (2 * _SUB)) + 1


def bucket_bounds(index: int) -> tuple[float, float]:
    if index <= 0:
        return 0.0, 2.0 ** (_MIN_EXP - 1)
    if index >= _NBUCKETS - 1:
        return 2.0 ** _MAX_EXP, float("inf")
    exp, k = (index - 1) // _SUB + _MIN_EXP + 1, (index - 1) % _SUB
    scale = 2.0 ** exp
    return (0.5 + k / (2 * _SUB)) * scale, (0.5 + (k + 1) / (2 * _SUB)) * scale


class OpStats:
    __slots__ = ("count", "errors", "total", "max", "min", "buckets")

    def __init__(self) -> None:
        self.count = 0
        self.errors = 0
        self.total = 0.0
        self.max = 0.0
        self.min = float("inf")
        self.buckets = [0] * _NBUCKETS

    def quantiles(self, qs: tuple[float, ...]) -> list[float]:
        """Seconds at each quantile: the bucket's midpoint, clamped to the seen min/max."""
        if not self.count:
            return [0.0 for _ in qs]
        first = bucket_of(self.min)  # only buckets between min's and max's can hold counts
        cumulative = list(accumulate(self.buckets[first:bucket_of(self.max) + 1]))
        out = []
        for q in qs:
            rank = max(1, math.ceil(q * self.count - 1e-9))  # 1-based, nearest-rank
            index = first + bisect_left(cumulative, rank)
            low, high = bucket_bounds(index)
            mid = (low + high) / 2 if high != math.inf else low
            out.append(min(max(mid, self.min), self.max))
        return out


class PerfTracker:
    """app.perf: per-operation count, mean, p50/p95/p99, errors and error rate."""

    def __init__(self, max_ops: int = 2000):
        self.max_ops = max_ops
        self.since = time.time()
        self._ops: dict[str, OpStats] = {}

    def observe(self, op: str, seconds: float, ok: bool = True) -> None:
        s = self._ops.get(op)
        if s is None:
            s = self._add(op)
        s.count += 1
        s.total += seconds
        if not ok:
            s.errors += 1
        if seconds > s.max:
            s.max = seconds
        if seconds < s.min:
            s.min = seconds
        s.buckets[bucket_of(seconds)] += 1

    def _add(self, op: str) -> OpStats:
        if len(self._ops) >= self.max_ops - 1 and op != OTHER:  # the last slot is "other"'s
            op = OTHER
            if op in self._ops:
                return self._ops[op]
        s = self._ops[op] = OpStats()
        return s

    # ------------------------------------------------------------ reading
    def count(self, prefix: str = "") -> int:
        """Observations of `prefix` exactly, or of every op starting with it when it ends in ':'."""
        if not prefix.endswith(":"):
            s = self._ops.get(prefix)
            return s.count if s else 0
        return sum(s.count for op, s in self._ops.items() if op.startswith(prefix))

    def operations(self) -> list[str]:
        return sorted(self._ops)

    def stats(self, op: str) -> dict[str, Any] | None:
        s = self._ops.get(op)
        return self._row(s) if s is not None else None

    @staticmethod
    def _row(s: OpStats) -> dict[str, Any]:
        p50, p95, p99 = s.quantiles((0.50, 0.95, 0.99))
        return {
            "count": s.count,
            "average_duration_ms": round(s.total / s.count * 1000, 4) if s.count else 0.0,
            "p50_ms": round(p50 * 1000, 4),
            "p95_ms": round(p95 * 1000, 4),
            "p99_ms": round(p99 * 1000, 4),
            "max_ms": round(s.max * 1000, 4),
            "total_errors": s.errors,
            "error_rate": round(s.errors / s.count, 6) if s.count else 0.0,
            "total_ms": round(s.total * 1000, 3),
        }

    def snapshot(self, prefix: str = "") -> dict[str, Any]:
        """The runbook's `performance_metrics` shape (error_rate is a fraction)."""
        rows = {op: self._row(s) for op, s in sorted(self._ops.items()) if op.startswith(prefix) and s.count}
        return {
            "total_endpoints": len(rows),
            "since": self.since,
            "uptime_s": round(time.time() - self.since, 1),
            "performance_metrics": rows,
        }
