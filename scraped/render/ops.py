"""Human output of the ops commands (stdlib only; `--json` gives the raw replies)."""

from __future__ import annotations

from typing import Any

from scraped.ops.sparkline import sparkline
from scraped.render.table import fmt, kv, table

PERCENT = {"cpu_percent", "memory_percent", "disk_percent", "process_cpu_percent"}
BYTES = {"rss", "disk_free", "disk_total", "memory_available", "free_bytes", "total_bytes"}
SERIES = ("cpu_percent", "memory_percent", "disk_percent", "load_1", "rss", "loop_lag_ms", "jobs_running",
          "max_jobs", "pages_per_s", "ai_calls_per_s", "errors")
_MARK = {"ok": "ok", "error": "ERROR", "cancelled": "cancelled", None: "-"}


def human_bytes(n: Any) -> str:
    if not isinstance(n, (int, float)):
        return fmt(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _value(key: str, value: Any) -> str:
    if key in BYTES:
        return human_bytes(value)
    if key in PERCENT and isinstance(value, (int, float)):
        return f"{value:.1f}%"
    return fmt(value, key)


def metrics(r: Any) -> str:
    if isinstance(r, str):  # --prometheus
        return r.rstrip("\n")
    width = max((len(k) for k in r), default=0)
    return "\n".join(f"{k.ljust(width)}  {_value(k, v)}" for k, v in r.items())


def metrics_history(r: dict[str, Any]) -> str:
    rows = r["metrics"]
    head = f"last {r['hours']:g} h: {r['count']} point(s), one per {r['interval_s'] // 60} min"
    if not rows:
        return head + "\n(no history yet: minutes are saved by the metrics_persist task)"
    lines = [head, ""]
    present = [k for k in SERIES if any(isinstance(p.get(k), (int, float)) for p in rows)]
    width = max(len(k) for k in present) if present else 0
    for key in present:
        values = [p.get(key) if isinstance(p.get(key), (int, float)) else None for p in rows]
        nums = [v for v in values if v is not None]
        scale = (0.0, 100.0) if key in PERCENT else (None, None)
        line = sparkline(values, 60, *scale)
        stats = f"min {_value(key, min(nums))}  avg {_value(key, sum(nums) / len(nums))}  " \
                f"max {_value(key, max(nums))}  last {_value(key, nums[-1])}"
        lines.append(f"{key.ljust(width)}  {line.ljust(min(60, len(values)))}  {stats}")
    return "\n".join(lines)


def errors_stats(r: dict[str, Any]) -> str:
    return kv(r)


def _error_rows(errors: list[dict[str, Any]]) -> str:
    return table([{k: e.get(k) for k in ("count", "severity", "category", "last_seen", "message")}
                  for e in errors])


def errors_dashboard(r: dict[str, Any]) -> str:
    s = r["statistics"]
    lines = [f"unique {s['total_unique_errors']}  occurrences {s['total_occurrences']}  "
             f"rate {s['error_rate_1h']:.2f}/min over 1 h",
             "severity: " + (", ".join(f"{k} {v}" for k, v in s["severity_breakdown"].items()) or "-"),
             "category: " + (", ".join(f"{k} {v}" for k, v in s["category_breakdown"].items()) or "-")]
    if any(r.get("error_trend", [])):
        lines.append("last 60 min: " + sparkline(r["error_trend"], 60, 0.0))
    lines += ["", "TOP ERRORS", _error_rows(r["top_errors"]), "", "RECENT", _error_rows(r["recent_errors"])]
    return "\n".join(lines)


def perf(r: dict[str, Any]) -> str:
    rows = [{"operation": op, "count": s["count"], "avg_ms": s["average_duration_ms"], "p50_ms": s["p50_ms"],
             "p95_ms": s["p95_ms"], "p99_ms": s["p99_ms"], "max_ms": s["max_ms"], "errors": s["total_errors"],
             "error_rate": f"{s['error_rate']:.2%}"}
            for op, s in sorted(r["performance_metrics"].items(), key=lambda kv_: -kv_[1]["count"])]
    return f"{r['total_endpoints']} operation(s) tracked since {fmt(r['since'], 'since_at')}\n\n" + table(rows)


def scheduler_list(r: dict[str, Any]) -> str:
    rows = [{"task": t["name"], "trigger": t["trigger"], "last_run_at": t["last_run_at"],
             "outcome": "running" if t["running"] else _MARK.get(t["outcome"], t["outcome"]),
             "ms": t["duration_ms"], "next_run_at": t["next_run_at"] if t["enabled"] else "off",
             "runs": t["runs"], "fail": t["failures"], "message": t["message"]} for t in r["tasks"]]
    return f"cron time zone: {r['timezone']}\n\n" + table(rows)


def scheduler_run(r: dict[str, Any]) -> str:
    state = "still running (continues in the background)" if r["running"] else _MARK.get(r["outcome"], "-")
    return f"{r['name']}: {state}" + (f" in {r['duration_ms']} ms" if not r["running"] else "") + \
        (f"\n{r['message']}" if r.get("message") else "")


def security_events(r: dict[str, Any]) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in r["counts_since_start"].items()) or "none"
    rows = [{k: e.get(k) for k in ("at", "kind", "count", "peer_uid", "peer_pid", "command", "detail")}
            for e in r["events"]]
    return f"since start: {counts}; stored: {r['total_stored']}\n\n" + table(rows)


