"""The Prometheus text exposition format (version 0.0.4) of the daemon's metrics.

`metrics --prometheus` returns it; the `textfile` task writes it atomically (a temporary
file in the same directory, then rename) to metrics.textfile, for node_exporter's
textfile collector. Operation timings are exposed as summaries (quantiles + _sum +
_count) labelled by operation.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if isinstance(value, float) else str(value)


class Exposition:
    def __init__(self, prefix: str = "scraped_"):
        self.prefix = prefix
        self._lines: list[str] = []
        self._seen: set[str] = set()

    def family(self, name: str, kind: str, help_text: str,
               samples: Sequence[tuple[dict[str, str], float | int | None]] | float | int | None,
               suffix_samples: Sequence[tuple[str, dict[str, str], float | int]] = ()) -> None:
        """One metric family; `samples` is a value or [(labels, value)]; None values are left out."""
        full = self.prefix + name
        if not isinstance(samples, Sequence):
            samples = [({}, samples)]
        rows = [(labels, v) for labels, v in samples if v is not None]
        if not rows and not suffix_samples:
            return
        if full not in self._seen:
            self._seen.add(full)
            self._lines.append(f"# HELP {full} {_escape(help_text)}")
            self._lines.append(f"# TYPE {full} {kind}")
        for labels, value in rows:
            self._lines.append(f"{full}{self._labels(labels)} {_number(value)}")
        for suffix, labels, value in suffix_samples:
            self._lines.append(f"{full}{suffix}{self._labels(labels)} {_number(value)}")

    @staticmethod
    def _labels(labels: dict[str, str]) -> str:
        if not labels:
            return ""
        return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items()) + "}"

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"


GAUGES = (
    ("cpu_percent", "cpu_percent", "System CPU utilisation in percent."),
    ("memory_percent", "memory_percent", "System memory utilisation in percent."),
    ("disk_percent", "disk_percent", "Utilisation of the state directory's filesystem in percent."),
    ("load1", "load_1", "One-minute load average."),
    ("process_resident_memory_bytes", "rss", "Resident memory of the daemon."),
    ("process_open_fds", "open_fds", "Open file descriptors of the daemon."),
    ("process_threads", "threads", "Threads of the daemon."),
    ("event_loop_lag_seconds", "loop_lag_ms", "Worst event-loop lag in the last sample interval."),
    ("jobs_running", "jobs_running", "Scraping jobs running."),
    ("pages_per_second", "pages_per_s", "Pages fetched per second."),
    ("ai_calls_per_second", "ai_calls_per_s", "AI provider calls per second."),
)


def render(ops: Any) -> str:
    """The whole exposition from an OpsService (duck-typed: sampler, perf, errors, ...)."""
    out = Exposition()
    sample = ops.sampler.latest or {}
    out.family("up", "gauge", "1 while the daemon answers.", 1)
    for name, key, help_text in GAUGES:
        value = sample.get(key)
        if key == "loop_lag_ms" and value is not None:
            value = value / 1000
        out.family(name, "gauge", help_text, value)
    if ops.adaptive is not None and ops.adaptive.current is not None:
        out.family("max_jobs", "gauge", "Running-job limit set by adaptive concurrency.", ops.adaptive.current)
    stats = ops.errors.stats()
    out.family("errors_total", "counter", "Errors captured by the tracker, by severity.",
               [({"severity": s}, n) for s, n in stats["severity_breakdown"].items()] or [({}, 0)])
    out.family("error_rate_per_minute", "gauge", "Errors per minute over the last hour.", stats["error_rate_1h"])
    out.family("security_events_total", "counter", "Security events on the control socket, by kind.",
               [({"kind": k}, n) for k, n in sorted(ops.security.counts.items())] or [({}, 0)])
    out.family("alerts_total", "counter", "Alerts raised by the threshold monitors, by monitor.",
               [({"monitor": m}, n) for m, n in ops.monitors.alert_counts().items()])
    _operations(out, ops.perf)
    scheduler = ops.scheduler
    if scheduler is not None:
        tasks = scheduler.tasks()
        out.family("task_last_run_timestamp_seconds", "gauge", "When each scheduled task last ran.",
                   [({"task": t["name"]}, t["last_run_at"]) for t in tasks])
        out.family("task_last_success", "gauge", "1 if the task's last run succeeded, 0 if it failed.",
                   [({"task": t["name"]}, 1 if t["outcome"] == "ok" else 0) for t in tasks if t["outcome"]])
        out.family("task_failures_total", "counter", "Failed runs of each scheduled task.",
                   [({"task": t["name"]}, t["failures"]) for t in tasks])
    return out.text()


def _operations(out: Exposition, perf: Any) -> None:
    snap = perf.snapshot()["performance_metrics"]
    if not snap:
        return
    rows: list[tuple[dict[str, str], float]] = []
    tails: list[tuple[str, dict[str, str], float]] = []
    for op, s in snap.items():
        for q, key in (("0.5", "p50_ms"), ("0.95", "p95_ms"), ("0.99", "p99_ms")):
            rows.append(({"operation": op, "quantile": q}, s[key] / 1000))
        tails.append(("_sum", {"operation": op}, s["total_ms"] / 1000))
        tails.append(("_count", {"operation": op}, s["count"]))
    out.family("operation_duration_seconds", "summary", "Duration of control commands and internal "
               "operations.", rows, tails)
    out.family("operation_errors_total", "counter", "Failed control commands and internal operations.",
               [({"operation": op}, s["total_errors"]) for op, s in snap.items()])


def write_textfile(path: str, text: str) -> int:
    """Atomically replace `path` (blocking: call through trio.to_thread)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(text)
