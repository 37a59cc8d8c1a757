"""The questions commands through the real daemon and the real scrapedctl
(tests/daemon_harness.py), on a store seeded with raw and enhanced questions."""

from __future__ import annotations

import csv
import io
import json

import pytest
import trio

from scraped.bank import lifecycle as lc
from scraped.bank.intake import canonical
from scraped.store.schema import JOBS
from tests.daemon_harness import DaemonProcess


def _raw(i: int, category: str, difficulty: str, state: str) -> dict:
    return canonical({"_id": f"{i:064x}", "question": f"Raw question {i}?", "options": ["1", "2", "3", "4"],
                      "answer": 1, "answer_text": "2", "category": category, "difficulty": difficulty,
                      "company_tags": ["TCS"], "job_id": "J1", "extracted_at": 100.0 + i,
                      "sources": [{"url": f"http://site.test/{i}", "job_id": "J1", "extractor": "css",
                                   "seen_at": 1.0}] + SEEN_AGAIN.get(i, []),
                      "enhancement": {"state": state, "attempts": 1, "last_error": None,
                                      "enhanced_id": _eid(i) if state in ("done", "provisional") else None}})


# Question 0 was found again by a second job (J2), whose first job stays J1.
SEEN_AGAIN = {0: [{"url": "http://site.test/0?again", "job_id": "J2", "extractor": "css", "seen_at": 2.0}]}


def _eid(i: int) -> str:
    return f"{i:02d}" + "e" * 62


def _enhanced(i: int, level: str, category: str = "quantitative", provisional: bool = False) -> dict:
    disputed = level == lc.DISPUTED
    return {"_id": _eid(i), "raw_hash": f"{i:064x}", "raw_hashes": [f"{i:064x}"],
            "question": f"Enhanced question {i}?", "options": ["1", "2", "3", "4"],
            "correct_index": None if disputed else 1, "answer_text": None if disputed else "2",
            "explanation": "Because.", "category": category, "difficulty": "easy", "topics": ["t"],
            "company_tags": ["tcs"], "job_ids": ["J1", *(["J2"] if i in SEEN_AGAIN else [])], "source_urls": [f"http://site.test/{i}"],
            "quality_score": lc.QUALITY[level], "provisional": provisional, "provider": "gemini",
            "model": "gemini-test", "origin": "scraped", "enhanced_at": 200.0 + i,
            "verification": {"level": level, "solver": "groq/llama-test",
                             **({"page_answer": "B", "solver_answer": "C"} if disputed else {})},
            "checks": [{"check": "independent_solve", "result": "answered", "detail": "groq/llama-test chose B"},
                       {"check": "recomputed", "result": "skipped", "detail": "not plain arithmetic"}]}


LEVELS = [lc.SOLVED, lc.SOLVED, lc.RECOMPUTED, lc.PAGE_ONLY, lc.DISPUTED, lc.MODEL_ONLY]


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    from scraped.store.sqlite import SqliteStore

    tmp = tmp_path_factory.mktemp("bank")
    (tmp / "state").mkdir()

    async def seed():
        store = SqliteStore(tmp / "state" / "scraped.db")
        await store.open()
        raws = [_raw(i, "Quantitative aptitude" if i % 2 else "Logical Reasoning", "Easy" if i < 4 else "HARD",
                     "done" if i < len(LEVELS) else "pending") for i in range(9)]
        await store.insert_many(lc.RAW, raws)
        # J2 is known only as a job (no question has it as its first job)
        await store.insert_many(JOBS, [{"_id": "J2", "status": "COMPLETED", "created_at": 2.0}])
        await store.insert_many(lc.ENHANCED, [_enhanced(i, lvl, "quantitative" if i % 2 else "logical")
                                              for i, lvl in enumerate(LEVELS)])
        await store.close()

    trio.run(seed)
    with DaemonProcess(tmp, {"ai": {"enabled": False}}) as d:
        yield d


