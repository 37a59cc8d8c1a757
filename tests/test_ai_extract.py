"""The ai and ai-schema extraction modes in-process: chunks and their merge, the checks that
refuse wrong rules (on real saved pages), and the rules' life (derived once, reused,
refused, asked again) on a real SqliteStore. Models: the real SDKs against the local fake
servers of tests/fake_providers.py (fake: only the provider's account and the internet)."""

from __future__ import annotations

import glob
import re
import time
from pathlib import Path
from typing import Any

import pytest

from scraped.ai.errors import InvalidReply
from scraped.ai.extract import chunks, extract_text, merge
from scraped.ai.layout_rules import LAYOUTS, SchemaLayouts
from scraped.ai.rules_writer import Sample, check_rules, compile_rules
from scraped.engine.extract import ExtractedQuestion, Page, extract_questions
from scraped.engine.extraction import looks_like_quiz
from scraped.engine.layouts import fingerprint
from scraped.errors import Unavailable
from tests.drift_site import NEW_RULES, OLD_RULES, DriftSite, long_question
from tests.fake_providers import (
    KEY,
    FakeProvider,
    Recorded,
    ai_service,
    ai_settings,
    input_json,
)

REAL = Path(__file__).parent / "fixtures" / "real"
_TESTANSWER = "following-sibling::div[contains(concat(' ', @class, ' '), ' testanswer ')]"
# javatpoint's aptitude tests: a flat page (no element per question), as a model would write it
JAVATPOINT = {"block": "p.pq", "question": "./self::p", "options": "./following-sibling::ol[1]/li",
              "answer": f"./{_TESTANSWER}[1]/p[1]", "explanation": f"./{_TESTANSWER}[1]"}


def _text(html: str) -> str:
    return "\n".join(line.text for line in Page(html, "http://s.test/long/1").lines())


def reading_model(rec: Recorded) -> Any:
    """A model that reads the chunk it is sent: each "Question N:" line with the option
    lines and the "Answer:" line under it (a question cut at the chunk's end comes back
    with the options it has), and one question the page never had."""
    data = input_json(rec.user) or {}
    lines = str(data.get("text", "")).split("\n")
    out = []
    for k, line in enumerate(lines):
        m = re.match(r"Question \d+: (.*)$", line)
        if not m:
            continue
        options, answer = [], None
        for nxt in lines[k + 1:k + 6]:
            if mo := re.match(r"[A-D]\) (.*)$", nxt):
                options.append(mo.group(1))
            elif ma := re.match(r"Answer: ([A-D])$", nxt):
                answer = "ABCD".index(ma.group(1))
        out.append({"question": m.group(1), "options": options,
                    "answer": answer if answer is not None and answer < len(options) else None,
                    "answer_text": None, "explanation": None})
    out.append({"question": "Which planet was never named on this page at all?", "options": ["Vulcan", "Krypton"],
                "answer": 0})
    return {"questions": out}


# ---------------------------------------------------------------- chunks

def test_a_long_text_is_cut_at_line_ends_into_overlapping_chunks_that_hold_every_question():
    text = _text(DriftSite(long_questions=30).long_page())
    pieces = chunks(text, 1000, 300)
    assert len(pieces) >= 7 and all(len(p) <= 1000 for p in pieces)
    assert pieces[0] == text[:len(pieces[0])] and text.endswith(pieces[-1])
    position = 0
    for a, b in zip(pieces, pieces[1:], strict=False):
        start = text.index(b, position)
        assert a.endswith("\n") and start < position + len(a)  # it starts inside the previous chunk
        assert text[start:position + len(a)] == a[start - position:]  # the overlap is shared text
        position = start
    for i in range(1, 31):  # each question with its options and answer is whole in some chunk
        q, options, answer = long_question(i)
        block = "\n".join([q] + [f"{'ABCD'[k]}) {o}" for k, o in enumerate(options)] + [f"Answer: {'ABCD'[answer]}"])
        assert any(block in p for p in pieces), i
    assert chunks("short", 1000, 300) == ["short"] and chunks("", 1000, 300) == []
    assert "".join(chunks("x" * 2500, 1000, 0)) == "x" * 2500  # no line ends, no overlap: cut anywhere


def test_copies_from_overlaps_merge_into_the_richest_and_cut_copies_go():
    full = ExtractedQuestion("What is 6 times 7 in this puzzle?", ("42", "36", "48"), 0, "42", "Six sevens.")
    cut = ExtractedQuestion("What is 6 times 7 in this puzzle?", ("42",), None, None, None)
    tail = ExtractedQuestion("6 times 7 in this puzzle?", ("42", "36", "48"), None, None, None)
    other = ExtractedQuestion("What is 9 plus 10 in this puzzle?", ("19", "21"), 0, "19", None)
    kept, merged = merge([(0, cut), (0, other), (1, tail), (1, full), (2, other)])
    assert kept == [full, other] and merged == 3


