"""Any OpenAI-compatible chat-completions server (Ollama, vLLM, llama.cpp) through httpx.

POST {base_url}/v1/chat/completions (or {base_url}/chat/completions when base_url already
ends in /v1); a Bearer key only when OPENAI_COMPAT_API_KEY is set. One AsyncClient per
provider, closed with it. `response_format` (config) picks the server's structured output:
json_schema (vLLM, llama.cpp, recent Ollama), json_object (JSON mode) or none (the schema
in the prompt only). x-ratelimit-* headers, when a server sends them, go to the limiter.
"""

from __future__ import annotations

from typing import Any

import httpx
import trio

from scraped.ai.errors import (
    InvalidReply,
    ModelUnavailable,
    ProviderConnectError,
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
    rate_headers,
    response_format,
    schema_hint,
)


class OpenAICompatProvider(Provider):
    name = "openai_compat"

    def __init__(self, config: Any, key: str | None, limiter: trio.CapacityLimiter):
        super().__init__(config, key, limiter)
        base = config.base_url.rstrip("/")
        self._url = base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.AsyncClient(headers=headers, timeout=config.timeout + 2.0)

    async def _complete(self, req: LLMRequest, model: str) -> Completion:
        mode = getattr(self.config, "response_format", "json_object")
        body: dict[str, Any] = {
            "model": model, "max_tokens": req.max_tokens, "temperature": req.temperature,
            "messages": [{"role": "system", "content": req.system + "\n\n" + schema_hint(req)},
                         {"role": "user", "content": req.user}]}
        if mode != "none":
            body["response_format"] = response_format(req, "json_schema" if mode == "json_schema" else "json_object")
        try:
            r = await self._client.post(self._url, json=body)
        except httpx.TimeoutException:
            raise ProviderTimeout("openai_compat: timed out", provider=self.name) from None
        except httpx.HTTPError as exc:
            raise ProviderConnectError(f"openai_compat: {type(exc).__name__}", provider=self.name) from None
        headers = rate_headers(r.headers)
        if r.status_code != 200:
            message = excerpt(r.text, self.secrets())
            err = (ModelUnavailable(f"openai_compat: HTTP 404: {message}", provider=self.name, status=404)
                   if r.status_code == 404 else
                   from_status(r.status_code, message, provider=self.name,
                               retry_after=parse_retry_after(headers.get("retry-after"))))
            err.rate_headers = headers
            raise err
        try:
            data = r.json()
            choice = data["choices"][0]
            text = choice["message"]["content"]
            usage = data.get("usage") or {}
            tokens_in, tokens_out = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
            thinking = int(((usage.get("completion_tokens_details") or {}).get("reasoning_tokens")) or 0)
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise InvalidReply("openai_compat: response is not a chat completion", provider=self.name) from None
        cost: dict[str, Any] = {"provider": self.name, "tokens_in": tokens_in, "tokens_out": tokens_out}
        if choice.get("finish_reason") == "length":
            raise ReplyTruncated(f"openai_compat: the {req.max_tokens}-token limit ended the reply", **cost)
        if not isinstance(text, str) or not text:
            raise InvalidReply("openai_compat: empty reply", **cost)
        return Completion(text, tokens_in, tokens_out, str(data.get("model") or model), tokens_thinking=thinking,
                          rate_headers=headers)

    async def aclose(self) -> None:
        await self._client.aclose()
