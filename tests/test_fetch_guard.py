"""The address guard: private, loopback, link-local and metadata targets are refused.

No test here sends a packet to a non-loopback address, even if the guard were broken:
the fetchers connect through LoopbackOnlyBackend (which records and refuses anything
but 127.0.0.1) or through RecordingTransport (which never touches the network).
"""

from __future__ import annotations

import ipaddress

import httpcore
import pytest
import trio
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from scraped.engine.fetch.fetcher import Fetcher, FetchError, FetchSettings
from scraped.engine.fetch.guard import Guard, GuardedBackend, classify
from tests.hostile_server import (
    HostileServer,
    LoopbackOnlyBackend,
    RecordingTransport,
    page,
    redirect,
    static_resolver,
)

OPEN = FetchSettings(allow_private_networks=True, retries=0, obey_robots=False)
CLOSED = FetchSettings(allow_private_networks=False, retries=0, obey_robots=False)
LOOPBACK_ONLY = FetchSettings(allow_networks=("127.0.0.1/32",), retries=0, obey_robots=False)


@pytest.mark.parametrize(("address", "category"), [
    ("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"), ("::1", "loopback"),
    ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"), ("100.64.0.1", "shared"), ("0.0.0.0", "unspecified"),
    ("::", "unspecified"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
    ("::ffff:10.1.2.3", "private"), ("64:ff9b::a00:1", "private"), ("2002:a00:1::1", "private"),
    ("::127.0.0.1", "reserved"), ("93.184.216.34", None), ("2606:4700::1111", None),
    ("::ffff:8.8.8.8", None), ("64:ff9b::808:808", None),
])
def test_classify(address, category):
    assert classify(ipaddress.ip_address(address.split("%")[0])) == category


def test_refusal_rules():
    guard = Guard(allow_private=True)
    assert guard.refusal("10.0.0.1") is None and guard.refusal("127.0.0.1") is None
    assert "denied" in guard.refusal("169.254.169.254")          # metadata: never
    assert "denied" in guard.refusal("::ffff:169.254.169.254") or guard.refusal("::ffff:169.254.169.254")
    assert "multicast" in guard.refusal("224.0.0.1")            # not lifted by allow_private
    guard = Guard(allow_private=False, allow_networks=["10.1.0.0/16"])
    assert guard.refusal("10.1.2.3") is None
    assert "private" in guard.refusal("10.2.0.1")
    assert "not an IP" in guard.refusal("example.com")


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://10.0.0.1/admin",
    "http://192.168.0.1/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fe80::1]/",
    "http://0.0.0.0:8080/",
])
async def test_direct_links_are_refused_before_connecting(url):
    backend = LoopbackOnlyBackend()
    transport = RecordingTransport()
    for settings in (CLOSED, LOOPBACK_ONLY):
        async with Fetcher(settings, network_backend=backend) as f:
            with pytest.raises(FetchError) as info:
                await f.fetch(url)
        assert info.value.kind == "blocked_address" and info.value.url == url
        async with Fetcher(settings, transport=transport) as f:
            with pytest.raises(FetchError):
                await f.fetch(url)
    assert backend.attempts == [] and transport.requests == []


async def test_metadata_is_refused_even_with_private_networks_allowed():
    backend = LoopbackOnlyBackend()
    async with Fetcher(OPEN, network_backend=backend) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch("http://169.254.169.254/latest/meta-data/")
        assert info.value.kind == "blocked_address" and "deny_networks" in info.value.reason
        assert f.stats()["failures"] == {"blocked_address": 1}
    assert backend.attempts == []


async def test_loopback_is_refused_when_private_networks_are_off(nursery):
    srv = await nursery.start(HostileServer({"/": page("secret")}).run)
    async with Fetcher(CLOSED) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(srv.url("/"))
    assert info.value.kind == "blocked_address" and "loopback" in info.value.reason
    assert srv.connections == 0
    async with Fetcher(OPEN) as f:  # and reachable when the operator allows it
        assert (await f.fetch(srv.url("/"))).text == "secret"


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
                                    "http://[::1]:9/", "http://inside.test/"])
async def test_redirect_hops_are_guarded(nursery, target):
    srv = await nursery.start(HostileServer({"/go": redirect(target)}).run)
    backend = LoopbackOnlyBackend()
    resolver = static_resolver({"inside.test": ["192.168.10.10"]})
    async with Fetcher(LOOPBACK_ONLY, network_backend=backend, resolver=resolver) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(srv.url("/go"))
    assert info.value.kind == "blocked_address" and info.value.url == srv.url("/go")
    assert all(host == "127.0.0.1" for host, _ in backend.attempts)
    assert srv.hits["/go"] == 1


async def test_redirect_to_metadata_with_private_networks_allowed(nursery):
    srv = await nursery.start(HostileServer({"/go": redirect("http://169.254.169.254/latest/")}).run)
    backend = LoopbackOnlyBackend()
    async with Fetcher(OPEN, network_backend=backend) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(srv.url("/go"))
    assert info.value.kind == "blocked_address"
    assert [h for h, _ in backend.attempts] == ["127.0.0.1"]


