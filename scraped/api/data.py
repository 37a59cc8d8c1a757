"""Commands of data safety: backups, restore, retention, indexes (handled in
scraped/ops/data_commands.py)."""

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
    Command("db.indexes", "Indexes of every collection, with usage where the backend reports it.",
            runbook="db.<collection>.aggregate([{$indexStats: {}}])"),
    Command("db.reindex", "Rebuild every index and refresh the planner's statistics.", admin=True,
            timeout=None, runbook="db.<collection>.reIndex() (Rebuild Indexes)"),
    Command("db.maintenance", "Retention: delete finished jobs older than ops.retention.jobs_days "
            "(with their frontier), archive raw questions older than raw_days.",
            args=(Arg("dry_run", "bool", "only count what would change", default=False),),
            admin=True, timeout=None,
            runbook="Data Maintenance: deleteMany old jobs; archive old raw questions"),
]
