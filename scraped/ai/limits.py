"""Per-provider guards of the router: token buckets, the circuit breaker, latency window.

All clocks are `trio.current_time()` (monotonic; a MockClock in tests); none of these
objects do IO, so they are plain and cheap. State lives in the router by provider name,
so it survives a reload that rebuilds the provider clients.
"""

from __future__ import annotations

import statistics
import time
from collections import deque

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
