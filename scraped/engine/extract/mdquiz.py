"""Quizzes written in markdown and shown as their source (auto).

quizdown (quizdown-js, mkdocs-quizdown, sphinxcontrib-quizdown) and like generators write a
quiz as markdown inside a block that a script renders:

    ### Which service sends the alert?
    - [ ] Amazon SES
        > SES sends mail, not alarms.
    - [x] Amazon SNS
        > SNS notifies the administrator.

Saved without the script's run (or read by a crawler) the page shows that text. A question
is the heading or paragraph before a list of task-list options; `[x]` marks a right one
(several marked: a "select all" question, no single answer); a "> " line under an option
is that option's feedback, the right option's being the explanation. The tree walk keeps
a block's text on one line, so the block's own text (with its line breaks) is read here,
for blocks whose line holds both "- [x]" and "- [ ]".
"""

from __future__ import annotations

import re

from scraped.engine.extract.lines import Line
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import clean_text, strip_question_number

__all__ = ["markdown_quiz_questions"]

_OPTION = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s+(.*)$")
_NOTE = re.compile(r"^\s*>\s?(.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*)$")
_FRONT = re.compile(r"^\s*---\s*$")
_MAX_BLOCKS = 20


def _parse(text: str) -> list[ExtractedQuestion]:
    out: list[ExtractedQuestion] = []
    ask: list[str] = []
    options: list[str] = []
    right: list[int] = []
    notes: dict[int, list[str]] = {}
    front = False
    started = False  # (a front matter opens the text only)

    def close() -> None:
        if ask and 2 <= len(options) <= 10:
            one = right[0] if len(right) == 1 else None
            expl = clean_text(" ".join(notes.get(one, []))) if one is not None else ""
            out.append(ExtractedQuestion(strip_question_number(clean_text(" ".join(ask))), tuple(options), one,
                                         options[one] if one is not None else None, expl or None, None, None))

    for raw in text.splitlines():
        if _FRONT.match(raw) and (front or not started):
            front, started = not front, True  # a front matter ("--- primaryColor: ... ---"): settings
            continue
        if front:
            continue
        started = started or bool(raw.strip())
        if m := _OPTION.match(raw):
            if m.group(1).lower() == "x":
                right.append(len(options))
            options.append(clean_text(m.group(2)))
        elif (m := _NOTE.match(raw)) and options:
            notes.setdefault(len(options) - 1, []).append(m.group(1))
        elif not raw.strip():
            continue
        elif options and not _NOTE.match(raw) and raw[:1] in " \t" and not _HEADING.match(raw):
            options[-1] = clean_text(options[-1] + " " + raw)  # an option's text going on
        elif options and notes.get(len(options) - 1) and not _HEADING.match(raw) and raw[:1] not in "#":
            notes[len(options) - 1].append(raw)  # a note's text going on over a wrapped line
        else:
            if options:
                close()
                ask, options, right, notes = [], [], [], {}
            m = _HEADING.match(raw)
            ask.append(m.group(1) if m else raw)
    close()
    return out


def markdown_quiz_questions(lines: list[Line]) -> list[ExtractedQuestion]:
    out: list[ExtractedQuestion] = []
    seen: set[int] = set()
    for ln in lines:
        if "[x]" not in ln.text.lower() or "[ ]" not in ln.text or id(ln.owner) in seen or len(seen) >= _MAX_BLOCKS:
            continue
        seen.add(id(ln.owner))
        out += _parse("".join(ln.owner.itertext()))
    return out
