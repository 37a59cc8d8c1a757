"""Politeness: robots.txt, per-host concurrency and delay, autothrottle, retries and backoff.

Times are measured server-side on the trio clock and only ever checked as lower bounds
(a slow machine makes gaps longer, never shorter), with a small tolerance for transit.
"""

from __future__ import annotations

import logging

import pytest
import trio

from scraped.engine.fetch.fetcher import Fetcher, FetchError, FetchSettings, HostPolicy
from tests.hostile_server import HostileServer, page, raw, sequence, stall, static_resolver

BASE = FetchSettings(allow_private_networks=True, retries=0, backoff_base=0.01, backoff_max=2.0,
                     connect_timeout=2.0, read_timeout=2.0, total_timeout=5.0)
SLACK = 0.05  # scheduling jitter allowed when checking a minimum gap on a busy machine


def assert_spaced(times: list[float], delay: float) -> None:
    """Request starts at least `delay` apart: every gap, and all of them together."""
    times = sorted(times)
    assert all(g >= delay / 2 for g in gaps(times)), gaps(times)   # without spacing: ~0
    assert times[-1] - times[0] >= (len(times) - 1) * delay - SLACK, gaps(times)


def settings(**changes) -> FetchSettings:
    return FetchSettings(**{**BASE.__dict__, **changes})


async def serve(nursery: trio.Nursery, routes: dict, robots: str | None = None) -> HostileServer:
    rob = page(robots, content_type="text/plain") if robots is not None else page(b"", status=404)
    return await nursery.start(HostileServer({"/robots.txt": rob, **routes}).run)


def arrivals(srv: HostileServer, prefix: str) -> list[float]:
    return [r.at for r in srv.requests if r.path.startswith(prefix) and r.path != "/robots.txt"]


def gaps(times: list[float]) -> list[float]:
    times = sorted(times)
    return [b - a for a, b in zip(times, times[1:], strict=False)]


# --- robots.txt ------------------------------------------------------------------------

async def test_robots_disallow(nursery):
    srv = await serve(nursery, {"/public/a": page("a"), "/private/b": page("b")},
                      robots="User-agent: *\nDisallow: /private\n")
    async with Fetcher(BASE) as f:
        assert (await f.fetch(srv.url("/public/a"))).text == "a"
        with pytest.raises(FetchError) as info:
            await f.fetch(srv.url("/private/b"))
        assert info.value.kind == "robots" and not info.value.retryable
        # A job may opt out of robots.txt (its spec says obey_robots = false).
        assert (await f.fetch(srv.url("/private/b"), HostPolicy(obey_robots=False))).text == "b"
    assert srv.hits["/private/b"] == 1


