"""The fetcher against hostile servers: real sockets on 127.0.0.1, scripted misbehaviour.

Every test turns allow_private_networks on to reach the local server (test_fetch_guard
shows it refused when off).
"""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest
import trio

from scraped.engine.fetch.fetcher import Fetcher, FetchError, FetchSettings
from tests.hostile_server import (
    HostileServer,
    endless,
    gzip_bomb,
    page,
    raw,
    redirect,
    response,
    sequence,
    slow_drip,
    stall,
)

FAST = FetchSettings(allow_private_networks=True, retries=0, backoff_base=0.01, backoff_max=1.0,
                     connect_timeout=2.0, read_timeout=2.0, total_timeout=5.0)


async def serve(nursery: trio.Nursery, routes: dict) -> HostileServer:
    return await nursery.start(HostileServer({"/robots.txt": page(b"", status=404), **routes}).run)


async def fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(url)
    return info.value


async def test_slow_drip_is_cut_at_the_total_timeout(nursery):
    # A byte every 50 ms never trips the 2 s read timeout; only the total timeout stops it.
    srv = await serve(nursery, {"/drip": slow_drip(0.05)})
    settings = FetchSettings(**{**FAST.__dict__, "total_timeout": 0.5})
    async with Fetcher(settings) as f:
        err = await fetch_error(f, srv.url("/drip"))
        assert err.kind == "timeout" and err.retryable
        assert "total timeout" in err.reason and err.url == srv.url("/drip")
        assert f.stats()["failures"] == {"timeout": 1}


async def test_server_that_never_answers_hits_the_read_timeout(nursery):
    srv = await serve(nursery, {"/stall": stall()})
    settings = FetchSettings(**{**FAST.__dict__, "read_timeout": 0.2})
    async with Fetcher(settings) as f:
        err = await fetch_error(f, srv.url("/stall"))
    assert err.kind == "timeout" and "ReadTimeout" in err.reason


async def test_endless_body_stops_at_max_bytes(nursery):
    srv = await serve(nursery, {"/endless": endless(16 * 1024)})
    settings = FetchSettings(**{**FAST.__dict__, "max_bytes": 256 * 1024})
    async with Fetcher(settings) as f:
        err = await fetch_error(f, srv.url("/endless"))
        assert err.kind == "too_large" and not err.retryable
        # The connection that was cut short is not reused: the next fetch still works.
        srv.routes["/ok"] = page("<p>fine</p>")
        assert (await f.fetch(srv.url("/ok"))).text == "<p>fine</p>"


async def test_content_length_over_the_cap_is_refused_before_the_body(nursery):
    srv = await serve(nursery, {"/huge": endless(content_length=10**12)})
    async with Fetcher(FAST) as f:
        err = await fetch_error(f, srv.url("/huge"))
    assert err.kind == "too_large" and "Content-Length" in err.reason


async def test_gzip_bomb_of_zeros_is_refused(nursery):
    srv = await serve(nursery, {"/bomb": gzip_bomb(10 * 1024 * 1024)})
    async with Fetcher(FAST) as f:
        err = await fetch_error(f, srv.url("/bomb"))
    # Zeros are binary: the sniff of the first KB refuses it before the size cap is even near.
    assert err.kind in ("content_type", "too_large")


