"""Gemini through google-genai's sync client, called in a worker thread.

google-genai's async client is asyncio-only (under trio: "no running event loop"), so the
sync client runs in `trio.to_thread.run_sync` behind the AI limiter. The `genai.Client`
is kept for the provider's life: a collected client closes its HTTP pool under a call.
Cancellation: the trio side returns at once (abandon_on_cancel); the thread ends at the
SDK's own timeout, set a little above the router's.

Wire: POST {base}/v1beta/models/MODEL:generateContent with the key in `x-goog-api-key`.
"""

from __future__ import annotations

import functools
from typing import Any

import httpx
import httpx2
import trio
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from scraped.ai.errors import (
    InvalidReply,
    ProviderConnectError,
    ProviderError,
    ProviderTimeout,
    excerpt,
    from_status,
    parse_retry_after,
)
from scraped.ai.providers.base import Completion, LLMRequest, Provider

_TIMEOUTS = (httpx.TimeoutException, httpx2.TimeoutException)
_TRANSPORT = (httpx.TransportError, httpx2.TransportError)


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
            # No tools are passed; off, it also stops an INFO line per call.
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
        call = functools.partial(self._call, model, req.user, config)
        return await trio.to_thread.run_sync(call, limiter=self.limiter, abandon_on_cancel=True)

    def _call(self, model: str, user: str, config: types.GenerateContentConfig) -> Completion:
        try:
            resp = self._client.models.generate_content(model=model, contents=user, config=config)
            text = resp.text
        except Exception as exc:
            raise self._map(exc) from None
        if not text:
            reason = resp.candidates[0].finish_reason if resp.candidates else "no candidates"
            raise InvalidReply(f"gemini: empty reply ({reason})", provider=self.name)
        usage = resp.usage_metadata
        return Completion(text, (usage and usage.prompt_token_count) or 0,
                          (usage and usage.candidates_token_count) or 0, resp.model_version or model)

    def _map(self, exc: Exception) -> ProviderError:
        if isinstance(exc, genai_errors.APIError):
            headers = getattr(exc.response, "headers", None) or {}
            return from_status(exc.code or 0, excerpt(exc.message or exc.status, self.secrets()),
                               provider=self.name, retry_after=parse_retry_after(headers.get("retry-after")))
        if isinstance(exc, _TIMEOUTS):
            return ProviderTimeout("gemini: timed out", provider=self.name)
        if isinstance(exc, _TRANSPORT):
            return ProviderConnectError(f"gemini: {type(exc).__name__}", provider=self.name)
        if isinstance(exc, ValueError):  # a body that is not the API's JSON
            return InvalidReply(f"gemini: unreadable response ({type(exc).__name__})", provider=self.name)
        return ProviderError(f"gemini: {type(exc).__name__}: {excerpt(exc, self.secrets())}", provider=self.name)

    async def aclose(self) -> None:
        client = self._client
        await trio.to_thread.run_sync(client.close, limiter=self.limiter)
