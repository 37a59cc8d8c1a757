"""The [ops] section: metrics, monitors, alerts, adaptive concurrency, the scheduler.

Each concern is a nested table ([ops.metrics], [ops.monitors], ...). Services read
`app.config.ops` at the moment they use it, so a reload applies without restarts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from scraped.ops.data_config import BackupConfig, RetentionConfig
from scraped.settings import setting


@dataclass(frozen=True)
class MetricsConfig:
    """psutil sampling, per-minute history, and the Prometheus text exposition."""

    interval: float = setting(5.0, "Seconds between psutil samples.", minimum=0.5, maximum=300.0)
    ring_minutes: int = setting(60, "Minutes of raw samples kept in memory (for `metrics`, the monitors\n"
                                "and adaptive concurrency).", minimum=1, maximum=1440)
    history_days: float = setting(30.0, "Days of per-minute samples kept in the store (`metrics history`,\n"
                                  "`capacity`); older ones are pruned by the metrics_persist task.",
                                  minimum=0.05, maximum=3650.0)
    disk_path: str = setting("", "Filesystem whose usage is reported as disk_percent.\n"
                             "Empty: the one holding the state directory.")
    textfile: str = setting("", "node_exporter textfile-collector file, rewritten by the `textfile` task\n"
                            "(e.g. /var/lib/prometheus/node-exporter/scraped.prom). Empty: off.")


@dataclass(frozen=True)
class MonitorsConfig:
    """Threshold monitors (runbook: CPU > 85 %, error rate > 10/min); a threshold of 0 turns one off."""

    enabled: bool = setting(True, "Run the monitors (the `monitors` task of [ops.schedule]). A breach is\n"
                            "captured into the error tracker, logged to the journal and POSTed to\n"
                            "[ops.alerts] webhook_url.")
    cpu_percent: float = setting(85.0, "System CPU %, averaged over cpu_window.", minimum=0.0, maximum=100.0)
    cpu_window: float = setting(60.0, "Seconds of samples averaged for the CPU reading, so one spike\n"
                                "does not alert.", minimum=0.0, maximum=3600.0)
    memory_percent: float = setting(90.0, "System memory %.", minimum=0.0, maximum=100.0)
    disk_percent: float = setting(90.0, "Disk % of metrics.disk_path (also the `disk` health threshold).",
                                  minimum=0.0, maximum=100.0)
    error_rate: float = setting(10.0, "Errors per minute over the last hour (`errors stats` error_rate_1h).",
                                minimum=0.0)
    loop_lag_ms: float = setting(1000.0, "Event-loop lag in milliseconds (the daemon stalls).", minimum=0.0)
    store_outage_seconds: float = setting(30.0, "Seconds the MongoDB store may stay unreachable (writes spooled\n"
                                          "locally) before a critical alert.", minimum=0.0)
    cooldown: float = setting(900.0, "Seconds before a monitor that alerted may alert again while\n"
                              "the breach lasts (a sustained breach is one alert, not a flood).",
                              minimum=0.0)


@dataclass(frozen=True)
class AlertsConfig:
    """Where alerts go besides the error tracker and the journal."""

    webhook_url: str = setting("", "POST each alert as JSON to this URL. Empty: off. A URL that embeds\n"
                               "a token belongs in the SCRAPED_ALERT_WEBHOOK_URL credential (environment\n"
                               "or systemd credential), which wins over this key.")
    webhook_timeout: float = setting(5.0, "Seconds one webhook POST may take; a failure is recorded,\n"
                                     "never retried in a loop.", minimum=0.1, maximum=60.0)


@dataclass(frozen=True)
class AdaptiveConfig:
    """Adaptive job concurrency (runbook: CPU or memory > 80 % -> 2 jobs, > 60 % -> 3, else 5)."""

    enabled: bool = setting(True, "Let the load set the engine's running-job limit. Fewer jobs apply at\n"
                            "once; more only after the load fell `hysteresis` points below the\n"
                            "threshold and the level was held `hold` seconds.")
    high_percent: float = setting(80.0, "CPU or memory % above which high_jobs apply.",
                                  minimum=1.0, maximum=100.0)
    moderate_percent: float = setting(60.0, "CPU or memory % above which moderate_jobs apply.",
                                      minimum=0.0, maximum=100.0)
    high_jobs: int = setting(2, "Jobs allowed under high load.", minimum=1, maximum=1000)
    moderate_jobs: int = setting(3, "Jobs allowed under moderate load.", minimum=1, maximum=1000)
    normal_jobs: int = setting(5, "Jobs allowed otherwise.", minimum=1, maximum=1000)
    hysteresis: float = setting(10.0, "Percentage points the load must fall below a threshold\n"
                                "before jobs are added back.", minimum=0.0, maximum=50.0)
    hold: float = setting(60.0, "Seconds a level is held at least before jobs are added back.",
                          minimum=0.0, maximum=86400.0)
    window: float = setting(30.0, "Seconds of samples averaged for the CPU reading.",
                            minimum=0.0, maximum=3600.0)

    def validate(self) -> list[str]:
        problems = []
        if self.moderate_percent >= self.high_percent:
            problems.append("moderate_percent: must be below high_percent")
        if not self.high_jobs <= self.moderate_jobs <= self.normal_jobs:
            problems.append("high_jobs: must be <= moderate_jobs <= normal_jobs")
        return problems


@dataclass(frozen=True)
class ScheduleConfig:
    """When periodic tasks run: cron ("0 3 * * *"), interval ("every 60s", "every 5m") or "off"."""

    # `scrapedctl scheduler list` shows each task with its last and next run.
    metrics_persist: str = setting("every 60s", "Write the last minutes' metrics to the store and prune\n"
                                   "history older than metrics.history_days.")
    monitors: str = setting("every 60s", "Check the thresholds of [ops.monitors]. The runbook's cron ran\n"
                            "the CPU check every 5 min and the error check every 10 min because each\n"
                            "run cost a process and an HTTP call; here a check reads memory, so once a\n"
                            "minute finds a breach sooner and the cool-down keeps it to one alert.")
    textfile: str = setting("every 60s", "Rewrite the node_exporter textfile (metrics.textfile).")
    backup: str = setting("0 3 * * *", "Back up the store (runbook: daily).")
    retention: str = setting("30 3 * * *", "Delete old jobs, archive old raw questions (runbook: daily).")

    def triggers(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def validate(self) -> list[str]:
        from scraped.scheduler import parse_trigger  # APScheduler only when a file is loaded

        problems = []
        for name, text in self.triggers().items():
            try:
                parse_trigger(text)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
        return problems


@dataclass(frozen=True)
class SchedulerConfig:
    """The scheduler that runs the tasks of [ops.schedule] (APScheduler in its own thread)."""

    timezone: str = setting("", "Time zone of cron lines (IANA name such as \"UTC\").\n"
                            "Empty: the system's local time, as cron does.")
    misfire_grace: float = setting(300.0, "Seconds a run may start late (a busy or suspended host)\n"
                                   "before it is skipped; missed runs are coalesced into one.",
                                   minimum=1.0, maximum=86400.0)
    task_timeout: float = setting(3600.0, "Seconds one run of a task may take before it is cancelled.",
                                  minimum=1.0, maximum=86400.0)

    def validate(self) -> list[str]:
        if not self.timezone:
            return []
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return [f"timezone: unknown time zone {self.timezone!r}"]
        return []


@dataclass(frozen=True)
class ErrorsConfig:
    """The error tracker (`errors stats`, `errors dashboard`)."""

    max_tracked: int = setting(5000, "Distinct errors (fingerprints) kept in memory; the least recently\n"
                               "seen is dropped first (the store keeps them all).", minimum=10,
                               maximum=1_000_000)


@dataclass(frozen=True)
class SecurityConfig:
    """Security events on the control socket (refusals, rate-limit violations, bad frames)."""

    keep_days: float = setting(90.0, "Days security events are kept in the store.", minimum=1.0)
    log_per_minute: int = setting(20, "Journal lines per minute for one kind of event from one peer;\n"
                                  "the rest are counted and summarised.", minimum=1, maximum=100_000)
    max_rows: int = setting(100_000, "Rows kept in the security_events collection (one row per peer uid,\n"
                            "kind and minute, with a count); the oldest go first.", minimum=100,
                            maximum=100_000_000)


@dataclass(frozen=True)
class OpsConfig:
    """Metrics, monitors, alerts, errors, performance, the scheduler, backups and retention."""

    metrics: MetricsConfig = setting(factory=MetricsConfig)
    monitors: MonitorsConfig = setting(factory=MonitorsConfig)
    alerts: AlertsConfig = setting(factory=AlertsConfig)
    adaptive: AdaptiveConfig = setting(factory=AdaptiveConfig)
    schedule: ScheduleConfig = setting(factory=ScheduleConfig)
    scheduler: SchedulerConfig = setting(factory=SchedulerConfig)
    errors: ErrorsConfig = setting(factory=ErrorsConfig)
    security: SecurityConfig = setting(factory=SecurityConfig)
    backup: BackupConfig = setting(factory=BackupConfig)
    retention: RetentionConfig = setting(factory=RetentionConfig)