async def test_gzip_bomb_is_stopped_not_inflated(nursery):
    # 10 MB of spaces (text, so only the size cap can stop it) in ~10 KB of gzip.
    srv = await serve(nursery, {"/bomb": gzip_bomb(10 * 1024 * 1024, fill=b" ")})
    max_bytes = 1024 * 1024
    settings = FetchSettings(**{**FAST.__dict__, "max_bytes": max_bytes})
    async with Fetcher(settings) as f:
        tracemalloc.start()
        try:
            err = await fetch_error(f, srv.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert err.kind == "too_large" and "decoded" in err.reason
    # Inflating it all would allocate 10 MB; bounded inflation keeps to about max_bytes.
    assert peak < 4 * max_bytes, peak


async def test_gzip_and_deflate_pages_are_decoded(nursery):
    body = "<p>" + "question " * 500 + "</p>"
    srv = await serve(nursery, {
        "/gz": page(gzip.compress(body.encode()), headers=[("Content-Encoding", "gzip")]),
        "/zlib": page(zlib.compress(body.encode()), headers=[("Content-Encoding", "deflate")]),
        "/raw": page(zlib.compress(body.encode())[2:-4], headers=[("Content-Encoding", "deflate")]),
        "/bad": page(b"not gzip at all", headers=[("Content-Encoding", "gzip")]),
        "/br": page(b"xx", headers=[("Content-Encoding", "br")]),
    })
    async with Fetcher(FAST) as f:
        for path in ("/gz", "/zlib", "/raw"):
            result = await f.fetch(srv.url(path))
            assert result.text == body and result.nbytes == len(body)
        assert (await fetch_error(f, srv.url("/bad"))).kind == "decode"
        assert (await fetch_error(f, srv.url("/br"))).kind == "decode"


async def test_redirect_loop_is_refused(nursery):
    srv = await serve(nursery, {"/a": redirect("/b"), "/b": redirect("/a")})
    async with Fetcher(FAST) as f:
        err = await fetch_error(f, srv.url("/a"))
    assert err.kind == "redirects" and "loop" in err.reason
    assert srv.hits["/a"] == 1 and srv.hits["/b"] == 1


async def test_redirect_chain_is_capped(nursery):
    routes = {f"/r{i}": redirect(f"/r{i + 1}", status=301 if i % 2 else 307) for i in range(10)}
    srv = await serve(nursery, routes)
    settings = FetchSettings(**{**FAST.__dict__, "max_redirects": 3})
    async with Fetcher(settings) as f:
        err = await fetch_error(f, srv.url("/r0"))
    assert err.kind == "redirects" and "more than 3" in err.reason
    assert sum(srv.hits[f"/r{i}"] for i in range(10)) == 4


async def test_redirects_are_followed_and_reported(nursery):
    srv = await serve(nursery, {"/old": redirect("/mid?x=1", 301), "/mid": redirect("new#frag", 308),
                                "/new": page("<p>moved</p>")})
    async with Fetcher(FAST) as f:
        result = await f.fetch(srv.url("/old"))
    assert result.url == srv.url("/old") and result.final_url == srv.url("/new")
    assert result.text == "<p>moved</p>"


@pytest.mark.parametrize("location", ["javascript:alert(1)", "ftp://127.0.0.1/x", "file:///etc/passwd",
                                      "http://[::1"])
async def test_redirect_to_a_non_http_target_is_refused(nursery, location):
    srv = await serve(nursery, {"/go": redirect(location)})
    async with Fetcher(FAST) as f:
        err = await fetch_error(f, srv.url("/go"))
    assert err.kind == "redirects"


async def test_redirect_without_location(nursery):
    srv = await serve(nursery, {"/go": page(b"", status=302)})
    async with Fetcher(FAST) as f:
        assert (await fetch_error(f, srv.url("/go"))).kind == "redirects"


async def test_page_labelled_latin1_that_is_utf8(nursery):
    text = "<p>Café, naïve, 10 €, “quotes”, 日本語</p>"
    srv = await serve(nursery, {"/p": page(text.encode("utf-8"), content_type="text/html; charset=ISO-8859-1")})
    async with Fetcher(FAST) as f:
        result = await f.fetch(srv.url("/p"))
    assert result.text == text and result.encoding == "utf-8"


async def test_page_labelled_utf8_that_is_windows1252(nursery):
    text = '<html><head><meta charset="windows-1252"></head><body>Café – “naïve” 10 €</body></html>'
    srv = await serve(nursery, {"/p": page(text.encode("cp1252"), content_type="text/html; charset=utf-8")})
    async with Fetcher(FAST) as f:
        result = await f.fetch(srv.url("/p"))
    assert result.text == text and result.encoding == "cp1252"


async def test_page_without_any_label_is_guessed(nursery):
    text = ("<html><body><p>Quelle est la réponse à la question numéro été? Déjà vu, "
            "très élevé, après l'été, il répète sa leçon préférée.</p></body></html>") * 3
    srv = await serve(nursery, {"/p": page(text.encode("cp1252"), content_type="text/html")})
    async with Fetcher(FAST) as f:
        result = await f.fetch(srv.url("/p"))
    assert "réponse à la question numéro été" in result.text


async def test_utf16_page_with_bom(nursery):
    text = "<p>Question: 2 + 2 = ?</p>"
    srv = await serve(nursery, {"/p": page(text.encode("utf-16"), content_type="text/html")})
    async with Fetcher(FAST) as f:
        assert (await f.fetch(srv.url("/p"))).text == text


async def test_malformed_html_passes_through_as_text(nursery):
    html = ("<html><body><div><p>Q1. unclosed <b>bold <table><tr><td>A) 1<td>B) 2</div></span>"
            "<<>>&nbsp;&bogus; <script>if (a < b) {</p></scr")
    srv = await serve(nursery, {"/m": page(html)})
    async with Fetcher(FAST) as f:
        result = await f.fetch(srv.url("/m"))
    assert result.text == html and result.status == 200 and result.content_type == "text/html"


@pytest.mark.parametrize("body", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n" * 50,
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 2000,
    b"<html>" + b"\x00\x01\x02\x03" * 500,
])
async def test_binary_served_as_text_html_is_refused(nursery, body):
    srv = await serve(nursery, {"/bin": page(body, content_type="text/html")})
    async with Fetcher(FAST) as f:
        err = await fetch_error(f, srv.url("/bin"))
    assert err.kind == "content_type" and "binary" in err.reason


@pytest.mark.parametrize("ctype", ["application/pdf", "image/png", "application/json",
                                   "application/octet-stream", "video/mp4"])