def capacity(r: dict[str, Any]) -> str:
    lines = [f"last {r['hours']:g} h ({r['samples']} samples, from {r['source']})"]
    for name in ("cpu", "memory", "disk"):
        c = r[name]
        if c["average"] is None:
            lines.append(f"{name:<7} {c['recommendation']}")
        else:
            lines.append(f"{name:<7} avg {c['average']:5.1f}%  peak {c['peak']:5.1f}%  "
                         f"[{c['status']}] {c['recommendation']}")
    v = r["vertical"]
    lines += ["", f"now: {v['recommendation']}" + "".join(f"\n  - {a}" for a in v["actions"])]
    s = r["scaling"]
    lines += ["", "scaling analysis: " + s["recommendation"]]
    lines += [f"  {h['operation']}: {h['count']} requests, {h['average_duration_ms']:.1f} ms avg"
              for h in s["high_traffic"]]
    return "\n".join(lines)


def monitors(r: dict[str, Any]) -> str:
    rows = [{"monitor": m["monitor"], "value": m["value"], "threshold": m["threshold"] if m["enabled"] else "off",
             "state": "BREACH" if m["breaching"] else "ok", "alerts": m["alerts"], "suppressed": m["suppressed"],
             "last_alert_at": m["last_alert_at"]} for m in r["monitors"]]
    a = r["adaptive"]
    adaptive = f"adaptive concurrency: {'on' if a['enabled'] else 'off'}, max jobs {fmt(a['max_jobs'])} " \
               f"(load {fmt(a['load_percent'])}%, engine told {fmt(a['applied_to_engine'])})"
    hook = r["webhook"]
    webhook = f"webhook: {hook['target'] or 'none'}; sent {hook['sent']}, failed {hook['failures']}" + \
        (f" (last: {hook['last_error']})" if hook["last_error"] else "")
    alerts = [{"at": x["at"], "severity": x["severity"], "message": x["message"]} for x in r["last_alerts"]]
    return "\n".join([table(rows), "", adaptive, webhook, "", "LAST ALERTS", table(alerts)])


RENDERERS = {"metrics": metrics, "metrics.history": metrics_history, "errors.stats": errors_stats,
             "errors.dashboard": errors_dashboard, "perf": perf, "scheduler.list": scheduler_list,
             "scheduler.run": scheduler_run, "security.events": security_events, "capacity": capacity,
             "monitors": monitors}
