"""robots.txt, fetched once per origin and cached, parsed with protego.

What a fetch of /robots.txt means (RFC 9309 section 2.3.1, with one deliberate change):

    answer                              rules          cached for
    2xx                                 the file       ttl (24 h, the RFC's upper bound)
    4xx (404, 410, 401, 403...)         allow all      ttl
    5xx, timeout, refused, too slow     allow all *    error_ttl (10 min), then asked again
    redirects                           followed (5 hops, each through the address guard)

* RFC 9309 says an unreachable robots.txt should be read as "disallow all". We allow all
  instead and log a warning once per origin and episode: a crawl should not stall on a
  host whose robots endpoint alone is broken, and the per-host slots keep the load polite.
  The error is cached briefly so a recovered host's real rules are picked up soon.

Only the first `max_bytes` (500 KiB, Google's limit) of a file are parsed. Concurrent
checks of a new origin wait for one fetch (single flight), so a burst of 100 URLs on a new
host costs one robots.txt request.

Resource handling: at most `max_origins` entries; the oldest are dropped first.
Error handling: a disallowed URL raises FetchError(kind="robots"); a pending fetch that
is cancelled leaves no entry behind, so the next caller fetches again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import trio
from protego import Protego

from scraped.engine.fetch.fetch_errors import FetchError

__all__ = ["RobotsCache"]

log = logging.getLogger(__name__)

# (robots.txt URL, the caller's context) -> text of the file; FetchError for HTTP errors
# and failures. The context (the job's host policy) is passed through untouched.
FetchRobots = Callable[[str, Any], Awaitable[str]]


class _Entry:
    __slots__ = ("crawl_delays", "done", "expires", "rules")

    def __init__(self) -> None:
        self.done = trio.Event()
        self.rules: Protego | None = None    # None: allow all
        self.expires = 0.0
        self.crawl_delays: dict[str, float | None] = {}


class RobotsCache:
    def __init__(self, fetch_robots: FetchRobots, *, ttl: float = 86400.0, error_ttl: float = 600.0,
                 max_origins: int = 10_000):
        self._fetch = fetch_robots
        self.ttl = ttl
        self.error_ttl = error_ttl
        self.max_origins = max_origins
        self._entries: dict[str, _Entry] = {}
        self.fetches = 0
        self.errors = 0
        self._warned: set[str] = set()  # origins whose robots.txt failure was logged

    def __len__(self) -> int:
        return len(self._entries)

    async def check(self, url: str, origin: str, user_agent: str, context: Any = None) -> float | None:
        """Raise FetchError(kind="robots") if `url` is disallowed; else its origin's crawl-delay."""
        entry = await self._entry(origin, context)
        rules = entry.rules
        if rules is None:
            return None
        if not rules.can_fetch(url, user_agent):
            raise FetchError(url, f"disallowed by {origin}/robots.txt", "robots")
        delays = entry.crawl_delays
        if user_agent not in delays:
            delays[user_agent] = rules.crawl_delay(user_agent)
        return delays[user_agent]

    async def _entry(self, origin: str, context: Any) -> _Entry:
        while True:
            entry = self._entries.get(origin)
            if entry is None or (entry.done.is_set() and entry.expires <= trio.current_time()):
                break
            if entry.done.is_set():
                return entry
            await entry.done.wait()  # another task is fetching it; look again after
        entry = _Entry()
        if len(self._entries) >= self.max_origins:
            for old in list(self._entries)[: max(1, self.max_origins // 10)]:
                if self._entries[old].done.is_set():
                    del self._entries[old]
        self._entries[origin] = entry
        try:
            await self._load(origin, entry, context)
        finally:
            if entry.expires == 0.0 and self._entries.get(origin) is entry:
                del self._entries[origin]  # cancelled mid-fetch: leave nothing half-done
            entry.done.set()
        return entry

    async def _load(self, origin: str, entry: _Entry, context: Any) -> None:
        self.fetches += 1
        url = origin + "/robots.txt"
        try:
            text = await self._fetch(url, context)
        except FetchError as exc:
            if exc.kind == "http_status" and exc.status is not None and 400 <= exc.status < 500:
                entry.expires = trio.current_time() + self.ttl  # no robots.txt: allow all
                return
            self.errors += 1
            if origin not in self._warned:
                if len(self._warned) >= self.max_origins:
                    self._warned.clear()
                self._warned.add(origin)
                log.warning("robots.txt of %s unavailable (%s: %s); allowing all, asking again "
                            "every %gs", origin, exc.kind, exc.reason, self.error_ttl)
            entry.expires = trio.current_time() + self.error_ttl
            return
        self._warned.discard(origin)
        try:
            entry.rules = Protego.parse(text)
        except Exception as exc:  # hostile input must not fail pages; protego is the only parser
            log.warning("robots.txt of %s does not parse (%s); allowing all", origin, exc)
        entry.expires = trio.current_time() + self.ttl