# ---------------------------------------------------------------- the ai mode

async def test_ai_mode_reads_a_long_page_in_chunks_and_drops_what_the_page_does_not_say(tmp_path):
    text = _text(DriftSite(long_questions=30).long_page())
    assert len(text) > 6000
    with FakeProvider("groq", responder=reading_model) as groq:
        settings = ai_settings({"groq": groq}, order=("groq",), extract_max_chars=1000)
        async with ai_service(tmp_path, settings, secrets={"GROQ_API_KEY": KEY}) as h:
            out = await extract_text(h.service, text, "http://s.test/long/1", overlap=300, max_chunks=25)
    assert out.chunks == groq.calls >= 7 and out.text_cut == 0
    sent = [input_json(r.user)["text"] for r in groq.requests]
    assert all(len(s) <= 1000 for s in sent) and any("Question 30:" in s for s in sent)
    assert out.invented == out.chunks  # the made-up planet question, once per chunk: never kept
    expected = [long_question(i) for i in range(1, 31)]
    assert [(q.question, list(q.options), q.answer) for q in out.questions] == [
        (re.sub(r"^Question \d+: ", "", q), o, a) for q, o, a in expected]
    assert out.merged > 0  # questions in the overlaps came back twice


async def test_a_chunk_no_provider_answers_fails_the_page_and_the_retry_asks_only_what_is_missing(tmp_path):
    text = _text(DriftSite(long_questions=30).long_page())
    broken = {"on": True}

    def model(rec: Recorded) -> Any:  # chunk 3 gets prose instead of JSON while `broken` is on
        if broken["on"] and input_json(rec.user)["chunk"].startswith("3 of"):
            return "Sorry, I cannot help with that."
        return reading_model(rec)

    with FakeProvider("groq", responder=model) as groq:
        settings = ai_settings({"groq": groq}, order=("groq",), extract_max_chars=1000)
        async with ai_service(tmp_path, settings, secrets={"GROQ_API_KEY": KEY}) as h:
            with pytest.raises(Unavailable):
                await extract_text(h.service, text, "http://s.test/long/1", overlap=300, max_chunks=25)
            answered = {input_json(r.user)["chunk"] for r in groq.requests if r.status == 200}
            broken["on"] = False
            out = await extract_text(h.service, text, "http://s.test/long/1", overlap=300, max_chunks=25)
    assert len(out.questions) == 30 and out.chunks == 9 and "3 of 9" not in answered
    again = [input_json(r.user)["chunk"] for r in groq.requests if r.status == 200]
    assert sorted(again) == sorted(set(again))  # each chunk answered once: the first run's from the cache
    assert len(again) == 9


async def test_ai_mode_counts_the_text_past_max_chunks(tmp_path):
    text = _text(DriftSite(long_questions=30).long_page())
    with FakeProvider("groq", responder=reading_model) as groq:
        settings = ai_settings({"groq": groq}, order=("groq",), extract_max_chars=1000)
        async with ai_service(tmp_path, settings, secrets={"GROQ_API_KEY": KEY}) as h:
            out = await extract_text(h.service, text, "http://s.test/long/1", overlap=300, max_chunks=2)
    assert out.chunks == groq.calls == 2
    sent = sorted((input_json(r.user)["text"] for r in groq.requests), key=text.index)
    assert out.text_cut == len(text) - (text.index(sent[1]) + len(sent[1])) > 4000  # exactly what was not sent
    assert 0 < len(out.questions) < 30


def test_quiz_pages_are_told_from_other_pages():
    site = DriftSite()
    assert looks_like_quiz(Page(site.long_page(), "http://s.test/long/1"))
    assert looks_like_quiz(Page("<p>Q1 What is 6 times 7 ? (a) 42 (b) 36 Show answer</p>", "http://s.test/"))
    assert looks_like_quiz(Page("<html><body><h1>About us</h1><p>We sell books.</p></body></html>",
                                "http://s.test/")) is None


# ---------------------------------------------------------------- rules checks on real pages

def _samples(pattern: str, site: str) -> list[Sample]:
    out = []
    for path in sorted(glob.glob(str(REAL / pattern))):
        html = Path(path).read_text(errors="replace")
        page = Page(html, f"https://{site}/{Path(path).stem}")
        out.append(Sample(page.url, html, page.root, extract_questions(page)))
    return out


