"""The fetcher: one shared httpx.AsyncClient under trio, polite and safe.

`Fetcher.fetch(url, policy)` returns a `FetchResult` or raises `FetchError`. Each redirect
hop is one step:

    parse URL -> address guard -> robots.txt (per origin, cached) -> host slot
    (concurrency + delay) -> GET under the total timeout -> status, type, size, charset

Redirects are followed here, not by httpx, so the guard and robots.txt see every hop.
Timeouts, connection errors, 429 and 5xx are retried with capped exponential backoff and
full jitter; a Retry-After also pauses the whole host slot, and one longer than
`backoff_max` ends the retries (the error carries `retry_after` for the caller).

Resource handling: the client (and its connection pool) is opened by `async with` and
closed on exit; responses are always closed, and a body cut short closes its connection.
Error handling: httpx is mapped to FetchError in `fetch_errors.transport_errors` only.
See guard.py (address rules, DNS pinning), politeness.py (slots, autothrottle),
robots.py (robots.txt policy) and body.py (bounded inflate, charset), beside this file.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import ssl
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from typing import Any

import httpcore
import httpx
import trio

from scraped.engine.fetch import body as fetch_body
from scraped.engine.fetch.fetch_errors import (
    KINDS,
    FetchError,
    drain,
    parse_retry_after,
    transport_errors,
)
from scraped.engine.fetch.guard import DEFAULT_DENY, Guard, GuardedBackend, Resolver
from scraped.engine.fetch.politeness import HostPolicy, Slots
from scraped.engine.fetch.robots import RobotsCache

__all__ = ["FetchError", "FetchResult", "FetchSettings", "Fetcher", "HostPolicy"]

log = logging.getLogger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_POLICY = HostPolicy()


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = "scraped/0.1"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0          # one hop incl. body, enforced with trio.fail_after
    max_redirects: int = 5
    max_bytes: int = 5 * 1024 * 1024     # cap on the DECODED body, enforced while streaming
    content_types: tuple[str, ...] = ("text/html", "application/xhtml+xml", "text/plain")
    retries: int = 3                     # on timeouts, connection errors, 429, 5xx
    backoff_base: float = 0.5            # exponential with full jitter, capped
    backoff_max: float = 30.0            # Retry-After is honoured up to this cap
    allow_private_networks: bool = False
    obey_robots: bool = True
    max_connections: int = 100
    allow_networks: tuple[str, ...] = ()            # CIDRs let through the guard (e.g. an intranet)
    deny_networks: tuple[str, ...] = DEFAULT_DENY   # CIDRs always refused (cloud metadata)
    robots_max_bytes: int = 500 * 1024
    max_crawl_delay: float = 60.0        # a robots.txt crawl-delay above this is capped
    dns_cache_ttl: float = 60.0          # seconds a checked resolution is reused (and pinned)

    @classmethod
    def from_engine(cls, e: Any) -> FetchSettings:
        """The settings of [engine] and [engine.fetch] (scraped.engine.engine_config.EngineConfig):
        the daemon's jobs and `scraped extract URL` fetch with these."""
        f = e.fetch
        return cls(
            user_agent=e.user_agent, allow_private_networks=e.allow_private_networks, obey_robots=e.obey_robots,
            connect_timeout=f.connect_timeout, read_timeout=f.read_timeout, total_timeout=f.total_timeout,
            retries=f.retries, backoff_base=f.backoff, backoff_max=f.backoff_max, max_redirects=f.max_redirects,
            max_bytes=f.max_response_bytes, content_types=tuple(f.content_types),
            max_connections=f.max_connections)


