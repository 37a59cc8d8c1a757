"""A real daemon running a job in each model-driven mode against a loopback site, the model
a local fake server spoken to by the real Groq SDK (fake: only the account and the
internet): ai (a long page in chunks), ai-schema (rules derived, reused, drifting when the
markup changes mid-crawl and derived again), auto's fallback for a quiz page it cannot
read, and a mode that needs a model refused when there is none."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from scraped.engine.extract import Page, extract_questions
from tests.daemon_harness import DaemonProcess
from tests.drift_site import NEW_RULES, OLD_RULES, DriftSite, long_question
from tests.engine_site import submit_file
from tests.fake_providers import KEY, FakeProvider, Recorded, ai_settings, input_json
from tests.test_ai_extract import reading_model

ENGINE = {"allow_private_networks": True, "write_interval": 0.05, "progress_interval": 0.2, "stop_grace": 5.0}
# A dropdown quiz: the options are <select> choices, which auto does not read as options
FLAT = ("<html><body><h1>Daily quiz</h1><form><p>Q1. What is 6 times 7 in this quiz?</p><select name=a>"
        "<option>42</option><option>36</option><option>48</option></select><p>Q2. What is 9 plus 10 in this "
        "quiz?</p><select name=b><option>19</option><option>21</option></select><button>Check answer</button>"
        "</form></body></html>")
PLAIN = "<html><body><h1>About</h1><p>We write quizzes.</p><a href='/extra/flat'>quiz</a> <a href='/q/1'>more</a></body></html>"


def _finished(d: DaemonProcess, job_id: str) -> dict[str, Any]:
    return d.wait_until(lambda: (j := d.call("jobs.show", id=job_id))["status"] in ("COMPLETED", "FAILED") and j,
                        timeout=90)


def _raw(d: DaemonProcess, job_id: str) -> list[dict[str, Any]]:
    out = d.ctl("questions", "export", "--bank", "raw", "--job", job_id)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def _daemon(tmp_path: Path, groq: FakeProvider | None, extraction: dict[str, Any], **ai: Any) -> DaemonProcess:
    config: dict[str, Any] = {"engine": {**ENGINE, "extraction": extraction}}
    if groq is not None:
        config["ai"] = ai_settings({"groq": groq}, order=("groq",), **ai)
    return DaemonProcess(tmp_path, config, env={"GROQ_API_KEY": KEY} if groq is not None else None)


def test_ai_mode_job_reads_a_long_page_in_chunks(tmp_path):
    with DriftSite(long_questions=30) as site, FakeProvider("groq", responder=reading_model) as groq, \
            _daemon(tmp_path, groq, {"chunk_overlap": 300}, extract_max_chars=1000) as d:
        job = _finished(d, submit_file(d, tmp_path, site.spec("long", "ai", start="/long/1", extra="")))
        assert job["status"] == "COMPLETED", job
        questions = _raw(d, job["id"])
        counters = job["extraction"]["counters"]
        shown = d.ctl("jobs", "show", job["id"])
    want = {re.sub(r"^Question \d+: ", "", q): (o, a) for q, o, a in (long_question(i) for i in range(1, 31))}
    assert {q["question"]: (q["options"], q["answer"]) for q in questions} == want  # each once, none invented
    assert all(q["sources"][0]["extractor"] == "ai" for q in questions)
    assert counters["ai_pages"] == 1 and counters["ai_chunks"] == groq.calls >= 7
    assert counters["invented"] == counters["ai_chunks"] and counters["merged"] > 0
    assert all(len(input_json(r.user)["text"]) <= 1000 for r in groq.requests)
    assert shown.returncode == 0 and "extraction: mode ai" in shown.stdout


def _rules_for(rec: Recorded) -> Any:
    """A model that writes the rules of the markup it is shown."""
    html = input_json(rec.user)["html"]
    return OLD_RULES if 'class="qblock"' in html else NEW_RULES if 'class="card"' in html else {}


def test_ai_schema_job_derives_rules_once_catches_the_markup_change_and_derives_them_again(tmp_path):
    drift = {"drift_window": 3, "drift_ratio": 1.0, "drift_min_pages": 3}
    with DriftSite(pages=16, switch_after=8) as site, FakeProvider("groq", responder=_rules_for) as groq, \
            _daemon(tmp_path, groq, drift) as d:
        job = _finished(d, submit_file(d, tmp_path, site.spec("schema", "ai-schema", start="/q/1")))
        assert job["status"] == "COMPLETED", job
        questions = _raw(d, job["id"])
        shown = d.ctl("jobs", "show", job["id"])
        dash = d.call("errors.dashboard", limit=50)
    assert site.switched_at == 9
    # every question of every page, before and after the change, with its answer
    assert len(questions) == 48 and all(q["answer"] == 1 for q in questions)
    by = {}
    for q in questions:
        page = int(re.match(r"Page (\d+)", q["question"]).group(1))
        by[page] = q["sources"][0]["extractor"]
    assert [by[n] for n in range(1, 17)] == (
        ["ai-schema:auto"] * 2 + ["ai-schema"] * 6  # samples 1-2, then the rules (from page 3)
        + ["ai-schema:auto"] * 5  # 9-11: the old rules find nothing (auto's kept); 12-13: new samples
        + ["ai-schema"] * 3)  # 14-16: the rules derived again
    assert groq.calls == 2
    ex = job["extraction"]
    [layout] = ex["layouts"]
    assert layout["rules"]["state"] == "ok" and layout["rules"]["rules"] == NEW_RULES
    assert layout["rules"]["derivations"] == 2 and layout["drifts"] == 1 and layout["drift"] is None
    assert layout["last_drift"]["sample_urls"] == [f"{site.base}/q/{n}" for n in (9, 10, 11)]
    assert layout["last_drift"]["recovered_by"] == f"{site.base}/q/14"
    assert [c["url"] for c in layout["rules"]["validated_on"]] == [f"{site.base}/q/{n}" for n in (12, 13, 14)]
    assert ex["counters"]["drifts"] == 1
    errors = [e for e in dash["recent_errors"] if e["category"] == "extraction"]
    assert errors and errors[0]["context"]["layout"] == layout["layout"] and job["id"] in errors[0]["message"]
    assert "rules ok by groq/" in shown.stdout and "block = div.card" in shown.stdout


@pytest.mark.slow
def test_auto_asks_the_model_only_for_a_quiz_page_it_cannot_read(tmp_path):
    flat = Page(FLAT, "http://x.test/extra/flat")
    assert extract_questions(flat) == []  # the precondition: auto reads nothing here

    def model(rec: Recorded) -> Any:  # reads the dropdowns' options in the text it is sent
        text = input_json(rec.user)["text"]
        assert "42\n36\n48" in text
        return {"questions": [{"question": "What is 6 times 7 in this quiz?", "options": ["42", "36", "48"],
                               "answer": None, "answer_text": None},
                              {"question": "What is 9 plus 10 in this quiz?", "options": ["19", "21"],
                               "answer": None, "answer_text": None}]}

    extra = {"/extra/index": PLAIN, "/extra/flat": FLAT}
    with DriftSite(pages=1, extra=extra) as site, FakeProvider("groq", responder=model) as groq, \
            _daemon(tmp_path, groq, {"ai_fallback": True}) as d:
        job = _finished(d, submit_file(d, tmp_path, site.spec("fallback", "auto", start="/extra/index")))
        questions = _raw(d, job["id"])
        # the same site with the switch off: no model call
        d.write_config(d.config | {"engine": {**ENGINE, "extraction": {"ai_fallback": False}}})
        d.restart()
        calls = groq.calls
        off = _finished(d, submit_file(d, tmp_path, site.spec("no-fallback", "auto", start="/extra/index")))
    assert calls == 1  # the flat quiz page only: not the about page, not /q/1 (auto read it)
    assert job["extraction"]["ai_fallback"] == "on" and job["extraction"]["counters"]["fallback"] == 1
    by = {q["question"]: q["sources"][0]["extractor"] for q in questions}
    assert by.pop("What is 6 times 7 in this quiz?") == by.pop("What is 9 plus 10 in this quiz?") == "auto+ai"
    assert set(by.values()) == {"auto"} and len(by) == 3  # /q/1's, by auto
    # (its questions were stored by the first job: this one found them again, /q/1's only)
    assert groq.calls == calls and off["progress"]["questions_found"] == 3 and off["extraction"]["ai_fallback"] == "off"


def test_modes_that_need_a_model_are_refused_without_one_and_the_switch_says_off(tmp_path):
    with DriftSite(pages=2) as site, _daemon(tmp_path, None, {"ai_fallback": True}) as d:
        for mode in ("ai", "ai-schema"):
            path = tmp_path / f"{mode}.toml"
            path.write_text(site.spec(f"no-model-{mode}", mode, start="/q/1"))
            out = d.ctl("jobs", "submit", str(path))
            assert out.returncode == 65 and f'extract.mode = "{mode}" needs a model' in out.stderr, out
            assert "Traceback" not in out.stderr
        assert d.call("jobs.list", limit=10)["jobs"] == []  # nothing queued
        auto = _finished(d, submit_file(d, tmp_path, site.spec("auto", "auto", start="/q/1")))
    assert auto["status"] == "COMPLETED" and auto["extraction"]["ai_fallback"].startswith("off: ")


def test_a_queued_job_that_finds_no_model_when_it_starts_fails_with_the_reason():
    from types import SimpleNamespace

    import pytest

    from scraped.engine import spec as specs
    from scraped.engine.extraction import Extraction
    from scraped.errors import ConfigError

    spec = specs.parse('name = "x"\nstart_urls = ["http://s.test/"]\n[extract]\nmode = "ai-schema"\n')
    ai = SimpleNamespace(has_model=lambda task: False)  # the key removed by a reload
    with pytest.raises(ConfigError, match='extract.mode = "ai-schema" needs a model'):
        Extraction(SimpleNamespace(), {"_id": "j1", "name": "x"}, spec, lambda: None, ai)  # type: ignore[arg-type, return-value]


def test_ai_schema_job_refuses_wrong_rules_and_auto_extracts_the_layout(tmp_path):
    wrong = {**OLD_RULES, "answer": ".expl"}  # the explanation read as the answer: auto disagrees
    with DriftSite(pages=6, switch_after=None) as site, FakeProvider("groq", responder=lambda rec: wrong) as groq, \
            _daemon(tmp_path, groq, {}) as d:
        job = _finished(d, submit_file(d, tmp_path, site.spec("wrong-rules", "ai-schema", start="/q/1")))
        questions = _raw(d, job["id"])
        shown = d.ctl("jobs", "show", job["id"])
    assert job["status"] == "COMPLETED" and groq.calls == 1  # refused once; not asked again before layout_retry
    assert len(questions) == 18 and all(q["answer"] == 1 for q in questions)
    assert {q["sources"][0]["extractor"] for q in questions} == {"ai-schema:auto"}
    [layout] = job["extraction"]["layouts"]
    rules = layout["rules"]
    assert rules["state"] == "refused" and "answer differs from auto's" in rules["reason"] and "rules" not in rules
    assert "rules refused" in shown.stdout


def test_a_page_no_model_answered_is_tried_again_later_not_lost(tmp_path):
    calls = {"n": 0}

    def flaky(rec: Recorded) -> Any:  # the first request gets prose, not JSON: no provider answers it
        calls["n"] += 1
        return "The service is overloaded." if calls["n"] == 1 else reading_model(rec)

    with DriftSite(long_questions=8) as site, FakeProvider("groq", responder=flaky) as groq, \
            DaemonProcess(tmp_path, {"engine": {**ENGINE, "page_retry_delay": 0.2},
                                     "ai": ai_settings({"groq": groq}, order=("groq",))},
                          env={"GROQ_API_KEY": KEY}) as d:
        job = _finished(d, submit_file(d, tmp_path, site.spec("flaky", "ai", start="/long/1")))
        questions = _raw(d, job["id"])
    assert job["status"] == "COMPLETED" and len(questions) == 8
    # retried once (kind "ai", retryable), then done: no final failure recorded
    assert job["stats"]["retries"] == 1 and job["failures"] == [] and job["frontier"]["failed"] == 0


@pytest.mark.slow
def test_an_ai_schema_layout_with_too_few_pages_is_shown_learning_after_the_job(tmp_path):
    with DriftSite(pages=2, switch_after=None) as site, FakeProvider("groq", responder=_rules_for) as groq, \
            _daemon(tmp_path, groq, {}) as d:
        job = _finished(d, submit_file(d, tmp_path, site.spec("two-pages", "ai-schema", start="/q/1")))
        shown = d.ctl("jobs", "show", job["id"])
    assert job["status"] == "COMPLETED" and job["progress"]["questions_new"] == 6 and groq.calls == 0
    [layout] = job["extraction"]["layouts"]
    assert layout["rules"]["state"] == "learning" and layout["rules"]["samples"] == "2 seen"
    assert "rules learning" in shown.stdout and "(2 seen sample pages)" in shown.stdout
