"""POST an alert to a webhook: the one place ops talks HTTP (httpx errors mapped here)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from scraped import __version__, errors


class WebhookError(errors.Unavailable):
    """The webhook did not accept the alert."""


def redact(url: str) -> str:
    """scheme://host[:port] only: webhook paths and queries often carry tokens."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"


async def post(url: str, body: dict[str, Any]) -> int:
    """POST `body` as JSON; returns the status. Raises WebhookError (never an httpx error).
    The caller bounds it with a cancel scope (alerts.webhook_timeout)."""
    data = json.dumps(body, default=str).encode()
    headers = {"content-type": "application/json", "user-agent": f"scraped/{__version__} alerts"}
    try:
        async with httpx.AsyncClient(timeout=None, follow_redirects=False) as client:
            response = await client.post(url, content=data, headers=headers)
    except (httpx.HTTPError, ValueError) as exc:  # ValueError: a malformed URL
        raise WebhookError(f"webhook {redact(url)} failed: {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise WebhookError(f"webhook {redact(url)} answered HTTP {response.status_code}")
    return response.status_code
