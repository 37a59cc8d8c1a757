"""The [ai] section."""

from __future__ import annotations

from dataclasses import dataclass

from scraped.settings import setting


@dataclass(frozen=True)
class AIConfig:
    """AI providers and the router. Keys come from the environment or systemd credentials."""

    enabled: bool = setting(True, "Run the background enhancement worker.")