def test_right_rules_pass_on_three_real_pages_of_one_layout():
    samples = _samples("javatpoint/aptitude-*-test-1.html", "www.javatpoint.com")
    assert len(samples) == 3 and len({fingerprint(s.root, s.url) for s in samples}) == 1
    report = check_rules(compile_rules(JAVATPOINT), samples)
    assert [r["questions"] for r in report] == [r["auto_questions"] for r in report] == [5, 5, 5]


@pytest.mark.parametrize("wrong, why", [
    ({**JAVATPOINT, "answer": f"./{_TESTANSWER}[2]/p[1]"}, "their answer differs from auto's"),  # the next box
    ({**JAVATPOINT, "answer": None}, "they name no answer"),
    ({**JAVATPOINT, "block": "ol", "question": "li", "options": "li"}, "not questions"),  # options as questions
    ({**JAVATPOINT, "block": "div.testanswer", "question": "p", "options": "strong"}, "repeat another's text"),
    ({**JAVATPOINT, "options": "./following-sibling::ol[2]/li"}, "their options differ"),
    ({**JAVATPOINT, "block": "p.pq:first-of-type"}, "they find 1 of the 5 questions"),
    ({**JAVATPOINT, "block": "div.nothing-here"}, "the rules find no question"),
    ({**JAVATPOINT, "block": "div["}, "do not compile"),
    ({**JAVATPOINT, "options": "//li["}, "do not compile"),
])
def test_wrong_rules_are_refused_with_the_reason(wrong, why):
    samples = _samples("javatpoint/aptitude-*-test-1.html", "www.javatpoint.com")
    with pytest.raises(InvalidReply, match=re.escape(why)):
        check_rules(compile_rules(wrong), samples)


# ---------------------------------------------------------------- the rules' life

def _pages(site: DriftSite, numbers: range) -> list[tuple[str, str, Any]]:
    out = []
    for n in numbers:
        html = site.question_page(n)
        page = Page(html, f"http://drift.test/q/{n}")
        out.append((page.url, html, page))
    return out


async def _extract(layouts: SchemaLayouts, url: str, html: str, page: Page) -> tuple[list[ExtractedQuestion], bool]:
    return await layouts.extract(fingerprint(page.root, url), url, html, page.root,
                                 lambda: extract_questions(page), lambda: looks_like_quiz(page))


async def test_rules_derived_once_from_three_pages_then_reused_and_a_wrong_reply_passed_on(tmp_path):
    site = DriftSite(switch_after=None)
    wrong = {**OLD_RULES, "answer": ".expl"}  # the explanation read as the answer: disagrees with auto
    with FakeProvider("gemini", responder=lambda rec: wrong) as gemini, \
            FakeProvider("groq", responder=lambda rec: OLD_RULES) as groq:
        settings = ai_settings({"gemini": gemini, "groq": groq}, order=("gemini", "groq"))
        async with ai_service(tmp_path, settings, secrets={"GEMINI_API_KEY": KEY, "GROQ_API_KEY": KEY}) as h:
            layouts = SchemaLayouts(h.app, h.service, "job1", lambda: h.app.config.engine.extraction)
            results = [await _extract(layouts, *p) for p in _pages(site, range(1, 7))]
            layout = fingerprint(Page(site.question_page(1), "http://drift.test/q/1").root, "http://drift.test/q/1")
            doc = await h.app.store.get(LAYOUTS, layout)
    assert [by_rules for _, by_rules in results] == [False, False, True, True, True, True]
    assert all(len(found) == 3 and found[0].answer == 1 for found, _ in results)
    assert (gemini.calls, groq.calls) == (1, 1)  # asked once; pages 4-6 needed no model
    assert doc["state"] == "ok" and doc["provider"] == "groq" and doc["rules"] == OLD_RULES
    assert [c["url"] for c in doc["validated_on"]] == [f"http://drift.test/q/{n}" for n in (1, 2, 3)]
    assert "answer differs" in doc["refusals"][0]  # gemini's reply, refused by the checks
    sent = input_json(groq.requests[0].user)
    assert "<script" not in sent["html"] and sent["heuristic_questions"][0]["question"].startswith("Page 1")