@dataclass(frozen=True)
class FetchResult:
    url: str            # requested
    final_url: str      # after redirects
    status: int
    content_type: str
    encoding: str
    text: str
    nbytes: int         # decoded body bytes
    elapsed: float      # seconds of the final request, sending to end of body (no waits)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for the process (building one loads the CA bundle: ~70 ms)."""
    return httpx.create_ssl_context(trust_env=False)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose pool connects through the guard (DNS pinning, see guard.py)."""

    def __init__(self, guard: Guard, limits: httpx.Limits,
                 network_backend: httpcore.AsyncNetworkBackend | None = None):
        # Not calling super().__init__: all it does is build `self._pool`, which we build
        # with httpcore's public `network_backend` seam (httpx is pinned to 0.28.x).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(guard, network_backend))


class Fetcher:
    """Fetches pages for every job through one client. Use as `async with Fetcher(s) as f:`."""

    def __init__(self, settings: FetchSettings, *, transport: httpx.AsyncBaseTransport | None = None,
                 resolver: Resolver | None = None,
                 network_backend: httpcore.AsyncNetworkBackend | None = None):
        """`transport` replaces the guarded one (the early guard check still runs);
        `resolver` is `async (host, port) -> [ip, ...]`; `network_backend` is what the
        guarded transport connects with once the guard passed (a test seam)."""
        self._settings = settings
        self._transport = transport
        self._network_backend = network_backend
        self._guard = Guard(allow_private=settings.allow_private_networks,
                            allow_networks=settings.allow_networks,
                            deny_networks=settings.deny_networks, resolver=resolver,
                            ttl=settings.dns_cache_ttl)
        self._slots = Slots()
        self._robots = RobotsCache(self._fetch_robots)
        self._client: httpx.AsyncClient | None = None
        self._stack: AsyncExitStack | None = None
        self._counts = {"requests": 0, "ok": 0, "retries": 0, "http_requests": 0, "bytes": 0}
        self._failures = dict.fromkeys(KINDS, 0)

    async def __aenter__(self) -> Fetcher:
        s = self._settings
        limits = httpx.Limits(max_connections=s.max_connections,
                              max_keepalive_connections=s.max_connections)
        transport = self._transport or _GuardedTransport(self._guard, limits, self._network_backend)
        client = httpx.AsyncClient(transport=transport, timeout=self._timeout(s),
                                   headers=self._headers(s), follow_redirects=False, trust_env=False,
                                   event_hooks={"response": [_hide_location]})
        async with AsyncExitStack() as stack:
            self._client = await stack.enter_async_context(client)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    @staticmethod
    def _timeout(s: FetchSettings) -> httpx.Timeout:
        return httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout,
                             pool=s.total_timeout)

    @staticmethod
    def _headers(s: FetchSettings) -> dict[str, str]:
        return {"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate",
                "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"}

    def update_settings(self, settings: FetchSettings) -> None:
        """Live reload: user agent, timeouts, caps, retries, robots, guard rules."""
        old, self._settings = self._settings, settings
        if self._client is not None:
            self._client.headers["User-Agent"] = settings.user_agent
            self._client.timeout = self._timeout(settings)
        guard_keys = ("allow_private_networks", "allow_networks", "deny_networks")
        self._guard.ttl = settings.dns_cache_ttl
        if any(getattr(old, k) != getattr(settings, k) for k in guard_keys):
            self._guard.configure(allow_private=settings.allow_private_networks,
                                  allow_networks=settings.allow_networks,
                                  deny_networks=settings.deny_networks)
        if old.max_connections != settings.max_connections:
            log.warning("fetch max_connections changes take effect after a restart")

    def stats(self) -> dict[str, Any]:
        return {**self._counts,
                "failures": {k: v for k, v in self._failures.items() if v},
                "hosts": len(self._slots),
                "delays": self._slots.delays(),
                "robots": {"origins": len(self._robots), "fetches": self._robots.fetches,
                           "errors": self._robots.errors}}

    async def fetch(self, url: str, policy: HostPolicy = _DEFAULT_POLICY) -> FetchResult:
        """Fetch one page (robots, guard, slot, redirects, retries); FetchError if it cannot."""
        if self._client is None:
            raise RuntimeError("Fetcher used outside 'async with'")
        self._counts["requests"] += 1
        attempt = 0
        try:
            while True:
                s = self._settings
                try:
                    result = await self._follow(url, policy, s)
                except FetchError as exc:
                    if not exc.retryable or attempt >= s.retries:
                        raise
                    wait = random.uniform(0.0, min(s.backoff_max, s.backoff_base * 2.0 ** attempt))
                    if exc.retry_after is not None:
                        if exc.retry_after > s.backoff_max:
                            raise  # the server wants a longer pause than we wait for
                        wait = exc.retry_after
                    attempt += 1
                    self._counts["retries"] += 1
                    log.debug("retry %d of %s in %.2fs: %s", attempt, url, wait, exc.reason)
                    await trio.sleep(wait)
                    continue
                self._counts["ok"] += 1
                self._counts["bytes"] += result.nbytes
                return result
        except FetchError as exc:
            self._failures[exc.kind] += 1
            raise

    async def _fetch_robots(self, url: str, policy: HostPolicy) -> str:
        result = await self._follow(url, policy, self._settings, robots=True)
        return result.text

    async def _follow(self, url: str, policy: HostPolicy, s: FetchSettings, *,
                      robots: bool = False) -> FetchResult:
        current = url
        seen: set[str] | None = None
        obey = (s.obey_robots if policy.obey_robots is None else policy.obey_robots) and not robots
        for _ in range(s.max_redirects + 1):
            try:
                outcome = await self._step(current, policy, s, obey, robots)
            except FetchError as exc:
                if current is url:
                    raise
                raise FetchError(url, f"{exc.reason} (redirected to {current})", exc.kind,
                                 status=exc.status, retryable=exc.retryable,
                                 retry_after=exc.retry_after) from None
            if isinstance(outcome, FetchResult):
                return outcome if current is url else replace(outcome, url=url)
            if seen is None:
                seen = {current}
            nxt = _redirect_target(url, current, outcome)
            if nxt in seen:
                raise FetchError(url, f"redirect loop at {nxt}", "redirects")
            seen.add(nxt)
            current = nxt
        raise FetchError(url, f"more than {s.max_redirects} redirects (last: {current})", "redirects")

    async def _step(self, url: str, policy: HostPolicy, s: FetchSettings, obey: bool,
                    robots: bool) -> FetchResult | str:
        """One hop: guard, robots.txt, then the GET inside the host's slot."""
        target = _parse(url)
        host = target.host
        await self._guard.check(host, target.port or _port(target), url)
        slot = self._slots.get(host, policy)
        if obey:
            origin = f"{target.scheme}://{target.netloc.decode('ascii')}"
            crawl_delay = await self._robots.check(url, origin, s.user_agent, policy)
            if crawl_delay is not None and crawl_delay > 0:  # (False for NaN too)
                slot.crawl_delay = min(crawl_delay, s.max_crawl_delay)
        token = await slot.acquire()
        try:
            return await self._hop(target, url, slot, s, robots)
        finally:
            slot.release(token)

    async def _hop(self, target: httpx.URL, url: str, slot: Any, s: FetchSettings,
                   robots: bool) -> FetchResult | str:
        """One GET inside the slot: a FetchResult, or the Location of a redirect."""
        client = self._client
        assert client is not None
        self._counts["http_requests"] += 1
        max_bytes = s.robots_max_bytes if robots else s.max_bytes
        start = trio.current_time()
        with transport_errors(url, s.total_timeout):
            response = await client.send(client.build_request("GET", target), stream=True)
            try:
                latency = trio.current_time() - start
                status = response.status_code
                headers = response.headers
                if status in _REDIRECTS:
                    slot.observe(latency, True)
                    location = headers.get(_LOCATION)
                    if not location:
                        raise FetchError(url, f"HTTP {status} without a Location", "redirects",
                                         status=status)
                    await drain(response)
                    return location
                if status >= 300:  # 4xx, 5xx, and 3xx that are not redirects (300, 304, 305)
                    slot.observe(latency, False)
                    error = self._status_error(url, status, headers, slot, s)
                    await drain(response)
                    raise error
                slot.observe(latency, True)
                ctype = headers.get("content-type", "")
                mime = ctype.partition(";")[0].strip().lower()
                if mime and not robots and mime not in s.content_types:
                    raise FetchError(url, f"content type {mime!r} is not wanted", "content_type")
                if "content-encoding" not in headers:
                    length = headers.get("content-length", "")
                    if length.isdigit() and int(length) > max_bytes and not robots:
                        raise FetchError(url, f"Content-Length {length} is over the cap of "
                                         f"{max_bytes} bytes", "too_large")
                body = await fetch_body.read_body(response, url, max_bytes, robots=robots)
            finally:
                await response.aclose()
        if not robots:
            if not mime:
                mime = fetch_body.sniff_type(body[: fetch_body.SNIFF_BYTES])
                if mime not in s.content_types:
                    raise FetchError(url, f"untyped body sniffed as {mime!r}", "content_type")
        text, encoding = fetch_body.decode_text(body, ctype)
        return FetchResult(url, url, status, mime, encoding, text, len(body),
                           trio.current_time() - start)

    @staticmethod
    def _status_error(url: str, status: int, headers: httpx.Headers, slot: Any,
                      s: FetchSettings) -> FetchError:
        retryable = status == 429 or (status >= 500 and status != 501)
        retry_after = parse_retry_after(headers.get("retry-after")) if retryable else None
        if retry_after is not None:
            slot.pause(min(retry_after, s.backoff_max))  # the whole host waits, not one URL
        return FetchError(url, f"HTTP {status}", "http_status", status=status,
                          retryable=retryable, retry_after=retry_after)


