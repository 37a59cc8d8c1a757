"""Sampling, minute history in the real SQLite store, the Prometheus exposition (checked
with prometheus_client's own parser), the textfile, sparklines and capacity."""

from __future__ import annotations

import os

import pytest
from prometheus_client.parser import text_string_to_metric_families

from scraped.app import App
from scraped.config import parse_config
from scraped.ops import capacity
from scraped.ops.history import History, aggregate
from scraped.ops.metrics import Sampler
from scraped.ops.prometheus import Exposition, write_textfile
from scraped.ops.sparkline import sparkline
from scraped.secrets import Secrets

T0 = 1_800_000_000.0  # a minute boundary


class Clock:
    def __init__(self, t: float = T0):
        self.t = t

    def __call__(self) -> float:
        return self.t


class Readings:
    """The sampler's injected source: whatever CPU/memory the test wants."""

    def __init__(self, **values):
        self.values = {"cpu_percent": 10.0, "memory_percent": 20.0, "disk_percent": 30.0, "rss": 1000, **values}

    def __call__(self):
        return dict(self.values)


def make_app(tmp_path, ops=None) -> App:
    return App(parse_config({"daemon": {"state_dir": str(tmp_path)}, "ops": ops or {}}), None, Secrets({}))


async def test_the_real_psutil_sample_has_every_field(tmp_path):
    app = make_app(tmp_path)
    sample = await Sampler(app).take()
    for key in ("cpu_percent", "memory_percent", "disk_percent", "load_1", "rss", "open_fds", "threads",
                "loop_lag_ms", "pages_per_s", "ai_calls_per_s", "disk_free", "at"):
        assert key in sample, key
    assert 0 <= sample["memory_percent"] <= 100 and sample["rss"] > 0
    assert sample["disk_path"] == str(tmp_path)
    assert app.perf.count("ops.sample") == 1


async def test_disk_path_that_does_not_exist_yet_uses_its_parent(tmp_path):
    app = make_app(tmp_path, {"metrics": {"disk_path": str(tmp_path / "not" / "yet")}})
    sample = await Sampler(app).take()
    assert sample["disk_path"] == str(tmp_path) and sample["disk_percent"] is not None


async def test_windows_averages_and_rates(tmp_path):
    app = make_app(tmp_path)
    clock, readings = Clock(), Readings()
    sampler = Sampler(app, readings, clock=clock)
    for cpu in (10, 20, 30, 90):
        readings.values["cpu_percent"] = cpu
        for _ in range(5):
            app.perf.observe("fetch", 0.01)
        app.perf.observe("ai.call:offline", 0.01)
        await sampler.take()
        clock.t += 5
    assert sampler.average("cpu_percent", 5, now=clock.t - 5) == pytest.approx(60)  # the last two
    assert sampler.average("cpu_percent", 3600) == pytest.approx(37.5)
    assert sampler.average("cpu_percent", 0.001, now=clock.t + 1000) == 90  # empty window: the latest
    assert sampler.latest["pages_per_s"] == 1.0 and sampler.latest["ai_calls_per_s"] == 0.2
    assert sampler.average("nothing", 60) is None


async def test_the_ring_is_bounded(tmp_path):
    app = make_app(tmp_path, {"metrics": {"interval": 5, "ring_minutes": 1}})
    clock = Clock()
    sampler = Sampler(app, Readings(), clock=clock)
    for _ in range(100):
        await sampler.take()
        clock.t += 5
    assert len(sampler.ring) == 12


def test_minute_aggregate():
    samples = [{"at": T0 + i * 5, "cpu_percent": c, "memory_percent": 40.0, "rss": 100 + i, "loop_lag_ms": lag}
               for i, (c, lag) in enumerate([(10, 1), (30, 50), (20, 2)])]
    doc = aggregate(int(T0), samples)
    assert doc == {"at": T0, "samples": 3, "cpu_percent": 20.0, "memory_percent": 40.0, "rss": 102,
                   "cpu_max": 30, "memory_max": 40.0, "loop_lag_ms": 50, "rss_max": 102}


