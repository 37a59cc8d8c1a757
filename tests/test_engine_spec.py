"""Job specs (every problem by key path), the job state table, cron recurrences, ids."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from scraped.config import parse_config
from scraped.engine import jobs
from scraped.engine import spec as specs
from scraped.engine.ids import id_time, new_id
from scraped.errors import ConfigError, Conflict

GOOD = """
name = "aptitude"
start_urls = ["https://example.org/aptitude/", "https://www.example.org/quant"]
max_pages = 100
max_depth = 3
schedule = "*/15 * * * *"

[politeness]
concurrency = 2
delay = 0.5

[defaults]
category = "quantitative"
company_tags = ["tcs", "infosys"]

[extract]
mode = "auto"

[follow]
allow = ["/aptitude/"]
"""


def test_a_good_spec_parses_with_engine_defaults_filled_in():
    spec = specs.parse(GOOD)
    cfg = parse_config({"engine": {"host_delay": 2.0, "obey_robots": False}}).engine
    assert spec.name == "aptitude"
    assert spec.max_pages(cfg) == 100 and spec.max_depth(cfg) == 3
    assert spec.allowed_hosts() == ("example.org", "www.example.org")
    pol = spec.politeness(cfg)
    assert pol == {"concurrency": 2, "delay": 0.5, "autothrottle": False, "obey_robots": False}
    assert spec.concurrency(cfg) == cfg.job_concurrency
    assert spec.fields.defaults.company_tags == ("tcs", "infosys")
    assert spec.extractor == "auto"
    assert specs.from_dict(spec.raw).digest() == spec.digest()  # what a job document stores


def test_engine_defaults_apply_when_the_spec_sets_nothing():
    spec = specs.parse('name = "x"\nstart_urls = ["http://a.example/"]\n')
    cfg = parse_config({}).engine
    assert spec.max_pages(cfg) == cfg.max_pages and spec.max_depth(cfg) == cfg.max_depth
    assert spec.politeness(cfg)["obey_robots"] is True
    assert spec.schedule == ""


BAD = """
name = "bad name!"
start_urls = ["ftp://example.org/", 7, "not a url"]
allowed_domains = ["exa mple.org"]
max_pages = -1
max_depth = "deep"
concurrency = 0
schedule = "61 * * * *"
colour = "blue"
when = 2024-01-01

[politeness]
delay = -2
speed = 3

[defaults]
company_tags = "tcs"

[extract]
mode = "psychic"

