"""Gemini through google-genai's sync client, called in a worker thread.

google-genai's async client is asyncio-only (under trio: "no running event loop"), so the
sync client runs in `trio.to_thread.run_sync` behind the AI limiter. The `genai.Client`
is kept for the provider's life: a collected client closes its HTTP pool under a call.
Cancellation: the trio side returns at once (abandon_on_cancel); the thread ends at the
SDK's own timeout, set a little above the router's.

Wire: POST {base}/v1beta/models/MODEL:generateContent with the key in `x-goog-api-key`;
the schema goes as generationConfig.responseJsonSchema (native structured output).
What the real API does, and this module reads:
- a 429 (RESOURCE_EXHAUSTED) has no Retry-After header: the delay is in the body,
  error.details[] google.rpc.RetryInfo retryDelay ("47s"); google.rpc.QuotaFailure lists
  the quotas hit, and a quotaId with "PerDay" is a daily quota (reset at midnight Pacific
  time): not transient, so ProviderQuotaExhausted holds the provider until then;
- usageMetadata.thoughtsTokenCount is billed as output and counts against maxOutputTokens:
  it is added to tokens_out;
- finishReason MAX_TOKENS may come with no content parts at all (the thinking used the
  budget): ReplyTruncated, with its token cost;
- promptFeedback.blockReason (no candidates) and finishReason SAFETY and its kin: a refusal;
- an unknown or shut-down model: 404 NOT_FOUND, ModelUnavailable.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
import httpx2
import trio
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from scraped.ai.errors import (
    InvalidReply,
    ModelUnavailable,
    ProviderConnectError,
    ProviderError,
    ProviderQuotaExhausted,
    ProviderTimeout,
    ReplyRefused,
    ReplyTruncated,
    excerpt,
    from_status,
    parse_retry_after,
)
from scraped.ai.limits import parse_duration
from scraped.ai.providers.base import Completion, LLMRequest, Provider

_TIMEOUTS = (httpx.TimeoutException, httpx2.TimeoutException)
_TRANSPORT = (httpx.TransportError, httpx2.TransportError)
_REFUSALS = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY",
             "IMAGE_PROHIBITED_CONTENT", "MODEL_ARMOR"}


def until_quota_reset(now: datetime | None = None) -> float:
    """Seconds until the next midnight in Pacific time, when Gemini's daily quotas reset."""
    try:
        tz: Any = ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:  # no tz database: standard time is near enough
        tz = timezone(timedelta(hours=-8))
    local = (now or datetime.now(UTC)).astimezone(tz)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, (midnight.astimezone(UTC) - local.astimezone(UTC)).total_seconds())


def _thinking(level: str) -> types.ThinkingConfig | None:
    return None if level == "default" else types.ThinkingConfig(thinking_level=types.ThinkingLevel(level.upper()))