_HOST = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?")
_LOCATION = "x-scraped-location"


async def _hide_location(response: httpx.Response) -> None:
    """Keep httpx away from a redirect's Location: it parses it even when not following
    (a bad one would surface as a protocol error); we follow redirects ourselves."""
    if response.status_code in _REDIRECTS:
        location = response.headers.pop("location", None)
        if location is not None:
            response.headers[_LOCATION] = location


def _parse(url: str) -> httpx.URL:
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(str(url), f"invalid URL: {exc}", "invalid_url") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise FetchError(url, "not an http(s) URL with a host", "invalid_url")
    host = target.host
    if ":" not in host and not _HOST.fullmatch(host):  # IPv6 literals were checked by httpx
        raise FetchError(url, f"invalid host name {host!r}", "invalid_url")
    if target.port is not None and not 0 < target.port < 65536:
        raise FetchError(url, f"invalid port {target.port}", "invalid_url")
    return target


def _port(target: httpx.URL) -> int:
    return 443 if target.scheme == "https" else 80


def _redirect_target(url: str, current: str, location: str) -> str:
    try:
        nxt = httpx.URL(current).join(location.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(url, f"bad redirect Location {location!r}: {exc}", "redirects") from None
    if nxt.scheme not in ("http", "https") or not nxt.host:
        raise FetchError(url, f"redirect to a non-http(s) URL: {location!r}", "redirects")
    return str(nxt.copy_with(fragment=None))

