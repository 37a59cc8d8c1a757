"""`css` extraction: a job's own selectors for the question block and its fields."""

from __future__ import annotations

import logging

from scraped.engine.extract.lines import BLOCK, SKIP
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import (
    clean_text,
    normalise_options,
    option_label,
    resolve_answer,
    split_inline_options,
    strip_question_number,
)
from scraped.engine.extract.rules import ExtractRules
from scraped.engine.extract.select import selector as compiled_selector
from scraped.engine.extract.signals import (
    EMBEDDED_EXPL,
    answer_candidates,
    answer_value,
    explanation_value,
)

__all__ = ["extract_css", "node_text"]

log = logging.getLogger(__name__)


def node_text(node) -> str:
    """Visible text of an element (or a string result), with spaces between blocks."""
    if isinstance(node, str):
        return clean_text(node)
    if not isinstance(getattr(node, "tag", None), str):
        return ""
    if not len(node):  # a leaf (most fields): its text
        return clean_text(node.text)
    parts: list[str] = []
    _collect(node, parts)
    return clean_text("".join(parts))


def _collect(el, parts: list[str]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag not in SKIP:
            block = tag in BLOCK
            if block:
                parts.append(" ")
            _collect(child, parts)
            if block:
                parts.append(" ")
        if child.tail:
            parts.append(child.tail)


def _select(block, selector: str | None, relative: bool = True) -> list:
    if not selector:
        return []
    return compiled_selector(selector, relative)(block)


def _first_text(block, selector: str | None) -> str | None:
    for node in _select(block, selector):
        text = node_text(node)
        if text:
            return text
    return None


def _answer(block, selector: str | None, options: list[str], style: str | None
            ) -> tuple[int | None, str | None, str | None]:
    """(option index, answer text, explanation found with it) from the answer selector.

    The selected text names the answer in many ways: "Answer: Option C", "Ans: (c)",
    "Correct answer is C", "Answer Option C" (a <summary> label before the value), a label
    node and a value node picked separately ("Answer:", "Option C"), or the phrase after a
    "View Answer" link or a check mark, or followed by "Explanation: ...". A reading that
    names an option wins; otherwise the answer is kept as written.
    """
    texts = [t for t in (node_text(n) for n in _select(block, selector)) if t]
    if not texts:
        return None, None, None
    text = texts[0]
    if len(texts) > 1 and answer_value(text) is None:  # a bare "Answer:" label, then its value
        text = f"{text} {texts[1]}"
    raw = answer_value(text)
    answer, answer_text = resolve_answer(raw, options, style)
    if answer is None and options:
        for candidate in answer_candidates(text):
            index, value = resolve_answer(candidate, options, style)
            if index is not None:
                answer, answer_text, raw = index, value, candidate
                break
    explanation = None
    if raw and (parts := EMBEDDED_EXPL.split(raw, 1))[1:] and parts[1].strip():
        explanation = parts[1].strip()
        if answer is None:  # "18 Explanation: ...": the answer as written ends at the explanation
            answer, answer_text = resolve_answer(parts[0], options, style)
    return answer, answer_text, explanation


def extract_css(root, rules: ExtractRules) -> list[ExtractedQuestion]:
    """One question per element matched by `rules.block` that has question text."""
    if root is None or not rules.block:
        return []
    out: list[ExtractedQuestion] = []
    for block in compiled_selector(rules.block)(root):
        if not isinstance(getattr(block, "tag", None), str):
            continue
        question = _first_text(block, rules.question)
        if not question:
            continue
        raw_options = [t for t in (node_text(n) for n in _select(block, rules.options)) if t]
        style = None
        if len(raw_options) == 1:  # "A) 12 B) 15 C) 18" in one element
            split = split_inline_options(raw_options[0])
            if split is not None and not split[0]:
                raw_options, style = split[1], split[2]
        labels = [option_label(o) for o in raw_options]
        if raw_options and all(labels) and labels[0] is not None:
            style = labels[0][0]
        options = normalise_options(raw_options)
        answer, answer_text, embedded = _answer(block, rules.answer, options, style)
        explanation = explanation_value(_first_text(block, rules.explanation)) or embedded
        out.append(ExtractedQuestion(
            question=strip_question_number(question),
            options=tuple(options),
            answer=answer,
            answer_text=answer_text,
            explanation=explanation or None,
            category=_first_text(block, rules.category),
            difficulty=_first_text(block, rules.difficulty),
        ))
    return out
