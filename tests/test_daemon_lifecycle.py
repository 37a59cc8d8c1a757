"""The real daemon as a subprocess: readiness, sd_notify, reload, stop, one per socket."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from scraped.client import Client, DaemonUnreachable
from scraped.errors import BadRequest
from tests.daemon_harness import REPO, DaemonProcess


def test_status_over_the_socket_and_cli(tmp_path):
    with DaemonProcess(tmp_path) as d:
        status = d.call("status")
        assert status["pid"] == d.proc.pid and status["store"] == "sqlite"
        assert status["components"]["database"]["status"] == "healthy"
        out = d.ctl("status", "--json")
        assert out.returncode == 0, out.stderr
        assert '"store": "sqlite"' in out.stdout
        human = d.ctl("status")
        assert "health" in human.stdout and human.returncode == 0


def test_notify_sequence_ready_watchdog_reload_stopping(tmp_path):
    d = DaemonProcess(tmp_path, notify=True, watchdog_usec=400_000)
    try:
        d.start()
        n = d.notify
        ready = n.wait_for("READY=1")
        n.wait_for("WATCHDOG=1", after=ready)
        d.send_signal(signal.SIGHUP)
        reloading = n.wait_for("RELOADING=1", after=ready + 1)
        assert "MONOTONIC_USEC=" in n.messages[reloading]
        n.wait_for("READY=1", after=reloading + 1)
        assert d.stop() == 0
        n.wait_for("STOPPING=1")
        # Nothing said READY before the socket answered: the first READY follows STATUS lines.
        assert any(m.startswith("STATUS=") for m in n.messages[:ready])
    finally:
        d.close()


def test_sighup_applies_a_valid_change_and_keeps_the_old_config_on_a_broken_file(tmp_path):
    with DaemonProcess(tmp_path) as d:
        assert d.call("config.show")["config"]["daemon"]["log_level"] == "info"
        d.config["daemon"]["log_level"] = "debug"
        d.config["daemon"]["max_connections"] = 7  # needs a restart
        d.write_config(d.config)
        result = d.call("config.reload")
        assert "daemon.log_level" in result["applied"]
        assert result["restart_needed"] == ["daemon.max_connections"]
        assert d.call("config.show")["config"]["daemon"]["log_level"] == "debug"

        d.write_config('[daemon]\nsocket = "x"\nlog_level = "loud"\nbogus = 1\n')
        with pytest.raises(BadRequest) as err:
            d.call("config.reload")
        assert "daemon.log_level" in str(err.value) and "daemon.bogus: unknown key" in str(err.value)
        d.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert d.call("config.show")["config"]["daemon"]["log_level"] == "debug"
        assert "reload refused" in d.log()


def test_sigterm_exits_zero_within_the_bound(tmp_path):
    d = DaemonProcess(tmp_path).start()
    try:
        start = time.monotonic()
        assert d.stop(signal.SIGTERM, timeout=10) == 0
        assert time.monotonic() - start < 10
        assert not d.socket_path.exists()
    finally:
        d.close()


def test_sigint_exits_zero(tmp_path):
    d = DaemonProcess(tmp_path).start()
    try:
        assert d.stop(signal.SIGINT) == 0
    finally:
        d.close()


def test_second_daemon_on_the_same_socket_refuses_to_start(tmp_path):
    with DaemonProcess(tmp_path / "a") as first:
        second = DaemonProcess(tmp_path / "b")
        second.config["daemon"]["socket"] = str(first.socket_path)
        second.write_config(second.config)
        second.start(wait=False)
        assert second.proc.wait(20) == 1
        assert "another scraped" in second.log()
        assert first.call("hello")["server"] == "scraped"
        second.close()


def test_stale_socket_from_a_killed_daemon_is_reclaimed(tmp_path):
    d = DaemonProcess(tmp_path).start()
    try:
        d.kill()
        assert d.socket_path.exists()  # left behind by kill -9
        d.start()
        assert d.call("hello")["server"] == "scraped"
    finally:
        d.close()


def test_a_regular_file_at_the_socket_path_is_not_deleted(tmp_path):
    d = DaemonProcess(tmp_path)
    try:
        d.socket_path.write_text("precious")
        d.start(wait=False)
        assert d.proc.wait(20) == 1
        assert d.socket_path.read_text() == "precious"
        assert "not a socket" in d.log()
    finally:
        d.close()


def test_invalid_config_at_start_exits_one_with_the_reason(tmp_path):
    d = DaemonProcess(tmp_path)
    try:
        d.write_config("[store]\nthreads = 'many'\n")
        d.start(wait=False)
        assert d.proc.wait(20) == 1
        assert "store.threads: expected an integer" in d.log()
    finally:
        d.close()


def test_socket_mode_is_0660_by_default(tmp_path):
    with DaemonProcess(tmp_path) as d:
        assert oct(os.stat(d.socket_path).st_mode & 0o777) == "0o660"


def test_cli_says_clearly_when_the_daemon_is_not_running(tmp_path):
    out = subprocess.run([sys.executable, "-m", "scraped.cli", "--socket", str(tmp_path / "none.sock"),
                          "status"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 69
    assert out.stderr.strip() == f"scrapedctl: scraped is not running: no socket at {tmp_path / 'none.sock'}"
    with pytest.raises(DaemonUnreachable):
        Client(tmp_path / "none.sock").connect()


def test_cli_reports_refused_connections_on_a_dead_socket(tmp_path):
    path = tmp_path / "dead.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()
    out = subprocess.run([sys.executable, "-m", "scraped.cli", "--socket", str(path), "status"],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 69 and "refuses connections" in out.stderr


def test_daemonize_writes_a_pidfile_and_stops_on_sigterm(tmp_path):
    d = DaemonProcess(tmp_path)
    pidfile = d.rundir / "scraped.pid"
    try:
        out = subprocess.run([sys.executable, "-m", "scraped.daemon", "--config", str(d.config_path),
                              "--daemonize", "--pidfile", str(pidfile), "--log-file", str(d.log_path)],
                             cwd=REPO, env=d.env, capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        d.wait_ready()
        pid = int(pidfile.read_text().strip())
        assert d.call("status")["pid"] == pid
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pidfile.exists(), d.log()
    finally:
        d.close()
