"""The daemon's shared context: config, secrets, store, and the services wired together.

`App` carries references, not logic. Services reach each other through it (the engine
asks `app.ops` to time a fetch; the control server asks `app.handlers` for a command).
Config is replaced atomically on reload; nobody keeps a stale copy of a section.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scraped.config import Config
from scraped.secrets import Secrets

if TYPE_CHECKING:
    from scraped.dispatch import Handler
    from scraped.service import Service
    from scraped.store.base import Store

log = logging.getLogger("scraped")


class App:
    def __init__(self, config: Config, config_path: Path | None, secrets: Secrets):
        self.config = config
        self.config_path = config_path
        self.secrets = secrets
        self.started_at = time.time()
        # Both need a restart to change, so they are resolved once (resolving the
        # defaults reads the environment and the home directory).
        self.state_dir: Path = config.daemon.state_path()
        self.socket_path: Path = config.daemon.socket_path()
        self.store: Store | None = None
        self.services: list[Service] = []
        self.handlers: dict[str, Handler] = {}
        # Filled by the ops service when it starts; before that, observations are dropped.
        self.perf: Any = None
        self.errors: Any = None
        self.security: Any = None
        self.engine: Any = None
        self.ai: Any = None
        self.ops: Any = None
        self.scheduler: Any = None
        self.notifier: Any = None
        self.reloader: Any = None
        self.health_report: dict[str, Any] | None = None  # the last health check (health.py)

    def observe(self, operation: str, seconds: float, ok: bool = True) -> None:
        """Record one timed operation (a command, a fetch, a store write, an AI call)."""
        if self.perf is not None:
            self.perf.observe(operation, seconds, ok)

    def capture_exception(self, exc: BaseException, *, category: str = "application",
                          severity: str = "high", context: dict[str, Any] | None = None) -> None:
        """Send an exception to the error tracker (and always to the log)."""
        log.error("%s: %s", type(exc).__name__, exc, exc_info=exc)
        if self.errors is not None:
            self.errors.capture_exception(exc, category=category, severity=severity, context=context)
