"""Errors of the AI layer, within the project's error tree.

    Unavailable (scraped.errors)
    └── ProviderError            one provider call failed; `retryable`, `retry_after`
        ├── ProviderTimeout      no reply within the provider's timeout       (retryable)
        ├── ProviderConnectError the endpoint could not be reached              (retryable)
        ├── ProviderRateLimited  429; `retry_after` from the Retry-After header (retryable)
        ├── ProviderServerError  5xx                                            (retryable)
        ├── ProviderAuthError    401/403: the key is missing, wrong or revoked
        ├── ProviderRejected     any other 4xx (bad model name, request too large)
        ├── InvalidReply         the reply is not JSON or fails the task's schema
        └── ProviderSkipped      not tried: breaker open, rate limit, budget, no key

Each provider module maps its SDK's exceptions to these in one function (`_map`); above
the providers nothing sees an SDK exception. Messages never carry a key: they are built
from status codes and short excerpts, and `redact` runs over every excerpt.
"""

from __future__ import annotations

from scraped.errors import Unavailable


class ProviderError(Unavailable):
    retryable = False

    def __init__(self, message: str, *, provider: str = "", status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.retry_after = retry_after

    @property
    def kind(self) -> str:
        return _KINDS.get(type(self), "error")


class ProviderTimeout(ProviderError):
    retryable = True


class ProviderConnectError(ProviderError):
    retryable = True


class ProviderRateLimited(ProviderError):
    retryable = True


class ProviderServerError(ProviderError):
    retryable = True


class ProviderAuthError(ProviderError):
    pass


class ProviderRejected(ProviderError):
    pass


class InvalidReply(ProviderError):
    pass


class ProviderSkipped(ProviderError):
    pass


_KINDS = {ProviderTimeout: "timeout", ProviderConnectError: "connect", ProviderRateLimited: "rate_limited",
          ProviderServerError: "server_error", ProviderAuthError: "auth", ProviderRejected: "rejected",
          InvalidReply: "invalid_reply", ProviderSkipped: "skipped"}


def from_status(status: int, message: str, *, provider: str, retry_after: float | None = None) -> ProviderError:
    """The error for an HTTP status a provider answered with."""
    if status == 429:
        cls: type[ProviderError] = ProviderRateLimited
    elif status >= 500:
        cls = ProviderServerError
    elif status in (401, 403):
        cls = ProviderAuthError
    elif status == 408:
        cls = ProviderTimeout
    else:
        cls = ProviderRejected
    return cls(f"{provider}: HTTP {status}: {message}", provider=provider, status=status,
               retry_after=retry_after)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import time
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def excerpt(text: object, secrets: list[str] | tuple[str, ...] = (), limit: int = 200) -> str:
    """A short, single-line, key-free excerpt of a provider's error body."""
    out = " ".join(str(text).split())[:limit]
    return redact(out, secrets)


def redact(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
