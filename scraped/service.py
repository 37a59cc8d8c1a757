"""What every long-lived part of the daemon offers the daemon."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

import trio

if TYPE_CHECKING:
    from scraped.config import Config
    from scraped.dispatch import Handler

HEALTHY, DEGRADED, DOWN = "healthy", "degraded", "down"
_RANK = {HEALTHY: 0, DEGRADED: 1, DOWN: 2}


def worst(states: list[str]) -> str:
    return max(states, key=lambda s: _RANK.get(s, 2), default=HEALTHY)


class JobLimits(Protocol):
    """What ops reads from and tells the engine (scraped/engine/engine_service.py's EngineService)."""

    def set_max_jobs(self, n: int | None) -> object:
        """Jobs at once from now on (adaptive concurrency); None: the configured limit."""

    def jobs_running(self) -> int:
        """Jobs running right now."""


class Quiescable(Protocol):
    """A service that writes data on its own and can pause that (restore waits on it)."""

    name: str

    def quiesce(self) -> AbstractAsyncContextManager[None]:
        """Inside: nothing of this service works or writes."""


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
