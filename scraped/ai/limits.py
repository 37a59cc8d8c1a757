"""Per-provider guards of the router: token buckets, the circuit breaker, latency window.

All clocks are `trio.current_time()` (monotonic; a MockClock in tests); none of these
objects do IO, so they are plain and cheap. State lives in the router by provider name,
so it survives a reload that rebuilds the provider clients.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

import trio

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class TokenBucket:
    """`rate_per_minute` units refill continuously up to a burst of one minute's worth.
    A rate of 0 means no limit."""

    def __init__(self, rate_per_minute: float):
        self.rate = float(rate_per_minute)
        self.level = self.rate
        self.stamp = trio.current_time()

    def _refill(self) -> None:
        now = trio.current_time()
        self.level = min(self.rate, self.level + (now - self.stamp) * self.rate / 60.0)
        self.stamp = now

    def wait_time(self, amount: float) -> float:
        """Seconds until `amount` units are available (an amount above the burst waits
        for a full bucket, so one oversized request is not refused for ever)."""
        if self.rate <= 0:
            return 0.0
        self._refill()
        need = min(amount, self.rate) - self.level
        return 0.0 if need <= 0 else need * 60.0 / self.rate

    def take(self, amount: float) -> None:
        if self.rate > 0:
            self._refill()
            self.level -= amount  # may go negative: an under-estimate is paid back later

    def give_back(self, amount: float) -> None:
        if self.rate > 0:
            self.level = min(self.rate, self.level + amount)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def parse_duration(value: str | None) -> float | None:
    """Seconds from a Groq reset header ("2m59.56s", "7.66s", "1h2m", "250ms", "12"); None
    when it cannot be read."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * scale[u] for n, u in parts)


class ServerLimits:
    """The provider's own account of its limits, from its x-ratelimit-* headers (Groq sends
    them on every reply: remaining requests of the day and tokens of the minute, and when
    each resets). Calls wait (or pass on) while the server said nothing is left, and each
    admitted call is taken off the remainder, so concurrent calls do not all rush in."""

    def __init__(self) -> None:
        self.requests: float | None = None
        self.tokens: float | None = None
        self.requests_reset = 0.0
        self.tokens_reset = 0.0
        self.limit_requests: int | None = None
        self.limit_tokens: int | None = None

    def update(self, headers: Mapping[str, str]) -> None:
        now = trio.current_time()
        for what in ("requests", "tokens"):
            remaining = _number(headers.get(f"x-ratelimit-remaining-{what}"))
            if remaining is None:
                continue
            reset = parse_duration(headers.get(f"x-ratelimit-reset-{what}"))
            setattr(self, what, remaining)
            setattr(self, f"{what}_reset", now + (reset if reset is not None else 60.0))
            limit = _number(headers.get(f"x-ratelimit-limit-{what}"))
            if limit is not None:
                setattr(self, f"limit_{what}", int(limit))

    def _expire(self, now: float) -> None:
        if self.requests is not None and now >= self.requests_reset:
            self.requests = None
        if self.tokens is not None and now >= self.tokens_reset:
            self.tokens = None

    def wait_time(self, tokens: float) -> float:
        now = trio.current_time()
        self._expire(now)
        wait = 0.0
        if self.requests is not None and self.requests < 1:
            wait = self.requests_reset - now
        if self.tokens is not None and self.tokens < tokens:
            wait = max(wait, self.tokens_reset - now)
        return max(0.0, wait)

    def take(self, tokens: float) -> None:
        if self.requests is not None:
            self.requests -= 1
        if self.tokens is not None:
            self.tokens -= tokens

    def snapshot(self) -> dict[str, Any] | None:
        self._expire(trio.current_time())
        if self.requests is None and self.tokens is None:
            return None
        return {"remaining_requests": self.requests, "limit_requests": self.limit_requests,
                "remaining_tokens": self.tokens, "limit_tokens": self.limit_tokens}


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class Breaker:
    """Opens after `threshold` consecutive failures; after `cooldown` seconds lets one
    trial call through (half-open): success closes it, failure opens it again.
    `hold(seconds)` keeps calls away for a provider-requested pause (a long Retry-After)."""

    def __init__(self, threshold: int, cooldown: float):
        self.threshold, self.cooldown = threshold, cooldown
        self.failures = 0
        self.state = CLOSED
        self.opened_at = 0.0
        self.hold_until = 0.0
        self.trial_in_flight = False

    def configure(self, threshold: int, cooldown: float) -> None:
        self.threshold, self.cooldown = threshold, cooldown

    def current(self) -> str:
        if self.state == OPEN and trio.current_time() - self.opened_at >= self.cooldown:
            return HALF_OPEN
        return self.state

    def allow(self) -> tuple[bool, str]:
        """(may call now, why not)."""
        now = trio.current_time()
        if now < self.hold_until:
            return False, f"provider asked to wait {self.hold_until - now:.0f} s more"
        state = self.current()
        if state == CLOSED:
            return True, ""
        if state == HALF_OPEN and not self.trial_in_flight:
            self.state = HALF_OPEN
            self.trial_in_flight = True
            return True, ""
        return False, "circuit breaker open" if state == OPEN else "half-open trial in flight"

    def hold(self, seconds: float) -> None:
        self.hold_until = max(self.hold_until, trio.current_time() + seconds)

    def answered(self) -> None:
        """The provider answered, but the model's content was unusable: not a provider
        fault, so no failure is counted; a half-open trial is over (the provider is up)."""
        self.success()

    def success(self) -> None:
        self.failures = 0
        self.state = CLOSED
        self.trial_in_flight = False

    def failure(self) -> None:
        self.failures += 1
        self.trial_in_flight = False
        if self.state == HALF_OPEN or self.failures >= self.threshold:
            self.state = OPEN
            self.opened_at = trio.current_time()

    def release(self) -> None:
        """A call that ended without a verdict (cancelled): let the next trial through."""
        self.trial_in_flight = False


class ProviderStats:
    """What `health ai_services` shows for a provider."""

    def __init__(self, window: int = 200):
        self.latencies: deque[float] = deque(maxlen=window)
        self.last_success_at: float | None = None
        self.last_failure_at: float | None = None
        self.last_error: str | None = None
        self.calls = 0
        self.failures = 0

    def ok(self, seconds: float) -> None:
        self.calls += 1
        self.latencies.append(seconds)
        self.last_success_at = time.time()

    def failed(self, error: str) -> None:
        self.calls += 1
        self.failures += 1
        self.last_failure_at = time.time()
        self.last_error = error

    def p50_ms(self) -> float | None:
        if not self.latencies:
            return None
        return round(statistics.median(self.latencies) * 1000.0, 1)