def _json(d: DaemonProcess, *argv: str):
    out = d.ctl(*argv, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_default_bank_is_the_enhanced_one_without_quarantined_questions(daemon):
    count = _json(daemon, "questions", "count")
    assert count["bank"] == "enhanced" and count["total"] == 5 and count["quarantined"] == 1
    assert _json(daemon, "questions", "count", "--bank", "raw")["total"] == 9
    # all: every enhanced question once (not the quarantined one), and the raw ones not enhanced yet.
    assert _json(daemon, "questions", "count", "--bank", "all")["total"] == 5 + 3
    human = daemon.ctl("questions", "count")
    assert "5 questions (enhanced bank)" in human.stdout and "1 more quarantined" in human.stdout


def test_filters_take_any_spelling_of_the_canonical_words(daemon):
    for spelling in ("quantitative", "Quantitative", "quant", "Quantitative aptitude", "QUANTITATIVE APTITUDE"):
        assert _json(daemon, "questions", "count", "--bank", "raw", "--category", spelling)["total"] == 4
        assert _json(daemon, "questions", "count", "--category", spelling)["total"] == 3  # 1, 3, 5
    for spelling in ("easy", "Easy", "EASY", "beginner"):
        assert _json(daemon, "questions", "count", "--bank", "raw", "--difficulty", spelling)["total"] == 4
    assert _json(daemon, "questions", "count", "--company", "tcs", "--bank", "raw")["total"] == 9
    bad = daemon.ctl("questions", "count", "--category", "astrology")
    assert bad.returncode != 0 and "unknown category 'astrology'" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    mixed = daemon.ctl("questions", "list", "--bank", "raw", "--verified")
    assert mixed.returncode != 0 and "no verification" in mixed.stderr


def test_verified_quarantined_and_level(daemon):
    verified = _json(daemon, "questions", "list", "--verified")
    assert {q["level"] for q in verified["questions"]} == {lc.SOLVED, lc.RECOMPUTED}
    assert verified["total"] == 3
    quarantined = _json(daemon, "questions", "list", "--quarantined")
    assert [q["level"] for q in quarantined["questions"]] == [lc.DISPUTED]
    assert _json(daemon, "questions", "count", "--level", "page-only")["total"] == 1
    by = _json(daemon, "questions", "count", "--by", "level")
    assert by["counts"] == {lc.MODEL_ONLY: 1, lc.PAGE_ONLY: 1, lc.RECOMPUTED: 1, lc.SOLVED: 2}


def test_show_gives_sources_provider_model_and_every_check(daemon):
    out = daemon.ctl("questions", "show", _eid(4)[:12])
    assert out.returncode == 0, out.stderr
    for text in ("disputed", "gemini-test", "groq/llama-test", "independent_solve", "chose B",
                 "http://site.test/4", "page key", "solver's answer"):
        assert text in out.stdout, (text, out.stdout)
    raw = _json(daemon, "questions", "show", f"{7:064x}", "--bank", "raw")
    assert raw["bank"] == "raw" and raw["category"] == "quantitative"
    assert raw["category_page"] == "Quantitative aptitude" and raw["difficulty_page"] == "HARD"
    missing = daemon.ctl("questions", "show", "deadbeefdeadbeef")
    assert missing.returncode == 66


def test_export_streams_jsonl_and_csv_and_leaves_quarantined_out(daemon):
    out = daemon.ctl("questions", "export")
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == 5 and all(r["bank"] == "enhanced" for r in records)
    assert lc.DISPUTED not in {r["verification"]["level"] for r in records}
    out = daemon.ctl("questions", "export", "--format", "csv", "--verified")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 3 and {r["verification"] for r in rows} == {lc.SOLVED, lc.RECOMPUTED}
    assert rows[0]["answer_letter"] == "B" and rows[0]["source_url"].startswith("http://site.test/")
    out = daemon.ctl("questions", "export", "--quarantined")
    assert [json.loads(line)["verification"]["level"] for line in out.stdout.splitlines()] == [lc.DISPUTED]
    out = daemon.ctl("questions", "export", "--bank", "all", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert sorted(r["bank"] for r in rows) == ["enhanced"] * 5 + ["raw"] * 3


def test_count_by_job_counts_every_job_that_found_a_question(daemon):
    # not only the first job: question 0 counts under J1 and J2, and the output says so
    raw = _json(daemon, "questions", "count", "--bank", "raw", "--by", "job")
    assert raw["counts"] == {"J1": 9, "J2": 1} and raw["total"] == 9
    enhanced = _json(daemon, "questions", "count", "--by", "job")
    assert enhanced["counts"] == {"J1": 5, "J2": 1} and enhanced["total"] == 5
    assert _json(daemon, "questions", "count", "--bank", "raw", "--job", "J2")["total"] == 1
    text = daemon.ctl("questions", "count", "--bank", "raw", "--by", "job")
    assert text.returncode == 0 and "counts under each of them" in text.stdout