async def test_unwanted_content_type_is_refused(nursery, ctype):
    srv = await serve(nursery, {"/x": endless(content_type=ctype)})
    async with Fetcher(FAST) as f:
        err = await fetch_error(f, srv.url("/x"))
    assert err.kind == "content_type" and ctype in err.reason


async def test_content_types_are_configurable_and_untyped_pages_sniffed(nursery):
    srv = await serve(nursery, {"/plain": page("just text", content_type="text/plain"),
                                "/untyped": page("<html><p>no header</p></html>", content_type=None)})
    async with Fetcher(FAST) as f:
        assert (await f.fetch(srv.url("/plain"))).content_type == "text/plain"
        untyped = await f.fetch(srv.url("/untyped"))
        assert untyped.content_type == "text/html" and untyped.text.startswith("<html>")
        f.update_settings(FetchSettings(**{**FAST.__dict__, "content_types": ("text/html",)}))
        assert (await fetch_error(f, srv.url("/plain"))).kind == "content_type"


async def test_lying_and_broken_responses(nursery):
    short = response(200, [("Content-Type", "text/html"), ("Content-Length", "1000")], b"<p>short")
    srv = await serve(nursery, {
        "/short": raw(short[: len(short)]),                   # Content-Length lies: connection closes early
        "/garbage": raw(b"SPDY/9 banana\r\n\r\n"),            # not HTTP at all
        "/hangup": raw(b""),                                  # closes without a word
        "/badheader": raw(b"HTTP/1.1 200 OK\r\nContent-Type text/html\r\n\r\nx"),
    })
    async with Fetcher(FAST) as f:
        for path in ("/short", "/garbage", "/hangup", "/badheader"):
            err = await fetch_error(f, srv.url(path))
            assert err.kind == "connect" and err.retryable, (path, err)


async def test_http_errors_carry_the_status(nursery):
    srv = await serve(nursery, {"/gone": page("gone", status=410), "/forbidden": page("no", status=403)})
    async with Fetcher(FAST) as f:
        gone = await fetch_error(f, srv.url("/gone"))
        assert (gone.kind, gone.status, gone.retryable) == ("http_status", 410, False)
        assert (await fetch_error(f, srv.url("/forbidden"))).status == 403


async def test_user_agent_is_sent_and_reloads_live(nursery):
    srv = await serve(nursery, {"/ua": page("ok")})
    async with Fetcher(FetchSettings(**{**FAST.__dict__, "user_agent": "QBot/1.0"})) as f:
        await f.fetch(srv.url("/ua"))
        f.update_settings(FetchSettings(**{**FAST.__dict__, "user_agent": "QBot/2.0"}))
        await f.fetch(srv.url("/ua"))
    agents = [r.headers["user-agent"] for r in srv.requests if r.path == "/ua"]
    assert agents == ["QBot/1.0", "QBot/2.0"]
    assert "gzip" in srv.requests[-1].headers["accept-encoding"]


async def test_fetcher_outside_its_context_is_an_error():
    with pytest.raises(RuntimeError):
        await Fetcher(FAST).fetch("http://127.0.0.1:1/")


async def test_connection_refused_is_a_connect_error():
    # Port 1 on loopback: nothing listens there.
    async with Fetcher(FAST) as f:
        err = await fetch_error(f, "http://127.0.0.1:1/")
    assert err.kind == "connect" and err.retryable


async def test_sequence_helper_and_stats(nursery):
    srv = await serve(nursery, {"/s": sequence(page("one"), page("two"))})
    async with Fetcher(FAST) as f:
        assert [(await f.fetch(srv.url("/s"))).text for _ in range(3)] == ["one", "two", "two"]
        stats = f.stats()
    assert stats["requests"] == 3 and stats["ok"] == 3 and stats["bytes"] == 9
    assert stats["hosts"] == 1 and stats["robots"]["fetches"] == 1


async def test_redirects_and_error_pages_keep_the_connection(nursery):
    srv = await serve(nursery, {"/old": redirect("/mid", 301), "/mid": redirect("/new"),
                                "/new": page("<p>here</p>"), "/missing": page("no such page", status=404)})
    async with Fetcher(FAST) as f:
        await f.fetch(srv.url("/old"))
        with pytest.raises(FetchError):
            await f.fetch(srv.url("/missing"))
        await f.fetch(srv.url("/new"))
    assert srv.connections == 1  # small bodies of redirects and errors are read, not dropped


async def test_error_page_that_drips_is_still_an_http_error(nursery):
    drip = response(503, [("Content-Type", "text/html"), ("Content-Length", "100000")], b"x", length=False)

    async def handler(req, stream):
        await stream.send_all(drip)
        while True:
            await trio.sleep(0.05)
            await stream.send_all(b"x")

    srv = await serve(nursery, {"/e": handler})
    async with Fetcher(FAST) as f:
        err = await fetch_error(f, srv.url("/e"))
    assert (err.kind, err.status) == ("http_status", 503)
