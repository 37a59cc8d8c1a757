"""The fetcher's one error and the one place httpx's exceptions are translated.

Every failure of `Fetcher.fetch` is a `FetchError` with the URL, a human reason and a
`kind`; `retryable` says whether trying again later may help (the fetcher has already
spent its own retries by the time the caller sees it).

    kind             retryable  cause
    timeout          yes        connect/read timeout, or the total timeout (a slow drip)
    connect          yes        DNS, refused, reset, a broken or malformed response stream
    http_status      5xx/429    any status >= 400 (status is set)
    too_large        no         the decoded body passed max_bytes
    content_type     no         a type not in content_types, or binary bytes
    robots           no         robots.txt disallows the URL
    blocked_address  no         the host resolves to an address the guard refuses
    redirects        no         too many redirects, a loop, or a bad Location
    decode           no         a corrupt or unsupported content encoding
    invalid_url      no         not an http(s) URL with a host

Error handling: httpx, httpcore and trio timeouts are mapped by `transport_errors` only;
nothing else in the engine imports httpx's exception types.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import trio

from scraped.errors import ScrapedError

__all__ = ["KINDS", "FetchError", "drain", "parse_retry_after", "transport_errors"]

KINDS = ("timeout", "connect", "http_status", "too_large", "content_type", "robots",
         "blocked_address", "redirects", "decode", "invalid_url")


class FetchError(ScrapedError):
    """A page could not be fetched; `kind` is one of KINDS."""

    code = "unavailable"

    def __init__(self, url: str, reason: str, kind: str, *, status: int | None = None,
                 retryable: bool = False, retry_after: float | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.kind = kind
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the server asked us to wait, if it did

    def at(self, url: str) -> FetchError:
        """The same error for another URL (a redirect hop, the connect-time guard)."""
        if url == self.url:
            return self
        return FetchError(url, self.reason, self.kind, status=self.status,
                          retryable=self.retryable, retry_after=self.retry_after)

    def __repr__(self) -> str:
        return f"FetchError({self.url!r}, {self.reason!r}, kind={self.kind!r}, status={self.status})"


# Checked in order: the subclasses first.
_HTTPX_MAP: tuple[tuple[type[BaseException], str, bool], ...] = (
    (httpx.TimeoutException, "timeout", True),          # connect, read, write, pool
    (httpx.UnsupportedProtocol, "invalid_url", False),
    (httpx.DecodingError, "decode", False),
    (httpx.LocalProtocolError, "invalid_url", False),     # e.g. a header we may not send
    (httpx.NetworkError, "connect", True),              # connect, read, write, close
    (httpx.RemoteProtocolError, "connect", True),       # malformed or truncated response
    (httpx.ProxyError, "connect", True),
    (httpx.TransportError, "connect", True),
)


@contextmanager
def transport_errors(url: str, timeout: float) -> Iterator[None]:
    """Run one request hop under the total `timeout`; translate what can go wrong into FetchError.

    The total timeout is a trio scope, so a server that drips a byte a second (and so
    never trips httpx's read timeout) is cut off here.
    """
    try:
        with trio.fail_after(timeout):
            yield
    except trio.TooSlowError:
        raise FetchError(url, f"took longer than the total timeout of {timeout:g}s", "timeout",
                         retryable=True) from None
    except FetchError as exc:  # raised below us (the connect-time guard) without this hop's URL
        raise exc.at(url) from None
    except httpx.InvalidURL as exc:  # not an HTTPError
        raise FetchError(url, f"invalid URL: {exc}", "invalid_url") from None
    except httpx.HTTPError as exc:
        kind, retryable = next(((k, r) for cls, k, r in _HTTPX_MAP if isinstance(exc, cls)),
                               ("connect", True))
        raise FetchError(url, f"{type(exc).__name__}: {exc or 'no detail'}", kind,
                         retryable=retryable) from None


async def drain(response: httpx.Response, *, limit: int = 64 * 1024, seconds: float = 1.0) -> None:
    """Read a small unwanted body (a redirect's, an error page's) to its end, so the
    connection goes back to the pool instead of being closed. Gives up quietly after
    `limit` bytes or `seconds`: the caller is about to close the response anyway."""
    if response.is_stream_consumed:
        return
    seen = 0
    with trio.move_on_after(seconds):
        try:
            async for raw in response.aiter_raw():
                seen += len(raw)
                if seen > limit:
                    return
        except httpx.HTTPError:
            return


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