async def test_names_are_judged_by_what_they_resolve_to():
    transport = RecordingTransport()
    resolver = static_resolver({"evil.test": ["93.184.216.34", "10.0.0.7"], "good.test": ["93.184.216.34"],
                                "v6.test": ["::ffff:127.0.0.1"], "decimal.test": ["127.0.0.1"]})
    async with Fetcher(CLOSED, transport=transport, resolver=resolver) as f:
        for host, why in [("evil.test", "10.0.0.7"), ("v6.test", "loopback"), ("decimal.test", "loopback")]:
            with pytest.raises(FetchError) as info:
                await f.fetch(f"http://{host}/")
            assert info.value.kind == "blocked_address" and why in info.value.reason
        with pytest.raises(FetchError) as info:
            await f.fetch("http://unknown.test/")
        assert info.value.kind == "connect" and "resolve" in info.value.reason
        assert transport.requests == []
        assert (await f.fetch("http://good.test/")).status == 200  # the recording transport answers
    assert [str(r.url) for r in transport.requests] == ["http://good.test/"]


async def test_default_resolver_refuses_numeric_spellings_of_loopback(nursery):
    # glibc reads "2130706433" and "0x7f.1" as 127.0.0.1: the guard resolves, so it sees that.
    srv = await nursery.start(HostileServer({"/": page("x")}).run)
    async with Fetcher(CLOSED) as f:
        for host in ("2130706433", "0x7f.1", "127.1", "localhost"):
            with pytest.raises(FetchError) as info:
                await f.fetch(f"http://{host}:{srv.port}/")
            assert info.value.kind in ("blocked_address", "invalid_url"), (host, info.value)
    assert srv.connections == 0


async def test_connections_are_pinned_to_the_checked_address(nursery):
    # "pinned.test" exists only in our resolver: the page loads, so httpx never resolved the
    # name itself; it connected to the address the guard had checked.
    srv = await nursery.start(HostileServer({"/": page("pinned")}).run)
    backend = LoopbackOnlyBackend()
    async with Fetcher(LOOPBACK_ONLY, network_backend=backend,
                       resolver=static_resolver({"pinned.test": ["127.0.0.1"]})) as f:
        result = await f.fetch(f"http://pinned.test:{srv.port}/")
    assert result.text == "pinned"
    assert backend.attempts == [("127.0.0.1", srv.port)]
    assert srv.requests[0].headers["host"] == f"pinned.test:{srv.port}"


async def test_rebinding_between_check_and_connect_is_refused():
    # The name answers 127.0.0.1 to the early check, then 10.0.0.9 at connect time (TTL 0).
    answers = iter([["127.0.0.1"], ["10.0.0.9"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    settings = FetchSettings(allow_networks=("127.0.0.1/32",), retries=0, obey_robots=False,
                             dns_cache_ttl=0.0)
    backend = LoopbackOnlyBackend()
    async with Fetcher(settings, network_backend=backend, resolver=rebinding) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch("http://rebind.test:9/")
    assert info.value.kind == "blocked_address" and "10.0.0.9" in info.value.reason
    assert info.value.url == "http://rebind.test:9/"
    assert backend.attempts == []


async def test_guarded_backend_alone():
    class Recorder(httpcore.AsyncNetworkBackend):
        def __init__(self):
            self.calls = []

        async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # noqa: ASYNC109 (httpcore's interface)
            self.calls.append(host)
            raise httpcore.ConnectError("recorder does not connect")

    inner = Recorder()
    guard = Guard(allow_private=False, resolver=static_resolver({"a.test": ["10.0.0.1"],
                                                                 "b.test": ["8.8.8.8", "8.8.4.4"]}))
    backend = GuardedBackend(guard, inner)
    with pytest.raises(FetchError):
        await backend.connect_tcp("a.test", 80)
    with pytest.raises(httpcore.ConnectError):  # every checked address is tried, then the error
        await backend.connect_tcp("b.test", 80)
    assert inner.calls == ["8.8.8.8", "8.8.4.4"]
    with pytest.raises(httpcore.ConnectError):
        await backend.connect_unix_socket("/run/docker.sock")


async def test_reload_turns_the_guard_on(nursery):
    srv = await nursery.start(HostileServer({"/": page("x")}).run)
    async with Fetcher(OPEN) as f:
        await f.fetch(srv.url("/"))
        f.update_settings(CLOSED)
        with pytest.raises(FetchError) as info:
            await f.fetch(srv.url("/"))
        assert info.value.kind == "blocked_address"


@pytest.mark.parametrize("url", [
    "ftp://example.com/file", "javascript:alert(1)", "mailto:a@b.c", "not a url", "", "http://",
    "http:///path", "//example.com/x", "/relative/path", "http://exa mple.com/", "http://[::1/",
    "http://example.com:99999/", "file:///etc/passwd", "data:text/html,<p>x</p>",
])
async def test_invalid_urls(url):
    transport = RecordingTransport()
    async with Fetcher(OPEN, transport=transport, resolver=static_resolver({})) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(url)
        assert info.value.kind == "invalid_url", info.value
        assert f.stats()["failures"] == {"invalid_url": 1}
    assert transport.requests == []


async def test_cancelled_fetch_leaves_nothing_behind(nursery):
    srv = await nursery.start(HostileServer({"/": page("x", delay=10)}).run)
    async with Fetcher(OPEN) as f:
        with trio.move_on_after(0.2):
            await f.fetch(srv.url("/"))
        srv.routes["/"] = page("y")
        assert (await f.fetch(srv.url("/"))).text == "y"


@hsettings(max_examples=300, deadline=None)
@given(st.ip_addresses(v=4))
def test_ipv6_spellings_of_an_ipv4_address_are_judged_alike(v4):
    guard = Guard(allow_private=True)
    mapped = ipaddress.IPv6Address(f"::ffff:{v4}")
    nat64 = ipaddress.IPv6Address((0x64FF9B << 96) | int(v4))
    assert classify(mapped) == classify(nat64) == classify(v4)
    assert (guard.refusal(str(mapped)) is None) == (guard.refusal(str(v4)) is None)
