"""The provider interface: one chat-style call that answers JSON.

A `Provider` wraps one SDK client for one key. The router owns everything around the call
(retries, limits, breaker, cache, accounting); a provider only calls, measures tokens and
maps errors. `in_flight` lets a reload close a replaced client once its calls are done.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import trio


@dataclass(frozen=True)
class LLMRequest:
    system: str
    user: str
    schema: dict[str, Any]
    schema_name: str
    max_tokens: int
    temperature: float


@dataclass(frozen=True)
class Completion:
    text: str
    tokens_in: int
    tokens_out: int  # every billed reply token: the answer and, where billed, the thinking
    model: str
    tokens_thinking: int = 0  # the part of tokens_out spent thinking (Gemini thoughts, reasoning)
    rate_headers: dict[str, str] = field(default_factory=dict)  # x-ratelimit-* as received


def estimate_tokens(text: str) -> int:
    """A cautious count (3 characters a token; real tokenizers average about 4 on English)
    for rate limits and the budget reservation before a call."""
    return max(1, -(-len(text) // 3))


def strict_compatible(schema: Any) -> bool:
    """Whether a schema meets strict structured output's rules (OpenAI/Groq constrained
    decoding): every object lists all its properties as required and forbids others."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            props = schema.get("properties", {})
            if schema.get("additionalProperties") is not False or set(schema.get("required", ())) != set(props):
                return False
        return all(strict_compatible(v) for v in schema.values())
    if isinstance(schema, list):
        return all(strict_compatible(v) for v in schema)
    return True


def response_format(req: LLMRequest, structured: str) -> dict[str, Any]:
    """The OpenAI-style response_format for a model whose native structured output is
    `structured` (catalogue: json_schema_strict, json_schema or json_object)."""
    if structured in ("json_schema_strict", "json_schema"):
        strict = structured == "json_schema_strict" and strict_compatible(req.schema)
        return {"type": "json_schema",
                "json_schema": {"name": req.schema_name.replace(".", "_"), "strict": strict, "schema": req.schema}}
    return {"type": "json_object"}


def rate_headers(headers: Any) -> dict[str, str]:
    """The x-ratelimit-* and retry-after headers of a response, lower-cased."""
    if not headers:
        return {}
    return {k.lower(): v for k, v in headers.items()
            if k.lower().startswith("x-ratelimit-") or k.lower() == "retry-after"}


def schema_hint(req: LLMRequest) -> str:
    """The schema spelled out in the prompt, for providers without structured output."""
    return ("Answer with one JSON object only, no prose, matching this JSON schema:\n"
            + json.dumps(req.schema, separators=(",", ":")))


class Provider:
    name = "provider"

    def __init__(self, config: Any, key: str | None, limiter: trio.CapacityLimiter):
        self.config = config
        self._key = key
        self.limiter = limiter
        self.in_flight = 0
        self._idle = trio.Event()
        self._idle.set()

    def secrets(self) -> tuple[str, ...]:
        return (self._key,) if self._key else ()

    async def complete(self, req: LLMRequest, model: str) -> Completion:
        self.in_flight += 1
        self._idle = trio.Event() if self.in_flight == 1 else self._idle
        try:
            return await self._complete(req, model)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()

    async def _complete(self, req: LLMRequest, model: str) -> Completion:
        raise NotImplementedError

    async def drain_and_close(self, grace: float) -> None:
        """Close once in-flight calls end (or after `grace` seconds)."""
        with trio.move_on_after(grace):
            await self._idle.wait()
        with trio.CancelScope(shield=True):
            await self.aclose()

    async def aclose(self) -> None:
        pass
