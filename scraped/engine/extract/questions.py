"""extract_questions: the rules' mode picks the extractor; one parse serves them all."""

from __future__ import annotations

import logging
from dataclasses import replace

from lxml import etree

from scraped.engine.extract.auto import extract_auto
from scraped.engine.extract.css import extract_css, node_text
from scraped.engine.extract.keyed import keyed_questions
from scraped.engine.extract.keylists import listed_key_questions
from scraped.engine.extract.mdquiz import markdown_quiz_questions
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import clean_text
from scraped.engine.extract.page import Page
from scraped.engine.extract.reveals import revealed_questions
from scraped.engine.extract.rules import ExtractRules
from scraped.engine.extract.scripts import script_questions
from scraped.engine.extract.tables import table_questions

__all__ = ["extract_questions"]

log = logging.getLogger(__name__)
_DEFAULT = ExtractRules()
_TRAIL_ITEMS = etree.XPath(".//li | .//a | .//span[not(*)]")  # compiled once, not per page


def _breadcrumb(page: Page) -> str | None:
    """The last entry of the page's breadcrumb trail: a category hint."""
    trail = page.breadcrumb_element()
    if trail is None:
        return None
    items = _TRAIL_ITEMS(trail) or [trail]
    for item in reversed(items):
        text = node_text(item).strip(" >/»›|")
        if text and len(text) < 80:
            return text
    return None


def _add_missing(found: list[ExtractedQuestion], rows: list[ExtractedQuestion]) -> list[ExtractedQuestion]:
    """Questions read another way ("Question | Answer" table rows, answers a handler reveals,
    keyed form controls) that auto did not already read; one auto read without an answer
    takes the other reading's, in its place."""
    have = {clean_text(q.question).casefold(): k for k, q in enumerate(found)}
    out = list(found)
    for q in rows:
        k = have.get(clean_text(q.question).casefold())
        if k is None:
            out.append(q)
        elif out[k].answer_text is None and q.answer_text is not None and (not out[k].options or out[k].options == q.options):
            out[k] = q
    return out


def merge_script_questions(found: list[ExtractedQuestion],
                           scripted: list[ExtractedQuestion]) -> list[ExtractedQuestion]:
    """The markup's questions, with answers the page's JSON gives for the same question
    and options; the JSON's questions alone when the markup gives none (a page rendered
    by script)."""
    if not scripted:
        return found
    if not found:
        return scripted
    answers = {q.key(): q for q in scripted if q.answer is not None}
    out = []
    for q in found:
        s = answers.get(q.key()) if q.answer is None else None
        out.append(replace(q, answer=s.answer, answer_text=s.answer_text,
                           explanation=q.explanation or s.explanation) if s is not None else q)
    keys = {q.key() for q in found}
    scripted_keys = {q.key() for q in scripted}
    mcq = [q for q in found if q.options]
    if len(mcq) >= 3 and sum(q.key() in scripted_keys for q in mcq) >= 0.8 * len(mcq) and len(scripted) > len(mcq):
        # the script is the page's own list (the markup shows its first part): the rest too
        out += [q for q in scripted if q.key() not in keys]
    return out


def extract_questions(page: Page, rules: ExtractRules | None = None) -> list[ExtractedQuestion]:
    """The questions of a page, de-duplicated by key, in page order (of two copies, the one
    with an answer).

    css mode uses the rules' selectors; every other mode ("auto", and "ai"/"ai-schema",
    whose model-driven parts live in the AI area) uses the structural `auto` extractor.
    """
    rules = rules or _DEFAULT
    if rules.mode == "css":
        found = extract_css(page.root, rules)
    else:
        lines = page.lines()
        # the trail's last entry is the category of questions that name none
        found = extract_auto(lines, _breadcrumb(page)) if lines else []
        if page.qa_tables():
            found = _add_missing(found, table_questions(page.qa_tables()))
        if page.scripts():
            found = merge_script_questions(found, script_questions(page.scripts()))
        if page.reveals():
            found = _add_missing(found, revealed_questions(page.root, page.reveals()))
        if lines and (listed := listed_key_questions(lines)):
            asked = {clean_text(t).casefold() for q in listed for t in (q.question, q.answer_text or "")}
            # (the numbered questions, or the answers, read as the options of the line above them: no question)
            found = _add_missing([q for q in found if sum(clean_text(o).casefold() in asked for o in q.options) < 2],
                                 listed)
        if lines and not found:
            found = markdown_quiz_questions(lines)  # (a quiz's markdown source, shown unrendered)
        if page.keyed_controls():
            found = _add_missing(found, keyed_questions(page.keyed_controls()))
    seen: dict[str, int] = {}
    out: list[ExtractedQuestion] = []
    for q in found:
        key = q.key()
        if key not in seen:
            seen[key] = len(out)
            out.append(q)
        elif out[seen[key]].answer_text is None and q.answer_text is not None:
            out[seen[key]] = q  # shown twice ("New questions", then "New answers"): the answered copy, first place
    return out
