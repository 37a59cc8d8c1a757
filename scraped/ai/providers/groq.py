"""Groq through `groq.AsyncGroq`, natively under trio (the SDK is anyio-based).

The SDK's own retries are off (max_retries=0): the router retries, honouring Retry-After,
and counts every attempt. The client is always closed (`aclose`): its `__del__` fallback
needs an asyncio loop, which trio does not have.

Wire: POST {base}/openai/v1/chat/completions with a Bearer key.
"""

from __future__ import annotations

from typing import Any

import groq
import trio

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


class GroqProvider(Provider):
    name = "groq"

    def __init__(self, config: Any, key: str | None, limiter: trio.CapacityLimiter):
        super().__init__(config, key, limiter)
        self._client = groq.AsyncGroq(api_key=key, base_url=config.base_url or None, max_retries=0,
                                      timeout=config.timeout + 2.0)

    async def _complete(self, req: LLMRequest, model: str) -> Completion:
        messages = [{"role": "system", "content": req.system + "\n\n" + schema_hint(req)},
                    {"role": "user", "content": req.user}]
        try:
            resp = await self._client.chat.completions.create(
                model=model, messages=messages, response_format={"type": "json_object"},
                max_tokens=req.max_tokens, temperature=req.temperature)
        except groq.APIError as exc:
            raise self._map(exc) from None
        except (ValueError, TypeError) as exc:  # a body that is not the API's JSON
            raise InvalidReply(f"groq: unreadable response ({type(exc).__name__})", provider=self.name) from None
        if not resp.choices or not resp.choices[0].message.content:
            raise InvalidReply("groq: empty reply", provider=self.name)
        usage = resp.usage
        return Completion(resp.choices[0].message.content, usage.prompt_tokens if usage else 0,
                          usage.completion_tokens if usage else 0, resp.model or model)

    def _map(self, exc: groq.APIError) -> ProviderError:
        if isinstance(exc, groq.APITimeoutError):
            return ProviderTimeout("groq: timed out", provider=self.name)
        if isinstance(exc, groq.APIConnectionError):
            return ProviderConnectError("groq: connection failed", provider=self.name)
        if isinstance(exc, groq.APIStatusError):
            retry_after = parse_retry_after(exc.response.headers.get("retry-after"))
            return from_status(exc.status_code, excerpt(exc.message, self.secrets()), provider=self.name,
                               retry_after=retry_after)
        if isinstance(exc, groq.APIResponseValidationError):
            return InvalidReply("groq: response is not the API's shape", provider=self.name)
        return ProviderError(f"groq: {type(exc).__name__}", provider=self.name)

    async def aclose(self) -> None:
        await self._client.close()