async def test_rules_every_provider_gets_wrong_are_refused_auto_goes_on_and_they_are_asked_again_later(tmp_path):
    site = DriftSite(switch_after=None)
    with FakeProvider("groq", responder=lambda rec: {**OLD_RULES, "options": "p"}) as groq:
        settings = ai_settings({"groq": groq}, order=("groq",), layout_retry=3600.0)
        async with ai_service(tmp_path, settings, secrets={"GROQ_API_KEY": KEY}) as h:
            layouts = SchemaLayouts(h.app, h.service, "job1", lambda: h.app.config.engine.extraction)
            pages = _pages(site, range(1, 9))
            results = [await _extract(layouts, *p) for p in pages[:5]]
            layout = fingerprint(pages[0][2].root, pages[0][0])
            doc = await h.app.store.get(LAYOUTS, layout)
            assert doc["state"] == "refused" and "rules refused" in doc["reason"] and doc["retry_at"] > time.time()
            assert "options differ" in doc["reason"] or "not questions" in doc["reason"]
            assert groq.calls == 1  # pages 4 and 5: auto, no new call before retry_at
            assert [b for _, b in results] == [False] * 5 and all(len(f) == 3 for f, _ in results)
            # retry_at passed and the model now writes good rules: three new samples, asked again
            await h.app.store.update_one(LAYOUTS, {"_id": layout}, {"$set": {"retry_at": time.time() - 1}})
            groq.responder = lambda rec: OLD_RULES
            layouts._docs.clear()
            later = [await _extract(layouts, *p) for p in pages[5:8]]
            assert [b for _, b in later] == [False, False, True] and groq.calls == 2
            assert (await h.app.store.get(LAYOUTS, layout))["state"] == "ok"


async def test_stale_rules_are_derived_again_from_new_samples(tmp_path):
    site = DriftSite(switch_after=3)  # pages 4 on: classes renamed
    replies = iter([OLD_RULES, NEW_RULES])
    with FakeProvider("groq", responder=lambda rec: next(replies)) as groq:
        settings = ai_settings({"groq": groq}, order=("groq",))
        async with ai_service(tmp_path, settings, secrets={"GROQ_API_KEY": KEY}) as h:
            layouts = SchemaLayouts(h.app, h.service, "job1", lambda: h.app.config.engine.extraction)
            pages = _pages(site, range(1, 10))
            first = [await _extract(layouts, *p) for p in pages[:4]]
            assert [len(f) for f, _ in first] == [3, 3, 3, 0]  # the old rules on the new markup: nothing
            layout = fingerprint(pages[0][2].root, pages[0][0])
            await layouts.stale(layout, {"reason": "test drift"})
            assert (await h.app.store.get(LAYOUTS, layout))["state"] == "stale"
            again = [await _extract(layouts, *p) for p in pages[4:9]]
            doc = await h.app.store.get(LAYOUTS, layout)
    assert [b for _, b in again] == [False, False, True, True, True] and all(len(f) == 3 for f, _ in again)
    assert doc["state"] == "ok" and doc["rules"] == NEW_RULES and doc["derivations"] == 2 and groq.calls == 2


@pytest.mark.parametrize("mode", ["ai", "ai-schema"])
def test_the_offline_extract_tool_refuses_a_mode_that_needs_a_model(tmp_path, capsys, mode):
    from scraped.engine.extract.cli import main

    page, rules = tmp_path / "p.html", tmp_path / "spec.toml"
    page.write_text(DriftSite().long_page())
    rules.write_text(f'[extract]\nmode = "{mode}"\n')
    assert main([str(page), "--rules", str(rules)]) == 1
    err = capsys.readouterr().err
    assert f'extract.mode = "{mode}" asks a model' in err and "Traceback" not in err


def _in_markup(page, question: str) -> bool:
    """Are the question's first words in the page's text outside its scripts?"""
    root = page.root
    parts = []
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag not in ("script", "style") and el.text:
            parts.append(el.text)
        if el.tail:
            parts.append(el.tail)
    text = " ".join(parts)
    text = " ".join(text.casefold().split())
    return all(w.casefold() in text for w in re.findall(r"\w+", question)[:4])


def test_the_html_a_model_is_shown_holds_the_questions_on_every_real_page():
    # Real pages are up to 1.7 MB; the first 20,000 characters of the cleaned HTML miss the
    # first question on 9 of the 44 with questions (menus, headers). The excerpt starts near
    # the first question auto found.
    from scraped.ai.rules_writer import html_for_model

    checked = 0
    for path in sorted(glob.glob(str(REAL / "*" / "*.html"))):
        html = Path(path).read_text(errors="replace")
        page = Page(html, "https://x.test/")
        found = extract_questions(page)
        if not found or not _in_markup(page, found[0].question):
            continue  # (questions only in a script's data: no excerpt of the markup, and no css rule, reaches them)
        excerpt = html_for_model(html, 20_000, found[0].question)
        assert len(excerpt) <= 20_000  # (measured before casefold: "ß" folds to "ss")
        excerpt = excerpt.casefold()
        assert not re.search(r"<script[\s>/]", excerpt)
        # (words as the anchor reads them: the extracted text is NFKC, so "，" became "," there)
        assert all(w.casefold() in excerpt for w in re.findall(r"\w+", found[0].question)[:4]), path
        checked += 1
    assert checked >= 40
