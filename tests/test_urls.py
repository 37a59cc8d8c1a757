"""URL canonicalisation, hosts and allowed domains."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraped.engine.fetch.urls import canonicalize, host_of, in_domains


@pytest.mark.parametrize("url, base, want", [
    ("HTTP://Example.COM:80/a/./b/../c?b=2&a=1#frag", None, "http://example.com/a/c?a=1&b=2"),
    ("https://a.com:443", None, "https://a.com/"),
    ("http://a.com:8080/x", None, "http://a.com:8080/x"),
    ("../x y.html", "http://h.com/a/b/c.html", "http://h.com/a/x%20y.html"),
    ("//cdn.com/x", "https://a.com/", "https://cdn.com/x"),
    ("?page=2", "http://a.com/list.html?page=1", "http://a.com/list.html?page=2"),
    ("", "http://a.com/p?x=1#y", "http://a.com/p?x=1"),
    ("#top", "http://a.com/p", "http://a.com/p"),
    ("http://a.com/%7euser/%2f", None, "http://a.com/~user/%2F"),
    ("http://a.com/%e2%82%ac", None, "http://a.com/%E2%82%AC"),
    ("http://münchen.de/straße?q=ü", None, "http://xn--mnchen-3ya.de/stra%C3%9Fe?q=%C3%BC"),
    ("http://[::1]:8080/p", None, "http://[::1]:8080/p"),
    ("  http://a.com/\n x ", None, "http://a.com/%20x"),
    ("http://a.com/p?b=&a=1&&c", None, "http://a.com/p?a=1&b=&c"),
    ("http://a.com.", None, "http://a.com/"),
    ("http://user:pw@A.com/", None, "http://user:pw@a.com/"),
])
def test_canonical_forms(url, base, want):
    assert canonicalize(url, base) == want


@pytest.mark.parametrize("url", [
    "mailto:a@b.com", "javascript:void(0)", "JavaScript:alert(1)", "data:text/html,hi", "tel:123",
    "file:///etc/passwd", "ftp://a.com/x", "http:///x", "http://", "http://a.com:99999/",
    "http://a.com:port/", "http://exa mple.com/", "http://[::1/", "", "   ", "\x00\x01", "not a url",
    "http://<script>/",
])
def test_garbage_and_other_schemes_give_none(url):
    assert canonicalize(url) is None


def test_non_string_gives_none():
    assert canonicalize(None) is None  # type: ignore[arg-type]
    assert canonicalize(b"http://a.com/") is None  # type: ignore[arg-type]


def test_relative_links_need_an_http_base():
    assert canonicalize("page2.html", "file:///tmp/page1.html") is None
    assert canonicalize("page2.html") is None


@given(st.text(max_size=60))
def test_canonicalize_never_raises_and_is_idempotent(s):
    for url in (s, "http://a.com/" + s, "http://a.com/?" + s):
        c = canonicalize(url)
        if c is not None:
            assert c.startswith(("http://", "https://"))
            assert canonicalize(c) == c


@given(st.text(max_size=40))
def test_relative_resolution_never_raises(s):
    c = canonicalize(s, "http://example.com/a/b.html")
    assert c is None or canonicalize(c) == c


def test_host_of():
    assert host_of("http://User:p@WWW.Ex.com:8080/x") == "www.ex.com:8080"
    assert host_of("https://a.com:443/") == "a.com"
    assert host_of("http://a.com:443/") == "a.com:443"
    assert host_of("http://[::1]:81/") == "[::1]:81"
    assert host_of("garbage") == ""
    assert host_of("http://a.com:bad/") == ""


@pytest.mark.parametrize("url, allowed, ok", [
    ("http://www.example.com/", ("example.com",), True),
    ("http://example.com/", ("example.com",), True),
    ("http://a.b.example.com:8080/", ("example.com",), True),
    ("http://badexample.com/", ("example.com",), False),
    ("http://example.com.evil.net/", ("example.com",), False),
    ("http://x.com/", (), True),
    ("http://a.example.com/", ("*.Example.COM",), True),
    ("http://a.example.com/", (".example.com",), True),
    ("http://a.example.com/", ("https://example.com/path",), True),
    ("http://127.0.0.1:8000/x", ("127.0.0.1",), True),
    ("http://127.0.0.2:8000/x", ("127.0.0.1",), False),
    ("http://127.0.0.1:8000/x", ("127.0.0.1:9000",), True),
    ("http://xn--mnchen-3ya.de/", ("münchen.de",), True),
    ("garbage", ("example.com",), False),
    ("http://other.org/", ("example.com", "other.org"), True),
])
def test_in_domains(url, allowed, ok):
    assert in_domains(url, allowed) is ok


# The fast paths (root-relative links joined to the base's origin, hosts cached by
# scheme://netloc) must give what urllib gives.
_BASES = ["http://a.com/x/y.html?q=1#f", "HTTPS://User:pw@Ex.COM:8443/a/", "http://[::1]:81/p",
          "http://münchen.de/a", "file:///tmp/a.html", "http://a.com", "mailto:x@y.z"]


@given(st.text(max_size=40))
def test_root_relative_join_matches_urljoin(s):
    from urllib.parse import urljoin

    from scraped.engine.fetch.urls import _canonical_absolute

    for base in _BASES:
        for link in ("/" + s, "/./" + s, "/a/../" + s):
            try:  # canonicalize strips the link and drops tabs and newlines first
                want = _canonical_absolute(urljoin(base, "".join(link.strip().split("\t"))
                                                   .replace("\n", "").replace("\r", "")))
            except ValueError:
                want = None
            assert canonicalize(link, base) == want, (base, link)


@pytest.mark.parametrize("link, want", [
    ("/q/7.html", "http://a.com/q/7.html"), ("/a/../b/./c", "http://a.com/b/c"), ("/..", "http://a.com/"),
    ("//cdn.com/x", "http://cdn.com/x"), ("/%2e%2e/x", "http://a.com/x"), ("/p?b=1&a=2#z", "http://a.com/p?a=2&b=1"),
])
def test_root_relative_links(link, want):
    assert canonicalize(link, "http://a.com/x/y.html") == want


@given(st.text(max_size=30), st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "x+y.z://", "1a://", ""]),
       st.sampled_from(["", "/p", "?q", "#f", "/a?b#c"]))
def test_in_domains_host_matches_urlsplit(host, scheme, tail):
    from urllib.parse import urlsplit

    from scraped.engine.fetch.urls import _bare_host

    url = scheme + host + tail
    try:
        want = urlsplit(url.strip()).hostname or ""
        if want and not want.isascii():
            want = want.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        want = ""
    assert _bare_host(url) == want.rstrip(".")


@pytest.mark.parametrize("url, host", [
    ("http://exa\tmple.com/", "example.com"), ("http://EXAMPLE.com.:8080/x", "example.com"),
    ("http://u:p@h.com/", "h.com"), ("http://[::1]:80/", "::1"), ("http://[::1/", ""), ("  http://a.com  ", "a.com"),
])
def test_bare_host(url, host):
    from scraped.engine.fetch.urls import _bare_host

    assert _bare_host(url) == host
