"""Offline units of the fetcher: bounded inflation, sniffing, charsets, Retry-After, robots
cache single flight, slot bookkeeping."""

from __future__ import annotations

import email.utils
import gzip
import zlib

import pytest
import trio
import trio.testing
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scraped.engine.fetch.body import binary_reason, decode_text, make_decoder
from scraped.engine.fetch.fetch_errors import FetchError, parse_retry_after
from scraped.engine.fetch.politeness import HostPolicy, Slots
from scraped.engine.fetch.robots import RobotsCache

BOMB = gzip.compress(b"\0" * (10 * 1024 * 1024), 9)


def test_bomb_in_one_chunk_inflates_no_more_than_the_limit():
    decoder = make_decoder("u", "gzip")
    out = decoder.decode(BOMB, 1024 * 1024 + 1)
    assert len(out) == 1024 * 1024 + 1  # stopped at the limit; the rest was never inflated


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=20000), cuts=st.lists(st.integers(0, 20000), max_size=8),
       coding=st.sampled_from(["gzip", "x-gzip", "deflate", "deflate-raw", "identity", ""]))
@example(data=b"", cuts=[1], coding="deflate-raw")  # raw deflate's first byte alone looks like zlib
def test_streamed_decoding_round_trips(data, cuts, coding):
    if coding in ("gzip", "x-gzip"):
        wire = gzip.compress(data)
    elif coding == "deflate":
        wire = zlib.compress(data)
    elif coding == "deflate-raw":
        wire, coding = zlib.compress(data)[2:-4], "deflate"
    else:
        wire = data
    bounds = sorted({0, len(wire), *(c for c in cuts if c < len(wire))})
    decoder = make_decoder("u", coding)
    out = b"".join(decoder.decode(wire[a:b], 1 << 30) for a, b in zip(bounds, bounds[1:], strict=False))
    assert out + decoder.flush() == data


@pytest.mark.parametrize(("header", "kind"), [("br", "decode"), ("gzip, gzip", "decode"), ("zstd", "decode")])
def test_unsupported_encodings(header, kind):
    with pytest.raises(FetchError) as info:
        make_decoder("u", header)
    assert info.value.kind == kind


def test_corrupt_gzip():
    decoder = make_decoder("u", "gzip")
    with pytest.raises(FetchError) as info:
        decoder.decode(b"\x1f\x8b\x08\x00garbage-garbage", 100)
    assert info.value.kind == "decode"


@pytest.mark.parametrize("head", [
    b"<!doctype html><html>", b"Plain text answer: B\n", b"\xef\xbb\xbf<html>", "<p>日本</p>".encode("utf-16"),
    b"<p>form\x0cfeed and ESC\x1b(B are text</p>", b"",
])
def test_text_is_not_binary(head):
    assert binary_reason(head) is None


@pytest.mark.parametrize("head", [
    b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"GIF89a..", b"\xff\xd8\xff\xe0", b"PK\x03\x04",
    b"\x7fELF\x02", b"\x00\x00\x00\x18ftypmp42", b"<html>\x00</html>", b"RIFF\x00\x00\x00\x00WEBPVP8 ",
])
def test_binary_is_spotted(head):
    assert binary_reason(head) is not None


@pytest.mark.parametrize(("body", "ctype", "text", "encoding"), [
    ("café".encode(), "text/html; charset=iso-8859-1", "café", "utf-8"),
    ("café".encode("cp1252"), "text/html; charset=utf-8", "café", "cp1252"),   # header lies, no meta: guessed
    (("Привет, как дела? Это вопрос номер один. " * 20).encode("cp1251"), "text/html",
     "Привет, как дела? Это вопрос номер один. " * 20, "cp1251"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">Привет'.encode("koi8_r"),
     "text/html", '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">Привет', "koi8_r"),
    (b"ascii only", "text/html; charset=shift_jis", "ascii only", "utf-8"),
    ("日本語のテキスト".encode("shift_jis"), "text/html; charset=Shift_JIS", "日本語のテキスト", "cp932"),
    ("\ufeffBOM wins".encode(), "text/html; charset=cp1252", "BOM wins", "utf-8"),
    ("x é".encode("cp1252"), "text/html; charset=no-such-charset", "x é", "cp1252"),
])
def test_decode_text(body, ctype, text, encoding):
    got, enc = decode_text(body, ctype)
    assert got == text
    assert enc.replace("-", "_").lower() == encoding.replace("-", "_").lower()


def test_retry_after():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("") is None
    assert parse_retry_after("soon") is None and parse_retry_after("-5") is None
    now = 1_700_000_000.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == 30.0
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0


async def test_robots_single_flight_and_cancellation():
    calls = []
    gate = trio.Event()

    async def fetch(url, ctx):
        calls.append(url)
        await gate.wait()
        return "User-agent: *\nDisallow: /no\n"

    cache = RobotsCache(fetch)
    async with trio.open_nursery() as n:
        # The first caller is cancelled while fetching: no half-made entry stays behind.
        with trio.move_on_after(0.05):
            await cache.check("http://h/a", "http://h", "bot")
        assert len(cache) == 0
        results = []

        async def check(path):
            try:
                results.append(await cache.check(f"http://h{path}", "http://h", "bot"))
            except FetchError as exc:
                results.append(exc.kind)

        for path in ("/a", "/b", "/no"):
            n.start_soon(check, path)
        await trio.sleep(0.05)
        gate.set()
    assert calls == ["http://h/robots.txt", "http://h/robots.txt"]
    assert sorted(map(str, results)) == ["None", "None", "robots"]


async def test_robots_entries_expire():
    clock_calls = []

    async def fetch(url, ctx):
        clock_calls.append(url)
        raise FetchError(url, "HTTP 404", "http_status", status=404)

    cache = RobotsCache(fetch, ttl=0.05)
    await cache.check("http://h/a", "http://h", "bot")
    await cache.check("http://h/b", "http://h", "bot")
    await trio.sleep(0.06)
    await cache.check("http://h/c", "http://h", "bot")
    assert len(clock_calls) == 2 and cache.errors == 0


def test_host_policy_validation():
    with pytest.raises(ValueError):
        HostPolicy(concurrency=0)
    with pytest.raises(ValueError):
        HostPolicy(delay=-1)


async def test_slot_spacing_with_a_mock_clock():
    # Virtual time: four holders of a slot with delay 10 s start at 0, 10, 20, 30.
    clock = trio.testing.MockClock(autojump_threshold=0)
    starts = []

    async def main():
        slots = Slots()
        slot = slots.get("h", HostPolicy(concurrency=4, delay=10.0))

        async def one():
            async with slot.hold():
                starts.append(trio.current_time())

        async with trio.open_nursery() as n:
            for _ in range(4):
                n.start_soon(one)

    await trio.to_thread.run_sync(lambda: trio.run(main, clock=clock))
    assert [round(s - starts[0], 6) for s in starts] == [0.0, 10.0, 20.0, 30.0]


async def test_idle_slots_are_forgotten():
    slots = Slots(idle_ttl=0.0, sweep_above=2)
    for host in ("a", "b", "c", "d"):
        slot = slots.get(host, HostPolicy())
        async with slot.hold():
            pass
        await trio.sleep(0.001)
    assert len(slots) <= 3
