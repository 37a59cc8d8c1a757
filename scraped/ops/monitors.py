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
`check()` takes the readings from the sampler and the error tracker and delivers.

Error handling: a failed webhook POST is counted, kept as `last_webhook_error`, logged and
captured (category "alerting"), never raised: the alert is already in the tracker.
"""

from __future__ import annotations

import logging
import socket
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import trio

from scraped.ops import webhook

log = logging.getLogger(__name__)

WEBHOOK_CREDENTIAL = "SCRAPED_ALERT_WEBHOOK_URL"


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
    def __init__(self, app: Any, errors: Any, *, clock: Any = time.time, poster: Any = webhook.post):
        self.app = app
        self.errors = errors
        self.clock = clock
        self.poster = poster
        self.state = {rule.name: MonitorState() for rule in RULES}
        self.recent: deque[dict[str, Any]] = deque(maxlen=50)
        self.last_checked_at: float | None = None
        self.webhook_sent = 0
        self.webhook_failures = 0
        self.last_webhook_error: str | None = None
        self._host = socket.gethostname()

    def readings(self) -> dict[str, float | None]:
        """What the monitors compare: CPU averaged over cpu_window, the rest latest/worst."""
        cfg = self.app.config.ops.monitors
        sampler = self.app.ops.sampler if self.app.ops is not None else None
        out: dict[str, float | None] = {"error_rate_1h": self.errors.rate_per_minute(60)}
        if sampler is not None and sampler.latest is not None:
            # No verdict on CPU before half the window is sampled: start-up is busy by nature.
            if sampler.covers(cfg.cpu_window / 2):
                out["cpu_percent"] = sampler.average("cpu_percent", cfg.cpu_window)
            out["memory_percent"] = sampler.latest.get("memory_percent")
            out["disk_percent"] = sampler.latest.get("disk_percent")
            lags = [s.get("loop_lag_ms") or 0.0 for s in sampler.window(60)]
            out["loop_lag_ms"] = max(lags) if lags else None
        return out

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
        self.recent.append(alert)
        return alert

    def webhook_url(self) -> str:
        secret = self.app.secrets.get(WEBHOOK_CREDENTIAL) if self.app.secrets is not None else None
        return secret or self.app.config.ops.alerts.webhook_url

    async def deliver(self, alerts: list[dict[str, Any]]) -> int:
        url = self.webhook_url()
        if not url or not alerts:
            return 0
        sent = 0
        for alert in alerts:
            body = {**alert, "host": self._host, "service": "scraped"}
            timeout = self.app.config.ops.alerts.webhook_timeout
            try:
                try:
                    with trio.fail_after(timeout):
                        await self.poster(url, body)
                except trio.TooSlowError:
                    raise webhook.WebhookError(f"webhook {webhook.redact(url)} did not answer within "
                                               f"{timeout:g} s") from None
            except webhook.WebhookError as exc:
                self.webhook_failures += 1
                self.last_webhook_error = str(exc)
                alert["delivered"] = False
                self.errors.capture(str(exc), "alerting", "medium", {"monitor": alert["monitor"]},
                                    error_type="WebhookError", location="monitors:deliver")
                log.warning("alert not delivered: %s", exc, extra={"alert": alert["monitor"]})
                continue
            alert["delivered"] = True
            self.webhook_sent += 1
            sent += 1
        return sent

    async def check(self, readings: dict[str, Any] | None = None) -> dict[str, Any]:
        """The scheduled task: evaluate the current readings and deliver the alerts."""
        alerts = self.evaluate(self.readings() if readings is None else readings)
        delivered = await self.deliver(alerts)
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
                "monitors": rows, "last_alerts": list(self.recent)[-10:][::-1],
                "webhook": {"configured": bool(self.webhook_url()), "target": webhook.redact(self.webhook_url()),
                            "sent": self.webhook_sent, "failures": self.webhook_failures,
                            "last_error": self.last_webhook_error}}
