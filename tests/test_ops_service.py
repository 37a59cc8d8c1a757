"""The ops service and the scheduler together in one trio loop, on the real SQLite store,
answering every ops command through the real argument checking. The sampler's readings
are injected (and move a fake clock 30 s per sample, so minutes complete quickly)."""

from __future__ import annotations

import pytest
import trio
from prometheus_client.parser import text_string_to_metric_families

from scraped import errors
from scraped.api import get_command
from scraped.app import App
from scraped.config import parse_config
from scraped.dispatch import Peer, Request
from scraped.ops.ops_service import OpsService
from scraped.scheduler import SchedulerService
from scraped.secrets import Secrets
from scraped.store.sqlite import SqliteStore

T0 = 1_800_000_000.0
ROOT = Peer(pid=1, uid=0, gid=0)


class World:
    """A fake clock and the readings the sampler sees; each sample moves time 30 s."""

    def __init__(self):
        self.t = T0
        self.values = {"cpu_percent": 20.0, "memory_percent": 30.0, "disk_percent": 40.0, "disk_free": 50 << 30,
                       "rss": 50 << 20}

    def clock(self) -> float:
        return self.t

    def sample(self) -> dict:
        self.t += 30
        return dict(self.values)


class Engine:
    def __init__(self):
        self.calls = []

    def set_max_jobs(self, n):
        self.calls.append(n)


async def wait_for(predicate, seconds=15.0):  # noqa: ASYNC109 (a bounded poll of state)
    with trio.fail_after(seconds):
        while not predicate():  # noqa: ASYNC110
            await trio.sleep(0.02)


@pytest.fixture
async def world(tmp_path):
    config = parse_config({
        "daemon": {"state_dir": str(tmp_path)},
        "ops": {"metrics": {"interval": 0.5, "textfile": str(tmp_path / "scraped.prom")},
                "monitors": {"cpu_window": 0},
                "adaptive": {"window": 0, "hold": 0},
                "schedule": {"metrics_persist": "every 0.3s", "monitors": "every 0.3s", "textfile": "every 0.3s"}},
    })
    w = World()
    app = App(config, None, Secrets({}), clock=w.clock)
    app.store = SqliteStore(tmp_path / "scraped.db")
    await app.store.open()
    w.engine = Engine()
    sched = SchedulerService(app)
    ops = OpsService(app, scheduler=sched, engine=w.engine, sample_fn=w.sample, clock=w.clock)
    app.services = [ops, sched]
    app.handlers = {**ops.handlers(), **sched.handlers()}
    # The services stop before the store closes: a scheduled task still writing from a
    # thread into a closing SQLite connection is a crash, not a test result.
    async with trio.open_nursery() as nursery:
        await nursery.start(ops.run)
        await nursery.start(sched.run)
        w.app, w.ops = app, ops
        yield w
        nursery.cancel_scope.cancel()
    await app.store.close()


async def call(w: World, command: str, /, **args):
    cmd = get_command(command)
    return await w.app.handlers[command](Request(cmd, cmd.check_args(args), ROOT))


async def test_the_trackers_are_the_apps_before_any_service_is_built(tmp_path):
    app = App(parse_config({"daemon": {"state_dir": str(tmp_path)}}), None, Secrets({}))
    app.observe("cmd:status", 0.001, True)  # recorded with no ops service at all
    ops = OpsService(app, scheduler=None, engine=None)
    assert app.perf is ops.perf and app.errors is ops.errors and app.security is ops.security
    assert not hasattr(app, "ops") and not hasattr(app, "engine") and not hasattr(app, "scheduler")
    app.capture_exception(KeyError("x"), category="control")
    assert ops.perf.count("cmd:status") == 1 and ops.errors.stats()["category_breakdown"] == {"control": 1}


async def test_every_command_answers(world):
    w = world
    m = await call(w, "metrics")
    assert m["cpu_percent"] == 20.0 and m["memory_percent"] == 30.0 and m["disk_percent"] == 40.0
    assert "error_rate_1h" in m and "timestamp" in m

    text = await call(w, "metrics", prometheus=True)
    names = {f.name for f in text_string_to_metric_families(text)}
    assert {"scraped_cpu_percent", "scraped_up", "scraped_errors"} <= names

    await wait_for(lambda: w.app.store is not None and w.t > T0 + 150)  # some minutes complete
    await call(w, "scheduler.run", name="metrics_persist")
    hist = await call(w, "metrics.history", hours=1)
    assert hist["count"] >= 2 and hist["metrics"][0]["cpu_percent"] == 20.0

    got = await call(w, "errors.capture", message="High CPU usage detected: 91%", category="system",
                     severity="high", context={"cpu_percent": 91, "threshold": 85})
    assert got["captured"] and got["new"]
    stats = await call(w, "errors.stats")
    assert stats["total_occurrences"] >= 1 and stats["category_breakdown"]["system"] >= 1
    dash = await call(w, "errors.dashboard", limit=5)
    assert dash["top_errors"][0]["context"]["peer_uid"] == 0

    perf = await call(w, "perf")
    assert "task:metrics_persist" in perf["performance_metrics"] and perf["total_endpoints"] >= 3
    assert set(await call(w, "perf", prefix="task:")) == {"total_endpoints", "since", "uptime_s",
                                                          "performance_metrics"}

    tasks = {t["name"]: t for t in (await call(w, "scheduler.list"))["tasks"]}
    assert set(tasks) == {"metrics_persist", "monitors", "textfile"}
    assert tasks["metrics_persist"]["outcome"] == "ok"

    w.ops.security.record("auth_failure", Peer(pid=9, uid=1234, gid=1234), command="jobs.stop", detail="not an admin")
    events = await call(w, "security.events", limit=5, kind="auth_failure")
    assert events["events"][0]["peer_uid"] == 1234

    cap = await call(w, "capacity", hours=24)
    assert cap["cpu"]["average"] == 20.0 and cap["source"] == "history"

    mon = await call(w, "monitors")
    assert {m["monitor"] for m in mon["monitors"]} >= {"cpu", "memory", "disk", "error_rate"}
    assert mon["adaptive"]["max_jobs"] == 5

    status = await call(w, "ops.status")
    assert status["adaptive"]["max_jobs"] == 5 and status["monitors"]["cpu"] == "ok"

    await wait_for(lambda: (w.app.config.daemon.state_path() / "scraped.prom").exists())
    names = {f.name for f in text_string_to_metric_families(
        (w.app.config.daemon.state_path() / "scraped.prom").read_text())}
    assert "scraped_task_last_success" in names