async def test_history_persists_complete_minutes_once_and_prunes(tmp_path, store):
    from scraped.ops.errors import ErrorTracker

    app = make_app(tmp_path)
    clock, readings = Clock(), Readings()
    errors = ErrorTracker(clock=clock)
    sampler = Sampler(app, readings, clock=clock)
    history = History(sampler, errors)
    for i in range(36):  # three minutes of 5-second samples
        readings.values["cpu_percent"] = 10.0 * (i // 12 + 1)
        await sampler.take()
        if i == 3:
            errors.capture("boom")
        clock.t += 5
    # now = T0 + 180: minutes T0, T0+60 and T0+120 are complete
    out = await history.persist(store, clock.t + 1, keep_days=30)
    assert out == {"minutes": 3, "pruned": 0}
    assert (await history.persist(store, clock.t + 2, keep_days=30))["minutes"] == 0  # not twice
    docs = await store.find("metrics", sort=[("at", 1)])
    assert [d["cpu_percent"] for d in docs] == [10.0, 20.0, 30.0]
    assert [d["errors"] for d in docs] == [1, 0, 0] and docs[0]["samples"] == 12

    result = await history.query(store, hours=1, now=clock.t)
    assert result["count"] == 3 and result["interval_s"] == 60
    point = result["metrics"][0]
    assert point["timestamp"] == T0 and point["cpu_percent"] == 10.0 and "_id" not in point and "at" not in point

    down = await history.query(store, hours=1, now=clock.t, max_points=2)
    assert down["count"] == 2 and down["interval_s"] == 120
    assert down["metrics"][0]["cpu_percent"] == 15.0 and down["metrics"][0]["cpu_max"] == 20.0
    assert down["metrics"][0]["errors"] == 1

    # Another daemon sharing the store keeps its own series.
    other = History(Sampler(app, readings, clock=clock), host="other-host")
    await other.sampler.take()
    clock.t += 60
    await other.persist(store, clock.t, keep_days=30)
    assert (await other.query(store, hours=1, now=clock.t))["count"] == 1
    assert (await history.query(store, hours=1, now=clock.t))["count"] == 3

    # A month later, everything of this host is older than the retention.
    clock.t += 31 * 86400
    assert (await history.persist(store, clock.t, keep_days=30))["pruned"] == 3


# ---------------------------------------------------------------- Prometheus


def test_exposition_parses_and_escapes():
    out = Exposition()
    out.family("cpu_percent", "gauge", "CPU in percent.", 12.5)
    out.family("errors_total", "counter", "Errors.", [({"severity": 'we"ird\\'}, 3), ({"severity": "x\ny"}, 1)])
    out.family("skipped", "gauge", "No value.", None)
    out.family("lat_seconds", "summary", "Latency.", [({"operation": "cmd:a", "quantile": "0.5"}, 0.001)],
               [("_sum", {"operation": "cmd:a"}, 0.5), ("_count", {"operation": "cmd:a"}, 10)])
    families = {f.name: f for f in text_string_to_metric_families(out.text())}
    assert families["scraped_cpu_percent"].samples[0].value == 12.5
    labels = sorted(s.labels["severity"] for s in families["scraped_errors"].samples)
    assert labels == ['we"ird\\', "x\ny"]
    assert "scraped_skipped" not in families
    summary = {s.name: s.value for s in families["scraped_lat_seconds"].samples}
    assert summary == {"scraped_lat_seconds": 0.001, "scraped_lat_seconds_sum": 0.5, "scraped_lat_seconds_count": 10}


def test_textfile_is_replaced_atomically(tmp_path):
    target = tmp_path / "scraped.prom"
    target.write_text("old\n")
    assert write_textfile(str(target), "scraped_up 1\n") == len("scraped_up 1\n")
    assert target.read_text() == "scraped_up 1\n"
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    assert os.listdir(tmp_path) == ["scraped.prom"]  # no temporary left behind
    with pytest.raises(OSError):
        write_textfile(str(tmp_path / "missing-dir" / "x.prom"), "x")


# ---------------------------------------------------------------- sparkline, capacity


def test_sparkline():
    assert sparkline([0, 50, 100], low=0, high=100) == "▁▅█"
    assert sparkline([]) == "" and sparkline([None, None]) == ""
    assert sparkline([1, None, 3]) == "▁ █"
    assert sparkline([5, 5, 5]) == "▁▁▁"
    assert len(sparkline(list(range(1000)), width=60)) == 60
    assert sparkline([150, -5], low=0, high=100) == "█▁"  # clamped


def test_capacity_recommendations_follow_the_runbook():
    rows = [{"cpu_percent": 70, "cpu_max": 95, "memory_percent": 50, "memory_max": 93, "disk_percent": 40}] * 3
    perf = {"performance_metrics": {
        "cmd:ai.generate": {"count": 1500, "average_duration_ms": 1800.0},
        "cmd:status": {"count": 90000, "average_duration_ms": 0.2},
        "fetch": {"count": 999, "average_duration_ms": 5000.0}}}
    out = capacity.analyze(rows, {"cpu_percent": 85, "memory_percent": 30}, perf, 24, "history")
    assert out["cpu"] == {"average": 70.0, "peak": 95.0, "status": "warning",
                          "recommendation": "Consider scaling up CPU resources"}
    assert out["memory"]["recommendation"] == "Memory peaks are critical - immediate scaling needed"
    assert out["disk"]["status"] == "ok"
    assert out["vertical"]["recommendation"] == "Increase resources"
    assert out["vertical"]["actions"] == ["Add more CPU cores"]
    assert [h["operation"] for h in out["scaling"]["high_traffic"]] == ["cmd:ai.generate"]
    assert "horizontal scaling" in out["scaling"]["recommendation"]


@pytest.mark.parametrize("cpu, memory, verdict", [
    (20, 20, "CPU resources may be over-provisioned"), (45, 20, "CPU utilization is optimal"),
])
def test_capacity_cpu_verdicts(cpu, memory, verdict):
    out = capacity.analyze([{"cpu_percent": cpu, "memory_percent": memory}], {}, {}, 24, "history")
    assert out["cpu"]["recommendation"] == verdict
    assert out["memory"]["recommendation"] == "Memory utilization is acceptable"
    assert out["vertical"]["status"] == "unknown"


def test_capacity_without_data():
    out = capacity.analyze([], {"cpu_percent": 20, "memory_percent": 20}, {"performance_metrics": {}}, 24, "x")
    assert out["cpu"]["recommendation"] == "No cpu metrics available"
    assert out["vertical"]["recommendation"] == "Resources appear over-provisioned"
    assert out["scaling"]["recommendation"] == "Current load doesn't require horizontal scaling"


async def test_no_cpu_verdict_before_half_the_window_is_sampled(tmp_path):
    from scraped.ops.alerts import Alerts
    from scraped.ops.errors import ErrorTracker
    from scraped.ops.monitors import Monitors

    app = make_app(tmp_path)  # cpu_window 60
    clock = Clock()
    sampler = Sampler(app, Readings(cpu_percent=100.0), clock=clock)
    errors = ErrorTracker()
    monitors = Monitors(app, errors, Alerts(app, errors), sampler, clock=clock)
    await sampler.take()
    assert "cpu_percent" not in monitors.readings() and monitors.readings()["memory_percent"] == 20.0
    clock.t += 30
    await sampler.take()
    assert sampler.covers(30) and monitors.readings()["cpu_percent"] == 100.0
