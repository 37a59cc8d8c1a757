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
        assert second.proc.wait(20) == 75  # EX_TEMPFAIL: another instance holds it
        assert "another scraped" in second.log() and "Traceback" not in second.log()
        assert second.log().strip().splitlines()[-1] == (
            f"scraped: cannot start: another scraped is running on {first.socket_path} (its lock is held)")
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
        assert d.proc.wait(20) == 73  # EX_CANTCREAT
        assert d.socket_path.read_text() == "precious"
        assert "not a socket" in d.log()
    finally:
        d.close()


def test_invalid_config_at_start_exits_78_with_the_reason(tmp_path):
    d = DaemonProcess(tmp_path)
    try:
        d.write_config("[store]\nthreads = 'many'\n")
        d.start(wait=False)
        assert d.proc.wait(20) == 78  # EX_CONFIG
        assert "store.threads: expected an integer" in d.log()
        assert len(d.log().strip().splitlines()) == 1
    finally:
        d.close()


def test_socket_mode_is_0660_by_default(tmp_path):
    with DaemonProcess(tmp_path) as d:
        assert oct(os.stat(d.socket_path).st_mode & 0o777) == "0o660"


def test_cli_says_clearly_when_the_daemon_is_not_running(tmp_path):
    out = subprocess.run([sys.executable, "-m", "scraped.cli", "--socket", str(tmp_path / "none.sock"),
                          "status"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 4  # `status` and `health` say down (README: 4 down)
    assert out.stderr.strip() == f"scrapedctl: scraped is not running: no socket at {tmp_path / 'none.sock'}"
    other = subprocess.run([sys.executable, "-m", "scraped.cli", "--socket", str(tmp_path / "none.sock"),
                            "jobs", "list"], capture_output=True, text=True, cwd=REPO)
    assert other.returncode == 69
    with pytest.raises(DaemonUnreachable):
        Client(tmp_path / "none.sock").connect()


def test_cli_reports_refused_connections_on_a_dead_socket(tmp_path):
    path = tmp_path / "dead.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()
    out = subprocess.run([sys.executable, "-m", "scraped.cli", "--socket", str(path), "status"],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 4 and "refuses connections" in out.stderr


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


# ---------------------------------------------------------------- one daemon per state directory


def _run_second(first: DaemonProcess, tmp_path, notify: bool = False):
    """Start `scraped` on the first daemon's state dir (its own socket) and wait for it."""
    second = DaemonProcess(tmp_path / "second", notify=notify)
    second.config["daemon"]["state_dir"] = str(first.state_dir)
    second.write_config(second.config)
    out = subprocess.run([sys.executable, "-m", "scraped.daemon", "--config", str(second.config_path)],
                         cwd=REPO, env=second.env, capture_output=True, text=True, timeout=30)
    return second, out


@pytest.mark.slow
def test_a_second_daemon_on_the_same_state_dir_exits_at_once_and_leaves_running_jobs_alone(tmp_path):
    from tests.engine_site import DAEMON_ENGINE, Site

    # A slow site keeps the first daemon's job RUNNING while the second one tries to start.
    with Site(pages=300, delay=1.0) as site, \
            DaemonProcess(tmp_path / "first", config={"engine": DAEMON_ENGINE}) as first:
        job = first.call("jobs.submit", spec=site.spec("long-running"))["job"]
        first.wait_until(lambda: first.call("jobs.show", id=job["id"])["status"] == "RUNNING")
        before = first.call("jobs.show", id=job["id"])["history"]
        second, out = _run_second(first, tmp_path, notify=True)
        try:
            assert out.returncode == 75, out.stderr  # EX_TEMPFAIL
            assert out.stderr == (f"scraped: cannot start: another scraped (pid {first.proc.pid}) is "
                                  f"running on state directory {first.state_dir}\n")
            assert out.stdout == ""
            assert not second.socket_path.exists()  # it stopped before binding anything
            msg = second.notify.wait_for("ERRNO=")
            assert second.notify.messages[msg] == (
                f"STATUS=cannot start: another scraped (pid {first.proc.pid}) is running on state "
                f"directory {first.state_dir}\nERRNO=16")  # EBUSY
        finally:
            second.close()
        after = first.call("jobs.show", id=job["id"])
        assert after["status"] == "RUNNING"
        assert after["history"] == before  # no INTERRUPTED -> QUEUED -> RUNNING from a "recovery"
        assert first.call("hello")["server"] == "scraped"
        assert first.call("jobs.stop", id=job["id"])


@pytest.mark.slow
def test_the_state_dir_lock_is_released_by_kill_9(tmp_path):
    d = DaemonProcess(tmp_path).start()
    try:
        d.kill()
        assert (d.state_dir / "scraped.lock").exists()
        d.start()  # the kernel dropped the flock with the process
        assert d.call("hello")["server"] == "scraped"
    finally:
        d.close()


@pytest.mark.slow
def test_a_start_up_failure_inside_the_nursery_is_one_line_and_a_notice_to_systemd(tmp_path):
    # The socket conflict is raised by the control server inside the root nursery, so it
    # arrives as an ExceptionGroup: still one clean line, EX_TEMPFAIL and STATUS=/ERRNO=.
    with DaemonProcess(tmp_path / "a") as first:
        second = DaemonProcess(tmp_path / "b", notify=True)
        second.config["daemon"]["socket"] = str(first.socket_path)
        second.config["daemon"]["log_level"] = "warning"
        second.write_config(second.config)
        try:
            out = subprocess.run([sys.executable, "-m", "scraped.daemon", "--config",
                                  str(second.config_path)],
                                 cwd=REPO, env=second.env, capture_output=True, text=True, timeout=30)
            assert out.returncode == 75
            assert out.stderr == (f"scraped: cannot start: another scraped is running on "
                                  f"{first.socket_path} (its lock is held)\n")
            msg = second.notify.wait_for("ERRNO=")
            assert second.notify.messages[msg].startswith("STATUS=cannot start: another scraped is running")
            assert second.notify.messages[msg].endswith("\nERRNO=16")
            assert not any("READY=1" in m for m in second.notify.messages)
        finally:
            second.close()
        assert first.call("hello")["server"] == "scraped"


def test_log_file_is_honoured_in_the_foreground(tmp_path):
    d = DaemonProcess(tmp_path)
    log_file = tmp_path / "logs" / "scraped.log"
    try:
        d.start(args=("--log-file", str(log_file)))
        d.stop()
        text = log_file.read_text()
        assert "ready" in text and "scraped stopped" in text
        assert "ready" not in d.log()  # stderr stayed quiet
    finally:
        d.close()


def test_the_daemon_binds_scraped_socket_from_the_environment(tmp_path):
    d = DaemonProcess(tmp_path)
    env_socket = d.rundir / "from-env.sock"
    del d.config["daemon"]["socket"]
    d.write_config(d.config)
    d.env["SCRAPED_SOCKET"] = str(env_socket)
    d.socket_path = env_socket  # the harness's client follows
    try:
        d.start()
        assert d.call("status")["socket"] == str(env_socket)
    finally:
        d.close()


def test_usage_errors_exit_64(tmp_path):
    out = subprocess.run([sys.executable, "-m", "scraped.daemon", "--bogus"], capture_output=True,
                         text=True, cwd=REPO)
    assert out.returncode == 64 and "unrecognized arguments: --bogus" in out.stderr
    help_text = subprocess.run([sys.executable, "-m", "scraped.daemon", "--help"], capture_output=True,
                               text=True, cwd=REPO).stdout
    assert "scraped extract PAGE [--rules FILE]" in " ".join(help_text.split())


@pytest.mark.slow
def test_a_socket_that_cannot_be_used_fails_the_start_before_any_job_is_recovered(tmp_path):
    """The socket is bound before the store opens: a start that fails on it leaves a crashed
    daemon's RUNNING job as it was, for the next good start to recover once (found by the
    issue-12 audit: the engine had already taken the job for a crashed one, then the start failed)."""
    from tests.engine_site import DAEMON_ENGINE, Site

    def interruptions(history) -> int:
        return sum(entry.get("to") == "INTERRUPTED" for entry in history)

    with Site(pages=300, delay=1.0) as site, DaemonProcess(tmp_path / "other") as other:
        d = DaemonProcess(tmp_path / "a", config={"engine": DAEMON_ENGINE}, notify=True).start()
        try:
            job = d.call("jobs.submit", spec=site.spec("crashed"))["job"]
            d.wait_until(lambda: d.call("jobs.show", id=job["id"])["status"] == "RUNNING")
            d.kill()  # the job stays RUNNING in the store, as after a crash
            good_socket = d.config["daemon"].get("socket")
            d.config["daemon"]["socket"] = str(other.socket_path)  # in use by a live daemon
            d.write_config(d.config)
            out = subprocess.run([sys.executable, "-m", "scraped.daemon", "--config", str(d.config_path)],
                                 cwd=REPO, env=d.env, capture_output=True, text=True, timeout=60)
            assert out.returncode == 75, out.stderr
            assert out.stderr.count("\n") == 1 and "another scraped is running on" in out.stderr
            if good_socket is None:
                del d.config["daemon"]["socket"]
            else:
                d.config["daemon"]["socket"] = good_socket
            d.write_config(d.config)
            d.start()
            history = d.call("jobs.show", id=job["id"])["history"]
            assert interruptions(history) == 1, history  # the good start's recovery only
            d.call("jobs.stop", id=job["id"])
        finally:
            d.close()
