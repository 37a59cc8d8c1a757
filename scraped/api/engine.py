"""Commands of the engine area (declared here, handled in scraped/engine/commands.py).
The `questions` commands are the bank's: scraped/api/bank.py."""

from scraped.api.spec import Arg, Command

_JOB = Arg("id", help="job id (or a unique prefix of it, or a job name: its newest job)",
           required=True, positional=True)

COMMANDS = [
    Command("jobs.submit", "Submit a job spec (a TOML file); a spec with a schedule registers a "
            "recurring job instead. Every problem in an invalid spec is listed by key path.",
            args=(Arg("spec", help="job spec file (TOML)", required=True, positional=True, file=True),
                  Arg("now", type="bool", help="with a schedule: also run once now")),
            admin=True, runbook="POST /api/scraping/jobs"),
    Command("jobs.list", "Jobs, newest first.",
            args=(Arg("status", help="only jobs in this state (repeatable)", type="list"),
                  Arg("name", help="only jobs of this name"),
                  Arg("limit", type="int", default=50, minimum=1, maximum=10_000, help="at most this many")),
            runbook="GET /api/scraping/jobs"),
    Command("jobs.show", "One job: state and the reason for it, Scrapy-style stats (responses by status, "
            "bytes, retries, robots refusals, failures by kind, pages/s), history, recent failures, frontier.",
            args=(_JOB,), runbook="GET /api/scraping/jobs/{job_id}"),
    Command("jobs.failures", "A job's failed pages: URL, reason, kind, attempts (from its frontier; "
            "a job whose frontier was dropped shows its last recorded failures).",
            args=(_JOB, Arg("limit", type="int", default=50, minimum=1, maximum=10_000, help="at most this many"),
                  Arg("skip", type="int", default=0, minimum=0, maximum=10**9, help="skip this many first")),
            runbook="(the job's stats/failures in GET /api/scraping/jobs/{job_id})"),
    Command("jobs.retry-failed", "Put a job's failed pages back to pending (fresh attempts) and queue the "
            "job again if it had finished.", args=(_JOB,), admin=True),
    Command("jobs.delete", "Delete a finished job and its frontier (its questions stay in the bank).",
            args=(_JOB,), admin=True, runbook="DELETE /api/scraping/jobs/{job_id}"),
    Command("jobs.purge", "Delete finished jobs (COMPLETED, FAILED, STOPPED) older than DAYS, with their "
            "frontiers (their questions stay).",
            args=(Arg("finished", type="bool", help="required: only finished jobs are ever purged"),
                  Arg("older_than", type="float", required=True, minimum=0, maximum=100_000,
                      help="days since the job finished")),
            admin=True),
    Command("jobs.pause", "Pause a job: it saves its work and keeps its frontier.", args=(_JOB,),
            admin=True, runbook="PUT /api/scraping/jobs/{job_id}/pause"),
    Command("jobs.resume", "Resume a paused or interrupted job (it queues for a free slot).", args=(_JOB,),
            admin=True, runbook="PUT /api/scraping/jobs/{job_id}/resume"),
    Command("jobs.stop", "Stop a job (or --all: every queued, running, paused or interrupted job).",
            args=(Arg("id", help="job id, prefix or name", positional=True),
                  Arg("all", type="bool", help="stop every active job")),
            admin=True, runbook="PUT /api/scraping/jobs/{job_id}/stop (and the runbook's stop-all loop)"),
    Command("jobs.watch", "Live progress of a job until it ends (pages, questions, rate, ETA).",
            args=(_JOB, Arg("interval", type="float", default=0.5, minimum=0.1, maximum=60,
                            help="seconds between updates")),
            stream=True, timeout=None, runbook="polling GET /api/scraping/jobs/{job_id}"),
    Command("jobs.schedules", "Recurring jobs: cron, next and last run.",
            runbook="(cron entries calling POST /api/scraping/jobs)"),
    Command("jobs.unschedule", "Remove a recurring job (runs already started go on).",
            args=(Arg("name", help="schedule (job) name", required=True, positional=True),),
            admin=True),
    Command("queue", "Queue status: queued/running/paused counts, job slots, next scheduled run.",
            runbook="GET /api/scraping/queue-status"),
    Command("queue.clear", "Remove every queued job from the queue (they become STOPPED).",
            admin=True, runbook="DELETE /api/scraping/jobs/queue/clear"),
    Command("engine.status", "The scraping engine: running jobs, limits (adaptive too), fetcher.",
            runbook="GET /api/scraping/system-status"),
]
