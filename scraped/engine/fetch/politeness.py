"""Per-host slots: how many requests a host gets at once, and how far apart they start.

Like Scrapy's downloader slots: one `Slot` per host name, shared by every job that
fetches that host. A slot holds a concurrency limiter and the earliest time the next
request may start; a request takes a token, then reserves its start time (so waiters are
spaced out without polling), then runs. The delay between starts is the largest of the
policy's delay, robots.txt's crawl-delay and, with autothrottle, a delay learnt from
latency (Scrapy's AutoThrottle: aim for `target_concurrency` requests in flight, so
delay ~ latency / target, moving halfway towards it each response, never lowered by an
error response, bounded by [policy.delay, policy.max_delay]).

Jobs that disagree on one host get the strictest of their policies (lowest concurrency,
longest delay) while the slot lives; a slot idle for `idle_ttl` is forgotten.

Resource handling: slots live in a dict swept of idle entries when it grows; every
operation on the hot path is O(1).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio

__all__ = ["HostPolicy", "Slot", "Slots"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HostPolicy:
    """A job's politeness towards each host it fetches."""

    concurrency: int = 2
    delay: float = 0.0                # minimum seconds between request starts on one host
    autothrottle: bool = False        # adapt the delay to observed latency
    target_concurrency: float = 1.0   # autothrottle: requests in flight to aim for
    max_delay: float = 60.0           # autothrottle: the longest delay it may choose
    obey_robots: bool | None = None   # None: FetchSettings.obey_robots decides

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("HostPolicy.concurrency must be at least 1")
        if self.delay < 0 or self.max_delay < 0 or self.target_concurrency <= 0:
            raise ValueError("HostPolicy delays must be >= 0 and target_concurrency > 0")


def _strictest(a: HostPolicy, b: HostPolicy) -> HostPolicy:
    return HostPolicy(concurrency=min(a.concurrency, b.concurrency), delay=max(a.delay, b.delay),
                      autothrottle=a.autothrottle or b.autothrottle,
                      target_concurrency=min(a.target_concurrency, b.target_concurrency),
                      max_delay=max(a.max_delay, b.max_delay))


class Slot:
    """One host's concurrency tokens and request spacing."""

    __slots__ = ("_limiter", "_seen", "auto_delay", "crawl_delay", "host", "last", "last_used",
                 "next_start", "policy")

    def __init__(self, host: str, policy: HostPolicy):
        self.host = host
        self.policy = policy
        self.last = policy
        self._seen = {policy}
        self._limiter = trio.CapacityLimiter(policy.concurrency)
        self.next_start = 0.0       # trio clock: the earliest start of the next request
        self.crawl_delay = 0.0      # from robots.txt, capped by the fetcher
        self.auto_delay = policy.delay
        self.last_used = trio.current_time()

    def adopt(self, policy: HostPolicy) -> None:
        """Take another job's policy into account (the strictest one wins)."""
        self.last = policy
        if policy in self._seen:
            return
        self._seen.add(policy)
        self.policy = _strictest(self.policy, policy)
        self._limiter.total_tokens = self.policy.concurrency
        self.auto_delay = max(self.auto_delay, self.policy.delay)

    @property
    def delay(self) -> float:
        p = self.policy
        d = p.delay if p.delay > self.crawl_delay else self.crawl_delay
        return self.auto_delay if p.autothrottle and self.auto_delay > d else d

    @property
    def busy(self) -> bool:
        return self._limiter.borrowed_tokens > 0 or self._limiter.statistics().tasks_waiting > 0

    async def acquire(self) -> object:
        """Wait for a token and this request's turn to start; pass the result to `release`."""
        token = object()  # a borrower of its own: one task may follow a redirect to this host
        await self._limiter.acquire_on_behalf_of(token)
        try:
            now = trio.current_time()
            start = self.next_start if self.next_start > now else now
            self.next_start = start + self.delay
            if start > now:
                await trio.sleep_until(start)
        except BaseException:
            self._limiter.release_on_behalf_of(token)
            raise
        return token

    def release(self, token: object) -> None:
        self._limiter.release_on_behalf_of(token)
        self.last_used = trio.current_time()

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """`acquire` and `release` around a block."""
        token = await self.acquire()
        try:
            yield
        finally:
            self.release(token)

    def pause(self, seconds: float) -> None:
        """No request starts on this host for `seconds` (a 429/503 with Retry-After)."""
        until = trio.current_time() + seconds
        if until > self.next_start:
            self.next_start = until

    def observe(self, latency: float, ok: bool) -> None:
        """Autothrottle: learn from one response's latency (time to its headers)."""
        p = self.policy
        if not p.autothrottle:
            return
        target = latency / p.target_concurrency
        new = (self.auto_delay + target) / 2.0
        if target > new:
            new = target
        new = min(max(p.delay, new), p.max_delay)
        if not ok and new < self.auto_delay:
            return  # an error answer is often fast: it must not speed us up
        self.auto_delay = new


class Slots:
    """The slots of every host, created on first use and forgotten when idle."""

    def __init__(self, *, idle_ttl: float = 300.0, sweep_above: int = 1024):
        self._slots: dict[str, Slot] = {}
        self.idle_ttl = idle_ttl
        self.sweep_above = sweep_above
        self._swept = 0.0

    def get(self, host: str, policy: HostPolicy) -> Slot:
        slot = self._slots.get(host)
        if slot is None:
            if len(self._slots) >= self.sweep_above:
                self._sweep()
            slot = self._slots[host] = Slot(host, policy)
        elif policy is not slot.last:
            slot.adopt(policy)
        return slot

    def _sweep(self) -> None:
        now = trio.current_time()
        if now - self._swept < min(60.0, self.idle_ttl):
            return
        self._swept = now
        idle = [h for h, s in self._slots.items()
                if not s.busy and s.next_start < now and now - s.last_used > self.idle_ttl]
        for host in idle:
            del self._slots[host]
        if idle:
            log.debug("forgot %d idle host slots", len(idle))

    def __len__(self) -> int:
        return len(self._slots)

    def delays(self) -> dict[str, float]:
        """Current delay of each host whose delay is not zero (autothrottle, crawl-delay)."""
        return {h: round(s.delay, 4) for h, s in self._slots.items() if s.delay > 0}
