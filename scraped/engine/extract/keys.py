"""Answer keys at the end of a page: "1-B 2-C 3-A", "3 – C, 4 – A", "1. (b)", "Q5: d", or a
table of two rows (the numbers 1..N, then "Answer" / "答案" and a letter under each number).

A key is a block of lines after the last question that holds little but
(number, letter) pairs. Its answers go to the questions that have none, matched by the
question's number when the questions are numbered, else by page order when the key
numbers them 1..N for exactly the N questions.
"""

from __future__ import annotations

import re

__all__ = ["parse_key", "question_number"]

# "12 - B", "12. (b)", "12) c", "Q12: D", "12 = A", "12 – C"
_PAIR = re.compile(
    r"(?<![\w.])(?:q(?:uestion|n)?\.?\s*)?(\d{1,3})\s*[-\u2013\u2014.:)=]?\s*[(\[]?([A-Ja-j])[)\]]?(?![\w'])",
    re.I,
)
_FILLER = re.compile(r"[\s,;|/]+")
_QNUM = re.compile(r"^\s*(?:q(?:uestion|ues|n)?\.?\s*(?:no\.?\s*)?#?\s*)?\(?(\d{1,4})(?:\s+of\s+\d{1,4})?\s*[.:)\-\u2013]?", re.I)
_MAX_KEY_LINES = 60


def _pairs(text: str) -> list[tuple[int, str]] | None:
    """The (number, letter) pairs of a line that holds nothing else, or None."""
    if len(text) > 400 or not any(c.isdigit() for c in text):
        return None
    found = []
    covered = 0
    for m in _PAIR.finditer(text):
        found.append((int(m.group(1)), m.group(2).upper()))
        covered += len(_FILLER.sub("", m.group(0)))
    if not found:
        return None
    if covered < 0.9 * len(_FILLER.sub("", text)):
        return None  # prose that happens to hold "3 a": not a key
    return found


_KEY_LETTERS = re.compile(r"^[A-J]{1,5}$")
# two cells that runs.merge_labels joined as a label and its text ("A" and "AB" as "A) AB")
_MERGED = re.compile(r"^([A-J])\) ([A-J]{1,5})$")


def _grid(texts: list[str]) -> dict[int, str]:
    """{number: letter} from a key table read as lines: numbers in sequence ("1" ... "10"),
    a label cell ("答案", "Answer"), then one answer per number (several letters, "CD", for a
    multiple-answer question: the caller gives those no single option)."""
    cells: list[str] = []
    for t in texts:
        m = _MERGED.match(t)
        cells.extend((m.group(1), m.group(2)) if m else (t,))
    texts = cells
    for i, text in enumerate(texts):
        if text != "1":
            continue
        n = 1
        while i + n < len(texts) and texts[i + n] == str(n + 1):
            n += 1
        answers = texts[i + n + 1:i + 2 * n + 1]
        if n >= 3 and len(answers) == n and all(_KEY_LETTERS.match(a) for a in answers) and not _KEY_LETTERS.match(
                texts[i + n]):
            return {k + 1: a for k, a in enumerate(answers)}
    return {}


def parse_key(texts: list[str]) -> dict[int, str]:
    """{question number: letter} from the lines after the last question (in page order);
    the key is the last block of lines that hold only pairs, read from the end up, or else a
    key table (`_grid`)."""
    key = _pair_key(texts)
    return key if key else _grid(texts[-_MAX_KEY_LINES:])


def _pair_key(texts: list[str]) -> dict[int, str]:
    key: dict[int, str] = {}
    seen_pairs = False
    for text in reversed(texts[-_MAX_KEY_LINES:]):
        pairs = _pairs(text)
        if pairs is None:
            if seen_pairs:
                break  # the key block is over (above it is the page's text, or its heading)
            continue  # the page's foot below the key
        seen_pairs = True
        for num, letter in pairs:
            if num in key and key[num] != letter:
                return {}  # two answers for one number: not a key
            key[num] = letter
    return key


def question_number(text: str) -> int | None:
    """The number a question is written with ("Q3.", "12)", "Question 4:", "(5)")."""
    m = _QNUM.match(text)
    return int(m.group(1)) if m else None
