"""The [ops.backup] and [ops.retention] sections: backups, restore and data retention.

When they run is set in [ops.schedule] (`backup`, `retention`); what they do is set here.
Services read `app.config.ops` when a run starts, so a reload applies to the next run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scraped.settings import setting


@dataclass(frozen=True)
class BackupConfig:
    """Backups of the store (`backup run`, the `backup` task), verified after writing."""

    dir: str = setting("", "Directory of the backup archives (backup_YYYYMMDD_HHMMSS.tar.gz, UTC).\n"
                       "Empty: STATE_DIR/backups. Put it on another disk where one exists.")
    keep: int = setting(7, "Backups kept (the newest); older ones are deleted after each backup\n"
                        "(runbook: keep 7). Only files named like backups are ever deleted.",
                        minimum=1, maximum=10_000)
    keep_safety: int = setting(3, "Safety backups taken before a restore (*_pre-restore.tar.gz) kept,\n"
                               "counted apart from `keep`.", minimum=1, maximum=10_000)
    compress_level: int = setting(6, "gzip level of the archives: 1 is fastest, 9 smallest.",
                                  minimum=1, maximum=9)

    def path(self, state_dir: Path) -> Path:
        return Path(self.dir) if self.dir else Path(state_dir) / "backups"


@dataclass(frozen=True)
class RetentionConfig:
    """Data retention (`db maintenance`, the `retention` task), in batches, crash-safe."""

    jobs_days: float = setting(30.0, "Delete finished jobs (and their frontier) created more than this\n"
                               "many days ago (runbook: 30).", minimum=1.0, maximum=36_500.0)
    job_statuses: tuple[str, ...] = setting(("COMPLETED", "FAILED"),
                                            "States of the jobs that retention deletes (runbook: COMPLETED, FAILED).")
    raw_days: float = setting(60.0, "Move raw questions extracted more than this many days ago into\n"
                              "archived_raw_questions (runbook: 60).", minimum=1.0, maximum=36_500.0)
    batch_size: int = setting(500, "Documents per batch: each batch is copied, then deleted, so an\n"
                              "interrupted run loses nothing and the next one completes it.",
                              minimum=1, maximum=50_000)

    def validate(self) -> list[str]:
        from scraped.engine import jobs

        known = set(jobs.STATES)
        active = {jobs.QUEUED, jobs.RUNNING, jobs.PAUSED, jobs.STOPPING}  # (INTERRUPTED may be deleted)
        problems = [f"job_statuses: unknown state {s!r}" for s in self.job_statuses if s not in known]
        problems += [f"job_statuses: {s} jobs are not finished; retention never deletes them"
                     for s in self.job_statuses if s in active]
        return problems
