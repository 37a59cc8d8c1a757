"""Commands of data safety: backups and restore (handled in scraped/ops/data_commands.py).
The db.* commands (indexes, reindex, maintenance, MongoDB's slow-ops and kill-op) are
declared in scraped/api/db.py."""

from scraped.api.spec import Arg, Command

_NAME = Arg("name", required=True, positional=True,
            help="backup name from `backup list` (backup_YYYYMMDD_HHMMSS[.tar.gz])")

COMMANDS: list[Command] = [
    Command("backup.run", "Back up the store now into a verified archive; keeps the newest "
            "ops.backup.keep.", admin=True, timeout=None,
            runbook="/opt/scripts/daily_backup.sh (mongodump, tar -czf, find -mtime +7 -delete)"),
    Command("backup.list", "Backups: name, time, size, document counts, last verification.",
            runbook="ls -la /backups/daily/"),
    Command("backup.verify", "Check a backup: checksums, extraction, integrity check and counts of "
            "the copy.", args=(_NAME,), admin=True, timeout=None,
            runbook="tar -tzf backup_*.tar.gz (and hoping)"),
    Command("restore", "Replace the live data with a backup: checks it first, takes a safety "
            "backup, pauses the jobs, reports counts before and after.",
            args=(_NAME, Arg("yes", "bool", "required: confirms that the current data is replaced", default=False)),
            admin=True, timeout=None,
            runbook="tar -xzf backup_*.tar.gz && mongorestore --drop (Restore Operations)"),
]
