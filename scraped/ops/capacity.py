"""Capacity analysis (`capacity`): the runbook's Capacity Management section as one command.

From the last 24 h of minute history: average and peak CPU, memory and disk with the
runbook's recommendations; from the current sample: the vertical-scaling verdict; from
the perf counters: the horizontal-scaling analysis (operations with count > 1000 and an
average over 1000 ms). Pure functions over plain data; the service gathers the inputs.
"""

from __future__ import annotations

from typing import Any

SCALING_MIN_COUNT = 1000
SCALING_MIN_AVG_MS = 1000.0


def _series(rows: list[dict[str, Any]], key: str, peak_key: str | None = None) -> tuple[float, float] | None:
    values = [r[key] for r in rows if isinstance(r.get(key), (int, float))]
    if not values:
        return None
    peaks = [r[peak_key] for r in rows if peak_key and isinstance(r.get(peak_key), (int, float))]
    return sum(values) / len(values), max(values + peaks)


def cpu_verdict(avg: float) -> tuple[str, str]:
    if avg > 60:
        return "warning", "Consider scaling up CPU resources"
    if avg < 30:
        return "info", "CPU resources may be over-provisioned"
    return "ok", "CPU utilization is optimal"


def memory_verdict(avg: float, peak: float) -> tuple[str, str]:
    if peak > 90:  # checked first: a high average must not hide a critical peak
        return "critical", "Memory peaks are critical - immediate scaling needed"
    if avg > 75:
        return "warning", "Consider increasing memory allocation"
    return "ok", "Memory utilization is acceptable"


def disk_verdict(avg: float, peak: float) -> tuple[str, str]:
    if peak > 90:
        return "critical", "Disk nearly full - free space or grow the volume now"
    if avg > 80:
        return "warning", "Plan more disk space"
    return "ok", "Disk utilization is acceptable"


def vertical(current: dict[str, Any]) -> dict[str, Any]:
    cpu, memory = current.get("cpu_percent"), current.get("memory_percent")
    out: dict[str, Any] = {"cpu_percent": cpu, "memory_percent": memory,
                           "disk_percent": current.get("disk_percent"), "actions": []}
    if cpu is None or memory is None:
        out.update(status="unknown", recommendation="No current sample yet")
    elif cpu > 80 or memory > 80:
        out.update(status="warning", recommendation="Increase resources")
        out["actions"] = (["Add more CPU cores"] if cpu > 80 else []) + \
                         (["Increase memory allocation"] if memory > 80 else [])
    elif cpu < 40 and memory < 40:
        out.update(status="info", recommendation="Resources appear over-provisioned")
    else:
        out.update(status="ok", recommendation="Resource allocation is appropriate")
    return out


def scaling(perf: dict[str, Any]) -> dict[str, Any]:
    hot = [{"operation": op, "count": s["count"], "average_duration_ms": s["average_duration_ms"]}
           for op, s in perf.get("performance_metrics", {}).items()
           if s["count"] > SCALING_MIN_COUNT and s["average_duration_ms"] > SCALING_MIN_AVG_MS]
    hot.sort(key=lambda r: -r["count"] * r["average_duration_ms"])
    return {"high_traffic": hot, "criteria": {"count_over": SCALING_MIN_COUNT,
                                              "average_ms_over": SCALING_MIN_AVG_MS},
            "recommendation": "Consider horizontal scaling: more daemons sharing one MongoDB store"
            if hot else "Current load doesn't require horizontal scaling"}


def analyze(rows: list[dict[str, Any]], current: dict[str, Any], perf: dict[str, Any],
            hours: float, source: str) -> dict[str, Any]:
    out: dict[str, Any] = {"hours": hours, "samples": len(rows), "source": source}
    for name, key, peak_key, verdict in (
        ("cpu", "cpu_percent", "cpu_max", lambda a, p: cpu_verdict(a)),
        ("memory", "memory_percent", "memory_max", memory_verdict),
        ("disk", "disk_percent", None, disk_verdict),
    ):
        stats = _series(rows, key, peak_key)
        if stats is None:
            out[name] = {"average": None, "peak": None, "status": "unknown",
                         "recommendation": f"No {name} metrics available"}
            continue
        avg, peak = stats
        status, text = verdict(avg, peak)
        out[name] = {"average": round(avg, 1), "peak": round(peak, 1), "status": status, "recommendation": text}
    out["vertical"] = vertical(current)
    out["scaling"] = scaling(perf)
    return out
