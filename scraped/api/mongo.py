"""MongoDB runbook commands (declared here, handled in scraped/store/mongo_commands.py).

On the embedded SQLite store they answer `conflict` ("only on MongoDB").
"""

from scraped.api.spec import Arg, Command

COMMANDS = [
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
