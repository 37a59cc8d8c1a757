"""Errors of the AI layer, within the project's error tree.

    Unavailable (scraped.errors)
    └── ProviderError              one provider call failed; `retryable`, `retry_after`, `fault`
        ├── ProviderTimeout        no reply within the provider's timeout        (retryable, fault)
        ├── ProviderConnectError   the endpoint could not be reached              (retryable, fault)
        ├── ProviderRateLimited    429 per-minute limit; `retry_after` from the   (retryable, fault)
        │   │                      Retry-After header or Gemini's RetryInfo
        │   └── ProviderQuotaExhausted  a per-day quota: held until it resets, not retried
        ├── ProviderServerError    5xx                                            (retryable, fault)
        ├── ProviderAuthError      401/403: the key is missing, wrong or revoked  (fault)
        ├── ProviderOutOfCredit    402: the account's credits are spent (held, not retried)
        ├── ProviderRejected       any other 4xx (request too large, bad parameter)
        │   └── ModelUnavailable   the model is unknown, shut down or decommissioned
        ├── InvalidReply           the reply is not JSON or fails the task's schema or checks
        │   ├── ReplyRefused       a safety block / refusal (promptFeedback.blockReason, SAFETY)
        │   └── ReplyTruncated     the token limit ended the reply (MAX_TOKENS) before an answer
        └── ProviderSkipped        not tried: breaker open, rate limit, budget, no key

`fault` marks the provider's own faults (transport, 5xx, 429, auth): only they count on the
circuit breaker. A model's bad content (invalid JSON, a refusal, a truncated reply) is the
provider answering: it passes the call on but never opens the breaker. `tokens_in` and
`tokens_out` carry what a failed call still cost, when the provider reported it.

Each provider module maps its SDK's exceptions to these in one function (`_map`); above
the providers nothing sees an SDK exception. Messages never carry a key: they are built
from status codes and short excerpts, and `redact` runs over every excerpt.
"""

from __future__ import annotations

from scraped.errors import Unavailable


class ProviderError(Unavailable):
    retryable = False
    fault = False

    def __init__(self, message: str, *, provider: str = "", status: int | None = None,
                 retry_after: float | None = None, tokens_in: int = 0, tokens_out: int = 0,
                 tokens_thinking: int = 0):
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.retry_after = retry_after
        self.tokens_in = tokens_in
        self.tokens_out = tokens_out
        self.tokens_thinking = tokens_thinking
        self.rate_headers: dict[str, str] = {}  # x-ratelimit-* of the failed response

    @property
    def kind(self) -> str:
        return _KINDS.get(type(self), "error")


class ProviderTimeout(ProviderError):
    retryable = fault = True


class ProviderConnectError(ProviderError):
    retryable = fault = True


class ProviderRateLimited(ProviderError):
    retryable = fault = True


class ProviderQuotaExhausted(ProviderRateLimited):
    """A per-day quota is spent: `retry_after` is the time until it resets."""

    retryable = fault = False


class ProviderServerError(ProviderError):
    retryable = fault = True


class ProviderAuthError(ProviderError):
    fault = True


class ProviderOutOfCredit(ProviderError):
    pass


class ProviderRejected(ProviderError):
    pass


class ModelUnavailable(ProviderRejected):
    pass


class InvalidReply(ProviderError):
    pass


class ReplyRefused(InvalidReply):
    pass


class ReplyTruncated(InvalidReply):
    pass


class ProviderSkipped(ProviderError):
    pass


_KINDS = {ProviderTimeout: "timeout", ProviderConnectError: "connect", ProviderRateLimited: "rate_limited",
          ProviderQuotaExhausted: "quota_exhausted", ProviderServerError: "server_error",
          ProviderAuthError: "auth", ProviderOutOfCredit: "out_of_credit", ProviderRejected: "rejected",
          ModelUnavailable: "model_unavailable", InvalidReply: "invalid_reply", ReplyRefused: "refused",
          ReplyTruncated: "truncated", ProviderSkipped: "skipped"}


# Failure kinds that say nothing about the request's content: the provider, its account,
# quota or model failed (or it was not tried), so a caller gives the attempt back.
NOT_CONTENT_KINDS = frozenset({"timeout", "connect", "rate_limited", "quota_exhausted", "server_error",
                               "auth", "out_of_credit", "model_unavailable", "skipped", "error"})


def from_status(status: int, message: str, *, provider: str, retry_after: float | None = None) -> ProviderError:
    """The error for an HTTP status a provider answered with."""
    if status == 429:
        cls: type[ProviderError] = ProviderRateLimited
    elif status == 402:
        cls = ProviderOutOfCredit
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