async def test_robots_group_for_our_user_agent(nursery):
    srv = await serve(nursery, {"/x": page("x")},
                      robots="User-agent: QBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    async with Fetcher(settings(user_agent="QBot/1.0 (+https://example.org/bot)")) as f:
        with pytest.raises(FetchError):
            await f.fetch(srv.url("/x"))
        f.update_settings(settings(user_agent="OtherBot/2"))
        assert (await f.fetch(srv.url("/x"))).text == "x"
    assert srv.hits["/robots.txt"] == 1


async def test_robots_fetched_once_for_many_urls(nursery):
    srv = await serve(nursery, {f"/q/{i}": page(f"q{i}", delay=0.01) for i in range(40)},
                      robots="User-agent: *\nDisallow: /admin\n")
    results = []
    async with Fetcher(BASE) as f:
        async with trio.open_nursery() as n:
            for i in range(40):
                async def one(i=i):
                    results.append((await f.fetch(srv.url(f"/q/{i}"), HostPolicy(concurrency=8))).text)
                n.start_soon(one)
        assert f.stats()["robots"] == {"origins": 1, "fetches": 1, "errors": 0}
    assert srv.hits["/robots.txt"] == 1 and len(results) == 40


async def test_crawl_delay_spaces_requests(nursery):
    srv = await serve(nursery, {f"/p{i}": page("p") for i in range(4)},
                      robots="User-agent: *\nCrawl-delay: 0.15\n")
    async with Fetcher(BASE) as f:
        async with trio.open_nursery() as n:
            for i in range(4):
                n.start_soon(f.fetch, srv.url(f"/p{i}"), HostPolicy(concurrency=4))
        assert f.stats()["delays"] == {"127.0.0.1": 0.15}
    assert len(arrivals(srv, "/p")) == 4
    assert_spaced(arrivals(srv, "/p"), 0.15)


async def test_crawl_delay_is_capped(nursery):
    srv = await serve(nursery, {"/p": page("p")}, robots="User-agent: *\nCrawl-delay: 86400\n")
    async with Fetcher(settings(max_crawl_delay=0.05)) as f:
        await f.fetch(srv.url("/p"))
        assert f.stats()["delays"] == {"127.0.0.1": 0.05}


@pytest.mark.parametrize("robots_route", [page("oops", status=503), stall(), raw(b"garbage\r\n\r\n")])
async def test_broken_robots_allows_all_and_logs_once(nursery, caplog, robots_route):
    srv = await nursery.start(HostileServer({"/robots.txt": robots_route,
                                             **{f"/p{i}": page("p") for i in range(5)}}).run)
    caplog.set_level(logging.WARNING, logger="scraped.engine.fetch.robots")
    async with Fetcher(settings(read_timeout=0.2)) as f:
        for i in range(5):
            assert (await f.fetch(srv.url(f"/p{i}"))).text == "p"
        assert f.stats()["robots"]["errors"] == 1
    assert srv.hits["/robots.txt"] == 1
    warnings = [r for r in caplog.records if "robots.txt" in r.getMessage()]
    assert len(warnings) == 1 and "allowing all" in warnings[0].getMessage()


async def test_robots_redirect_is_followed(nursery):
    srv = await nursery.start(HostileServer({
        "/robots.txt": page(b"", status=301, content_type=None, headers=[("Location", "/real-robots.txt")]),
        "/real-robots.txt": page("User-agent: *\nDisallow: /\n", content_type="text/plain"),
        "/x": page("x")}).run)
    async with Fetcher(BASE) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(srv.url("/x"))
    assert info.value.kind == "robots" and srv.hits["/x"] == 0


async def test_redirect_into_disallowed_path_is_checked(nursery):
    srv = await serve(nursery, {"/open": page(b"", status=302, content_type=None,
                                              headers=[("Location", "/closed/page")]),
                                "/closed/page": page("secret")},
                      robots="User-agent: *\nDisallow: /closed\n")
    async with Fetcher(BASE) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(srv.url("/open"))
    assert info.value.kind == "robots" and info.value.url == srv.url("/open")
    assert srv.hits["/closed/page"] == 0


# --- per-host slots --------------------------------------------------------------------

async def test_per_host_concurrency_is_never_exceeded(nursery):
    srv = await serve(nursery, {f"/c{i}": page("c", delay=0.03) for i in range(24)})
    async with Fetcher(BASE) as f:
        async with trio.open_nursery() as n:
            for i in range(24):
                n.start_soon(f.fetch, srv.url(f"/c{i}"), HostPolicy(concurrency=3))
    assert 1 < srv.max_active <= 3


async def test_jobs_sharing_a_host_get_the_strictest_policy(nursery):
    srv = await serve(nursery, {f"/c{i}": page("c", delay=0.03) for i in range(20)})
    async with Fetcher(BASE) as f:
        async with trio.open_nursery() as n:
            for i in range(20):
                policy = HostPolicy(concurrency=8) if i % 2 else HostPolicy(concurrency=2)
                n.start_soon(f.fetch, srv.url(f"/c{i}"), policy)
    assert srv.max_active <= 2


async def test_delay_between_request_starts(nursery):
    srv = await serve(nursery, {f"/d{i}": page("d") for i in range(5)})
    async with Fetcher(BASE) as f:
        async with trio.open_nursery() as n:
            for i in range(5):
                n.start_soon(f.fetch, srv.url(f"/d{i}"), HostPolicy(concurrency=5, delay=0.1))
    times = arrivals(srv, "/d")
    assert len(times) == 5
    assert_spaced(times, 0.1)


async def test_hosts_have_separate_slots(nursery):
    slow = await serve(nursery, {"/s": page("s", delay=0.3)})
    fast = await serve(nursery, {"/f": page("f")})
    resolver = static_resolver({"slow.test": ["127.0.0.1"], "fast.test": ["127.0.0.1"]})
    done: list[str] = []
    async with Fetcher(BASE, resolver=resolver) as f:
        async with trio.open_nursery() as n:
            async def get(url):
                done.append((await f.fetch(url, HostPolicy(concurrency=1))).text)
            n.start_soon(get, f"http://slow.test:{slow.port}/s")
            await trio.sleep(0.05)
            for _ in range(3):
                n.start_soon(get, f"http://fast.test:{fast.port}/f")
        assert f.stats()["hosts"] == 2
    assert done == ["f", "f", "f", "s"]  # the slow host's one slot did not hold up the other


async def test_autothrottle_raises_the_delay_on_a_slow_host(nursery):
    slow = await serve(nursery, {"/s": page("s", delay=0.1)})
    fast = await serve(nursery, {"/f": page("f")})
    resolver = static_resolver({"slow.test": ["127.0.0.1"], "fast.test": ["127.0.0.1"]})
    policy = HostPolicy(concurrency=4, autothrottle=True)
    async with Fetcher(BASE, resolver=resolver) as f:
        for _ in range(3):
            await f.fetch(f"http://slow.test:{slow.port}/s", policy)
            await f.fetch(f"http://fast.test:{fast.port}/f", policy)
        delays = f.stats()["delays"]
    assert delays["slow.test"] >= 0.09  # latency 0.1 s / target concurrency 1
    assert delays.get("fast.test", 0.0) < delays["slow.test"] / 2


async def test_autothrottle_is_bounded_and_errors_never_lower_it(nursery):
    srv = await serve(nursery, {"/s": page("s", delay=0.1), "/e": page("e", status=404)})
    policy = HostPolicy(concurrency=2, autothrottle=True, max_delay=0.05)
    async with Fetcher(BASE) as f:
        await f.fetch(srv.url("/s"), policy)
        assert f.stats()["delays"]["127.0.0.1"] == 0.05  # capped at max_delay
        with pytest.raises(FetchError):
            await f.fetch(srv.url("/e"), policy)       # a fast 404
        assert f.stats()["delays"]["127.0.0.1"] == 0.05


# --- retries ---------------------------------------------------------------------------

async def test_429_with_retry_after_then_success(nursery):
    srv = await serve(nursery, {"/rate": sequence(page("slow down", status=429, headers=[("Retry-After", "1")]),
                                                  page("ok"))})
    async with Fetcher(settings(retries=2)) as f:
        result = await f.fetch(srv.url("/rate"))
        assert result.text == "ok" and f.stats()["retries"] == 1
    first, second = arrivals(srv, "/rate")
    assert second - first >= 1.0 - SLACK


async def test_retry_after_longer_than_the_cap_ends_retries(nursery):
    srv = await serve(nursery, {"/r": page("later", status=503, headers=[("Retry-After", "3600")])})
    async with Fetcher(settings(retries=3, backoff_max=1.0)) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(srv.url("/r"))
    err = info.value
    assert (err.kind, err.status, err.retryable, err.retry_after) == ("http_status", 503, True, 3600.0)
    assert srv.hits["/r"] == 1


async def test_retry_after_pauses_the_whole_host(nursery):
    srv = await serve(nursery, {"/limited": page("no", status=429, headers=[("Retry-After", "1")]),
                                "/other": page("other")})
    async with Fetcher(settings(retries=0)) as f:
        with pytest.raises(FetchError):
            await f.fetch(srv.url("/limited"))
        await f.fetch(srv.url("/other"))
    limited, other = arrivals(srv, "/limited")[0], arrivals(srv, "/other")[0]
    assert other - limited >= 1.0 - SLACK


async def test_500_burst_then_success(nursery):
    srv = await serve(nursery, {"/b": sequence(page("e", status=500), page("e", status=502),
                                               page("e", status=503), page("fine"))})
    async with Fetcher(settings(retries=3)) as f:
        assert (await f.fetch(srv.url("/b"))).text == "fine"
        assert f.stats()["retries"] == 3 and f.stats()["failures"] == {}
    assert srv.hits["/b"] == 4


async def test_retries_exhausted(nursery):
    srv = await serve(nursery, {"/down": page("down", status=503)})
    async with Fetcher(settings(retries=2)) as f:
        with pytest.raises(FetchError) as info:
            await f.fetch(srv.url("/down"))
        stats = f.stats()
    err = info.value
    assert (err.kind, err.status, err.retryable) == ("http_status", 503, True)
    assert srv.hits["/down"] == 3 and stats["retries"] == 2 and stats["failures"] == {"http_status": 1}


async def test_connection_errors_and_timeouts_are_retried(nursery):
    srv = await serve(nursery, {"/flaky": sequence(raw(b""), stall(), page("made it"))})
    async with Fetcher(settings(retries=2, read_timeout=0.2)) as f:
        assert (await f.fetch(srv.url("/flaky"))).text == "made it"
    assert srv.hits["/flaky"] == 3


async def test_client_errors_are_not_retried(nursery):
    srv = await serve(nursery, {"/nope": page("nope", status=404), "/ni": page("x", status=501)})
    async with Fetcher(settings(retries=3)) as f:
        for path in ("/nope", "/ni"):
            with pytest.raises(FetchError) as info:
                await f.fetch(srv.url(path))
            assert not info.value.retryable
    assert srv.hits["/nope"] == 1 and srv.hits["/ni"] == 1
