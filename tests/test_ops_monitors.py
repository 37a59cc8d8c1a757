"""Threshold monitors and adaptive concurrency, driven with injected readings; the webhook
is a real HTTP server on 127.0.0.1 (the stdlib's), so the real httpx code runs."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scraped.app import App
from scraped.config import parse_config
from scraped.ops.adaptive import Adaptive, level_for
from scraped.ops.alerts import Alerts
from scraped.ops.errors import ErrorTracker
from scraped.ops.monitors import Monitors
from scraped.secrets import Secrets

T0 = 1_800_000_000.0


def make_app(tmp_path, ops=None, secrets=None) -> App:
    config = parse_config({"daemon": {"state_dir": str(tmp_path)}, "ops": ops or {}})
    return App(config, None, Secrets(secrets or {}))


def monitors(app: App, errors: ErrorTracker | None = None) -> Monitors:
    """Monitors as ops builds them: their own Alerts (the webhook), no sampler (the tests
    give the readings)."""
    errors = errors if errors is not None else ErrorTracker()
    return Monitors(app, errors, Alerts(app, errors))


class Receiver:
    """A webhook receiver: answers `status` and keeps every JSON body."""

    def __init__(self, status: int = 200):
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["content-length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.status = status
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


# ---------------------------------------------------------------- monitors


def test_cpu_alert_has_the_runbook_shape_and_goes_to_the_tracker_and_journal(tmp_path, caplog):
    app = make_app(tmp_path)
    errors = ErrorTracker()
    mon = monitors(app, errors)
    with caplog.at_level(logging.WARNING, logger="scraped.ops.monitors"):
        alerts = mon.evaluate({"cpu_percent": 91.24, "memory_percent": 10, "error_rate_1h": 0.0}, now=T0)
    assert len(alerts) == 1
    a = alerts[0]
    assert a["message"] == "High CPU usage detected: 91.2%"
    assert a["category"] == "system" and a["severity"] == "high"
    assert a["context"]["cpu_percent"] == 91.24 and a["context"]["threshold"] == 85.0
    top = errors.dashboard()["top_errors"][0]
    assert top["message"] == a["message"] and top["category"] == "system" and top["context"]["threshold"] == 85.0
    record = next(r for r in caplog.records if r.getMessage().startswith("ALERT"))
    assert record.levelno == logging.WARNING and record.alert == "cpu" and record.threshold == 85.0


def test_error_rate_alert_is_critical(tmp_path, caplog):
    app = make_app(tmp_path)
    mon = monitors(app)
    with caplog.at_level(logging.WARNING, logger="scraped.ops.monitors"):
        (alert,) = mon.evaluate({"error_rate_1h": 12.5}, now=T0)
    assert alert["message"] == "High error rate detected: 12.50 errors/min"
    assert alert["category"] == "application" and alert["severity"] == "critical"
    assert alert["context"] == {"error_rate_1h": 12.5, "threshold": 10.0, "monitor": "error_rate",
                                "breaching_since": T0}
    assert any(r.levelno == logging.CRITICAL for r in caplog.records)


def test_cooldown_deduplicates_a_sustained_or_flapping_breach(tmp_path):
    app = make_app(tmp_path, {"monitors": {"cooldown": 600}})
    errors = ErrorTracker()
    mon = monitors(app, errors)
    assert len(mon.evaluate({"cpu_percent": 90}, now=T0)) == 1
    for i in range(1, 10):  # sustained for 9 minutes: quiet
        assert mon.evaluate({"cpu_percent": 95}, now=T0 + 60 * i) == []
    assert mon.evaluate({"cpu_percent": 50}, now=T0 + 560) == []  # recovers...
    assert mon.evaluate({"cpu_percent": 99}, now=T0 + 570) == []  # ...and flaps back inside the cool-down
    assert mon.state["cpu"].suppressed == 10
    assert len(mon.evaluate({"cpu_percent": 99}, now=T0 + 600)) == 1  # cool-down over, still high
    assert mon.alert_counts()["cpu"] == 2
    assert errors.stats()["total_unique_errors"] == 1  # one fingerprint, counted twice
    assert errors.stats()["total_occurrences"] == 2


def test_recovery_is_logged_once_and_each_monitor_is_independent(tmp_path, caplog):
    app = make_app(tmp_path)
    mon = monitors(app)
    alerts = mon.evaluate({"cpu_percent": 90, "memory_percent": 95, "disk_percent": 97, "loop_lag_ms": 2500,
                           "error_rate_1h": 11}, now=T0)
    assert sorted(a["monitor"] for a in alerts) == ["cpu", "disk", "error_rate", "loop_lag", "memory"]
    with caplog.at_level(logging.INFO, logger="scraped.ops.monitors"):
        mon.evaluate({"cpu_percent": 10, "memory_percent": 95}, now=T0 + 60)
        mon.evaluate({"cpu_percent": 10, "memory_percent": 95}, now=T0 + 120)
    recovered = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(recovered) == 1 and recovered[0].monitor == "cpu"
    status = {m["monitor"]: m for m in mon.status()["monitors"]}
    assert status["memory"]["breaching"] and not status["cpu"]["breaching"]
    # No disk reading (a hung statvfs): shown as unknown, and the breach is not called over.
    assert status["disk"]["value"] is None and status["disk"]["breaching"]


def test_zero_threshold_and_disabled_monitors_are_off(tmp_path):
    app = make_app(tmp_path, {"monitors": {"cpu_percent": 0}})
    mon = monitors(app)
    assert mon.evaluate({"cpu_percent": 100}, now=T0) == []
    assert not {m["monitor"]: m for m in mon.status()["monitors"]}["cpu"]["enabled"]
    app.config = parse_config({"daemon": {"state_dir": str(tmp_path)}, "ops": {"monitors": {"enabled": False}}})
    assert mon.evaluate({"memory_percent": 100, "error_rate_1h": 1000}, now=T0) == []


def test_missing_readings_are_skipped(tmp_path):
    mon = monitors(make_app(tmp_path))
    assert mon.evaluate({"cpu_percent": None}, now=T0) == []


async def test_webhook_receives_each_alert(tmp_path, receiver):
    app = make_app(tmp_path, {"alerts": {"webhook_url": receiver.url}})
    mon = monitors(app)
    out = await mon.check({"cpu_percent": 99.0, "error_rate_1h": 20.0})
    assert out["alerts"] == 2 and out["delivered"] == 2
    bodies = sorted(receiver.bodies, key=lambda b: b["monitor"])
    assert bodies[0]["message"] == "High CPU usage detected: 99.0%" and bodies[0]["service"] == "scraped"
    assert bodies[1]["severity"] == "critical" and bodies[1]["context"]["threshold"] == 10.0
    status = mon.status()
    assert status["webhook"]["sent"] == 2 and status["webhook"]["failures"] == 0
    assert "secret-token" not in status["webhook"]["target"]  # the path may carry a token
    assert all(a["delivered"] for a in status["last_alerts"])


async def test_the_credential_wins_over_the_config(tmp_path, receiver):
    app = make_app(tmp_path, {"alerts": {"webhook_url": "http://127.0.0.1:9/never"}},
                   secrets={"SCRAPED_ALERT_WEBHOOK_URL": receiver.url})
    mon = monitors(app)
    assert (await mon.check({"cpu_percent": 99.0}))["delivered"] == 1


async def test_webhook_failures_are_recorded_not_raised(tmp_path):
    bad = Receiver(status=500)
    try:
        errors = ErrorTracker()
        app = make_app(tmp_path, {"alerts": {"webhook_url": bad.url, "webhook_timeout": 2.0}})
        mon = monitors(app, errors)
        out = await mon.check({"cpu_percent": 99.0})
        assert out == {"alerts": 1, "delivered": 0, "breaching": ["cpu"]}
        assert "HTTP 500" in mon.status()["webhook"]["last_error"]
    finally:
        bad.close()
    # Nobody listens any more: a connection error, also recorded.
    mon.state["cpu"].last_alert_at = None
    out = await mon.check({"cpu_percent": 99.0})
    assert out["delivered"] == 0 and mon.alerts.failures == 2
    categories = errors.stats()["category_breakdown"]
    assert categories["alerting"] == 2 and categories["system"] == 2


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1/x", "http://"])
async def test_malformed_webhook_urls_are_recorded(tmp_path, url):
    app = make_app(tmp_path, {"alerts": {"webhook_url": url}})
    mon = monitors(app)
    out = await mon.check({"cpu_percent": 99.0})
    assert out["delivered"] == 0 and mon.alerts.failures == 1


# ---------------------------------------------------------------- adaptive concurrency


class Engine:
    """The engine's seam for adaptive concurrency: set_max_jobs(n | None)."""

    def __init__(self, fail: bool = False):
        self.calls: list[int | None] = []
        self.fail = fail

    def set_max_jobs(self, n):
        if self.fail:
            raise RuntimeError("supervisor not ready")
        self.calls.append(n)


