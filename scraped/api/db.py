"""Every db.* command (handled in scraped/ops/db_commands.py): the store's indexes,
reindex, maintenance (retention), and MongoDB's runbook commands slow-ops and kill-op,
which answer `conflict` ("only on MongoDB") on the embedded SQLite store.
"""

from scraped.api.spec import Arg, Command

COMMANDS = [
    Command("db.indexes", "Indexes of every collection, with usage where the backend reports it.",
            runbook="db.<collection>.aggregate([{$indexStats: {}}])"),
    Command("db.reindex", "Rebuild every index and refresh the planner's statistics.", admin=True,
            timeout=None, runbook="db.<collection>.reIndex() (Rebuild Indexes)"),
    Command("db.maintenance", "Retention: delete finished jobs older than ops.retention.jobs_days "
            "(with their frontier), archive raw questions older than raw_days.",
            args=(Arg("dry_run", "bool", "only count what would change", default=False),),
            admin=True, timeout=None,
            runbook="Data Maintenance: deleteMany old jobs; archive old raw questions"),
    Command("db.slow-ops", "Recent slow operations from MongoDB's profiler (system.profile), newest "
            "first; says so when profiling is off or the server has no profiler.",
            args=(Arg("limit", type="int", default=20, minimum=1, maximum=1000, help="at most this many"),
                  Arg("slow_ms", type="float", minimum=0, help="only operations at least this slow "
                      "(default: [store] slow_ms)")),
            runbook="db.setProfilingLevel(...); db.system.profile.find().sort({ts: -1}).limit(5)"),
    Command("db.kill-op", "Kill MongoDB operations on this database running longer than --older-than "
            "seconds (currentOp + killOp).",
            args=(Arg("older_than", type="float", default=60.0, minimum=1, help="seconds running"),
                  Arg("dry_run", type="bool", default=False, help="only list what would be killed"),
                  Arg("all_databases", type="bool", default=False,
                      help="also operations on other databases of the server")),
            admin=True, runbook="db.currentOp({active: true, secs_running: {$gte: 60}}) ... db.killOp(op.opid)"),
]
