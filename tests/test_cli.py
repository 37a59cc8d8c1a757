"""scrapedctl's parser comes from the command table; exit statuses per error class."""

from __future__ import annotations

import json
import os
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


def _ctl(*argv: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scraped.cli", *argv], capture_output=True, text=True,
                          cwd=REPO, **kw)


def test_usage_errors_exit_64_without_a_daemon():
    out = _ctl("nonsense")
    assert out.returncode == 64 and "invalid choice" in out.stderr and out.stdout == ""
    assert _ctl("jobs", "show").returncode == 64  # a missing positional
    assert _ctl("questions", "list", "--limit", "many").returncode == 64  # a bad int


def test_usage_errors_with_json_print_a_json_error_object():
    out = _ctl("nonsense", "--json")
    assert out.returncode == 64
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "usage" and error["exit"] == 64 and "nonsense" in error["message"]


def _help_argvs() -> list[list[str]]:
    names = set()
    for name in all_commands():
        parts = name.split(".")
        names.update(tuple(parts[:i]) for i in range(1, len(parts) + 1))
    return [[*parts, "--help"] for parts in sorted(names)]


def test_every_command_and_group_has_a_help_that_renders():
    # In-process (one interpreter, not ~80): argparse %-formats help texts, so a bare "%"
    # in a declaration ("50%") crashed `scrapedctl ai --help`.
    import contextlib
    import io

    for argv in [["--help"], *_help_argvs()]:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), pytest.raises(SystemExit) as done:
            build_parser().parse_args(argv)
        assert done.value.code == 0, argv
        assert "usage: scrapedctl" in buf.getvalue(), argv
    assert _ctl("ai", "--help").returncode == 0
    assert "50%" in _ctl("ai", "feedback", "--help").stdout or "50%" in _ctl("ai", "--help").stdout


def test_daemon_down_health_and_status_exit_4_others_69_and_json_errors(tmp_path):
    sock = str(tmp_path / "none.sock")
    for argv in (["health"], ["health", "database"], ["status"]):
        out = _ctl("--socket", sock, *argv, "--json")
        assert out.returncode == 4, argv
        body = json.loads(out.stdout)
        assert body["status"] == "down" and body["error"]["code"] == "unavailable"
        assert body["error"]["exit"] == 4 and "not running" in body["error"]["message"]
    out = _ctl("--socket", sock, "jobs", "list", "--json")
    assert out.returncode == 69 and json.loads(out.stdout)["error"]["exit"] == 69
    plain = _ctl("--socket", sock, "jobs", "list")
    assert plain.stdout == "" and plain.stderr.startswith("scrapedctl: scraped is not running")


def test_health_exit_status_and_json(tmp_path):
    with DaemonProcess(tmp_path) as d:
        ok = d.ctl("health")
        assert ok.returncode == 0 and "database" in ok.stdout
        comp = d.ctl("health", "database", "--json")
        assert comp.returncode == 0 and '"component": "database"' in comp.stdout
        bad = d.ctl("health", "kitchen")
        assert bad.returncode == 64  # argparse knows the components
        for component in ("system", "backups", "disk", "scheduler"):
            out = d.ctl("health", component, "--json")
            assert out.returncode in (0, 3, 4), (component, out.stderr)
            assert json.loads(out.stdout)["component"] == component


@pytest.mark.parametrize("argv", [["hello"], ["config", "show"]])
def test_human_output_renders(tmp_path, argv):
    with DaemonProcess(tmp_path) as d:
        out = d.ctl(*argv)
        assert out.returncode == 0 and out.stdout.strip()


def test_errors_from_the_daemon_with_json_are_a_json_object_on_stdout(tmp_path):
    with DaemonProcess(tmp_path) as d:
        out = d.ctl("jobs", "show", "no-such-job", "--json")
        assert out.returncode == 66
        error = json.loads(out.stdout)["error"]
        assert error == {"code": "not_found", "message": error["message"], "exit": 66}
        assert "no-such-job" in error["message"] and "scrapedctl: jobs show:" in out.stderr


def test_errors_capture_takes_message_as_a_flag(tmp_path):
    with DaemonProcess(tmp_path) as d:
        out = d.ctl("errors", "capture", "--message", "disk nearly full", "--category", "system",
                    "--severity", "high", "--json")
        assert out.returncode == 0, out.stderr
        assert d.ctl("errors", "capture", "--category", "system").returncode == 64  # --message required


def test_a_closed_output_pipe_is_no_traceback(tmp_path):
    with DaemonProcess(tmp_path) as d:
        for argv in (["hello"], ["jobs", "list"], ["--help"], ["config", "show", "--json"]):
            read, write = os.pipe()
            os.close(read)  # the reader (`head`) is gone before the first byte
            try:
                out = subprocess.run([sys.executable, "-m", "scraped.cli", "--socket", str(d.socket_path),
                                      *argv], stdout=write, stderr=subprocess.PIPE, text=True, cwd=REPO)
            finally:
                os.close(write)
            # argparse's own --help swallows the error and exits 0; everything else says 141.
            assert out.returncode == (0 if argv == ["--help"] else 141), (argv, out.stderr)
            assert out.stderr == "", argv


def test_config_show_gives_socket_mode_in_octal(tmp_path):
    with DaemonProcess(tmp_path) as d:
        shown = json.loads(d.ctl("config", "show", "--json").stdout)
        assert shown["config"]["daemon"]["socket_mode"] == "0660"
        human = d.ctl("config", "show").stdout
        assert "0660" in human and "432" not in human


def test_ai_generate_over_max_generate_is_refused_not_capped(tmp_path):
    with DaemonProcess(tmp_path) as d:
        out = d.ctl("ai", "generate", "--count", "500", "--category", "logical")
        assert out.returncode == 65
        assert "--count 500 is over [ai] max_generate = 50" in out.stderr
        assert d.call("questions.count")["total"] == 0  # nothing was generated


def test_memory_verdict_peak_is_critical_even_with_a_high_average():
    from scraped.ops.capacity import memory_verdict

    assert memory_verdict(80, 95)[0] == "critical"
    assert memory_verdict(80, 85)[0] == "warning"
    assert memory_verdict(50, 95)[0] == "critical"
    assert memory_verdict(50, 60)[0] == "ok"
