"""The scheduler bridge: real APScheduler threads firing into a real trio loop, with
short intervals. Waits are bounded polls on outcomes, never assertions on durations."""

from __future__ import annotations

import datetime as dt

import pytest
import trio

from scraped import errors
from scraped.app import App
from scraped.config import parse_config
from scraped.scheduler import SchedulerService, parse_trigger
from scraped.secrets import Secrets


def make_app(tmp_path, ops=None) -> App:
    config = parse_config({"daemon": {"state_dir": str(tmp_path)}, "ops": ops or {}})
    return App(config, None, Secrets({}))


class Captures:
    """The error tracker's seam: records what the scheduler reports."""

    def __init__(self) -> None:
        self.exceptions: list[tuple[BaseException, dict]] = []

    def capture_exception(self, exc, **kw):
        self.exceptions.append((exc, kw))


async def wait_for(predicate, seconds=10.0):  # noqa: ASYNC109 (a bounded poll of state)
    with trio.fail_after(seconds):
        while not predicate():  # noqa: ASYNC110
            await trio.sleep(0.02)


# ---------------------------------------------------------------- triggers


@pytest.mark.parametrize("text", ["every 60s", "every 5m", "every 2h", "every 1d", "every 0.2s",
                                  "every 10 seconds", "Every  5 MIN", "0 3 * * *", "30 3 * * *",
                                  "*/15 * * * *", "@daily", "@hourly", "0 9 * * mon-fri"])
def test_good_triggers(text):
    assert parse_trigger(text) is not None


@pytest.mark.parametrize("text", ["off", "OFF", "none", " never "])
def test_off(text):
    assert parse_trigger(text) is None


@pytest.mark.parametrize("text, why", [
    ("every", "bad interval"), ("every 5", "bad interval"), ("every 5 fortnights", "bad interval"),
    ("every -5s", "bad interval"), ("every 0s", "between"), ("every 400d", "between"),
    ("0 3 * *", "5-field"), ("61 3 * * *", "bad cron"), ("0 25 * * *", "bad cron"),
    ("sometimes", "5-field"), ("", "5-field"), ("0 3 * * * *", "5-field"),
])
def test_bad_triggers_say_why(text, why):
    with pytest.raises(ValueError, match=why):
        parse_trigger(text)


def test_intervals_are_aligned_and_cron_computes_times():
    trig = parse_trigger("every 60s")
    now = dt.datetime.now(dt.UTC)
    first = trig.get_next_fire_time(None, now)
    assert first.second == 0 and first.microsecond == 0
    cron = parse_trigger("30 3 * * *", dt.UTC)
    nxt = cron.get_next_fire_time(None, now)
    assert (nxt.hour, nxt.minute) == (3, 30)


def test_config_validates_triggers_and_timezone():
    with pytest.raises(errors.ConfigError) as err:
        parse_config({"ops": {"schedule": {"backup": "every tuesday", "monitors": "0 99 * * *"},
                              "scheduler": {"timezone": "Mars/Olympus"}}})
    problems = " ".join(err.value.problems)
    assert "ops.schedule.backup: bad interval" in problems
    assert "ops.schedule.monitors: bad cron line" in problems
    assert "ops.scheduler.timezone: unknown time zone" in problems
    assert parse_config({"ops": {"schedule": {"backup": "off"}, "scheduler": {"timezone": "UTC"}}})


# ---------------------------------------------------------------- running


async def test_tasks_fire_a_failure_is_recorded_and_the_next_still_fires(tmp_path, nursery):
    app = make_app(tmp_path)
    tracker = Captures()
    app.errors = tracker
    sched = SchedulerService(app)
    calls = {"good": 0, "bad": 0}

    async def good():
        calls["good"] += 1
        return {"rows": calls["good"]}

    async def bad():
        calls["bad"] += 1
        raise RuntimeError(f"disk on fire #{calls['bad']}")

    sched.register("good", "every 0.1s", good, description="counts")
    await nursery.start(sched.run)
    sched.register("bad", "every 0.1s", bad)  # registered after start: added at once
    await wait_for(lambda: calls["bad"] >= 3 and calls["good"] >= 3)
    rows = {t["name"]: t for t in sched.tasks()}
    assert rows["bad"]["outcome"] == "error" and "RuntimeError: disk on fire" in rows["bad"]["message"]
    assert rows["bad"]["failures"] >= 3 and rows["bad"]["runs"] >= 3
    assert rows["good"]["outcome"] == "ok" and rows["good"]["failures"] == 0
    assert rows["good"]["message"].startswith("rows=") and rows["good"]["description"] == "counts"
    assert rows["good"]["next_run_at"] is not None and rows["good"]["duration_ms"] is not None
    exc, kw = tracker.exceptions[0]
    assert isinstance(exc, RuntimeError) and kw["category"] == "scheduler" and kw["context"] == {"task": "bad"}
    health = (await sched.health())["scheduler"]
    assert health["status"] == "degraded" and "bad" in health["failing"]


