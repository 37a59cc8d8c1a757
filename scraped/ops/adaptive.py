"""Adaptive job concurrency: the runbook's rule, applied by the daemon to itself.

    load = max(CPU averaged over adaptive.window, memory)
    load > high_percent (80)      -> high_jobs (2)
    load > moderate_percent (60)  -> moderate_jobs (3)
    otherwise                     -> normal_jobs (5)

Fewer jobs apply at once (protect the host). More jobs only when the load is
`hysteresis` points below the threshold being crossed *and* the current level has been
held `hold` seconds, so a load hovering at 60 % does not flap between 3 and 5.

The level is capped by engine.max_concurrent_jobs (adaptive concurrency only lowers the
configured limit) and applied with `engine.set_max_jobs(n)` whenever it changes;
turning adaptive off gives the engine its own limit back
(`set_max_jobs(None)`).
"""

from __future__ import annotations

import inspect
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scraped.service import JobLimits

log = logging.getLogger(__name__)


def level_for(load: float, cfg: Any) -> int:
    if load > cfg.high_percent:
        return cfg.high_jobs
    if load > cfg.moderate_percent:
        return cfg.moderate_jobs
    return cfg.normal_jobs


class Adaptive:
    def __init__(self, app: Any, engine: JobLimits | None = None, clock: Callable[[], float] = time.time):
        self.app = app
        self.engine = engine  # None: the level is computed and shown, applied to nothing
        self.clock = clock
        self.current: int | None = None  # the level chosen (before the engine's cap)
        self.load: float | None = None
        self.changed_at: float | None = None
        self.applied: int | None = None  # what the engine was last told
        self.last_error: str | None = None
        self.changes: deque[dict[str, Any]] = deque(maxlen=20)

    def cap(self) -> int:
        engine_cfg = getattr(self.app.config, "engine", None)
        return int(getattr(engine_cfg, "max_concurrent_jobs", 1 << 30))

    def evaluate(self, cpu: float | None, memory: float | None, now: float | None = None) -> int | None:
        """Feed one reading; returns the new level when it changes, else None."""
        cfg = self.app.config.ops.adaptive
        now = self.clock() if now is None else now
        values = [v for v in (cpu, memory) if isinstance(v, (int, float))]
        if not cfg.enabled or not values:
            return None
        load = self.load = max(values)
        raw = level_for(load, cfg)
        if self.current is None or raw < self.current:
            new = raw  # start, or shed load at once
        elif raw > self.current:
            relaxed = level_for(load + cfg.hysteresis, cfg)
            held = self.changed_at is None or now - self.changed_at >= cfg.hold
            new = relaxed if relaxed > self.current and held else self.current
        else:
            new = self.current
        if new == self.current:
            return None
        old, self.current, self.changed_at = self.current, new, now
        change = {"at": now, "from": old, "to": new, "load": round(load, 1),
                  "cpu_percent": None if cpu is None else round(cpu, 1),
                  "memory_percent": None if memory is None else round(memory, 1)}
        self.changes.append(change)
        if old is not None:
            log.info("adaptive concurrency: %d -> %d jobs (load %.1f%%)", old, new, load,
                     extra={"max_jobs": new, "load": round(load, 1)})
        return new

    def target(self) -> int | None:
        """The limit adaptive concurrency wants now (None: it has nothing to say)."""
        if not self.app.config.ops.adaptive.enabled or self.current is None:
            return None
        return min(self.current, self.cap())

    async def apply(self) -> None:
        """Tell the engine the limit when it differs from what it was last told; when
        adaptive is off, give the engine its configured limit back (set_max_jobs(None))."""
        if not self.app.config.ops.adaptive.enabled:
            self.current = self.changed_at = None
            if self.applied is None:
                return
            want = None
        else:
            want = self.target()
            if want is None or want == self.applied:
                return
        if self.engine is None:
            return
        try:
            result = self.engine.set_max_jobs(want)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            if self.last_error != str(exc):  # report once per distinct failure, not every sample
                self.app.capture_exception(exc, category="adaptive", severity="medium",
                                           context={"max_jobs": want})
            self.last_error = str(exc)
            return
        self.applied, self.last_error = want, None

    async def update(self, cpu: float | None, memory: float | None, now: float | None = None) -> None:
        self.evaluate(cpu, memory, now)
        await self.apply()

    def status(self) -> dict[str, Any]:
        cfg = self.app.config.ops.adaptive
        return {"enabled": cfg.enabled, "max_jobs": self.target() if cfg.enabled else None,
                "level": self.current, "engine_cap": self.cap(), "applied_to_engine": self.applied,
                "engine_present": self.engine is not None, "load_percent": self.load,
                "changed_at": self.changed_at, "last_error": self.last_error,
                "rule": {"high_percent": cfg.high_percent, "moderate_percent": cfg.moderate_percent,
                         "jobs": [cfg.high_jobs, cfg.moderate_jobs, cfg.normal_jobs],
                         "hysteresis": cfg.hysteresis, "hold_s": cfg.hold, "window_s": cfg.window},
                "changes": list(self.changes)[::-1]}