class AsyncEngine(Engine):
    async def set_max_jobs(self, n):
        self.calls.append(n)


def test_the_runbook_levels(tmp_path):
    cfg = make_app(tmp_path).config.ops.adaptive
    assert [level_for(x, cfg) for x in (95, 81, 80, 61, 60, 10)] == [2, 2, 3, 3, 5, 5]


async def test_adaptive_follows_load_with_hysteresis_and_hold(tmp_path):
    engine = Engine()
    app = make_app(tmp_path, {"adaptive": {"hold": 60, "hysteresis": 10}})
    ad = Adaptive(app, engine)
    await ad.update(30, 40, now=T0)
    assert ad.target() == 5 and engine.calls == [5]
    await ad.update(85, 40, now=T0 + 5)  # overload: fewer jobs at once
    assert ad.target() == 2
    await ad.update(40, 82, now=T0 + 10)  # memory counts as much as CPU
    assert ad.target() == 2
    await ad.update(75, 40, now=T0 + 200)  # below 80 but not below 70: stays
    assert ad.target() == 2
    await ad.update(65, 40, now=T0 + 210)  # below 70 (80 - hysteresis), held long enough: 3
    assert ad.target() == 3
    await ad.update(45, 40, now=T0 + 220)  # below 50 but held only 10 s: stays
    assert ad.target() == 3
    for i, load in enumerate([59, 61, 59, 61, 59]):  # hovering at 60 does not flap
        await ad.update(load, 10, now=T0 + 230 + i)
    assert ad.target() == 3
    await ad.update(45, 40, now=T0 + 300)
    assert ad.target() == 5
    assert engine.calls == [5, 2, 3, 5]  # the engine hears each change once
    changes = ad.status()["changes"]
    assert [c["to"] for c in changes] == [5, 3, 2, 5] and changes[0]["load"] == 45


