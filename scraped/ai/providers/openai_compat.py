"""Any OpenAI-compatible chat-completions server (Ollama, vLLM, llama.cpp) through httpx.

POST {base_url}/v1/chat/completions (or {base_url}/chat/completions when base_url already
ends in /v1); a Bearer key only when OPENAI_COMPAT_API_KEY is set. One AsyncClient per
provider, closed with it.
"""

from __future__ import annotations

from typing import Any

import httpx
import trio

from scraped.ai.errors import (
    InvalidReply,
    ProviderConnectError,
    ProviderTimeout,
    excerpt,
    from_status,
    parse_retry_after,
)
from scraped.ai.providers.base import Completion, LLMRequest, Provider, schema_hint


class OpenAICompatProvider(Provider):
    name = "openai_compat"

    def __init__(self, config: Any, key: str | None, limiter: trio.CapacityLimiter):
        super().__init__(config, key, limiter)
        base = config.base_url.rstrip("/")
        self._url = base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.AsyncClient(headers=headers, timeout=config.timeout + 2.0)

    async def _complete(self, req: LLMRequest, model: str) -> Completion:
        body = {"model": model, "max_tokens": req.max_tokens, "temperature": req.temperature,
                "response_format": {"type": "json_object"},
                "messages": [{"role": "system", "content": req.system + "\n\n" + schema_hint(req)},
                             {"role": "user", "content": req.user}]}
        try:
            r = await self._client.post(self._url, json=body)
        except httpx.TimeoutException:
            raise ProviderTimeout("openai_compat: timed out", provider=self.name) from None
        except httpx.HTTPError as exc:
            raise ProviderConnectError(f"openai_compat: {type(exc).__name__}", provider=self.name) from None
        if r.status_code != 200:
            raise from_status(r.status_code, excerpt(r.text, self.secrets()), provider=self.name,
                              retry_after=parse_retry_after(r.headers.get("retry-after")))
        try:
            data = r.json()
            text = data["choices"][0]["message"]["content"]
            usage = data.get("usage") or {}
            tokens_in, tokens_out = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
        except (ValueError, KeyError, IndexError, TypeError):
            raise InvalidReply("openai_compat: response is not a chat completion", provider=self.name) from None
        if not isinstance(text, str) or not text:
            raise InvalidReply("openai_compat: empty reply", provider=self.name)
        return Completion(text, tokens_in, tokens_out, str(data.get("model") or model))

    async def aclose(self) -> None:
        await self._client.aclose()
