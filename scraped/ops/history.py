"""Per-minute metrics history in the store (`metrics history --hours N`, `capacity`).

The `metrics_persist` task aggregates each complete minute of the sampler's ring into
one document of the `metrics` collection, keyed by the minute and the host (so a re-run
rewrites rather than duplicates, and daemons on several machines sharing one MongoDB
keep their own series), then prunes what is older than metrics.history_days.
A minute document holds means of the gauges, the peaks of CPU and memory within the
minute (capacity reports peaks), the worst loop lag, and the errors of that minute.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Iterable
from typing import Any

from scraped.store.schema import METRICS

MEAN = ("cpu_percent", "memory_percent", "disk_percent", "load_1", "process_cpu_percent",
        "pages_per_s", "ai_calls_per_s")
LAST = ("rss", "open_fds", "threads", "jobs_running", "disk_free", "memory_available", "max_jobs")
PEAK = {"cpu_max": "cpu_percent", "memory_max": "memory_percent", "loop_lag_ms": "loop_lag_ms",
        "rss_max": "rss"}
SERIES = ("cpu_percent", "memory_percent", "disk_percent", "load_1", "rss", "loop_lag_ms",
          "jobs_running", "pages_per_s", "ai_calls_per_s", "errors")


def _numbers(samples: Iterable[dict[str, Any]], key: str) -> list[float]:
    return [s[key] for s in samples if isinstance(s.get(key), (int, float)) and not isinstance(s.get(key), bool)]


def aggregate(minute: int, samples: list[dict[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {"at": float(minute), "samples": len(samples)}
    for key in MEAN:
        values = _numbers(samples, key)
        if values:
            doc[key] = round(sum(values) / len(values), 3)
    for key in LAST:
        values = _numbers(samples, key)
        if values:
            doc[key] = values[-1]
    for out, key in PEAK.items():
        values = _numbers(samples, key)
        if values:
            doc[out] = max(values)
    return doc


class History:
    def __init__(self, sampler: Any, errors: Any = None, host: str | None = None):
        self.sampler = sampler
        self.errors = errors
        self.host = host or socket.gethostname()
        self.last_persisted: int | None = None

    def complete_minutes(self, now: float) -> dict[int, list[dict[str, Any]]]:
        current = int(now // 60 * 60)
        minutes: dict[int, list[dict[str, Any]]] = {}
        for s in self.sampler.ring:
            m = int(s["at"] // 60 * 60)
            if m < current and (self.last_persisted is None or m > self.last_persisted):
                minutes.setdefault(m, []).append(s)
        return minutes

    async def persist(self, store: Any, now: float, keep_days: float) -> dict[str, Any]:
        minutes = self.complete_minutes(now)
        ops = []
        for m, samples in sorted(minutes.items()):
            doc = aggregate(m, samples)
            doc["host"] = self.host
            if self.errors is not None:
                doc["errors"] = self.errors.minute_count(m)
            ops.append((f"{m:012d}@{self.host}", {"$set": doc}))
        if ops:
            await store.bulk_upsert(METRICS, ops)
            self.last_persisted = max(minutes)
        pruned = await store.delete_many(METRICS, {"at": {"$lt": now - keep_days * 86400}, "host": self.host})
        return {"minutes": len(ops), "pruned": pruned}

    async def query(self, store: Any, hours: float, now: float, max_points: int = 1440) -> dict[str, Any]:
        since = now - hours * 3600
        docs = await store.find(METRICS, {"at": {"$gte": since}, "host": self.host}, sort=[("at", 1)])
        step = max(1, math.ceil(len(docs) / max_points)) if max_points else 1
        rows = [_point(docs[i:i + step]) for i in range(0, len(docs), step)]
        return {"hours": hours, "host": self.host, "from": since, "to": now, "interval_s": 60 * step,
                "count": len(rows), "metrics": rows}


def _point(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """One point of the reply: the runbook's shape ({timestamp, cpu_percent, ...})."""
    if len(docs) == 1:
        doc = {k: v for k, v in docs[0].items() if k not in ("_id", "host")}
    else:
        doc = {"at": docs[0]["at"], "samples": sum(d.get("samples", 0) for d in docs)}
        keys = {k for d in docs for k in d} - {"_id", "at", "samples", "host"}
        for key in keys:
            values = _numbers(docs, key)
            if not values:
                continue
            if key in PEAK or key == "errors":
                doc[key] = max(values) if key in PEAK else sum(values)
            elif key in LAST:
                doc[key] = values[-1]
            else:
                doc[key] = round(sum(values) / len(values), 3)
    doc["timestamp"] = doc.pop("at")
    return doc
