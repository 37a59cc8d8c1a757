"""Which daemon `scrapedctl` with no --socket talks to, run in a `make run` checkout.

Two real daemons: one on the default socket path (what production is: $RUNTIME_DIRECTORY
points the default at a folder of this test) and one on a checkout's var/control.sock,
whose var/scraped.toml the demo wrote. Before, scrapedctl looked only at ./var/control.sock
of the current folder, so from the checkout's docs/ folder, or in a checkout whose demo
was stopped, `scrapedctl restore NAME --yes` reached the production daemon without a word.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from scraped.paths import DEMO_MARKER
from tests.daemon_harness import REPO, DaemonProcess


def _status(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scraped.cli", "status", "--json"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def _checkout(root: Path, marker: bool = True) -> Path:
    (root / "var").mkdir(parents=True)
    (root / "docs").mkdir()
    first = f"{DEMO_MARKER}; safe to delete" if marker else "# my own config"
    (root / "var" / "scraped.toml").write_text(f"{first}\n[daemon]\n")
    return root


@pytest.mark.slow  # two daemons
def test_scrapedctl_finds_its_checkouts_demo_up_or_down_and_never_the_default_daemon(tmp_path):
    rundir = Path(tempfile.mkdtemp(prefix="sd-rt-", dir="/tmp"))
    checkout = _checkout(Path(tempfile.mkdtemp(prefix="sd-co-", dir="/tmp")))
    production = DaemonProcess(tmp_path / "production")
    production.config["daemon"]["socket"] = str(rundir / "control.sock")  # the default path below
    production.write_config(production.config)
    production.socket_path = rundir / "control.sock"
    demo = DaemonProcess(tmp_path / "demo")
    demo.config["daemon"]["socket"] = str(checkout / "var" / "control.sock")
    demo.write_config(demo.config)
    demo.socket_path = checkout / "var" / "control.sock"
    env = {**production.env, "RUNTIME_DIRECTORY": str(rundir)}
    try:
        production.start()
        outside = _status(tmp_path, env)  # not in a checkout: the default path
        assert json.loads(outside.stdout)["socket"] == str(rundir / "control.sock"), outside.stderr

        # The demo is stopped: say so, do not fall through to the default daemon.
        for where in (checkout, checkout / "docs"):
            down = _status(where, env)
            assert down.returncode == 4, down.stdout
            assert down.stderr.strip() == (f"scrapedctl: scraped is not running: no socket at "
                                           f"{checkout / 'var' / 'control.sock'}")
        demo.start()
        for where in (checkout, checkout / "docs"):
            up = _status(where, env)
            assert json.loads(up.stdout)["socket"] == str(checkout / "var" / "control.sock"), up.stderr
        assert production.call("jobs.list")["jobs"] == []
    finally:
        demo.close()
        production.close()
        shutil.rmtree(checkout, ignore_errors=True)
        shutil.rmtree(rundir, ignore_errors=True)


def test_a_var_scraped_toml_the_demo_did_not_write_is_no_checkout(tmp_path):
    rundir = Path(tempfile.mkdtemp(prefix="sd-rt-", dir="/tmp"))
    folder = _checkout(tmp_path / "mine", marker=False)
    env = {k: v for k, v in os.environ.items() if k != "SCRAPED_SOCKET"}
    env["RUNTIME_DIRECTORY"] = str(rundir)
    out = _status(folder / "docs", env)
    assert out.returncode == 4 and str(rundir / "control.sock") in out.stderr, out.stderr
    shutil.rmtree(rundir, ignore_errors=True)


def test_scrapedctl_help_says_where_it_looks():
    out = subprocess.run([sys.executable, "-m", "scraped.cli", "--help"], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert "demo whose checkout this folder is in" in " ".join(out.stdout.split())
