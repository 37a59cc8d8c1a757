"""Instant feedback on a user's answer: graded locally, explained by a model if one is set.

Grading (no network, well under a millisecond): the answer and the correct answer are each
resolved to an option where options are known (its text, a letter "C", "(c)", "Option C",
an ordinal "3" when the options are not numbers, "B) 15 km" when the text agrees with the
label, or the one option equal in value), then compared by index; otherwise by value
(scraped/ai/answers.py): signs, units converted within a dimension, digit grouping, exact
fractions, percentages, ratios, and algebra by value. Without a correct answer the bank is
consulted (by content key, or by the question's text when no options are given, which
then come from the bank), then the arithmetic checker.

Explanation: a model's, bounded by `feedback_timeout`, when one is configured and
`feedback_explain` is on; otherwise (or when it fails) the offline rules write one.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import trio

from scraped.ai.answers import equivalent, norm
from scraped.ai.numbers import exact, parse_number, solve
from scraped.ai.providers import offline
from scraped.ai.router import Task
from scraped.ai.schema import FEEDBACK
from scraped.bank.lifecycle import DISPUTED, ENHANCED
from scraped.engine.extract.normalise import (
    clean_text,
    normalise_options,
    question_key,
    strip_question_number,
)
from scraped.errors import BadRequest, Unavailable

SYSTEM = ("You are a patient tutor (task: feedback). Given a question, the student's answer, the correct "
          "answer and whether the student was right, explain in at most 4 sentences why the correct answer "
          "is right, showing the working; if the student was wrong, say what mistake likely led to their "
          "answer. Optionally add a one-line hint.")
# a bare label: "C", "c)", "(c)", "[c]", "C.", "Option C", "choice 3", "answer: c"
_LABEL = re.compile(r"^(?:(?:the\s+)?(?:correct\s+)?(?:option|choice|opt\.?|answer|ans\.?)\s*(?:is\s*)?[:#-]?\s*)?"
                    r"[(\[]?(?P<l>[a-h]|[1-8])[)\]]?\s*\.?$", re.I)
_NAMED = re.compile(r"^(?:option|choice|opt\.?)\s|^[(\[]|[)\]]$", re.I)
# a label then the option's text: "B) 15 km", "(b) 15", "B. 15 km", "Option B: 15", "B - 15 km"
_LABELLED = re.compile(r"^(?:(?:option|choice|opt\.?)\s*)?(?:\((?P<a>[a-h])\)|\[(?P<b>[a-h])\]|(?P<c>[a-h])[).:]"
                       r"|(?P<d>[a-h])\s+[-–]\s)\s*(?P<rest>\S.*)$", re.I)


def resolve(value: str, options: list[str]) -> int | None:
    """The option an answer names, or None when it names none (or several)."""
    if not options:
        return None
    text = norm(value)
    for i, option in enumerate(options):
        if norm(option) == text:
            return i
    m = _LABEL.match(value.strip())
    if m:
        label = m.group("l").lower()
        if label.isdigit():
            numeric = all(parse_number(o) is not None for o in options)
            if not numeric or _NAMED.search(value.strip()):  # "3" is a value among numbers
                idx = int(label) - 1
                return idx if idx < len(options) else None
        else:
            idx = ord(label) - 97
            return idx if idx < len(options) else None
    m = _LABELLED.match(value.strip())
    if m:
        idx = ord((m.group("a") or m.group("b") or m.group("c") or m.group("d")).lower()) - 97
        # trusted only when the text after the label is that option's
        return idx if idx < len(options) and equivalent(m.group("rest"), options[idx])[0] else None
    hits = [i for i, option in enumerate(options) if equivalent(value, option)[0]]
    return hits[0] if len(hits) == 1 else None


def grade(answer: str, correct: str, options: list[str]) -> tuple[bool, str, str]:
    """(is correct, method, correct answer as shown) — pure and local."""
    answer, correct, options = clean_text(answer), clean_text(correct), normalise_options(options)
    ua, ca = resolve(answer, options), resolve(correct, options)
    if ua is not None and ca is not None:
        return ua == ca, "option", options[ca]
    user_text = options[ua] if ua is not None else answer
    ref_text = options[ca] if ca is not None else correct
    same, method = equivalent(user_text, ref_text)
    return same, method, ref_text


async def feedback(service: Any, question: str, answer: str, correct: str | None = None,
                   options: list[str] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    question, answer = clean_text(question), clean_text(answer)
    if not question or not answer:
        raise BadRequest("question and answer must not be empty")
    opts = normalise_options(options or [])
    source = "given"
    doc = await _bank_question(service, question, opts)
    if doc is not None and not opts:
        opts = list(doc["options"])  # "C" then means the bank's third option
    if not correct:
        correct, source = _known_answer(doc, question)
    if correct is None:
        is_correct, method, shown = None, "ungraded", None
    else:
        is_correct, method, shown = grade(answer, clean_text(str(correct)), opts)
    explanation, provider = offline.explain(question, answer, shown, is_correct), offline.NAME
    cfg = service.config
    if cfg.feedback_explain and service.has_model("feedback"):
        user = "INPUT JSON:" + json.dumps({"question": question, "options": opts, "student_answer": answer,
                                           "correct_answer": shown, "student_correct": is_correct},
                                          ensure_ascii=False, separators=(",", ":"))
        task = Task("feedback", SYSTEM, user, FEEDBACK, "feedback.v1", max_tokens=400,
                    order=[(n, m) for n, m in cfg.order("feedback") if n != offline.NAME])
        with trio.move_on_after(cfg.feedback_timeout):
            try:
                result = await service.router.run(task)
                explanation, provider = result.data["explanation"].strip(), result.provider
                if result.data.get("hint"):
                    explanation += "\nHint: " + result.data["hint"].strip()
            except Unavailable:
                pass  # the offline explanation stands
    return {"correct": is_correct, "method": method, "user_answer": answer, "correct_answer": shown,
            "answer_source": source, "options": opts, "explanation": explanation, "provider": provider,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 2)}


def _known_answer(doc: dict[str, Any] | None, question: str) -> tuple[str | None, str]:
    """The correct answer from the bank, or the arithmetic checker; (None, why not)."""
    if doc is not None:
        if (doc.get("verification") or {}).get("level") == DISPUTED:
            return None, "disputed"  # the bank's key is under review: not used to grade
        return doc["options"][doc["correct_index"]], "bank"
    value = solve(question)
    if value is not None:
        return exact(value), "computed"  # 1/3, not 0.33: exact, so 0.3 is graded wrong
    return None, "unknown"


async def _bank_question(service: Any, question: str, options: list[str]) -> dict[str, Any] | None:
    """The bank's question with an answer: by content key, or (no options given) the one
    question of the same text, found through the near-duplicate index."""
    store = service.app.store
    doc = await store.get(ENHANCED, question_key(question, options))
    if doc is None and not options:
        if not service.index.ready:  # loaded once per daemon; a first call waits for it, boundedly
            with trio.move_on_after(service.config.feedback_timeout):
                await service.ensure_index()
        want = _question_text(question)
        found = []
        for other, _score in service.index.similar(question, 0.999):
            candidate = await store.get(ENHANCED, other)
            if candidate is not None and _question_text(candidate.get("question") or "") == want:
                found.append(candidate)
        doc = found[0] if len(found) == 1 else None  # the same text with other options: ambiguous
    if doc is None or not _answered(doc):
        return None
    return doc


def _answered(doc: dict[str, Any]) -> bool:
    idx, options = doc.get("correct_index"), doc.get("options") or []
    return isinstance(idx, int) and not isinstance(idx, bool) and 0 <= idx < len(options)


def _question_text(text: str) -> str:
    return " ".join(strip_question_number(clean_text(text)).casefold().split())
