"""The address guard: never let a crawl reach the daemon's own network.

A page (or a redirect, or a DNS record) can point the crawler at loopback, a private
network, the cloud metadata service (169.254.169.254), multicast or reserved space. The
guard resolves each host with trio's getaddrinfo and refuses the target if ANY of its
addresses is one of those, for IPv4 and IPv6 alike; IPv6 forms that carry an IPv4 address
(IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by it.

    category      refused unless
    loopback      allow_private_networks, or in allow_networks
    private       (same)  RFC 1918, fc00::/7, TEST-NETs, benchmarking
    link-local    (same)  169.254.0.0/16, fe80::/10
    shared        (same)  other non-global space, e.g. 100.64.0.0/10 (CGNAT)
    unspecified   in allow_networks only (0.0.0.0 and :: reach the local host)
    multicast     in allow_networks only
    reserved      in allow_networks only
    denied        never: deny_networks (cloud metadata endpoints by default) beats all

DNS rebinding: checking a name and then letting the HTTP client resolve it again leaves a
window in which the name can start pointing somewhere else. We close it (pinning): the
default transport of the Fetcher connects through `GuardedBackend`, which resolves and
checks at connect time and connects to exactly the addresses it checked, while TLS still
verifies the certificate against the host name. Resolutions are cached for `ttl` seconds,
so the early check in `Fetcher.fetch` and the connect-time check agree and cost one lookup.
A caller that passes its own transport gets the early check only.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore
import trio

from scraped.engine.fetch.fetch_errors import FetchError

__all__ = ["DEFAULT_DENY", "Guard", "GuardedBackend", "Resolver", "classify", "default_resolver"]

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

# Cloud metadata services: refused even when private networks are allowed, because no
# crawl has any business there and a leak of their credentials is the classic SSRF prize.
DEFAULT_DENY = ("169.254.169.254/32", "169.254.170.2/32", "fd00:ec2::254/128",
                "100.100.100.200/32")

_SOFT = frozenset({"loopback", "private", "link-local", "shared"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


def classify(ip: IPAddress) -> str | None:
    """The category that makes `ip` unfit for a crawl, or None for a global address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            return classify(inner)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "shared"
    return None


async def default_resolver(host: str, port: int) -> list[str]:
    """The addresses of `host`, via trio's getaddrinfo (a thread for names, inline for IPs)."""
    infos = await trio.socket.getaddrinfo(host, port, type=trio.socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _networks(specs: Iterable[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(s, strict=False) for s in specs)


class Guard:
    """Resolves hosts and refuses the ones that reach non-public addresses.

    Resource handling: a small cache host -> (expiry, addresses) of resolutions that
    passed; refusals and DNS failures are not cached.
    Error handling: `check` raises FetchError (kind "blocked_address", or "connect" when
    the name does not resolve).
    """

    def __init__(self, *, allow_private: bool = False, allow_networks: Iterable[str] = (),
                 deny_networks: Iterable[str] = DEFAULT_DENY, resolver: Resolver | None = None,
                 ttl: float = 60.0, cache_size: int = 4096):
        self.resolver: Resolver = resolver or default_resolver
        self.ttl = ttl
        self.cache_size = cache_size
        self._cache: dict[tuple[str, int], tuple[float, tuple[str, ...]]] = {}
        self.configure(allow_private=allow_private, allow_networks=allow_networks,
                       deny_networks=deny_networks)

    def configure(self, *, allow_private: bool, allow_networks: Iterable[str],
                  deny_networks: Iterable[str]) -> None:
        """Swap the rules (a config reload); cached resolutions are dropped."""
        self.allow_private = allow_private
        self.allow_networks = _networks(allow_networks)
        self.deny_networks = _networks(deny_networks)
        self._cache.clear()

    def refusal(self, address: str) -> str | None:
        """Why `address` is refused, or None if it may be reached."""
        try:
            ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address!r} is not an IP address"
        if isinstance(ip, ipaddress.IPv6Address):
            ip = _embedded_v4(ip) or ip  # ::ffff:169.254.169.254 is 169.254.169.254
        if any(ip in net for net in self.deny_networks if net.version == ip.version):
            return f"{ip} is a denied address (deny_networks)"
        if any(ip in net for net in self.allow_networks if net.version == ip.version):
            return None
        category = classify(ip)
        if category is None or (category in _SOFT and self.allow_private):
            return None
        return f"{ip} is a {category} address"

    async def check(self, host: str, port: int, url: str | None = None) -> tuple[str, ...]:
        """The addresses of host:port, all of which passed; FetchError if any did not."""
        key = (host, port)
        hit = self._cache.get(key)
        now = trio.current_time()
        if hit is not None and hit[0] > now:
            return hit[1]
        where = url or f"{host}:{port}"
        try:
            addresses = tuple(await self.resolver(host, port))
        except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
            transient = isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_AGAIN
            raise FetchError(where, f"cannot resolve {host!r}: {exc}", "connect",
                             retryable=transient) from None
        if not addresses:
            raise FetchError(where, f"{host!r} has no addresses", "connect", retryable=True)
        for address in addresses:
            reason = self.refusal(address)
            if reason is not None:
                shown = reason if address == host else f"{host} resolves to {reason}"
                raise FetchError(where, f"refused: {shown}", "blocked_address")
        if len(self._cache) >= self.cache_size:
            self._cache.clear()  # crude but O(1) amortised; a miss only costs a lookup
        self._cache[key] = (now + self.ttl, addresses)
        return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard passed.

    This is the pinning half of the guard: the HTTP client never resolves names itself.
    """

    def __init__(self, guard: Guard, inner: httpcore.AsyncNetworkBackend | None = None):
        self.guard = guard
        self.inner = inner or httpcore.TrioBackend()
        self.connects = 0

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        addresses = await self.guard.check(host, port)
        last: BaseException | None = None
        for address in addresses:  # the checked addresses, in resolver order
            self.connects += 1
            try:
                return await self.inner.connect_tcp(address, port, timeout=timeout,
                                                    local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not crawl targets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
