"""What a graded attempt's results page says when it shows no key (Canvas, Moodle review).

Each question carries its own score ("1 / 1 pts", "Mark 1.00 out of 1.00"). A question
scored full marks was answered right, so what the student gave is its answer:
- `graded_selection`: the one checked radio (or the choice classed "selected") of a choice
  question; checkboxes give none (one letter cannot hold a set);
- `typed_answers`: the one value typed into a read-only text box of a question with no
  choices (a numeric or short-answer question), which `auto` cannot see as an option run.
A question scored less gives nothing: the choice is wrong, and the page does not say what
is right.
"""

from __future__ import annotations

import re

from scraped.engine.extract.answers import class_words
from scraped.engine.extract.lines import HIDDEN, Line
from scraped.engine.extract.reading import block_question

__all__ = ["graded_selection", "typed_answers"]

# a graded attempt's score for one question: "1 / 1 pts" (Canvas), "Mark 1.00 out of 1.00" (Moodle)
_SCORE = re.compile(r"^(?:mark|score|points?)?\s*(\d+(?:\.\d+)?)\s*(?:/|out\s+of)\s*(\d+(?:\.\d+)?)"
                    r"\s*(?:pts?|points?|marks?)?\.?$", re.I)
# Moodle's in other languages: a label, a grade with two decimals, a word, the maximum ("Đạt điểm 1,00
# trên 1,00", "Atingiu 1,00 de 1,00", "Erreichte Punkte 1,00 von 1,00"); the decimals tell it from
# "Question 10 of 10"
_SCORE_WORDS = re.compile(r"^(?:[^\W\d_]+\s+){1,3}(\d+[.,]\d\d)\s+[^\W\d_]{1,10}\s+(\d+[.,]\d\d)$")
_SCORE_ENDS = ("pts", "pts.", "points", "marks")  # how a score line ends when not in a number
_UP = 8  # levels from the score line to the question's container
_SCAN = 40  # inputs looked at in one container
_MAX_LINES = 20


def _score(text: str) -> bool | None:
    """True for full marks, False for fewer, None when the line is no score."""
    if not text or len(text) > 60 or not (text[-1].isdigit() or text.endswith(_SCORE_ENDS)):
        return None  # (the cheap test first: this runs on every line of a page)
    m = (_SCORE.match(text) if text[0].isdigit() or text[0] in "MmSsPp" else None) or (
        _SCORE_WORDS.match(text) if text[0].isalpha() else None)
    if m is None:
        return None
    got, out_of = float(m.group(1).replace(",", ".")), float(m.group(2).replace(",", "."))
    return out_of > 0 and got == out_of


def graded_selection(above: list[Line], choices: list) -> int | None:
    """The option chosen in a graded attempt that scored full marks: on a results page that
    shows no key, the one checked radio of a question scored "1 / 1 pts" is its answer.
    `above` are the lines between the previous question and this one's options, `choices`
    one element per option (each holding its radio button, or classed "selected" when chosen)."""
    full = False
    for ln in above:
        if (got := _score(ln.text)) is not None:
            full = got
    if not full:
        return None
    checked = []
    for i, el in enumerate(choices):
        if "selected" in class_words(el):  # a dropdown's chosen value: "selected_answer"
            checked.append(i)
            continue
        for inp in el.iter("input"):
            if inp.get("type") == "checkbox":
                return None  # "select all that apply": one letter cannot hold the key
            if inp.get("type") == "radio" and inp.get("checked") is not None:
                checked.append(i)
                break
    return checked[0] if len(checked) == 1 else None


def _typed(el):
    """(container, the text box) of the nearest ancestor of `el` that holds an input: its one
    read-only text box with a value, and no radio or checkbox; (None, None) otherwise."""
    for _ in range(_UP):
        el = el.getparent()
        if el is None:
            return None, None
        boxes = []
        seen = 0
        for inp in el.iter("input"):
            seen += 1
            kind = (inp.get("type") or "text").lower()
            if kind in ("radio", "checkbox") or seen > _SCAN:
                return None, None
            if kind in ("text", "number") and (inp.get("value") or "").strip() and (
                    inp.get("readonly") is not None or inp.get("disabled") is not None):
                boxes.append(inp)
        if seen:
            return (el, boxes[0]) if len(boxes) == 1 else (None, None)
    return None, None


def typed_answers(lines: list[Line], taken: list[tuple[int, int]]) -> list[tuple[int, int, list[str], str]]:
    """(start, end, question parts, typed value) of each question scored full marks whose
    answer is a value typed into a read-only box, outside the spans `taken` by kept questions."""
    out: list[tuple[int, int, list[str], str]] = []
    for k, ln in enumerate(lines):
        t = ln.text
        if not t or not (t[-1].isdigit() or t.endswith(_SCORE_ENDS)) or not _score(t) or any(
                s <= k < e for s, e in taken):
            continue  # (_score's cheap test inline first: this runs on every line, mostly failing it)
        record, box = _typed(ln.owner)
        if record is None:
            continue
        order = {el: n for n, el in enumerate(record.iter())}
        at = order[box]
        block: list[Line] = []
        j = k + 1
        while j < len(lines) and len(block) < _MAX_LINES and order.get(lines[j].owner, at) < at:
            if _score(lines[j].text) is not None:
                break
            if not lines[j].flags & HIDDEN and lines[j].links < 0.6 * len(lines[j].text):
                block.append(lines[j])
            j += 1
        whole = block_question(block) if block else None
        if whole is not None:
            out.append((k + 1, j, whole[0], " ".join((box.get("value") or "").split())))
    return out
