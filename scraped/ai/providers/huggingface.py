"""Hugging Face Inference Providers (chat completion) through huggingface_hub's sync
InferenceClient in a thread.

With `base_url`, InferenceClient posts to {base}/v1/chat/completions with the model in the
payload and a Bearer token; the default base is Hugging Face's inference router
(router.huggingface.co/v1, OpenAI-compatible). huggingface_hub does not retry inference
calls, so the router's retries are the only ones. What the real router does, and this
module reads:
- 402 when the account's credits are spent ("You have exceeded your monthly included
  credits..."): ProviderOutOfCredit - not transient, the router holds the provider;
- a model no enabled provider serves: 400 `model_not_supported` (404 for an unknown repo):
  ModelUnavailable;
- structured output: `response_format` json_schema where the catalogue says the model's
  providers take it, else JSON mode; finish_reason "length" is a truncated reply.
"""

from __future__ import annotations

import functools
import json
from typing import Any, cast

import httpx2
import trio
from huggingface_hub import InferenceClient
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError

from scraped.ai import catalogue
from scraped.ai.errors import (
    InvalidReply,
    ModelUnavailable,
    ProviderConnectError,
    ProviderError,
    ProviderTimeout,
    ReplyTruncated,
    excerpt,
    from_status,
    parse_retry_after,
)
from scraped.ai.providers.base import Completion, LLMRequest, Provider, response_format, schema_hint

DEFAULT_BASE = "https://router.huggingface.co"


class HuggingFaceProvider(Provider):
    name = "huggingface"

    def __init__(self, config: Any, key: str | None, limiter: trio.CapacityLimiter):
        super().__init__(config, key, limiter)
        self._client = InferenceClient(base_url=config.base_url or DEFAULT_BASE, api_key=key,
                                       timeout=config.timeout + 2.0)

    async def _complete(self, req: LLMRequest, model: str) -> Completion:
        info = catalogue.lookup(self.name, model)
        fmt = response_format(req, info.structured if info else "json_object")
        system = req.system if fmt["type"] == "json_schema" else req.system + "\n\n" + schema_hint(req)
        messages = [{"role": "system", "content": system}, {"role": "user", "content": req.user}]
        call = functools.partial(self._call, model, messages, req, fmt)
        return await trio.to_thread.run_sync(call, limiter=self.limiter, abandon_on_cancel=True)

    def _call(self, model: str, messages: list[dict[str, str]], req: LLMRequest, fmt: dict[str, Any]) -> Completion:
        try:
            resp = self._client.chat_completion(
                messages, model=model, max_tokens=req.max_tokens, temperature=req.temperature,
                response_format=cast(Any, fmt))
        except Exception as exc:
            raise self._map(exc) from None
        usage = resp.usage
        cost: dict[str, Any] = {"provider": self.name, "tokens_in": usage.prompt_tokens if usage else 0,
                "tokens_out": usage.completion_tokens if usage else 0}
        if not resp.choices:
            raise InvalidReply("huggingface: no choices in the reply", **cost)
        choice = resp.choices[0]
        if choice.finish_reason == "length":
            raise ReplyTruncated(f"huggingface: the {req.max_tokens}-token limit ended the reply", **cost)
        if not choice.message.content:
            raise InvalidReply("huggingface: empty reply", **cost)
        return Completion(choice.message.content, cost["tokens_in"], cost["tokens_out"], resp.model or model)

    def _map(self, exc: Exception) -> ProviderError:
        if isinstance(exc, InferenceTimeoutError | httpx2.TimeoutException):
            return ProviderTimeout("huggingface: timed out", provider=self.name)
        if isinstance(exc, HfHubHTTPError) and exc.response is not None:
            r = exc.response
            error = _error(r.text)
            message = excerpt(error.get("message") or r.text, self.secrets())
            if error.get("code") == "model_not_supported" or r.status_code == 404:
                return ModelUnavailable(f"huggingface: HTTP {r.status_code}: {message}", provider=self.name,
                                        status=r.status_code)
            return from_status(r.status_code, message, provider=self.name,
                               retry_after=parse_retry_after(r.headers.get("retry-after")))
        if isinstance(exc, httpx2.TransportError):
            return ProviderConnectError(f"huggingface: {type(exc).__name__}", provider=self.name)
        if isinstance(exc, ValueError | KeyError | TypeError):
            return InvalidReply(f"huggingface: unreadable response ({type(exc).__name__})", provider=self.name)
        return ProviderError(f"huggingface: {type(exc).__name__}: {excerpt(exc, self.secrets())}",
                             provider=self.name)

    async def aclose(self) -> None:
        await trio.to_thread.run_sync(self._client.close, limiter=self.limiter)


def _error(text: str) -> dict[str, Any]:
    """The error object of an error body: {"error": {...}} (OpenAI style) or {"error": "..."}."""
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    error = body.get("error", body)
    if isinstance(error, str):
        return {"message": error}
    return error if isinstance(error, dict) else {}
