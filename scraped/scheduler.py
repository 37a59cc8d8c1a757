"""The scheduler bridge: APScheduler decides *when*, trio runs *what*.

Services register periodic tasks with the scheduler they are given (scraped/daemon.py):

    scheduler.register("backup", "0 3 * * *", backup_fn, description="...")

The trigger given there is a default; `[ops.schedule]` overrides it by task name (and
"off" disables the task). A trigger is a 5-field cron line, an `@daily`-style alias, or
an interval "every 60s" / "every 5m" / "every 2h" / "every 1d".

Resource handling: APScheduler's BackgroundScheduler owns one thread (plus its executor
pool). When a job fires, the pool thread calls `trio.from_thread.run(self._fire, ...)`,
which starts the task in this service's nursery and waits for it: the task is a child of
the service (cancelled with it on SIGTERM), and APScheduler's max_instances=1 and
coalescing see a run that lasts as long as the task really does. `run()` shuts the
scheduler down with `shutdown(wait=False)` from the trio thread when cancelled.

Error handling: an exception in a task is recorded on the task (outcome "error" and
its message), sent to the error tracker and the log; it never reaches APScheduler, so
other tasks (and the next run of the same one) are unaffected. A run that exceeds
[ops.scheduler] task_timeout is cancelled and recorded as an error. Misfires and runs
skipped because the previous one was still running are counted per task.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import trio
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scraped import errors
from scraped.cron import ALIASES, cron_trigger
from scraped.service import DEGRADED, DOWN, HEALTHY

log = logging.getLogger(__name__)

TaskFn = Callable[[], Awaitable[Any]]
OFF = ("off", "none", "disabled", "never")
_EVERY = re.compile(r"^every\s+(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RUN_NOW_WAIT = 50.0  # `scheduler run` waits this long, then reports the task as still running


def parse_trigger(text: str, timezone: Any = None) -> BaseTrigger | None:
    """An APScheduler trigger for `text`, or None for "off". Raises ValueError with a reason."""
    spec = " ".join(str(text).strip().lower().split())
    if spec in OFF:
        return None
    match = _EVERY.match(spec)
    if match:
        seconds = float(match.group(1)) * _UNIT[match.group(2)[0]]
        if not 0.05 <= seconds <= 366 * 86400:
            raise ValueError(f"interval {text!r} must be between 0.05 s and a year")
        # Aligned to multiples of the interval since the epoch: "every 60s" runs on the minute.
        start = math.ceil(time.time() / seconds) * seconds  # APScheduler's clock: the wall clock
        return IntervalTrigger(seconds=seconds, timezone=timezone or dt.UTC,
                               start_date=dt.datetime.fromtimestamp(start, dt.UTC))
    if spec.startswith("every"):
        raise ValueError(f"bad interval {text!r}: use e.g. 'every 30s', 'every 5m', 'every 2h', 'every 1d'")
    cron = ALIASES.get(spec, spec)
    if len(cron.split()) != 5:
        raise ValueError(f"bad trigger {text!r}: a 5-field cron line ('0 3 * * *'), "
                         "an interval ('every 60s') or 'off'")
    try:
        return cron_trigger(cron, timezone)  # cron's weekdays (0 and 7 Sunday), not APScheduler's
    except ValueError as exc:
        raise ValueError(f"bad cron line {text!r}: {exc}") from None


@dataclass
class Task:
    name: str
    default_trigger: str
    fn: TaskFn
    description: str = ""
    trigger: str = ""  # the effective trigger text
    source: str = "default"  # "config" when [ops.schedule] names it
    running: bool = False
    runs: int = 0
    failures: int = 0
    skipped: int = 0  # fired while the previous run was still going
    missed: int = 0  # fired later than misfire_grace (APScheduler dropped it)
    last_run_at: float | None = None
    last_outcome: str | None = None  # ok, error, cancelled
    last_message: str = ""
    last_duration_ms: float | None = None
    last_result: Any = None
    done: trio.Event | None = field(default=None, repr=False)


def _summary(result: Any, limit: int = 200) -> str:
    if result is None:
        return ""
    if isinstance(result, dict):
        text = ", ".join(f"{k}={v}" for k, v in result.items() if not isinstance(v, (dict, list)))
    else:
        text = str(result)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SchedulerService:
    """The `scheduler` service. Tasks may be registered before it starts (they are applied
    when it does). `clock` (epoch seconds) times runs and judges overdue tasks; APScheduler
    fires by the wall clock."""

    name = "scheduler"

    def __init__(self, app: Any, *, clock: Callable[[], float] = time.time):
        self.app = app
        self.clock = clock
        self._tasks: dict[str, Task] = {}
        self._sched: BackgroundScheduler | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._nursery: trio.Nursery | None = None
        self.started_at: float | None = None

    # ------------------------------------------------------------ registration
    def register(self, name: str, trigger: str, fn: TaskFn, *, description: str = "") -> None:
        """Add (or replace) a task; [ops.schedule] may override `trigger` by name."""
        parse_trigger(trigger)  # a bad default is a programming error: fail loudly now
        task = Task(name, trigger, fn, description)
        self._tasks[name] = task
        self._resolve(task)
        if self._sched is not None:
            self._apply(task)

    def unregister(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None and self._sched is not None:
            self._remove_job(name)

    def _resolve(self, task: Task) -> None:
        configured = self.app.config.ops.schedule.triggers().get(task.name)
        task.trigger, task.source = (configured, "config") if configured is not None \
            else (task.default_trigger, "default")

    def _timezone(self) -> Any:
        import zoneinfo

        tz = self.app.config.ops.scheduler.timezone
        return zoneinfo.ZoneInfo(tz) if tz else None

    def _apply(self, task: Task) -> None:
        """Make APScheduler's job match the task's trigger (add, reschedule or remove)."""
        assert self._sched is not None
        trigger = parse_trigger(task.trigger, self._timezone())
        if trigger is None:
            self._remove_job(task.name)
            return
        self._sched.add_job(self._fire_from_thread, trigger, args=(task.name,), id=task.name,
                            name=task.name, replace_existing=True, coalesce=True, max_instances=1,
                            misfire_grace_time=int(self.app.config.ops.scheduler.misfire_grace))

    def _remove_job(self, name: str) -> None:
        assert self._sched is not None
        if self._sched.get_job(name) is not None:
            self._sched.remove_job(name)

    # ------------------------------------------------------------ service
    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # no "Running job" line a minute
        self._token = trio.lowlevel.current_trio_token()
        tz = self._timezone()
        sched = BackgroundScheduler(executors={"default": ThreadPoolExecutor(max_workers=8)},
                                    **({"timezone": tz} if tz else {}))
        sched.add_listener(self._on_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            sched.start()
            self._sched = sched
            self.started_at = self.clock()
            try:
                for task in list(self._tasks.values()):
                    self._apply(task)
                task_status.started(self)
                await trio.sleep_forever()
            finally:
                self._sched = None
                sched.shutdown(wait=False)  # from the trio thread; waits for nothing
                nursery.cancel_scope.cancel()
        log.info("scheduler stopped")

    def _on_event(self, event: JobEvent) -> None:  # APScheduler's thread
        task = self._tasks.get(event.job_id)
        if task is None:
            return
        if event.code == EVENT_JOB_MISSED:
            task.missed += 1
            log.warning("scheduled task %s missed its run time (host busy or suspended)", task.name,
                        extra={"task": task.name})
        else:
            task.skipped += 1

    def _fire_from_thread(self, name: str) -> None:  # an APScheduler pool thread
        token = self._token
        if token is None:
            return
        try:
            trio.from_thread.run(self._fire, name, trio_token=token)
        except (trio.RunFinishedError, trio.Cancelled, RuntimeError):
            pass  # the daemon is stopping

    async def _fire(self, name: str) -> None:
        """On the trio thread: run the task as a child of the service's nursery; wait for it."""
        done = trio.Event()
        if self._nursery is None or not self._start(name, done):
            return
        await done.wait()

    def _start(self, name: str, done: trio.Event) -> bool:
        task = self._tasks.get(name)
        if task is None or self._nursery is None:
            return False
        if task.running:
            task.skipped += 1
            return False
        self._nursery.start_soon(self._execute, task, done, name=f"task:{name}")
        task.running, task.done = True, done
        return True

    async def _execute(self, task: Task, done: trio.Event) -> None:
        start = time.perf_counter()
        task.last_run_at = self.clock()
        ok = False
        try:
            with trio.fail_after(self.app.config.ops.scheduler.task_timeout):
                result = await task.fn()
            ok = True
            task.last_outcome, task.last_message, task.last_result = "ok", _summary(result), result
        except trio.TooSlowError:
            task.failures += 1
            task.last_outcome, task.last_result = "error", None
            task.last_message = f"timed out after {self.app.config.ops.scheduler.task_timeout:g} s"
            self.app.capture_exception(TimeoutError(f"scheduled task {task.name} timed out"),
                                       category="scheduler", context={"task": task.name})
        except trio.Cancelled:
            task.last_outcome, task.last_message = "cancelled", "the daemon stopped"
            raise
        except Exception as exc:
            task.failures += 1
            task.last_outcome, task.last_result = "error", None
            task.last_message = _summary(f"{type(exc).__name__}: {exc}")
            self.app.capture_exception(exc, category="scheduler", context={"task": task.name})
        finally:
            elapsed = time.perf_counter() - start
            task.last_duration_ms = round(elapsed * 1000, 3)
            # Counted when it ends, with its outcome: `runs` never includes one still running
            # (a list read mid-run showed runs 1 beside outcome None; `running` says that).
            task.runs += 1
            task.running, task.done = False, None
            self.app.observe(f"task:{task.name}", elapsed, ok)
            done.set()

    # ------------------------------------------------------------ commands
    def next_run_at(self, name: str) -> float | None:
        sched = self._sched
        job = sched.get_job(name) if sched is not None else None
        when = getattr(job, "next_run_time", None) if job is not None else None
        return when.timestamp() if when is not None else None

    def tasks(self) -> list[dict[str, Any]]:
        out = []
        for task in sorted(self._tasks.values(), key=lambda t: t.name):
            out.append({
                "name": task.name, "trigger": task.trigger, "source": task.source,
                "description": task.description, "enabled": task.trigger.strip().lower() not in OFF,
                "running": task.running, "last_run_at": task.last_run_at, "outcome": task.last_outcome,
                "message": task.last_message, "duration_ms": task.last_duration_ms,
                "runs": task.runs, "failures": task.failures, "skipped": task.skipped,
                "missed": task.missed, "next_run_at": self.next_run_at(task.name),
            })
        return out

    async def run_now(self, name: str, wait: float = RUN_NOW_WAIT) -> dict[str, Any]:
        """Run a task now (as a child of the service); wait up to `wait` seconds for it."""
        task = self._tasks.get(name)
        if task is None:
            raise errors.NotFound(f"no scheduled task {name!r}; known: {', '.join(sorted(self._tasks))}")
        if self._nursery is None:
            raise errors.Unavailable("the scheduler is not running")
        if task.running:
            raise errors.Conflict(f"task {name} is already running")
        done = trio.Event()
        self._start(name, done)
        with trio.move_on_after(wait):
            await done.wait()
        entry = next(t for t in self.tasks() if t["name"] == name)
        if done.is_set():
            entry["result"] = task.last_result
        return entry

    # ------------------------------------------------------------ lifecycle
    def handlers(self) -> dict[str, Any]:
        return {}  # scheduler.list / scheduler.run are answered by scraped/ops/commands.py

    async def health(self) -> dict[str, dict[str, Any]]:
        sched = self._sched
        thread = getattr(sched, "_thread", None)
        if sched is None or not sched.running or (thread is not None and not thread.is_alive()):
            return {"scheduler": {"status": DOWN, "reason": "the scheduler thread is not running",
                                  "tasks": len(self._tasks)}}
        failing = [t.name for t in self._tasks.values() if t.last_outcome == "error"]
        now = self.clock()
        grace = self.app.config.ops.scheduler.misfire_grace
        overdue = [t.name for t in self._tasks.values()
                   if (n := self.next_run_at(t.name)) is not None and n < now - grace]
        upcoming = [(n, t.name) for t in self._tasks.values() if (n := self.next_run_at(t.name)) is not None]
        facts: dict[str, Any] = {"tasks": len(self._tasks), "failing": failing, "overdue": overdue}
        if upcoming:
            when, which = min(upcoming)
            facts["next"] = which
            facts["next_run_at"] = when
        if failing or overdue:
            parts = ([f"last run failed: {', '.join(failing)}"] if failing else []) + \
                    ([f"overdue: {', '.join(overdue)}"] if overdue else [])
            return {"scheduler": {"status": DEGRADED, "reason": "; ".join(parts), **facts}}
        reason = f"{len(self._tasks)} task(s)"
        if upcoming:
            reason += f", next {facts['next']} in {max(0.0, facts['next_run_at'] - now):.0f} s"
        return {"scheduler": {"status": HEALTHY, "reason": reason, **facts}}

    async def reload(self, old: Any, new: Any) -> None:
        """Re-resolve every trigger; reschedule what changed (the config is already `new`)."""
        tz_changed = old.ops.scheduler != new.ops.scheduler
        for task in list(self._tasks.values()):
            before = task.trigger
            self._resolve(task)
            if self._sched is not None and (task.trigger != before or tz_changed):
                self._apply(task)
                if task.trigger != before:
                    log.info("task %s rescheduled: %s -> %s", task.name, before, task.trigger,
                             extra={"task": task.name})

    async def checkpoint(self) -> None:
        return None
