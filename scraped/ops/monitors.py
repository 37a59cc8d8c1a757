"""Threshold monitors: readings in, alerts out (`monitors`, the `monitors` task).

A reading above its threshold ([ops.monitors]) raises an alert in the runbook's shape

    {"message": "High CPU usage detected: 91.2%", "category": "system",
     "severity": "high", "context": {"cpu_percent": 91.2, "threshold": 85.0, ...}}

which is captured into the error tracker, logged to the journal (warning, or critical
for severity critical) with structured fields, and POSTed to the webhook if one is set.
A monitor that alerted stays quiet for `cooldown` seconds however long the breach lasts
(and however often it flaps), then alerts again if it still holds; the return below the
threshold is logged once.

`evaluate(readings)` is synchronous and takes any readings, so tests drive it directly;
`check()` takes the readings from the sampler and the error tracker and hands the alerts
to `Alerts` (scraped/ops/alerts.py: the last 50, the webhook), which it shares with the
engine's storage alerts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scraped.ops.alerts import Alerts

if TYPE_CHECKING:
    from scraped.ops.metrics import Sampler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    name: str
    reading: str  # key of the readings, and of the alert's context
    threshold: str  # field of MonitorsConfig
    category: str
    severity: str
    message: str


RULES = (
    Rule("cpu", "cpu_percent", "cpu_percent", "system", "high", "High CPU usage detected: {value:.1f}%"),
    Rule("memory", "memory_percent", "memory_percent", "system", "high",
         "High memory usage detected: {value:.1f}%"),
    Rule("disk", "disk_percent", "disk_percent", "system", "high", "High disk usage detected: {value:.1f}%"),
    Rule("error_rate", "error_rate_1h", "error_rate", "application", "critical",
         "High error rate detected: {value:.2f} errors/min"),
    Rule("loop_lag", "loop_lag_ms", "loop_lag_ms", "system", "high",
         "Event loop stalled: {value:.0f} ms behind"),
    Rule("store_outage", "store_outage_seconds", "store_outage_seconds", "database", "critical",
         "Store unreachable for {value:.0f} s; writes are spooled locally"),
)


@dataclass
class MonitorState:
    breaching: bool = False
    since: float | None = None
    value: float | None = None
    last_alert_at: float | None = None
    alerts: int = 0
    suppressed: int = 0  # breaching checks inside the cool-down


class Monitors:
    def __init__(self, app: Any, errors: Any, alerts: Alerts, sampler: Sampler | None = None, *,
                 clock: Callable[[], float] = time.time):
        self.app = app
        self.errors = errors
        self.alerts = alerts
        self.sampler = sampler  # None: only the error rate is read (tests drive evaluate())
        self.clock = clock
        self.state = {rule.name: MonitorState() for rule in RULES}
        self.last_checked_at: float | None = None

    def readings(self) -> dict[str, float | None]:
        """What the monitors compare: CPU averaged over cpu_window, the rest latest/worst."""
        cfg = self.app.config.ops.monitors
        sampler = self.sampler
        out: dict[str, float | None] = {"error_rate_1h": self.errors.rate_per_minute(60),
                                        "store_outage_seconds": self._store_outage()}
        if sampler is not None and sampler.latest is not None:
            # No verdict on CPU before half the window is sampled: start-up is busy by nature.
            if sampler.covers(cfg.cpu_window / 2):
                out["cpu_percent"] = sampler.average("cpu_percent", cfg.cpu_window)
            out["memory_percent"] = sampler.latest.get("memory_percent")
            out["disk_percent"] = sampler.latest.get("disk_percent")
            lags = [s.get("loop_lag_ms") or 0.0 for s in sampler.window(60)]
            out["loop_lag_ms"] = max(lags) if lags else None
        return out

    def _store_outage(self) -> float | None:
        """Seconds the MongoDB store has been unreachable (its outage spool says since when);
        0 while it answers; None for a store without a spool (SQLite: disk faults are the
        engine's storage alerts)."""
        status = getattr(self.app.store, "status", None)
        if status is None:
            return None
        since = status().get("since")
        return 0.0 if since is None else max(0.0, self.clock() - float(since))

    def evaluate(self, readings: dict[str, Any], now: float | None = None) -> list[dict[str, Any]]:
        cfg = self.app.config.ops.monitors
        now = self.clock() if now is None else now
        self.last_checked_at = now
        alerts: list[dict[str, Any]] = []
        if not cfg.enabled:
            return alerts
        for rule in RULES:
            st = self.state[rule.name]
            threshold = float(getattr(cfg, rule.threshold))
            value = readings.get(rule.reading)
            st.value = value
            if not threshold or value is None:
                continue
            if value <= threshold:
                if st.breaching:
                    log.info("monitor %s recovered: %s=%.2f (threshold %g)", rule.name, rule.reading, value,
                             threshold, extra={"monitor": rule.name, "value": value, "threshold": threshold})
                st.breaching, st.since = False, None
                continue
            if not st.breaching:
                st.breaching, st.since = True, now
            if st.last_alert_at is not None and now - st.last_alert_at < cfg.cooldown:
                st.suppressed += 1
                continue
            st.last_alert_at = now
            st.alerts += 1
            alerts.append(self._raise(rule, float(value), threshold, now, st))
        return alerts

    def _raise(self, rule: Rule, value: float, threshold: float, now: float, st: MonitorState) -> dict[str, Any]:
        rounded = round(value, 2)
        alert = {"message": rule.message.format(value=value), "category": rule.category,
                 "severity": rule.severity,
                 "context": {rule.reading: rounded, "threshold": threshold, "monitor": rule.name,
                             "breaching_since": st.since},
                 "monitor": rule.name, "at": now}
        self.errors.capture(alert["message"], rule.category, rule.severity, alert["context"],
                            error_type="Alert", location=f"monitor:{rule.name}")
        level = logging.CRITICAL if rule.severity == "critical" else logging.WARNING
        log.log(level, "ALERT %s", alert["message"],
                extra={"alert": rule.name, "value": rounded, "threshold": threshold,
                       "severity": rule.severity, "category": rule.category})
        self.alerts.recent.append(alert)
        return alert

    async def check(self, readings: dict[str, Any] | None = None) -> dict[str, Any]:
        """The scheduled task: evaluate the current readings and deliver the alerts."""
        alerts = self.evaluate(self.readings() if readings is None else readings)
        delivered = await self.alerts.deliver(alerts)
        return {"alerts": len(alerts), "delivered": delivered,
                "breaching": [n for n, s in self.state.items() if s.breaching]}

    # ------------------------------------------------------------ reading
    def alert_counts(self) -> dict[str, int]:
        return {name: st.alerts for name, st in self.state.items()}

    def status(self) -> dict[str, Any]:
        cfg = self.app.config.ops.monitors
        rows = []
        for rule in RULES:
            st = self.state[rule.name]
            threshold = float(getattr(cfg, rule.threshold))
            rows.append({"monitor": rule.name, "reading": rule.reading, "enabled": bool(cfg.enabled and threshold),
                         "threshold": threshold, "value": None if st.value is None else round(st.value, 2),
                         "breaching": st.breaching, "since": st.since, "alerts": st.alerts,
                         "suppressed": st.suppressed, "last_alert_at": st.last_alert_at,
                         "severity": rule.severity})
        return {"enabled": cfg.enabled, "cooldown_s": cfg.cooldown, "last_checked_at": self.last_checked_at,
                "monitors": rows, "last_alerts": list(self.alerts.recent)[-10:][::-1],
                "webhook": self.alerts.webhook_status()}
