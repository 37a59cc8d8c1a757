"""What a caller asks of the router (`Task`) and what it gets back (`Result`).

Caching and acceptance: a reply is cached only once it is accepted. By default that is
when the schema and `Task.check` pass. A caller that checks replies item by item after
the call (the bank's enhancement) sets `Task.defer_cache=True` and calls
`await result.commit()` once its own checks accepted the whole reply; a reply never
committed is never replayed, so a retry asks the model again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Task:
    """One request of a task. `check` raises InvalidReply for replies that are valid JSON
    but wrong for this request (ids that were not asked, an answer outside the options);
    `offline` computes the reply with rules."""

    kind: str  # enhance, generate, feedback, extract
    system: str
    user: str
    schema: dict[str, Any]
    schema_name: str
    check: Callable[[Any], None] | None = None
    offline: Callable[[], Any] | None = None
    max_tokens: int | None = None
    use_cache: bool = True
    order: list[tuple[str, str]] | None = None  # overrides the configured order
    defer_cache: bool = False  # cache only when the caller calls `await result.commit()`


@dataclass
class Result:
    data: Any
    provider: str
    model: str
    cached: bool = False
    tokens_in: int = 0
    tokens_out: int = 0  # thinking included
    tried: list[dict[str, str]] = field(default_factory=list)
    tokens_thinking: int = 0
    cost: float = 0.0
    cache_key: str | None = None
    _pending: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)

    async def commit(self) -> bool:
        """Cache this reply now that the caller accepted it (Task.defer_cache). True when
        it was written by this call; a cached, offline or already committed reply: False."""
        pending, self._pending = self._pending, None
        if pending is None:
            return False
        await pending()
        return True