async def test_timing_goes_to_perf(tmp_path, nursery):
    app = make_app(tmp_path)
    seen = []
    app.observe = lambda op, s, ok=True: seen.append((op, ok))
    sched = SchedulerService(app)

    async def quick():
        return None

    sched.register("quick", "every 0.1s", quick)
    await nursery.start(sched.run)
    await wait_for(lambda: ("task:quick", True) in seen)


async def test_a_long_run_is_not_started_twice(tmp_path, nursery):
    app = make_app(tmp_path)
    sched = SchedulerService(app)
    running = {"now": 0, "max": 0, "runs": 0}
    gate = trio.Event()

    async def slow():
        running["now"] += 1
        running["runs"] += 1
        running["max"] = max(running["max"], running["now"])
        try:
            await gate.wait()
        finally:
            running["now"] -= 1

    sched.register("slow", "every 0.05s", slow)
    await nursery.start(sched.run)
    await wait_for(lambda: sched.tasks()[0]["skipped"] >= 3)
    with pytest.raises(errors.Conflict):
        await sched.run_now("slow")
    gate.set()
    await wait_for(lambda: sched.tasks()[0]["outcome"] == "ok")
    assert running["max"] == 1


async def test_task_timeout_is_an_error(tmp_path, nursery):
    app = make_app(tmp_path, {"scheduler": {"task_timeout": 1.0}})
    app.capture_exception = lambda exc, **kw: None
    sched = SchedulerService(app)

    async def forever():
        await trio.sleep_forever()

    sched.register("stuck", "off", forever)
    await nursery.start(sched.run)
    result = await sched.run_now("stuck")
    assert result["outcome"] == "error" and "timed out" in result["message"]


async def test_run_now_and_unknown(tmp_path, nursery):
    app = make_app(tmp_path)
    sched = SchedulerService(app)

    async def report():
        return {"written": 3}

    sched.register("report", "0 3 * * *", report)
    with pytest.raises(errors.Unavailable):
        await sched.run_now("report")  # not started yet
    await nursery.start(sched.run)
    out = await sched.run_now("report")
    assert out["outcome"] == "ok" and out["result"] == {"written": 3} and out["runs"] == 1
    with pytest.raises(errors.NotFound, match="known: report"):
        await sched.run_now("nope")


async def test_run_now_returns_while_a_long_task_goes_on(tmp_path, nursery):
    app = make_app(tmp_path)
    sched = SchedulerService(app)
    gate = trio.Event()

    async def long():
        await gate.wait()

    sched.register("long", "off", long)
    await nursery.start(sched.run)
    out = await sched.run_now("long", wait=0.05)
    assert out["running"] is True and "result" not in out
    gate.set()
    await wait_for(lambda: sched.tasks()[0]["outcome"] == "ok")