async def test_the_engine_cap_bounds_adaptive(tmp_path):
    engine = Engine()
    config = parse_config({"daemon": {"state_dir": str(tmp_path)}, "engine": {"max_concurrent_jobs": 3}})
    app = App(config, None, Secrets({}))
    ad = Adaptive(app, engine)
    await ad.update(10, 10, now=T0)
    assert ad.target() == 3 and engine.calls == [3] and ad.status()["level"] == 5


async def test_without_an_engine_the_level_is_computed_and_applied_to_nothing(tmp_path):
    ad = Adaptive(make_app(tmp_path))
    await ad.update(90, 10, now=T0)
    assert ad.target() == 2 and ad.applied is None and ad.status()["engine_present"] is False


async def test_an_async_engine_is_awaited(tmp_path):
    engine = AsyncEngine()
    ad = Adaptive(make_app(tmp_path), engine)
    await ad.update(90, 10, now=T0)
    assert engine.calls == [2] and ad.applied == 2


async def test_turning_adaptive_off_gives_the_engine_its_limit_back(tmp_path):
    engine = Engine()
    app = make_app(tmp_path)
    ad = Adaptive(app, engine)
    await ad.update(90, 10, now=T0)
    app.config = parse_config({"daemon": {"state_dir": str(tmp_path)}, "ops": {"adaptive": {"enabled": False}}})
    await ad.apply()
    await ad.update(10, 10, now=T0 + 100)
    assert engine.calls == [2, None] and ad.target() is None and ad.status()["enabled"] is False


async def test_a_failing_engine_is_reported_once(tmp_path):
    engine = Engine(fail=True)
    app = make_app(tmp_path)
    reported = []
    app.capture_exception = lambda exc, **kw: reported.append(exc)
    ad = Adaptive(app, engine)
    for i in range(5):
        await ad.update(90, 10, now=T0 + i)
    assert len(reported) == 1 and ad.status()["last_error"] == "supervisor not ready"
    engine.fail = False
    await ad.update(90, 10, now=T0 + 10)
    assert engine.calls == [2] and ad.status()["last_error"] is None


def test_bad_adaptive_config_is_refused(tmp_path):
    from scraped.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        parse_config({"ops": {"adaptive": {"moderate_percent": 90, "high_jobs": 9}}})
    problems = " ".join(err.value.problems)
    assert "ops.adaptive.moderate_percent: must be below high_percent" in problems
    assert "high_jobs: must be <= moderate_jobs <= normal_jobs" in problems


async def test_a_webhook_that_never_answers_is_cut_off(tmp_path):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (in the backlog), never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        app = make_app(tmp_path, {"alerts": {"webhook_url": url, "webhook_timeout": 0.3}})
        mon = monitors(app)
        out = await mon.check({"cpu_percent": 99.0})
        assert out["delivered"] == 0 and "did not answer within 0.3 s" in mon.alerts.last_error
    finally:
        silent.close()


async def test_a_store_outage_past_its_threshold_is_a_critical_alert(tmp_path):
    """The real outage spool around a real pymongo client aimed at a closed loopback port: the
    store is down at start, writes go to the spool, and once the outage outlasts
    store_outage_seconds the monitors raise one critical alert (make reliability found none)."""
    import socket

    from scraped.store.mongo import MongoStore
    from scraped.store.spool import SpoolingStore

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inner = MongoStore(f"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=200", "t", connect_timeout=0.2,
                       timeout=0.5)
    store = SpoolingStore(inner, tmp_path / "spool" / "store.jsonl")
    await store.open()
    try:
        app = make_app(tmp_path, {"monitors": {"store_outage_seconds": 30}})
        app.store = store
        clock = [store.status()["since"] + 5]
        m = Monitors(app, ErrorTracker(), Alerts(app, ErrorTracker()), clock=lambda: clock[0])
        assert m.readings()["store_outage_seconds"] == pytest.approx(5)
        assert m.evaluate(m.readings(), now=clock[0]) == []
        clock[0] += 60
        alerts = m.evaluate(m.readings(), now=clock[0])
        assert [(a["category"], a["severity"]) for a in alerts] == [("database", "critical")]
        assert "Store unreachable for 65 s" in alerts[0]["message"]
    finally:
        await store.close()


def test_a_store_without_a_spool_gives_no_outage_reading(tmp_path):
    app = make_app(tmp_path)
    assert monitors(app).readings()["store_outage_seconds"] is None  # SQLite: the engine's storage alerts
