"""Groq through `groq.AsyncGroq`, natively under trio (the SDK is anyio-based).

The SDK's own retries are off (max_retries=0): the router retries, honouring Retry-After,
and counts every attempt. The client is always closed (`aclose`): its `__del__` fallback
needs an asyncio loop, which trio does not have.

Wire: POST {base}/openai/v1/chat/completions with a Bearer key (OpenAI-compatible).
What the real API does, and this module reads:
- structured output: `response_format` json_schema (strict: constrained decoding on the
  gpt-oss models) where the catalogue says the model has it, else JSON mode;
- JSON mode never answers 200 with bad JSON: it answers 400 `json_validate_failed` with the
  text in `failed_generation` - an invalid reply (the model's fault), not a provider fault;
- a shut-down model: 400 `model_decommissioned`; an unknown one: 404 `model_not_found`;
- every reply carries x-ratelimit-{limit,remaining,reset}-{requests,tokens} (requests per
  day, tokens per minute): they are handed to the router's limiter; a 429 adds retry-after;
  a 429 on a per-day limit (RPD/TPD) is not transient.
"""

from __future__ import annotations

from typing import Any, cast

import groq
import trio

from scraped.ai import catalogue
from scraped.ai.errors import (
    InvalidReply,
    ModelUnavailable,
    ProviderConnectError,
    ProviderError,
    ProviderQuotaExhausted,
    ProviderTimeout,
    ReplyTruncated,
    excerpt,
    from_status,
    parse_retry_after,
)
from scraped.ai.providers.base import (
    Completion,
    LLMRequest,
    Provider,
    estimate_tokens,
    rate_headers,
    response_format,
    schema_hint,
)

_MODEL_GONE = {"model_decommissioned", "model_not_found", "model_not_active"}


class GroqProvider(Provider):
    name = "groq"

    def __init__(self, config: Any, key: str | None, limiter: trio.CapacityLimiter):
        super().__init__(config, key, limiter)
        self._client = groq.AsyncGroq(api_key=key, base_url=config.base_url or None, max_retries=0,
                                      timeout=config.timeout + 2.0)

    async def _complete(self, req: LLMRequest, model: str) -> Completion:
        info = catalogue.lookup(self.name, model)
        fmt = response_format(req, info.structured if info else "json_object")
        system = req.system if fmt["type"] == "json_schema" else req.system + "\n\n" + schema_hint(req)
        messages: Any = [{"role": "system", "content": system}, {"role": "user", "content": req.user}]
        effort = getattr(self.config, "reasoning_effort", "default")
        extra: dict[str, Any] = {} if effort == "default" else {"reasoning_effort": effort}
        try:
            raw = await self._client.chat.completions.with_raw_response.create(
                model=model, messages=messages, max_tokens=req.max_tokens, temperature=req.temperature,
                response_format=cast(Any, fmt), **extra)
            resp = await raw.parse()
        except groq.APIError as exc:
            raise self._map(exc, req) from None
        except (ValueError, TypeError) as exc:
            raise InvalidReply(f"groq: unreadable response ({type(exc).__name__})", provider=self.name) from None
        headers = rate_headers(raw.headers)
        usage = resp.usage
        tokens_in = usage.prompt_tokens if usage else 0
        tokens_out = usage.completion_tokens if usage else 0
        details = getattr(usage, "completion_tokens_details", None)
        thinking = int(getattr(details, "reasoning_tokens", 0) or 0)
        cost: dict[str, Any] = {"provider": self.name, "tokens_in": tokens_in, "tokens_out": tokens_out,
                                "tokens_thinking": thinking}
        if not resp.choices:
            raise self._with(InvalidReply("groq: no choices in the reply", **cost), headers)
        choice = resp.choices[0]
        if choice.finish_reason == "length":
            raise self._with(ReplyTruncated(f"groq: the {req.max_tokens}-token limit ended the reply "
                                            f"({thinking} reasoning tokens)", **cost), headers)
        if not choice.message.content:
            raise self._with(InvalidReply("groq: empty reply", **cost), headers)
        return Completion(choice.message.content, tokens_in, tokens_out, resp.model or model,
                          tokens_thinking=thinking, rate_headers=headers)

    @staticmethod
    def _with(err: ProviderError, headers: dict[str, str]) -> ProviderError:
        err.rate_headers = headers
        return err

    def _map(self, exc: groq.APIError, req: LLMRequest) -> ProviderError:
        if isinstance(exc, groq.APITimeoutError):
            return ProviderTimeout("groq: timed out", provider=self.name)
        if isinstance(exc, groq.APIConnectionError):
            return ProviderConnectError("groq: connection failed", provider=self.name)
        if isinstance(exc, groq.APIStatusError):
            headers = rate_headers(exc.response.headers)
            body = exc.body if isinstance(exc.body, dict) else {}
            error = body.get("error", body) if isinstance(body.get("error", body), dict) else {}
            code = str(error.get("code") or "")
            message = excerpt(error.get("message") or exc.message, self.secrets())
            retry_after = parse_retry_after(headers.get("retry-after"))
            err: ProviderError
            if code == "json_validate_failed":
                failed = str(error.get("failed_generation") or "")
                # Billed like any reply; the error reports no usage, so both sides are estimated.
                err = InvalidReply(f"groq: json_validate_failed: the model's reply failed Groq's JSON "
                                   f"validation ({len(failed)} characters)", provider=self.name, status=400,
                                   tokens_in=estimate_tokens(req.system + req.user),
                                   tokens_out=estimate_tokens(failed) if failed else 0)
            elif code in _MODEL_GONE or exc.status_code == 404:
                err = ModelUnavailable(f"groq: {code or exc.status_code}: {message}", provider=self.name,
                                       status=exc.status_code)
            elif exc.status_code == 429 and "per day" in message.lower():
                err = ProviderQuotaExhausted(f"groq: daily limit reached: {message}", provider=self.name,
                                             status=429, retry_after=retry_after)
            else:
                err = from_status(exc.status_code, message, provider=self.name, retry_after=retry_after)
            return self._with(err, headers)
        if isinstance(exc, groq.APIResponseValidationError):
            return InvalidReply("groq: response is not the API's shape", provider=self.name)
        return ProviderError(f"groq: {type(exc).__name__}", provider=self.name)

    async def aclose(self) -> None:
        await self._client.close()
