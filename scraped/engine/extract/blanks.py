"""Questions with several blanks, each with its own group of choices (auto).

A results page of a multiple-dropdown question (Canvas) shows the question's text with the
chosen value inline in each blank, then one numbered group of choices per blank:
"Answer 1:" over the first blank's choices, "Answer 2:" over the second's. No single
option list holds such a question, so it is kept with no options and no answer: its text,
the record's question block, is the question. A line of that block that is exactly one of
the choices, alone in its inline element, is a blank's chosen value ("Place the steps in
order", then a list of the chosen steps), not question text.

Only numbered groups 1, 2, ... in an options box, each holding at least two choices, count:
one "Answer 1:" group is a one-blank question that `auto` reads as a plain option run.
"""

from __future__ import annotations

from scraped.engine.extract.lines import CHOICES, HIDDEN, OPTBOX, Line
from scraped.engine.extract.reading import block_question
from scraped.engine.extract.records import question_start
from scraped.engine.extract.signals import GROUP_LABEL

__all__ = ["blank_questions"]

_MAX_GROUP = 200  # lines from one label to the next: a group's choices and their hidden copies


def _groups(lines: list[Line], k: int) -> tuple[list[int], int]:
    """(label indices, end) of the numbered groups starting with "Answer 1:" at k."""
    labels = [k]
    j = k + 1
    while j < len(lines) and j - labels[-1] <= _MAX_GROUP:
        ln = lines[j]
        if not ln.flags & (CHOICES | OPTBOX):
            break  # out of the answers box: the next question
        m = GROUP_LABEL.match(ln.text)
        if m:
            if int(m.group(1)) != len(labels) + 1:
                break
            labels.append(j)
        j += 1
    return labels, j


def _filled(ln: Line, chosen: set[str]) -> bool:
    """Is the line a blank alone: one inline element that holds one of the choices
    (`<li><span>Bob reads the message.</span></li>`), not question text that happens to
    read like a choice (`<p>http://host/logo.png</p>` over a "URL" blank)?"""
    el = ln.owner
    return (ln.text in chosen and len(el) == 1 and not (el.text or "").strip()
            and not (el[0].tail or "").strip() and el[0].tag == "span")


def blank_questions(lines: list[Line], taken: list[tuple[int, int]]) -> list[tuple[int, int, list[str]]]:
    """(start, end, question parts) of each question with two or more numbered choice
    groups, outside the line spans already `taken` by kept questions."""
    out: list[tuple[int, int, list[str]]] = []
    k = 0
    while k < len(lines):
        m = GROUP_LABEL.match(lines[k].text) if lines[k].text[:1] in "Aa" else None
        if m is None or m.group(1) != "1" or not lines[k].flags & (CHOICES | OPTBOX):
            k += 1
            continue
        labels, end = _groups(lines, k)
        bounds = labels[1:] + [end]
        choices = [{ln.text for ln in lines[a + 1:b] if not ln.flags & HIDDEN} for a, b in zip(labels, bounds,
                                                                                             strict=True)]
        start = question_start(lines, k, end) if len(labels) >= 2 and all(len(c) >= 2 for c in choices) else None
        if start is not None and not any(s < end and start < e for s, e in taken):
            chosen = set().union(*choices)
            whole = block_question([ln for ln in lines[start:k] if not _filled(ln, chosen)])
            if whole is not None:
                out.append((start, end, whole[0]))
        k = max(end, k + 1)
    return out
