"""The [ops] section."""

from __future__ import annotations

from dataclasses import dataclass

from scraped.settings import setting


@dataclass(frozen=True)
class OpsConfig:
    """Metrics, monitors, backups and retention."""

    metrics_interval: float = setting(5.0, "Seconds between psutil samples.", minimum=0.5)