def _name(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


class GeminiProvider(Provider):
    name = "gemini"

    def __init__(self, config: Any, key: str | None, limiter: trio.CapacityLimiter):
        super().__init__(config, key, limiter)
        options = types.HttpOptions(api_version="v1beta", timeout=int((config.timeout + 2.0) * 1000),
                                    base_url=config.base_url or None)
        self._client = genai.Client(api_key=key, vertexai=False, http_options=options)

    async def _complete(self, req: LLMRequest, model: str) -> Completion:
        config = types.GenerateContentConfig(
            system_instruction=req.system, response_mime_type="application/json",
            response_json_schema=req.schema, max_output_tokens=req.max_tokens,
            temperature=req.temperature,
            thinking_config=_thinking(getattr(self.config, "thinking_level", "default")),
            # No tools are passed; off, it also stops an INFO line per call.
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
        call = functools.partial(self._call, model, req.user, config)
        return await trio.to_thread.run_sync(call, limiter=self.limiter, abandon_on_cancel=True)

    def _call(self, model: str, user: str, config: types.GenerateContentConfig) -> Completion:
        try:
            resp = self._client.models.generate_content(model=model, contents=user, config=config)
        except Exception as exc:
            raise self._map(exc) from None
        usage = resp.usage_metadata
        tokens_in = (usage and usage.prompt_token_count) or 0
        thoughts = (usage and usage.thoughts_token_count) or 0
        tokens_out = ((usage and usage.candidates_token_count) or 0) + thoughts
        cost: dict[str, Any] = {"provider": self.name, "tokens_in": tokens_in, "tokens_out": tokens_out,
                                "tokens_thinking": thoughts}
        feedback = resp.prompt_feedback
        if feedback is not None and feedback.block_reason:
            raise ReplyRefused(f"gemini: the prompt was blocked ({_name(feedback.block_reason)})", **cost)
        if not resp.candidates:
            raise InvalidReply("gemini: no candidates in the reply", **cost)
        cand = resp.candidates[0]
        finish = _name(cand.finish_reason)
        parts = (cand.content.parts if cand.content is not None else None) or []
        text = "".join(p.text for p in parts if p.text and not p.thought)
        if finish in _REFUSALS:
            raise ReplyRefused(f"gemini: the reply was blocked (finishReason {finish})", **cost)
        if finish == "MAX_TOKENS":
            what = "before any answer" if not text else "mid-answer"
            raise ReplyTruncated(f"gemini: the {config.max_output_tokens}-token limit ended the reply {what} "
                                 f"({thoughts} of {tokens_out} reply tokens were thinking)", **cost)
        if not text:
            raise InvalidReply(f"gemini: empty reply (finishReason {finish or 'none'})", **cost)
        return Completion(text, tokens_in, tokens_out, resp.model_version or model, tokens_thinking=thoughts)

    def _map(self, exc: Exception) -> ProviderError:
        if isinstance(exc, genai_errors.APIError):
            return self._map_api(exc)
        if isinstance(exc, _TIMEOUTS):
            return ProviderTimeout("gemini: timed out", provider=self.name)
        if isinstance(exc, _TRANSPORT):
            return ProviderConnectError(f"gemini: {type(exc).__name__}", provider=self.name)
        if isinstance(exc, ValueError):  # a body that is not the API's JSON
            return InvalidReply(f"gemini: unreadable response ({type(exc).__name__})", provider=self.name)
        return ProviderError(f"gemini: {type(exc).__name__}: {excerpt(exc, self.secrets())}", provider=self.name)

    def _map_api(self, exc: genai_errors.APIError) -> ProviderError:
        body = exc.details if isinstance(exc.details, dict) else {}
        error = body.get("error", body) if isinstance(body.get("error", body), dict) else {}
        retry_delay: float | None = None
        quota_ids: list[str] = []
        for detail in error.get("details") or []:
            if not isinstance(detail, dict):
                continue
            kind = str(detail.get("@type", ""))
            if kind.endswith("google.rpc.RetryInfo"):
                retry_delay = parse_duration(str(detail.get("retryDelay", "")))
            elif kind.endswith("google.rpc.QuotaFailure"):
                quota_ids += [str(v.get("quotaId", "")) for v in detail.get("violations") or [] if isinstance(v, dict)]
        headers = getattr(exc.response, "headers", None) or {}
        if retry_delay is None:
            retry_delay = parse_retry_after(headers.get("retry-after"))
        message = excerpt(exc.message or exc.status, self.secrets())
        code = exc.code or 0
        daily = [q for q in quota_ids if "PerDay" in q]
        if code == 429 and daily:
            return ProviderQuotaExhausted(f"gemini: daily quota spent ({', '.join(daily[:2])}); it resets at "
                                          f"midnight Pacific time", provider=self.name, status=code,
                                          retry_after=until_quota_reset())
        if code == 404:
            return ModelUnavailable(f"gemini: HTTP 404: {message}", provider=self.name, status=code)
        if code == 429 and quota_ids:
            message = f"{message} (quota {', '.join(quota_ids[:2])})"
        return from_status(code, message, provider=self.name, retry_after=retry_delay)

    async def aclose(self) -> None:
        client = self._client
        await trio.to_thread.run_sync(client.close, limiter=self.limiter)
