"""Commands of the daemon itself."""

from scraped.api.spec import Arg, Command

COMPONENTS = ("database", "ai_services", "scraping_engine", "scheduler", "disk", "system", "backups", "control")

COMMANDS = [
    Command("hello", "Server version, protocol version and the command list."),
    Command("status", "One-screen summary: uptime, version, config, store, and health.",
            runbook="GET /api/production/status"),
    Command("config.show", "The running configuration, secrets redacted."),
    Command("config.reload", "Re-read the config file (like SIGHUP); errors are returned.", admin=True),
    Command("health", "Health overall or of one component; exit status 0 healthy, 3 degraded, 4 down.",
            args=(Arg("component", help="one of: " + ", ".join(COMPONENTS), positional=True,
                      choices=COMPONENTS + ("ai",)),),
            runbook="GET /api/production/health[/component]"),
]