@pytest.mark.parametrize("command, args, error", [
    ("errors.capture", {"message": "   "}, errors.BadRequest),
    ("errors.capture", {"message": "x", "severity": "apocalyptic"}, errors.BadRequest),
    ("errors.capture", {"message": "x", "context": ["not", "a", "map"]}, errors.BadRequest),
    ("errors.capture", {}, errors.BadRequest),
    ("metrics.history", {"hours": -1}, errors.BadRequest),
    ("metrics.history", {"hours": "six"}, errors.BadRequest),
    ("security.events", {"kind": "break_in"}, errors.BadRequest),
    ("security.events", {"limit": 0}, errors.BadRequest),
    ("scheduler.run", {"name": "nope"}, errors.NotFound),
    ("errors.dashboard", {"limit": True}, errors.BadRequest),
    ("perf", {"bogus": 1}, errors.BadRequest),
])
async def test_bad_input(world, command, args, error):
    with pytest.raises(error):
        await call(world, command, **args)


async def test_high_load_alerts_adapts_and_degrades_health(world):
    w = world
    w.values["cpu_percent"] = 95.0
    await wait_for(lambda: w.engine.calls[-1:] == [2])  # fewer jobs at once
    await wait_for(lambda: any(a["monitor"] == "cpu" for a in w.ops.monitors.status()["last_alerts"]))
    top = w.ops.errors.dashboard()["top_errors"]
    alert = next(e for e in top if e["message"].startswith("High CPU usage detected"))
    assert alert["category"] == "system" and alert["context"]["threshold"] == 85.0
    health = await w.ops.health()
    # A busy CPU is an alert, not ill health (status would flap with every crawl).
    assert health["system"]["status"] == "healthy" and "over 85%" in health["system"]["reason"]
    assert health["disk"]["status"] == "healthy"
    alerts_before = w.ops.monitors.alert_counts()["cpu"]
    await call(w, "scheduler.run", name="monitors")
    assert w.ops.monitors.alert_counts()["cpu"] == alerts_before  # cool-down: no second alert

    w.values["cpu_percent"] = 10.0
    await wait_for(lambda: w.engine.calls[-1:] == [5])  # hold 0, far below 50 - 10
    assert w.engine.calls == [5, 2, 5] or w.engine.calls[-2:] == [2, 5]


async def test_memory_pressure_and_loop_lag_degrade_system_health(world):
    w = world
    w.values.update(memory_percent=95.0, loop_lag_ms=5000.0)
    await wait_for(lambda: w.ops.sampler.latest["memory_percent"] == 95.0)
    system = (await w.ops.health())["system"]
    assert system["status"] == "degraded"
    assert "memory 95% over 90%" in system["reason"] and "event loop 5000 ms behind" in system["reason"]


async def test_disk_health(world):
    w = world
    w.values.update(disk_percent=95.0)
    await wait_for(lambda: w.ops.sampler.latest["disk_percent"] == 95.0)
    assert (await w.ops.health())["disk"]["status"] == "degraded"
    w.values.update(disk_percent=99.0, disk_free=10 << 20)
    await wait_for(lambda: w.ops.sampler.latest["disk_percent"] == 99.0)
    disk = (await w.ops.health())["disk"]
    assert disk["status"] == "down" and "full" in disk["reason"]


async def test_checkpoint_writes_what_is_pending(world):
    w = world
    w.ops.errors.capture("pending at shutdown", "application", "high")
    await w.ops.checkpoint()
    assert await w.app.store.count("errors", {"message": "pending at shutdown"}) == 1
    assert await w.app.store.count("metrics") >= 1


async def test_reload_applies_live(world):
    w = world
    await wait_for(lambda: w.engine.calls == [5])
    old = w.app.config
    w.app.config = parse_config({"daemon": {"state_dir": str(old.daemon.state_dir)},
                                 "ops": {"adaptive": {"enabled": False}, "errors": {"max_tracked": 50},
                                         "security": {"log_per_minute": 3}}})
    await w.ops.reload(old, w.app.config)
    assert w.ops.errors.max_tracked == 50 and w.ops.security.log_per_minute == 3
    assert w.engine.calls[-1] is None  # the engine's own limit again
