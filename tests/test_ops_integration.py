"""A real daemon answers every ops command over its socket, scrapedctl renders each, and
the state survives a restart (checkpoint on SIGTERM, load at start)."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import struct
import subprocess
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from scraped import errors
from scraped.api.ops import COMMANDS
from tests.daemon_harness import DaemonProcess

FAST = {"ops": {"metrics": {"interval": 0.5},
                "schedule": {"metrics_persist": "every 1s", "monitors": "every 1s", "textfile": "every 1s"}}}


@pytest.fixture
def daemon(tmp_path):
    config = {"ops": {**FAST["ops"], "metrics": {"interval": 0.5, "textfile": str(tmp_path / "scraped.prom")}}}
    with DaemonProcess(tmp_path, config=config) as d:
        yield d


def test_every_ops_command_over_the_socket(daemon):
    d = daemon
    m = d.call("metrics")
    for key in ("cpu_percent", "memory_percent", "disk_percent", "rss", "open_fds", "threads", "loop_lag_ms",
                "error_rate_1h"):
        assert key in m, key
    families = {f.name for f in text_string_to_metric_families(d.call("metrics", prometheus=True))}
    assert {"scraped_up", "scraped_cpu_percent", "scraped_operation_duration_seconds"} <= families

    assert d.call("errors.capture", message="High CPU usage detected: 91.5%", category="system",
                  severity="high", context={"cpu_percent": 91.5, "threshold": 85})["captured"]
    stats = d.call("errors.stats")
    assert stats["total_occurrences"] >= 1 and stats["category_breakdown"]["system"] >= 1
    assert set(stats) >= {"total_unique_errors", "total_occurrences", "error_rate_1h", "severity_breakdown",
                          "category_breakdown"}
    dash = d.call("errors.dashboard")
    assert any(e["message"] == "High CPU usage detected: 91.5%" for e in dash["top_errors"])
    assert dash["statistics"]["total_occurrences"] == stats["total_occurrences"]

    perf = d.call("perf")
    row = perf["performance_metrics"]["cmd:errors.stats"]
    assert {"average_duration_ms", "count", "error_rate", "total_errors", "p99_ms"} <= set(row)

    mine = {"metrics_persist", "monitors", "textfile"}
    d.wait_until(lambda: all(t["runs"] for t in d.call("scheduler.list")["tasks"] if t["name"] in mine))
    tasks = {t["name"]: t for t in d.call("scheduler.list")["tasks"]}
    assert {"metrics_persist", "monitors", "textfile"} <= set(tasks)
    assert tasks["textfile"]["outcome"] == "ok" and tasks["monitors"]["next_run_at"]
    assert d.call("scheduler.run", name="monitors")["outcome"] == "ok"
    with pytest.raises(errors.NotFound):
        d.call("scheduler.run", name="no-such-task")

    assert d.call("metrics.history", hours=1)["hours"] == 1
    cap = d.call("capacity")
    assert cap["cpu"]["average"] is not None and "recommendation" in cap["vertical"]
    mon = d.call("monitors")
    assert {m["monitor"] for m in mon["monitors"]} >= {"cpu", "memory", "disk", "error_rate"}
    assert mon["adaptive"]["enabled"] is True
    assert d.call("ops.status")["sampler"]["samples"] >= 1

    health = d.call("health")["components"]
    assert health["disk"]["status"] in ("healthy", "degraded") and health["scheduler"]["status"] == "healthy"
    assert d.call("health", component="scheduler")["component"] == "scheduler"

    prom = d.tmp_path / "scraped.prom"
    d.wait_until(prom.exists)
    assert "scraped_up 1" in prom.read_text()

    declared = {c.name for c in COMMANDS}
    answered = set(d.call("perf", prefix="cmd:")["performance_metrics"])
    assert {f"cmd:{n}" for n in declared} - answered == {"cmd:security.events"}  # asked below
    assert "events" in d.call("security.events")


def test_bad_frames_are_security_events(daemon):
    d = daemon
    for payload in (struct.pack(">I", 2**31) + b"x", struct.pack(">I", 3) + b"\xc1\xc1\xc1"):
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(d.socket_path))
            s.sendall(payload)
            s.settimeout(5)
            try:
                s.recv(4096)
            except (TimeoutError, ConnectionResetError):
                pass
    def stored() -> dict | None:  # aggregated: one row per peer, kind and minute, with a count
        r = d.call("security.events", kind="bad_frame")
        return r if sum(e["count"] for e in r["events"]) >= 2 else None

    events = d.wait_until(stored)
    assert events["events"][0]["kind"] == "bad_frame" and "peer_pid" in events["events"][0]
    assert events["counts_since_start"]["bad_frame"] >= 2
    assert any(e["category"] == "security" for e in d.call("errors.dashboard")["top_errors"])


def test_scrapedctl_renders_every_ops_command(daemon):
    d = daemon
    d.wait_until(lambda: any(t["runs"] for t in d.call("scheduler.list")["tasks"]))
    for argv in (["metrics"], ["metrics", "history", "--hours", "1"], ["errors", "stats"],
                 ["errors", "dashboard"], ["perf"], ["scheduler", "list"], ["security", "events"],
                 ["capacity"], ["monitors"], ["ops", "status"], ["scheduler", "run", "textfile"]):
        out = d.ctl(*argv)
        assert out.returncode == 0, (argv, out.stderr)
        assert out.stdout.strip(), argv
    assert "cpu_percent" in d.ctl("metrics").stdout
    assert "TRIGGER" in d.ctl("scheduler", "list").stdout
    prom = d.ctl("metrics", "--prometheus")
    assert prom.stdout.startswith("# HELP scraped_up")
    raw = json.loads(d.ctl("perf", "--json").stdout)  # for jq
    assert "performance_metrics" in raw and "total_endpoints" in raw
    assert d.ctl("errors", "capture", "--message", "disk nearly full", "--severity", "critical",
                 "--category", "system", "--context", '{"disk_percent": 97}').returncode == 0
    assert d.ctl("errors", "capture", "--message", "x", "--severity", "bogus").returncode != 0


def test_reload_reschedules_and_state_survives_a_restart(tmp_path):
    with DaemonProcess(tmp_path, config=FAST) as d:
        d.wait_until(lambda: d.call("ops.status")["sampler"]["samples"] >= 3)
        d.call("errors.capture", message="remember me", severity="high")
        config = {**d.config, "ops": {**FAST["ops"], "schedule": {**FAST["ops"]["schedule"],
                                                                  "monitors": "*/5 * * * *", "textfile": "off"}}}
        d.write_config(config)
        d.send_signal(signal.SIGHUP)
        tasks = d.wait_until(lambda: (t := {x["name"]: x for x in d.call("scheduler.list")["tasks"]})
                             and t["monitors"]["trigger"] == "*/5 * * * *" and t)
        assert tasks["textfile"]["enabled"] is False and tasks["textfile"]["next_run_at"] is None
        assert d.stop() == 0  # checkpoint: errors and the current minute's metrics are written
        d.start()
        stats = d.call("errors.stats")
        assert stats["total_occurrences"] >= 1
        assert any(e["message"] == "remember me" for e in d.call("errors.dashboard")["top_errors"])
        history = d.call("metrics.history", hours=1)
        assert history["count"] >= 1 and history["metrics"][0]["cpu_percent"] is not None


@pytest.mark.skipif(not shutil.which("prometheus-node-exporter"),
                    reason="Debian's prometheus-node-exporter is not installed")
def test_node_exporter_reads_the_textfile(tmp_path):
    """The real node_exporter (Debian's) collects our textfile without a scrape error."""
    textfiles = tmp_path / "textfile"
    textfiles.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = {"ops": {"metrics": {"interval": 0.5, "textfile": str(textfiles / "scraped.prom")},
                      "schedule": {"textfile": "every 1s"}}}
    with DaemonProcess(tmp_path, config=config) as d:
        d.wait_until((textfiles / "scraped.prom").exists)
        exporter = subprocess.Popen(["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{port}",
                                     f"--collector.textfile.directory={textfiles}", "--collector.disable-defaults",
                                     "--collector.textfile"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def scrape():
                try:
                    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
                except OSError:
                    return None
            body = d.wait_until(scrape, timeout=15)
        finally:
            exporter.terminate()
            exporter.wait(10)
    samples = {s.name: s.value for f in text_string_to_metric_families(body) for s in f.samples}
    assert samples["node_textfile_scrape_error"] == 0 and samples["scraped_up"] == 1
