"""The [engine] section."""

from __future__ import annotations

from dataclasses import dataclass

from scraped.settings import setting


@dataclass(frozen=True)
class EngineConfig:
    """The scraping engine."""

    max_concurrent_jobs: int = setting(5, "Jobs that may run at once (adaptive concurrency may lower it).",
                                       minimum=1, maximum=100)
    jobs_dir: str = setting("", "Directory of job spec files (*.toml) loaded at start and on reload.")
    user_agent: str = setting("scraped/0.1 (+question bank crawler)", "User-Agent sent with every request.")
    allow_private_networks: bool = setting(False, "Allow targets on loopback, private, link-local or\n"
                                           "metadata addresses (only for demos and tests).")
    resume_interrupted: bool = setting(True, "Resume jobs interrupted by a crash when the daemon starts.")
