"""A question record's structure: the block a question's text sits in, found by the tree.

On most quiz pages a record is a subtree (a card, a row, a div per question) in which the
options sit in one container and the question in the sibling block before it: a
`<div class="qtxt">` with a statement, a sub-list and a code block, then
`<div class="options">`. Reading up from the options line by line stops at the first
paragraph break it cannot explain; reading the tree instead takes the whole previous
sibling block: every line inside it is the question.

`question_start` finds that block: the smallest ancestor C of the options that does not
hold the line just before them, raised while its parent does not hold that line either;
the question block P is then the child of C's parent that holds the line. It declines
(None) when the options and the line before share a block (then the line-based reading in
auto.py is right: <br>-separated questions and options in one <p>), or when P is large
(a page section, not a question).
"""

from __future__ import annotations

import re

from scraped.engine.extract.lines import ANS, EXPL, HEADING, HIDDEN, Line

__all__ = ["question_start"]

_MAX_LINES = 32  # (a question may hold a small table: one line per cell)
_MAX_CHARS = 1500
_MAX_UP = 12  # levels climbed: records are shallow


def inside(el, box, limit: int = 60) -> bool:
    """Is `el` `box` or inside it (at most `limit` levels up)?"""
    n = 0
    while el is not None and n < limit:
        if el is box:
            return True
        el = el.getparent()
        n += 1
    return False


def question_start(lines: list[Line], start: int, end: int) -> int | None:
    """Index of the first line of the block before the options lines[start:end], when the
    tree says the question is that whole block (with the record's earlier blocks, see
    _record_start); None when it does not say."""
    if start == 0 or end <= start:
        return None
    before = lines[start - 1].owner
    first, last = lines[start].owner, lines[end - 1].owner
    box = first
    for _ in range(_MAX_UP):  # the options' container: holds first and last option
        if box is None or inside(last, box):
            break
        box = box.getparent()
    if box is None or inside(before, box):
        return None  # question and options in one block
    parent = box.getparent()
    for _ in range(_MAX_UP):
        if parent is None or inside(before, parent):
            break
        box, parent = parent, parent.getparent()
    if parent is None:
        return None
    block = before  # the child of `parent` that holds the line before the options
    while block is not None and block.getparent() is not parent:
        block = block.getparent()
    if block is None or block is box:
        return None
    k = start - 1
    chars = 0
    while k >= 0 and start - k <= _MAX_LINES and inside(lines[k].owner, block):
        ln = lines[k]
        if ln.flags & (ANS | EXPL | HIDDEN):
            break  # the previous question's answer box shares the block: not a question block
        chars += len(ln.text)
        if chars > _MAX_CHARS:
            return None
        k -= 1
    if k >= 0 and inside(lines[k].owner, block):
        return None  # the block goes on above: a page section, not one question
    return _record_start(lines, k + 1, start, block, box, parent)


def _record_start(lines: list[Line], first: int, start: int, block, box, parent) -> int:
    """The record's earlier blocks join its question block when the record (parent) holds
    nothing else above: a stem, an intro line, then a statement list, then the options
    ("Consider the following statements: / Which is correct? / 1. ... 2. ... / A B C D").
    A sibling like the options box or the question block (another record's), an answer or
    a hidden box, or a record too large keeps the block alone (first)."""
    sib = block.getprevious()
    j = first
    chars = sum(len(ln.text) for ln in lines[first:start])
    while sib is not None:
        if isinstance(sib.tag, str):
            if any(sib.tag == el.tag and sib.get("class") == el.get("class") for el in (box, block)):
                return first  # (another record's options or question block)
            if _TITLE.search(sib.get("class") or ""):
                return j if j < first else first  # "div.exercise-title": the record's title, above its question
            k = j
            while k > 0 and inside(lines[k - 1].owner, sib):
                k -= 1
                chars += len(lines[k].text)
                if lines[k].flags & (ANS | EXPL | HIDDEN | HEADING) or start - k > _MAX_LINES or chars > _MAX_CHARS:
                    return first  # (a heading above is the record's title or a section's: not the question)
            if k < j and all(_chrome(ln.text) for ln in lines[k:j]):
                return j if j < first else first  # the card's tags ("Domain 1", "Multiple-choice", "Q1"): above the question
            j = k
        sib = sib.getprevious()
    if j and inside(lines[j - 1].owner, parent):
        return first  # (text of the record's own above its first child)
    return j


_TITLE = re.compile(r"(?:^|[-_ ])(?:title|heading)(?:$|[-_ ])", re.I)


def _chrome(text: str) -> bool:
    """A card's tag or badge line: short, and neither asking nor leading into a question."""
    return len(text) <= 40 and not text.endswith(("?", ":", "\uff1f", "\uff1a"))
