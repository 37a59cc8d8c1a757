"""What every long-lived part of the daemon offers the daemon."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import trio

if TYPE_CHECKING:
    from scraped.config import Config
    from scraped.dispatch import Handler

HEALTHY, DEGRADED, DOWN = "healthy", "degraded", "down"
_RANK = {HEALTHY: 0, DEGRADED: 1, DOWN: 2}


def worst(states: list[str]) -> str:
    return max(states, key=lambda s: _RANK.get(s, 2), default=HEALTHY)


class Service(Protocol):
    name: str

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        """Start, call task_status.started() only when truly ready, run until cancelled."""

    def handlers(self) -> dict[str, Handler]:
        """Control commands this service answers, by declared name (scraped/api)."""

    async def health(self) -> dict[str, dict[str, Any]]:
        """{component: {"status": healthy|degraded|down, "reason": str, ...facts}}."""

    async def reload(self, old: Config, new: Config) -> None:
        """Apply a validated new config live."""

    async def checkpoint(self) -> None:
        """Save in-flight state before shutdown (bounded by daemon.shutdown_grace)."""
