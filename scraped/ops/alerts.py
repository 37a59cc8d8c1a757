"""Where an alert goes after the journal and the error tracker: the last 50 kept for
`monitors`, and the webhook ([ops.alerts], or the SCRAPED_ALERT_WEBHOOK_URL credential).

Two parts raise alerts: the threshold monitors (scraped/ops/monitors.py) and the engine
when a full disk or a read-only state dir pauses a job (scraped/engine/storage.py). Both
are handed this one object by the composition root (scraped/daemon.py), so `monitors`
shows every alert and counts every delivery.

Error handling: a failed webhook POST is counted, kept as `last_error`, logged and
captured (category "alerting"), never raised: the alert is already in the tracker.
"""

from __future__ import annotations

import logging
import socket
from collections import deque
from typing import Any

import trio

from scraped.ops import webhook

log = logging.getLogger(__name__)

WEBHOOK_CREDENTIAL = "SCRAPED_ALERT_WEBHOOK_URL"
RECENT = 50


class Alerts:
    def __init__(self, app: Any, errors: Any, *, poster: Any = webhook.post):
        self.app = app
        self.errors = errors
        self.poster = poster
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)
        self.sent = 0
        self.failures = 0
        self.last_error: str | None = None
        self._host = socket.gethostname()

    def webhook_url(self) -> str:
        secret = self.app.secrets.get(WEBHOOK_CREDENTIAL) if self.app.secrets is not None else None
        return secret or self.app.config.ops.alerts.webhook_url

    async def deliver(self, alerts: list[dict[str, Any]]) -> int:
        """POST each alert to the webhook (if one is set); the number delivered."""
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
                self.failures += 1
                self.last_error = str(exc)
                alert["delivered"] = False
                self.errors.capture(str(exc), "alerting", "medium", {"monitor": alert["monitor"]},
                                    error_type="WebhookError", location="monitors:deliver")
                log.warning("alert not delivered: %s", exc, extra={"alert": alert["monitor"]})
                continue
            alert["delivered"] = True
            self.sent += 1
            sent += 1
        return sent

    def webhook_status(self) -> dict[str, Any]:
        url = self.webhook_url()
        return {"configured": bool(url), "target": webhook.redact(url), "sent": self.sent,
                "failures": self.failures, "last_error": self.last_error}
