"""`make run` end to end: the demo serves the sample site, starts the daemon on ./var and
runs the sample job; scrapedctl with NO flags, run in the checkout, finds that demo's
socket (./var/control.sock) and sees every question of the site arrive.

Two checkouts (two folders) run their demos side by side, each with its own socket,
state and site port; a second `make run` in the same folder keeps the port and adds no
second demo job. $XDG_RUNTIME_DIR and $RUNTIME_DIRECTORY point at a folder the demo must
leave alone: it never binds the default (production) socket path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.daemon_harness import REPO

EXPECTED = json.loads((REPO / "scraped/demo/site/EXPECTED.json").read_text())["questions"]


def _env(runtime: str) -> dict[str, str]:
    env = {**os.environ, "RUNTIME_DIRECTORY": runtime, "XDG_RUNTIME_DIR": runtime, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": str(REPO)}
    for key in ("SCRAPED_SOCKET", "NOTIFY_SOCKET", "SCRAPED_CONFIG"):
        env.pop(key, None)
    return env


def _ctl(cwd: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scraped.cli", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


class Demo:
    def __init__(self, cwd: Path, env: dict[str, str]):
        self.cwd, self.env = cwd, env
        cwd.mkdir(parents=True, exist_ok=True)
        self.log_path = cwd / "demo.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Demo:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "scraped.demo"], cwd=self.cwd, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def ctl(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return _ctl(self.cwd, self.env, *argv)

    def wait_questions(self, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        count = None
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.log()
            out = self.ctl("questions", "count", "--bank", "raw", "--json")
            if out.returncode == 0:
                count = json.loads(out.stdout)
                if count["total"] == EXPECTED:
                    return count
            time.sleep(0.5)
        raise AssertionError(f"questions: {count}\n{self.log()}")

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"the demo did not stop\n{self.log()}") from None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.stop()


@pytest.mark.slow
def test_two_checkouts_run_their_demos_side_by_side_and_scrapedctl_finds_its_own(tmp_path):
    runtime = tempfile.mkdtemp(prefix="sd-demo-", dir="/tmp")
    env = _env(runtime)
    a, b = Demo(tmp_path / "a", env), Demo(tmp_path / "b", env)
    try:
        a.start()
        b.start()
        for demo in (a, b):
            assert demo.wait_questions()["total"] == EXPECTED
            status = demo.ctl("status", "--json")  # no flags: ./var/control.sock of this folder
            assert status.returncode in (0, 3), status.stderr
            body = json.loads(status.stdout)
            assert body["socket"] == str(demo.cwd / "var" / "control.sock")
            assert body["state_dir"] == str(demo.cwd / "var")
            assert (demo.cwd / "var" / "scraped.db").exists()
        assert (a.cwd / "var" / "demo.port").read_text() != (b.cwd / "var" / "demo.port").read_text()
        assert os.listdir(runtime) == []  # the default socket directory was never touched
        outside = _ctl(tmp_path, env, "status")  # not in a checkout: the default path, no daemon
        assert outside.returncode == 4 and runtime in outside.stderr
    finally:
        a.close()
        b.close()
    assert a.proc.returncode == 0 and b.proc.returncode == 0, a.log() + b.log()


@pytest.mark.slow
def test_a_second_make_run_keeps_the_port_and_adds_no_demo_job(tmp_path):
    runtime = tempfile.mkdtemp(prefix="sd-demo-", dir="/tmp")
    env = _env(runtime)
    demo = Demo(tmp_path / "checkout", env)
    try:
        demo.start().wait_questions()
        port = (demo.cwd / "var" / "demo.port").read_text()
        first = json.loads(demo.ctl("jobs", "list", "--json").stdout)["jobs"]
        assert [j["name"] for j in first] == ["demo-sample-site"]
        assert demo.stop() == 0

        demo.start().wait_questions()
        deadline = time.monotonic() + 30
        while "demo: sample job" not in demo.log() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (demo.cwd / "var" / "demo.port").read_text() == port
        again = json.loads(demo.ctl("jobs", "list", "--json").stdout)["jobs"]
        assert [j["id"] for j in again] == [first[0]["id"]], again  # the same job, no second one
        assert f"sample job {first[0]['id']}" in demo.log().split("demo: serving")[-1]
    finally:
        demo.close()


@pytest.mark.slow
def test_with_scraped_socket_naming_another_daemon_the_demo_says_so_and_leaves_it_alone(tmp_path):
    # $SCRAPED_SOCKET exported for a production daemon: scrapedctl tries it before
    # ./var/control.sock, so the demo's "scrapedctl finds this demo from this folder" was
    # false there and its printed commands went to the other daemon.
    from tests.daemon_harness import DaemonProcess

    runtime = tempfile.mkdtemp(prefix="sd-demo-", dir="/tmp")
    with DaemonProcess(tmp_path / "other") as other:
        env = {**_env(runtime), "SCRAPED_SOCKET": str(other.socket_path)}
        demo = Demo(tmp_path / "checkout", env)
        mine = demo.cwd / "var" / "control.sock"
        try:
            demo.start()
            deadline = time.monotonic() + 60
            while "demo: sample job" not in demo.log() and time.monotonic() < deadline:
                assert demo.proc is not None and demo.proc.poll() is None, demo.log()
                time.sleep(0.2)
            log = demo.log()
            assert f"WARNING: $SCRAPED_SOCKET is set ({other.socket_path})" in log, log
            assert f"scrapedctl --socket {mine} jobs watch " in log, log  # commands that reach the demo
            status = demo.ctl("--socket", str(mine), "status", "--json")
            assert json.loads(status.stdout)["state_dir"] == str(demo.cwd / "var"), status.stderr
        finally:
            demo.close()
        assert other.call("jobs.list")["jobs"] == []  # the other daemon got no demo job
        assert other.call("hello")["server"] == "scraped"
