"""URL canonicalisation, hosts and allowed-domain checks for the crawler.

`canonicalize` gives each page one spelling, so the frontier de-duplicates on it: the
scheme and host are lowercased (IDNA for non-ASCII hosts), the default port, the fragment
and empty query pieces are dropped, dot segments are resolved, percent-escapes are
uppercased (and decoded where they stand for an unreserved character), unsafe characters
are escaped and the query pieces are sorted, as `w3lib.url.canonicalize_url` does.
Only http(s) URLs are kept: mailto:, javascript:, data:, file: and garbage give None.

It is on the hot path (every link of every page), so absolute URLs are cached and the
common case (an ASCII URL that needs no escaping) never calls `quote`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit

__all__ = ["canonicalize", "host_of", "in_domains"]

_DEFAULT_PORT = {"http": 80, "https": 443}
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = "/?:@!$'()*+,;=-._~%"
_NEEDS_QUOTE = re.compile(r"[^A-Za-z0-9/:@!$&'()*+,;=\-._~]")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HOST_OK = re.compile(r"^[a-z0-9_](?:[a-z0-9_\-.]*[a-z0-9_])?$")
_STRIP_INSIDE = str.maketrans("", "", "\t\n\r")
# "scheme://netloc" as urlsplit finds them (the netloc ends at the first / ? or #); a URL
# with characters urlsplit would strip (tabs, newlines) does not match and takes the slow way.
_SCHEME_NETLOC = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\t\n\r]*(?=[/?#]|$)")


def canonicalize(url: str, base: str | None = None) -> str | None:
    """The absolute canonical form of `url` (resolved against `base`), or None.

    None for anything that is not an http(s) URL with a valid host: mailto:, tel:,
    javascript:, data:, file:, a bad port, an empty host, undecodable garbage.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if "\t" in url or "\n" in url or "\r" in url:  # browsers drop these anywhere in a URL
        url = url.translate(_STRIP_INSIDE)
    if base:
        if not url.startswith(("http://", "https://", "HTTP://", "HTTPS://")):
            try:
                url = _join(base, url)
            except ValueError:
                return None
    elif not url:
        return None
    return _canonical_absolute(url)


def _join(base: str, url: str) -> str:
    # Most links are root-relative ("/q/7.html"): origin + link is what urljoin gives
    # once canonicalised (dot segments are resolved there), without urljoin's cost.
    # No cache on (base, link): the pair is new on every page, so it only held memory.
    if url[:1] == "/" and url[1:2] not in ("/", "\\") and ";" not in url:  # urljoin drops an empty ;params
        origin = _origin(base)
        if origin is not None:
            return origin + url
    return urljoin(base, url)


@lru_cache(maxsize=256)
def _origin(base: str) -> str | None:
    """`scheme://netloc` of an http(s) base as urljoin keeps them; None for anything else."""
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORT or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


# Sized for the links a crawl meets again and again (navigation, listings); a page's own
# links are seen once, so a larger cache would mostly hold memory (~170 bytes an entry).
@lru_cache(maxsize=8192)
def _canonical_absolute(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORT:
            return None
        host = parts.hostname  # lowercased, brackets removed
        port = parts.port
    except ValueError:  # a bad port or a malformed IPv6 literal
        return None
    if not host:
        return None
    host = _canonical_host(host)
    if host is None:
        return None
    netloc = host if port is None or port == _DEFAULT_PORT[scheme] else f"{host}:{port}"
    if "@" in parts.netloc:  # keep credentials as written: they change what is fetched
        netloc = parts.netloc.rpartition("@")[0] + "@" + netloc
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query) if parts.query else ""
    return f"{scheme}://{netloc}{path}?{query}" if query else f"{scheme}://{netloc}{path}"


def _canonical_host(host: str) -> str | None:
    if ":" in host:  # an IPv6 literal; urlsplit already checked the brackets
        return f"[{host}]" if re.fullmatch(r"[0-9a-f:.]+", host) else None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    host = host.rstrip(".")
    return host if _HOST_OK.match(host) else None


def _fix_escape(m: re.Match[str]) -> str:
    char = chr(int(m.group(1), 16))
    return char if char in _UNRESERVED else "%" + m.group(1).upper()


def _escape(part: str, safe: str) -> str:
    if _NEEDS_QUOTE.search(part):
        part = quote(part, safe=safe, encoding="utf-8", errors="surrogateescape")
    if "%" in part:
        part = _PCT.sub(_fix_escape, part)
    return part


def _canonical_path(path: str) -> str:
    if not path:
        return "/"
    path = _escape(path, _PATH_SAFE)
    if "/." in path:
        path = _remove_dot_segments(path)
    return path


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on a path that starts with '/'."""
    out: list[str] = []
    segments = path.split("/")[1:]
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if out:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    return "/" + "/".join(out)


def _canonical_query(query: str) -> str:
    pieces = [_escape(p, _QUERY_SAFE) for p in query.split("&") if p]
    # sort by (name, value) as w3lib does; sorted() is stable for repeated names
    pieces.sort(key=lambda p: p.partition("="))
    return "&".join(pieces)


@lru_cache(maxsize=16384)
def host_of(url: str) -> str:
    """Lowercase `host[:port]` of `url` (no credentials, default port dropped); "" if none."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except (ValueError, AttributeError):
        return ""
    if not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORT.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def in_domains(url: str, allowed: tuple[str, ...]) -> bool:
    """True if the host of `url` is one of `allowed` or a sub-domain of one.

    Matching is on whole labels: "example.com" allows "www.example.com" but not
    "badexample.com". Entries may be written "*.example.com", ".example.com", with a
    port or even as a URL. An empty tuple allows every host.
    """
    if not allowed:
        return True
    host = _bare_host(url)
    if not host:
        return False
    for domain in _domains(tuple(allowed)):
        if host == domain or host.endswith("." + domain):
            return True
    return False


def _bare_host(url: str) -> str:
    url = url.strip()
    m = _SCHEME_NETLOC.match(url)
    if m is not None:  # cached by scheme://netloc, not by URL: a crawl has few hosts, many URLs
        return _netloc_host(m.group(0))
    return _netloc_host.__wrapped__(url)


@lru_cache(maxsize=1024)
def _netloc_host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except (ValueError, AttributeError):
        return ""
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
    return host.rstrip(".")


@lru_cache(maxsize=256)
def _domains(allowed: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for entry in allowed:
        entry = entry.strip().lower()
        if "//" in entry:
            entry = host_of(entry) or ""
        entry = entry.split("/", 1)[0]
        if entry.count(":") == 1:
            entry = entry.partition(":")[0]
        entry = entry.lstrip("*").strip(".")
        if entry:
            try:
                entry = entry.encode("idna").decode("ascii") if not entry.isascii() else entry
            except UnicodeError:
                continue
            out.append(entry)
    return tuple(out)