async def test_config_overrides_the_default_and_reload_reschedules(tmp_path, nursery):
    app = make_app(tmp_path, {"schedule": {"monitors": "off"}})
    sched = SchedulerService(app)
    count = {"monitors": 0, "textfile": 0}

    async def monitors():
        count["monitors"] += 1

    async def textfile():
        count["textfile"] += 1

    sched.register("monitors", "every 0.1s", monitors)  # config says off
    sched.register("textfile", "every 0.1s", textfile)  # config default: every 60s
    sched.register("custom", "0 4 * * *", monitors)  # not in [ops.schedule]: its default holds
    await nursery.start(sched.run)
    rows = {t["name"]: t for t in sched.tasks()}
    assert rows["monitors"]["enabled"] is False and rows["monitors"]["next_run_at"] is None
    assert rows["textfile"]["trigger"] == "every 60s" and rows["textfile"]["source"] == "config"
    assert rows["custom"]["trigger"] == "0 4 * * *" and rows["custom"]["source"] == "default"
    await trio.sleep(0.3)
    assert count == {"monitors": 0, "textfile": 0}

    old = app.config
    app.config = parse_config({"daemon": {"state_dir": str(tmp_path)},
                               "ops": {"schedule": {"monitors": "every 0.1s", "textfile": "off"}}})
    await sched.reload(old, app.config)
    await wait_for(lambda: count["monitors"] >= 2)
    rows = {t["name"]: t for t in sched.tasks()}
    assert rows["monitors"]["trigger"] == "every 0.1s" and rows["monitors"]["next_run_at"] is not None
    assert rows["textfile"]["enabled"] is False and rows["textfile"]["next_run_at"] is None


async def test_stops_cleanly_when_cancelled(tmp_path):
    app = make_app(tmp_path)
    sched = SchedulerService(app)
    started = trio.Event()
    cancelled = trio.Event()

    async def long():
        started.set()
        try:
            await trio.sleep_forever()
        except trio.Cancelled:
            cancelled.set()
            raise

    sched.register("long", "every 0.05s", long)
    async with trio.open_nursery() as nursery:
        await nursery.start(sched.run)
        thread = sched._sched._thread
        await started.wait()
        nursery.cancel_scope.cancel()
    assert cancelled.is_set()  # the running task was a child of the service, cancelled with it
    assert sched.tasks()[0]["outcome"] == "cancelled"
    thread.join(5)
    assert not thread.is_alive()
    assert (await sched.health())["scheduler"]["status"] == "down"


def test_a_bad_default_trigger_is_a_programming_error(tmp_path):
    sched = SchedulerService(make_app(tmp_path))

    async def fn():
        return None

    with pytest.raises(ValueError):
        sched.register("x", "now and then", fn)


async def test_healthy_with_the_next_run(tmp_path, nursery):
    app = make_app(tmp_path)
    sched = SchedulerService(app)

    async def fn():
        return None

    sched.register("daily", "0 3 * * *", fn)
    await nursery.start(sched.run)
    health = (await sched.health())["scheduler"]
    assert health["status"] == "healthy" and health["next"] == "daily" and "next daily in" in health["reason"]
    sched.unregister("daily")
    assert sched.tasks() == []


async def test_the_injected_clock_times_runs_and_judges_a_task_overdue(tmp_path, nursery):
    """The clock is the scheduler's only notion of now outside APScheduler: moving it past
    a daily task's next run (plus misfire_grace) makes health say overdue, with no wait."""
    now = [dt.datetime.now(dt.UTC).timestamp()]
    app = make_app(tmp_path, {"scheduler": {"misfire_grace": 60}})
    sched = SchedulerService(app, clock=lambda: now[0])

    async def fn():
        return None

    sched.register("daily", "0 3 * * *", fn)
    await nursery.start(sched.run)
    assert sched.started_at == now[0]
    assert (await sched.health())["scheduler"]["status"] == "healthy"
    next_run = sched.next_run_at("daily")
    assert next_run is not None
    now[0] = next_run + 61
    health = (await sched.health())["scheduler"]
    assert health["status"] == "degraded" and health["overdue"] == ["daily"], health
    entry = await sched.run_now("daily")
    assert entry["last_run_at"] == now[0] and entry["outcome"] == "ok"


# ---------------------------------------------------------------- cron weekdays (crontab(5) numbering)

from scraped.engine.spec import next_fire  # noqa: E402

# 2026-03-01 is a Sunday. Each weekday number/name must fire on that weekday, for the ops
# scheduler's triggers and for job schedules alike (APScheduler's from_crontab is Monday 0).
_SUNDAY = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
_WEEKDAYS = [("0", 6), ("7", 6), ("sun", 6), ("SUN", 6), ("1", 0), ("mon", 0), ("2", 1), ("tue", 1),
             ("3", 2), ("wed", 2), ("4", 3), ("thu", 3), ("5", 4), ("fri", 4), ("6", 5), ("sat", 5)]


def _next(trigger, after=_SUNDAY):
    return trigger.get_next_fire_time(None, after)


