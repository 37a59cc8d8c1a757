"""Answers further down a question's card: past its form's controls, in a comment box.

A card (zno.osvita.ua's "task-card": the question, its options, a row of radio buttons
under the letters, the "Skip" / "Answer" / "Read the comment" buttons, then a hidden
comment whose last line is "Відповідь – Б") holds the answer far below the options, past
lines that end the answer region auto reads (reading.read_after). The card is the largest
element around the question and its options that holds no line of the questions before
and after it; inside it, an answer or explanation box with an answer line ("Answer: B",
in any language the signals know) gives the answer, and the box its explanation.
"""

from __future__ import annotations

from dataclasses import replace

from scraped.engine.extract.lines import ANS, EXPL, Line
from scraped.engine.extract.normalise import clean_text, has_question_number, resolve_answer
from scraped.engine.extract.passes import Candidate
from scraped.engine.extract.records import inside
from scraped.engine.extract.signals import K_ANSWER, K_QNUM, answer_value, kind

__all__ = ["card_answers"]

_MAX_UP = 10  # levels climbed from the question's line
_MAX_LINES = 80  # lines read down a card


def card_answers(lines: list[Line], kept: list[Candidate]) -> None:
    """An answer (and its box as the explanation) from further down the card of each kept
    question that has none."""
    for n, cand in enumerate(kept):
        if cand.answer is not None or cand.run is None or cand.found is None:
            continue
        after = kept[n + 1].start if n + 1 < len(kept) else len(lines)
        before = kept[n - 1].end - 1 if n else -1
        card = _card(lines, cand, before, after)
        if card is None:
            continue
        for j in range(cand.after, min(after, cand.after + _MAX_LINES)):
            ln = lines[j]
            k = ln.kind or kind(ln)
            if not inside(ln.owner, card, 2 * _MAX_UP) or k & K_QNUM or has_question_number(ln.text):
                break  # past the card, or into a question auto did not keep: its answer is its own
            if not ln.flags & (ANS | EXPL) or not k & K_ANSWER:
                continue
            idx, _ = resolve_answer(answer_value(ln.text), cand.options, cand.run.style)
            if idx is None:
                break  # the card's answer names no option: no guess from further down
            expl = cand.found.explanation or _box_text(lines, j)
            cand.answer, cand.how = idx, "card: an answer line further down the question's card"
            cand.found = replace(cand.found, answer=idx, answer_text=cand.options[idx], explanation=expl)
            break


def _card(lines: list[Line], cand: Candidate, before: int, after: int):
    """The largest element holding the question's first line and its options but no line of
    the kept questions before (up to line `before`) and after (from line `after`)."""
    assert cand.run is not None
    first, last = lines[cand.start].owner, lines[cand.run.end - 1].owner
    prev = lines[before].owner if before >= 0 else None
    nxt = lines[after].owner if after < len(lines) else None
    el, card = first, None
    for _ in range(_MAX_UP):
        el = el.getparent()
        if el is None or (prev is not None and inside(prev, el, 2 * _MAX_UP)) or (
                nxt is not None and inside(nxt, el, 2 * _MAX_UP)):
            break
        if inside(last, el, 2 * _MAX_UP):
            card = el
    if card is None or card.tag in ("body", "html") or (prev is None and nxt is None):
        return None  # the page itself, not a card
    return card


def _box_text(lines: list[Line], j: int) -> str | None:
    """The text of the box holding line j, without a one-word heading ("Коментар")."""
    box = lines[j].box
    if not box:
        return None
    a = j
    while a > 0 and lines[a - 1].box == box:
        a -= 1
    b = j + 1
    while b < len(lines) and lines[b].box == box:
        b += 1
    texts = [ln.text for ln in lines[a:b]]
    if len(texts) > 1 and len(texts[0].split()) == 1 and texts[0][-1:].isalpha():
        texts = texts[1:]
    return clean_text(" ".join(texts)) or None
