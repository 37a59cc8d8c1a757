"""Instant feedback on a user's answer: graded locally, explained by a model if one is set.

Grading (no network, microseconds): the answer and the correct answer are each resolved
to an option where options are known (a letter "B", "(b)", "Option B", or the option's
text), else compared as text (case, spacing and punctuation ignored) or as numbers, with
0.5 = 1/2 = 50% = .5 and units or currency stripped ("54 km/h" = "54"). Without a
correct answer the bank is consulted (by content key), then the arithmetic checker.

Explanation: a model's, bounded by `feedback_timeout`, when one is configured and
`feedback_explain` is on; otherwise (or when it fails) the offline rules write one.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import trio

from scraped.ai.numbers import fmt, parse_number, same_number, solve
from scraped.ai.providers import offline
from scraped.ai.router import Task
from scraped.ai.schema import FEEDBACK
from scraped.engine.extract.normalise import (
    clean_text,
    normalise_options,
    question_key,
    resolve_answer,
)
from scraped.errors import BadRequest, Unavailable

SYSTEM = ("You are a patient tutor (task: feedback). Given a question, the student's answer, the correct "
          "answer and whether the student was right, explain in at most 4 sentences why the correct answer "
          "is right, showing the working; if the student was wrong, say what mistake likely led to their "
          "answer. Optionally add a one-line hint.")
_PUNCT = re.compile(r"[^\w%./]+", re.UNICODE)


def _loose(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", text.casefold()).split()).strip("./ ")


def _as_option(value: str, options: list[str]) -> int | None:
    if not options:
        return None
    idx, _ = resolve_answer(value, options)
    return idx


def grade(answer: str, correct: str, options: list[str]) -> tuple[bool, str, str]:
    """(is correct, method, correct answer as shown) — pure and local."""
    ua, ca = _as_option(answer, options), _as_option(correct, options)
    if ua is not None and ca is not None:
        return ua == ca, "option", options[ca]
    user_text = options[ua] if ua is not None else answer
    ref_text = options[ca] if ca is not None else correct
    if _loose(user_text) == _loose(ref_text):
        return True, "text", ref_text
    if parse_number(user_text) is not None and parse_number(ref_text) is not None:
        return same_number(user_text, ref_text), "numeric", ref_text
    return False, "text", ref_text


async def feedback(service: Any, question: str, answer: str, correct: str | None = None,
                   options: list[str] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    question, answer = clean_text(question), clean_text(answer)
    if not question or not answer:
        raise BadRequest("question and answer must not be empty")
    opts = normalise_options(options or [])
    source = "given"
    if not correct:
        correct, source = await _known_answer(service, question, opts)
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
            "answer_source": source, "explanation": explanation, "provider": provider,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 2)}


async def _known_answer(service: Any, question: str, options: list[str]) -> tuple[str | None, str]:
    """The correct answer from the bank, or the arithmetic checker; (None, "unknown")."""
    doc = await service.app.store.get("enhanced_questions", question_key(question, options))
    if doc is not None and doc.get("correct_index") is not None:
        return doc["options"][doc["correct_index"]], "bank"
    value = solve(question)
    if value is not None:
        return fmt(value), "computed"
    return None, "unknown"
