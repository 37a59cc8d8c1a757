"""Questions whose answer an event handler reveals (auto).

Some quiz pages keep the answer in the markup of a handler that swaps it in on a hover or a
click: `onmouseover="toggle('clue_J_1_1', 'clue_J_1_1_stuck', '<em
class="correct_response">Pretty Boy Floyd</em>...')"` (J! Archive's clue grid). The handler
names the element it fills by id: that element holds the question; the answer is the text of
the element classed as the correct response in the handler's HTML. A handler whose HTML has
no such element (a host's remark, a score table) gives nothing.

The tree walk (lines.py) collects the handlers that hold HTML and a "correct" class, so a
page without them costs nothing here.
"""

from __future__ import annotations

import re

import lxml.html

from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import clean_text

__all__ = ["revealed_questions"]

# a JavaScript string literal in a handler: '...' or "..." with backslash escapes
_JS_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", re.S)
_ESCAPE = re.compile(r"\\(.)", re.S)
_CORRECT = re.compile(r"(?:^|[\s_-])correct(?:$|[\s_-])", re.I)
_MAX = 400  # handlers looked at per page
_MAX_ANSWER = 300


def _answer(html: str) -> str | None:
    """The text of the element classed as the correct response in a handler's HTML."""
    try:
        frag = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return None
    for el in frag.iter():
        if isinstance(el.tag, str) and _CORRECT.search(el.get("class") or ""):
            text = clean_text(" ".join(el.itertext()))
            return text if 0 < len(text) <= _MAX_ANSWER else None
    return None


def revealed_questions(root, handlers: list[tuple[object, str]]) -> list[ExtractedQuestion]:
    """Free-response questions from `handlers` ((element, handler code) pairs): the text of
    the element each names by id, and the correct response its HTML holds."""
    if not handlers:
        return []
    ids = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    out: list[ExtractedQuestion] = []
    seen: set[int] = set()
    for _, code in handlers[:_MAX]:
        args = [_ESCAPE.sub(r"\1", m.group(1) if m.group(1) is not None else m.group(2))
                for m in _JS_STRING.finditer(code)]
        html = next((a for a in args if "<" in a and "correct" in a), None)
        answer = _answer(html) if html is not None else None
        if answer is None:
            continue
        for arg in args:
            target = ids.get(arg)
            if target is None or id(target) in seen:
                continue
            question = clean_text(" ".join(target.itertext()))
            if len(question) >= 10:
                seen.add(id(target))
                out.append(ExtractedQuestion(question, (), None, answer, None, None, None))
                break
    return out
