"""The daemon's shared context: config, secrets, the store, and the telemetry every part
records into (perf timings, the error tracker, security events).

`App` carries references, not logic, and holds no service: the composition root
(`scraped.daemon.build_services`) gives each service the others it needs as constructor
arguments, so who depends on whom is read from one function. The telemetry is built here,
before any service, so every part can time operations and report errors from its first
line, whatever the start order.
Config is replaced atomically on reload; nobody keeps a stale copy of a section.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scraped.config import Config
from scraped.ops.errors import ErrorTracker
from scraped.ops.perf import PerfTracker
from scraped.ops.security import SecurityLog
from scraped.secrets import Secrets

if TYPE_CHECKING:
    from scraped.dispatch import Handler
    from scraped.service import Service
    from scraped.store.base import Store

log = logging.getLogger("scraped")
Clock = Callable[[], float]


class App:
    def __init__(self, config: Config, config_path: Path | None, secrets: Secrets, *,
                 clock: Clock = time.time):
        self.config = config
        self.config_path = config_path
        self.secrets = secrets
        self.clock = clock
        self.started_at = clock()
        # Both need a restart to change, so they are resolved once (resolving the
        # defaults reads the environment and the home directory).
        self.state_dir: Path = config.daemon.state_path()
        self.socket_path: Path = config.daemon.socket_path()
        self.store: Store | None = None
        self.services: list[Service] = []  # in start order (the daemon's, for reload/checkpoint/health)
        self.handlers: dict[str, Handler] = {}
        ops = config.ops  # (sizes that need a restart to change)
        self.perf = PerfTracker()
        self.errors = ErrorTracker(ops.errors.max_tracked, clock=clock)
        self.security = SecurityLog(self.errors, log_per_minute=ops.security.log_per_minute,
                                    max_rows=ops.security.max_rows, clock=clock)
        self.health_report: dict[str, Any] | None = None  # the last health check (health.py)

    def observe(self, operation: str, seconds: float, ok: bool = True) -> None:
        """Record one timed operation (a command, a fetch, a store write, an AI call)."""
        self.perf.observe(operation, seconds, ok)

    def capture_exception(self, exc: BaseException, *, category: str = "application",
                          severity: str = "high", context: dict[str, Any] | None = None) -> None:
        """Send an exception to the error tracker (and always to the log)."""
        log.error("%s: %s", type(exc).__name__, exc, exc_info=exc)
        self.errors.capture_exception(exc, category=category, severity=severity, context=context)
