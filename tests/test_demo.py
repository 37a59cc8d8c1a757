"""`make run` end to end: the demo serves the sample site, starts the daemon on ./var and
runs the sample job; scrapedctl with NO flags finds the daemon (the same default socket
path function on both sides) and sees every question of the site arrive."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from tests.daemon_harness import REPO

EXPECTED = json.loads((REPO / "scraped/demo/site/EXPECTED.json").read_text())["questions"]


def test_make_run_demo_then_scrapedctl_without_flags(tmp_path):
    rundir = tempfile.mkdtemp(prefix="sd-demo-", dir="/tmp")
    env = {**os.environ, "RUNTIME_DIRECTORY": rundir, "PYTHONUNBUFFERED": "1"}
    for key in ("SCRAPED_SOCKET", "NOTIFY_SOCKET", "SCRAPED_CONFIG"):
        env.pop(key, None)
    log = open(tmp_path / "demo.log", "wb")
    demo = subprocess.Popen([sys.executable, "-m", "scraped.demo"], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        count = None
        while time.monotonic() < deadline:
            out = subprocess.run([sys.executable, "-m", "scraped.cli", "questions", "count", "--json"],
                                 cwd=tmp_path, env=env, capture_output=True, text=True)
            if out.returncode == 0:
                count = json.loads(out.stdout)
                total = count["total"]
                if total == EXPECTED:
                    break
            time.sleep(0.5)
        assert count is not None, (tmp_path / "demo.log").read_text()
        total = count["total"]
        assert total == EXPECTED, count
        assert (tmp_path / "var" / "scraped.db").exists()
        status = subprocess.run([sys.executable, "-m", "scraped.cli", "status"], cwd=tmp_path, env=env,
                                capture_output=True, text=True)
        assert status.returncode in (0, 3), status.stderr
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(30)
        except subprocess.TimeoutExpired:
            demo.kill()
        log.close()
    assert demo.returncode == 0, (tmp_path / "demo.log").read_text()