@pytest.mark.parametrize("dow, python_weekday", _WEEKDAYS)
def test_each_cron_weekday_fires_on_that_day_in_ops_schedules(dow, python_weekday):
    fire = _next(parse_trigger(f"0 3 * * {dow}", dt.UTC))
    assert fire.weekday() == python_weekday and (fire.hour, fire.minute) == (3, 0)
    assert fire > _SUNDAY and fire - _SUNDAY <= dt.timedelta(days=7)


@pytest.mark.parametrize("dow, python_weekday", _WEEKDAYS)
def test_each_cron_weekday_fires_on_that_day_in_job_schedules(dow, python_weekday):
    fire = dt.datetime.fromtimestamp(next_fire(f"0 3 * * {dow}", _SUNDAY.timestamp()), dt.UTC)
    assert fire.weekday() == python_weekday and (fire.hour, fire.minute) == (3, 0)
    six = dt.datetime.fromtimestamp(next_fire(f"30 0 3 * * {dow}", _SUNDAY.timestamp()), dt.UTC)
    assert six.weekday() == python_weekday and (six.hour, six.minute, six.second) == (3, 0, 30)


def test_weekly_alias_is_sunday_midnight():
    fire = _next(parse_trigger("@weekly", dt.UTC))
    assert fire == dt.datetime(2026, 3, 8, 0, 0, tzinfo=dt.UTC)
    job = next_fire("@weekly", _SUNDAY.timestamp())
    assert dt.datetime.fromtimestamp(job, dt.UTC) == dt.datetime(2026, 3, 8, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("dow, days", [
    ("1-5", {0, 1, 2, 3, 4}), ("mon-fri", {0, 1, 2, 3, 4}), ("5-7", {4, 5, 6}), ("0,6", {5, 6}),
    ("*/2", {6, 1, 3, 5}), ("sat,sun", {5, 6}), ("1-7/3", {0, 3, 6}),
])
def test_weekday_ranges_lists_and_steps(dow, days):
    trigger = parse_trigger(f"0 3 * * {dow}", dt.UTC)
    seen, at = set(), _SUNDAY
    for _ in range(len(days)):
        at = _next(trigger, at + dt.timedelta(seconds=1))
        seen.add(at.weekday())
    assert seen == days


def test_day_of_month_or_weekday_when_both_are_restricted():
    # crontab(5): "0 0 13 * 5" runs on every 13th AND every Friday, not only Friday the 13th.
    trigger = parse_trigger("0 0 13 * 5", dt.UTC)
    fires, at = [], _SUNDAY
    for _ in range(4):
        at = _next(trigger, at + dt.timedelta(seconds=1))
        fires.append(at.date().isoformat())
    assert fires == ["2026-03-06", "2026-03-13", "2026-03-20", "2026-03-27"]  # the 13th is a Friday
    trigger = parse_trigger("0 0 1 * 1", dt.UTC)
    assert [_next(trigger).date().isoformat()] == ["2026-03-02"]  # a Monday, before April 1st


@pytest.mark.parametrize("dow", ["8", "funday", "5-1", "*/0", "-"])
def test_bad_weekdays_say_why(dow):
    with pytest.raises(ValueError, match="bad cron line"):
        parse_trigger(f"0 3 * * {dow}")


async def test_a_run_is_counted_when_it_ends_never_beside_no_outcome(tmp_path, nursery):
    """scheduler.list read while the first run is going says running, 0 runs, no outcome; a
    run counted at its start showed `runs: 1` beside `outcome: None` (a flaky CI read)."""
    app = make_app(tmp_path)
    sched = SchedulerService(app)
    release = trio.Event()

    async def slow():
        await release.wait()
        return {"written": 1}

    sched.register("slow", "off", slow)
    await nursery.start(sched.run)
    nursery.start_soon(sched.run_now, "slow")
    await trio.sleep(0.05)
    row = next(t for t in sched.tasks() if t["name"] == "slow")
    assert (row["running"], row["runs"], row["outcome"]) == (True, 0, None)
    release.set()
    await trio.sleep(0.05)
    row = next(t for t in sched.tasks() if t["name"] == "slow")
    assert (row["running"], row["runs"], row["outcome"]) == (False, 1, "ok")
