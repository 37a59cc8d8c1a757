"""Hugging Face chat completion through huggingface_hub's sync InferenceClient in a thread.

With `base_url`, InferenceClient posts to {base}/v1/chat/completions with the model in the
payload and a Bearer token; the default base is Hugging Face's inference router.
huggingface_hub does not retry inference calls, so the router's retries are the only ones.
"""

from __future__ import annotations

import functools
from typing import Any

import httpx2
import trio
from huggingface_hub import InferenceClient
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError

from scraped.ai.errors import (
    InvalidReply,
    ProviderConnectError,
    ProviderError,
    ProviderTimeout,
    excerpt,
    from_status,
    parse_retry_after,
)
from scraped.ai.providers.base import Completion, LLMRequest, Provider, schema_hint

DEFAULT_BASE = "https://router.huggingface.co"


class HuggingFaceProvider(Provider):
    name = "huggingface"

    def __init__(self, config: Any, key: str | None, limiter: trio.CapacityLimiter):
        super().__init__(config, key, limiter)
        self._client = InferenceClient(base_url=config.base_url or DEFAULT_BASE, api_key=key,
                                       timeout=config.timeout + 2.0)

    async def _complete(self, req: LLMRequest, model: str) -> Completion:
        messages = [{"role": "system", "content": req.system + "\n\n" + schema_hint(req)},
                    {"role": "user", "content": req.user}]
        call = functools.partial(self._call, model, messages, req)
        return await trio.to_thread.run_sync(call, limiter=self.limiter, abandon_on_cancel=True)

    def _call(self, model: str, messages: list[dict[str, str]], req: LLMRequest) -> Completion:
        try:
            resp = self._client.chat_completion(
                messages, model=model, max_tokens=req.max_tokens, temperature=req.temperature,
                response_format={"type": "json_object"})
        except Exception as exc:
            raise self._map(exc) from None
        if not resp.choices or not resp.choices[0].message.content:
            raise InvalidReply("huggingface: empty reply", provider=self.name)
        usage = resp.usage
        return Completion(resp.choices[0].message.content, usage.prompt_tokens if usage else 0,
                          usage.completion_tokens if usage else 0, resp.model or model)

    def _map(self, exc: Exception) -> ProviderError:
        if isinstance(exc, InferenceTimeoutError | httpx2.TimeoutException):
            return ProviderTimeout("huggingface: timed out", provider=self.name)
        if isinstance(exc, HfHubHTTPError) and exc.response is not None:
            r = exc.response
            return from_status(r.status_code, excerpt(r.text, self.secrets()), provider=self.name,
                               retry_after=parse_retry_after(r.headers.get("retry-after")))
        if isinstance(exc, httpx2.TransportError):
            return ProviderConnectError(f"huggingface: {type(exc).__name__}", provider=self.name)
        if isinstance(exc, ValueError | KeyError | TypeError):
            return InvalidReply(f"huggingface: unreadable response ({type(exc).__name__})", provider=self.name)
        return ProviderError(f"huggingface: {type(exc).__name__}: {excerpt(exc, self.secrets())}",
                             provider=self.name)

    async def aclose(self) -> None:
        await trio.to_thread.run_sync(self._client.close, limiter=self.limiter)
