"""Numbered questions without options over an "Answers" list that numbers the same way.

Revision pages list fill-ins or short questions, then the answers under a heading of their
own: "1. Acids turn ..... litmus solution ..... ." ... "12. ...", then "Answers", then
"1. blue, red" ... "12. CH3COOH". The list after the label must number 1..N with N of at
least 3; above the label, the questions must number N down to 1 (a question may go on over
a line or two); most of them must ask (a "?" or a question word) or leave a blank ("....",
"____"). A lettered key ("1. (b)") is keys.py's: its entries are single letters, and its
questions have options, which this reading does not take.
"""

from __future__ import annotations

import re

from scraped.engine.extract.asked import asks
from scraped.engine.extract.keys import question_number
from scraped.engine.extract.lines import LISTED, RADIO, Line
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import clean_text, option_label, strip_question_number
from scraped.engine.extract.signals import ANSWER_RE, BLANK_RE

__all__ = ["listed_key_questions"]

_LABEL = re.compile(r"^(?:answers?(?:\s+key)?|key|solutions?|uttar|उत्तर|答案|respuestas|réponses|antworten|jawaban)"
                    r"\s*[:：]?$", re.I)
_MIN = 3
_MAX_GOES_ON = 2  # lines a question may run over


def _entries(lines: list[Line], k: int) -> dict[int, str]:
    """{n: answer} of the list numbered 1, 2, 3 ... right after line k."""
    out: dict[int, str] = {}
    j = k + 1
    while j < len(lines) and question_number(lines[j].text) == len(out) + 1:
        value = strip_question_number(lines[j].text)
        if not value or value == lines[j].text:
            break
        out[len(out) + 1] = value
        j += 1
    return out


def _questions(lines: list[Line], k: int, n: int) -> list[str] | None:
    """The texts of the questions numbered n down to 1 right above line k, in page order."""
    found: list[str] = []
    tail: list[str] = []
    j = k - 1
    want = n
    while j >= 0 and want > 0:
        ln = lines[j]
        if ln.flags & RADIO or (ln.flags & LISTED and option_label(ln.text) is not None):
            return None  # options: a multiple-choice block, keys.py's
        if question_number(ln.text) == want and (text := strip_question_number(ln.text)) != ln.text:
            found.append(clean_text(" ".join([text, *reversed(tail)])))
            tail = []
            want -= 1
        elif len(tail) < _MAX_GOES_ON:
            tail.append(ln.text)
        else:
            return None
        j -= 1
    return list(reversed(found)) if want == 0 else None


def listed_key_questions(lines: list[Line]) -> list[ExtractedQuestion]:
    out: list[ExtractedQuestion] = []
    for k, ln in enumerate(lines):
        if len(ln.text) > 20 or not (_LABEL.match(ln.text) or (ANSWER_RE.match(ln.text) and ln.text.endswith(":"))):
            continue
        answers = _entries(lines, k)
        if len(answers) < _MIN:
            continue
        questions = _questions(lines, k, len(answers))
        if questions is None or sum(1 for q in questions if asks(q) or BLANK_RE.search(q)) < 0.6 * len(questions):
            continue
        out += [ExtractedQuestion(q, (), None, answers[i + 1], None, None, None) for i, q in enumerate(questions)]
    return out