[follow]
allow = ["ok", "fine", "(unclosed"]
"""


def test_every_problem_is_reported_by_key_path():
    with pytest.raises(ConfigError) as err:
        specs.parse(BAD, source="bad.toml")
    problems = err.value.problems
    text = "\n".join(problems)
    expected = ["name:", "start_urls[0]:", "start_urls[1]:", "start_urls[2]:", "allowed_domains[0]:",
                "max_pages:", "max_depth:", "concurrency:", "schedule:", "colour: unknown key",
                "when:", "politeness.delay:", "politeness.speed: unknown key", "defaults.company_tags:",
                "extract.mode:", "follow.allow[2]: invalid regex"]
    for prefix in expected:
        assert any(p.startswith(prefix) for p in problems), f"{prefix!r} missing from:\n{text}"
    assert "bad.toml" in str(err.value)


@pytest.mark.parametrize("text, problem", [
    ("", "name: required"),
    ('name = "x"', "start_urls: at least one URL is required"),
    ('name = "x"\nstart_urls = ["http://a/"]\nextract = 3', "extract: expected a table"),
    ('name = "x"\nstart_urls = "http://a/"', "start_urls: expected"),
    ('name = "x"\nstart_urls = ["http://a/"]\n[extract]\nmode = "css"', "extract.block: required"),
    ('name = "x"\nstart_urls = ["http://a/"]\nschedule = "* * *"', "schedule: a cron expression has 5"),
    ("name = ", "not valid TOML"),
])
def test_each_kind_of_bad_spec(text, problem):
    with pytest.raises(ConfigError) as err:
        specs.parse(text)
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_a_huge_spec_is_refused():
    with pytest.raises(ConfigError, match="at most"):
        specs.parse("# " + "x" * (specs.MAX_SPEC_BYTES + 10))


def test_a_spec_that_is_not_a_table_is_refused():
    with pytest.raises(ConfigError, match="is a table"):
        specs.from_dict(["name"])


# ---------------------------------------------------------------- the state table


ALLOWED = {
    (jobs.QUEUED, "start"): jobs.RUNNING, (jobs.QUEUED, "pause"): jobs.PAUSED,
    (jobs.QUEUED, "stop"): jobs.STOPPED, (jobs.QUEUED, "clear"): jobs.STOPPED,
    (jobs.RUNNING, "pause"): jobs.PAUSED, (jobs.RUNNING, "stop"): jobs.STOPPING,
    (jobs.RUNNING, "complete"): jobs.COMPLETED, (jobs.RUNNING, "fail"): jobs.FAILED,
    (jobs.RUNNING, "interrupt"): jobs.INTERRUPTED, (jobs.PAUSED, "resume"): jobs.QUEUED,
    (jobs.PAUSED, "stop"): jobs.STOPPED, (jobs.STOPPING, "stopped"): jobs.STOPPED,
    (jobs.STOPPING, "fail"): jobs.FAILED, (jobs.STOPPING, "interrupt"): jobs.STOPPED,
    (jobs.INTERRUPTED, "resume"): jobs.QUEUED, (jobs.INTERRUPTED, "stop"): jobs.STOPPED,
    (jobs.COMPLETED, "retry"): jobs.QUEUED, (jobs.FAILED, "retry"): jobs.QUEUED,
    (jobs.STOPPED, "retry"): jobs.QUEUED,
}


@pytest.mark.parametrize("state", jobs.STATES)
@pytest.mark.parametrize("event", sorted(jobs.EVENTS))
def test_every_state_and_event(state, event):
    if (state, event) in ALLOWED:
        assert jobs.next_state(state, event) == ALLOWED[(state, event)]
        assert jobs.can(state, event)
    else:
        with pytest.raises(Conflict, match=f"cannot {event} a job that is {state}"):
            jobs.next_state(state, event)


def test_terminal_states_allow_only_a_retry():
    for state in jobs.TERMINAL:
        assert [e for e in sorted(jobs.EVENTS) if jobs.can(state, e)] == ["retry"]
        with pytest.raises(Conflict, match="is final"):
            jobs.next_state(state, "resume")


# ---------------------------------------------------------------- recurrences


def _at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def test_next_fire_times_of_a_five_field_cron():
    now = _at("2026-03-01T10:07:30")
    first = specs.next_fire("*/15 * * * *", now)
    assert first == _at("2026-03-01T10:15:00")
    assert specs.next_fire("*/15 * * * *", first) == _at("2026-03-01T10:30:00")
    assert specs.next_fire("0 3 * * *", now) == _at("2026-03-02T03:00:00")


def test_six_fields_put_seconds_first():
    now = _at("2026-03-01T10:00:01")
    assert specs.next_fire("*/2 * * * * *", now) == _at("2026-03-01T10:00:02")
    assert specs.next_fire("*/2 * * * * *", _at("2026-03-01T10:00:02")) == _at("2026-03-01T10:00:04")


def test_bad_cron_expressions():
    for expr in ("61 * * * *", "* * *", "a b c d e", "* * * * * * *"):
        with pytest.raises(ValueError):
            specs.cron_trigger(expr)


# ---------------------------------------------------------------- ids


def test_ids_sort_in_creation_order_and_carry_their_time():
    ids = [new_id() for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(len(i) == 26 for i in ids)
    later = time.time() + 3600.5  # (an earlier time would give the last id's time: monotonic)
    assert abs(id_time(new_id(later)) - later) < 0.002
