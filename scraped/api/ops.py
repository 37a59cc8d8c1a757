"""Commands of the ops area (declared here, handled in scraped/ops/commands.py)."""

from scraped.api.spec import Arg, Command

SEVERITIES = ("low", "medium", "high", "critical")
SECURITY_KINDS = ("auth_failure", "rate_limit_violation", "bad_frame", "connection_limit")

COMMANDS: list[Command] = [
    Command("metrics", "Current system and daemon metrics (cpu_percent, memory_percent, disk_percent, "
            "load, rss, fds, threads, loop lag, jobs, rates).",
            args=(Arg("prometheus", "bool", "print the Prometheus text exposition instead", default=False),),
            runbook="GET /api/production/metrics"),
    Command("metrics.history", "Per-minute metrics of the last N hours, with a sparkline per series.",
            args=(Arg("hours", "float", "how far back", default=1.0, minimum=1 / 60, maximum=24 * 3650),
                  Arg("max_points", "int", "average down to at most this many points (0: all)",
                      default=1440, minimum=0, maximum=100_000)),
            runbook="GET /api/production/metrics/history?hours=N"),
    Command("errors.capture", "Record an error or alert in the error tracker.", admin=True,
            args=(Arg("message", required=True, help="what happened"),
                  Arg("category", help="e.g. system, application, database", default="application"),
                  Arg("severity", help="low, medium, high or critical", default="medium", choices=SEVERITIES),
                  Arg("context", "dict", "facts to keep with it, e.g. {\"cpu_percent\": 91}")),
            runbook="POST /api/production/errors/capture"),
    Command("errors.stats", "Error counts: unique, occurrences, rate per minute over 1 h, breakdowns "
            "by severity and category.", runbook="GET /api/production/errors/stats"),
    Command("errors.dashboard", "Top and recent errors with the statistics and a per-minute trend.",
            args=(Arg("limit", "int", "errors per list", default=10, minimum=1, maximum=500),),
            runbook="GET /api/production/errors/dashboard"),
    Command("perf", "Timings per command and internal operation: count, average, p50/p95/p99, "
            "errors, error rate.",
            args=(Arg("prefix", help="only operations starting with this (cmd:, task:, fetch, ai.call:)",
                      default=""),),
            runbook="GET /api/production/performance/metrics"),
    Command("scheduler.list", "Scheduled tasks: trigger, last run, outcome, duration, next run.",
            runbook="crontab -l (cpu_monitor.sh, error_monitor.sh, daily_backup.sh)"),
    Command("scheduler.run", "Run a scheduled task now (waits up to 50 s, then it goes on in the background).",
            admin=True, args=(Arg("name", required=True, positional=True, help="task name (scheduler list)"),),
            runbook="running /opt/scripts/*.sh by hand"),
    Command("security.events", "Security events on the control socket: refused requests, rate-limit "
            "violations, bad frames.",
            args=(Arg("limit", "int", "newest first, this many", default=50, minimum=1, maximum=10_000),
                  Arg("kind", help="only this kind", choices=SECURITY_KINDS)),
            runbook="grep 'rate_limit_violation|authentication' /var/log/ai-scraping/security.log"),
    Command("capacity", "24 h average and peak CPU/memory/disk with recommendations, and the "
            "scaling analysis.",
            args=(Arg("hours", "float", "history window", default=24.0, minimum=1 / 60, maximum=24 * 3650),),
            runbook="Capacity Management: metrics/history?hours=24 and the scaling analysis"),
    Command("monitors", "Threshold monitors (value, threshold, breaching, alerts), recent alerts, "
            "webhook delivery, adaptive concurrency.",
            runbook="/opt/scripts/cpu_monitor.sh, error_monitor.sh; Concurrent Job Adjustment"),
    Command("ops.status", "One screen of operations: sampler, adaptive concurrency, monitors, errors, "
            "security, scheduler.", runbook="GET /api/production/status (operations part)"),
]
