"""The provider interface: one chat-style call that answers JSON.

A `Provider` wraps one SDK client for one key. The router owns everything around the call
(retries, limits, breaker, cache, accounting); a provider only calls, measures tokens and
maps errors. `in_flight` lets a reload close a replaced client once its calls are done.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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
    tokens_out: int
    model: str


def estimate_tokens(text: str) -> int:
    """A rough count (4 characters a token) for rate limiting before a call."""
    return max(1, len(text) // 4)


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
