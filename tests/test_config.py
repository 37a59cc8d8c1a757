"""Config loading: typed, frozen, every problem named by key path; the shipped file is
the generated one; --check-config; secrets from the environment and credentials only."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from scraped.config import (
    Config,
    load_config,
    parse_config,
    render_default_config,
    restart_needed,
    show,
)
from scraped.errors import ConfigError
from scraped.secrets import Secrets
from tests.daemon_harness import REPO


def test_defaults_and_frozen():
    config = Config()
    assert config.daemon.socket_mode == 0o660 and config.store.backend == "sqlite"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.daemon.log_level = "debug"  # type: ignore[misc]


def test_every_problem_is_reported_by_key_path():
    with pytest.raises(ConfigError) as err:
        parse_config({"daemon": {"bogus": 1, "max_frame_bytes": "big", "shutdown_grace": -1,
                                 "admin_uids": [1, "x"]},
                      "store": {"uri": "postgres://x"}, "nonsense": {}})
    problems = err.value.problems
    assert "daemon.bogus: unknown key" in problems
    assert "daemon.max_frame_bytes: expected an integer, got str" in problems
    assert any(p.startswith("daemon.shutdown_grace: must be at least 0, got -1") for p in problems)
    assert "daemon.admin_uids[1]: expected an integer, got str" in problems
    assert any(p.startswith("store.uri:") for p in problems)
    assert "nonsense: unknown key" in problems


@pytest.mark.parametrize("value, ok", [("", True), ("auto", True), ("/usr/bin/mongodump", True),
                                       ("mongodump", False), ("./bin/mongodump", False)])
def test_store_mongodump_is_empty_auto_or_an_absolute_path(value, ok):
    if ok:
        assert parse_config({"store": {"mongodump": value}}).store.mongodump == value
    else:
        with pytest.raises(ConfigError) as err:
            parse_config({"store": {"mongodump": value}})
        assert any(p.startswith("store.mongodump: must be") for p in err.value.problems)


def test_a_table_where_a_value_belongs_and_vice_versa():
    with pytest.raises(ConfigError) as err:
        parse_config({"daemon": "yes", "store": {"threads": {"a": 1}}})
    assert "daemon: expected a table, got str" in err.value.problems
    assert "store.threads: expected an integer, got dict" in err.value.problems


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[daemon\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(binary)


def test_the_shipped_config_is_the_generated_one_and_loads():
    shipped = (REPO / "etc" / "scraped.toml").read_text()
    assert shipped == render_default_config(), (
        "etc/scraped.toml is stale: run `scraped --print-default-config > etc/scraped.toml`")
    assert load_config(REPO / "etc" / "scraped.toml") == Config()


def test_every_key_of_the_shipped_config_is_commented_with_a_help_line():
    lines = render_default_config().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#") and " = " in line and not line.startswith("# "):
            assert lines[i - 1].startswith("# "), f"key without a comment: {line}"


def test_uncommenting_every_default_gives_the_defaults():
    text = "\n".join(
        line[1:] if line.startswith("#") and not line.startswith("# ") and "(unset" not in line
        and not line.startswith("#[[") else line
        for line in render_default_config().splitlines())
    import tomllib

    assert parse_config(tomllib.loads(text)) == Config()


def test_restart_needed_names_only_restart_keys():
    old = Config()
    new = parse_config({"daemon": {"socket": "/x.sock", "log_level": "debug"}})
    assert restart_needed(old, new) == ["daemon.socket"]


def test_check_config_command(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text("[daemon]\nlog_level = 'debug'\n")
    bad = tmp_path / "bad.toml"
    bad.write_text("[daemon]\nlog_level = 'loud'\n[engine]\nnope = 1\n")
    def run(f):
        return subprocess.run([sys.executable, "-m", "scraped.daemon", "--check-config", str(f)],
                              capture_output=True, text=True, cwd=REPO)
    ok = run(good)
    assert ok.returncode == 0 and "ok" in ok.stdout
    fail = run(bad)
    assert fail.returncode == 1
    assert "daemon.log_level" in fail.stderr and "engine.nope: unknown key" in fail.stderr


def test_secrets_come_from_env_and_credentials_and_never_show(tmp_path, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk-env-value-1234")
    (tmp_path / "GEMINI_API_KEY").write_text("gem-cred-value-5678\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("HUGGINGFACE_API_TOKEN", raising=False)
    secrets = Secrets.load()
    assert secrets.get("GROQ_API_KEY") == "gsk-env-value-1234"
    assert secrets.get("GEMINI_API_KEY") == "gem-cred-value-5678"
    assert secrets.configured()["HUGGINGFACE_API_TOKEN"] is False
    assert "gsk-env" not in repr(secrets) and "gem-cred" not in str(secrets)
    assert "gsk-env" not in str(show(Config()))


def test_secrets_are_not_config_keys():
    with pytest.raises(ConfigError, match="unknown key"):
        parse_config({"ai": {"gemini_api_key": "x"}})


def _float_keys(cls, path=""):
    """Every float setting (float or float | None) of a settings dataclass, by key path."""
    import typing

    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp, key = hints[f.name], f"{path}.{f.name}" if path else f.name
        if dataclasses.is_dataclass(tp):
            yield from _float_keys(tp, key)
        elif tp is float or (typing.get_origin(tp) in (typing.Union, __import__("types").UnionType)
                             and float in typing.get_args(tp)):
            yield key


def _nest(key, value):
    out = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return out


FLOAT_KEYS = list(_float_keys(Config))


def test_there_are_float_settings_to_check():
    assert len(FLOAT_KEYS) > 30 and "daemon.idle_timeout" in FLOAT_KEYS and "ops.metrics.interval" in FLOAT_KEYS


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
def test_every_float_setting_refuses_non_finite_values(value):
    # TOML allows nan and inf, and NaN passes every `<` / `>` bound: before, a reload
    # applied `idle_timeout = nan` and every job failed on `write_interval = nan`.
    for key in FLOAT_KEYS:
        with pytest.raises(ConfigError) as err:
            parse_config(_nest(key, value))
        assert f"{key}: must be a finite number, got {value!r}" in err.value.problems, key


def test_every_float_of_a_job_spec_refuses_nan():
    from scraped.engine import spec

    keys = list(_float_keys(spec._Fields))
    assert "politeness.delay" in keys
    for key in keys:
        with pytest.raises(ConfigError) as err:
            spec.from_dict({"name": "j", "start_urls": ["http://a.example/"], **_nest(key, float("nan"))})
        assert any(p.startswith(f"{key}: must be a finite number") for p in err.value.problems), key


def test_check_config_refuses_nan(tmp_path):
    f = tmp_path / "nan.toml"
    f.write_text("[daemon]\nshutdown_grace = nan\n[ops.metrics]\ninterval = inf\n")
    out = subprocess.run([sys.executable, "-m", "scraped.daemon", "--check-config", str(f)],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 1
    assert "daemon.shutdown_grace: must be a finite number, got nan" in out.stderr
    assert "ops.metrics.interval: must be a finite number, got inf" in out.stderr


def test_connection_limits_are_consistent():
    with pytest.raises(ConfigError) as err:
        parse_config({"daemon": {"max_connections": 8, "reserved_connections": 8}})
    assert any(p.startswith("daemon.reserved_connections: must be below max_connections") for p in err.value.problems)
    with pytest.raises(ConfigError, match="check_interval"):
        parse_config({"store": {"check_interval": 5}})
    assert parse_config({"store": {"check_interval": 0}}).store.check_interval == 0
