"""scrapedctl's parser comes from the command table; exit statuses per error class."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scraped.api import all_commands
from scraped.cli import EXIT, build_parser
from scraped.errors import ERROR_CODES
from tests.daemon_harness import REPO, DaemonProcess


def test_every_declared_command_has_a_sub_command():
    parser = build_parser()
    for name, cmd in all_commands().items():
        argv = name.split(".")
        for arg in cmd.args:
            if arg.required:
                argv += ([] if arg.positional else [f"--{arg.name.replace('_', '-')}"]) + \
                        [str(arg.choices[0]) if arg.choices else ("1" if arg.type in ("int", "float") else "x")]
        ns = parser.parse_args(argv)
        assert ns is not None, name


def test_every_error_code_has_an_exit_status():
    assert set(EXIT) == set(ERROR_CODES)
    assert len(set(EXIT.values()) - {75}) >= 6


def test_global_options_before_or_after_the_sub_command():
    parser = build_parser()
    assert parser.parse_args(["--json", "status"]).json is True
    assert parser.parse_args(["status", "--json"]).json is True
    assert parser.parse_args(["health", "database", "--socket", "/x"]).socket == "/x"


def test_usage_errors_exit_2_without_a_daemon():
    out = subprocess.run([sys.executable, "-m", "scraped.cli", "nonsense"], capture_output=True,
                         text=True, cwd=REPO)
    assert out.returncode == 2 and "invalid choice" in out.stderr


def test_health_exit_status_and_json(tmp_path):
    with DaemonProcess(tmp_path) as d:
        ok = d.ctl("health")
        assert ok.returncode == 0 and "database" in ok.stdout
        comp = d.ctl("health", "database", "--json")
        assert comp.returncode == 0 and '"component": "database"' in comp.stdout
        bad = d.ctl("health", "kitchen")
        assert bad.returncode == 2  # argparse knows the components


@pytest.mark.parametrize("argv", [["hello"], ["config", "show"]])
def test_human_output_renders(tmp_path, argv):
    with DaemonProcess(tmp_path) as d:
        out = d.ctl(*argv)
        assert out.returncode == 0 and out.stdout.strip()
