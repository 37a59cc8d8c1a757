"""Questions asked by a form control that carries its own key (auto).

Exercise generators write the key on the control a reader fills in: webexercises (R
Markdown, Quarto) give `<select class="webex-solveme" data-answer='["1"]'>` with the choices
as its options, and `<input class="solveme" data-answer='["42"]'>` for a typed answer. The
question is the text of the block the control sits in (the control's own text left out:
"What is the default value for sd? [select]"), or, when the control stands alone in its
block, the block before it. A select's key must name one of its options; a control without
a key (a language picker, a search box) gives nothing, and the tree walk (lines.py)
collects only keyed ones (a text box also when its card carries the key: `<div class="q"
data-a="water">`; "a|b" accepts either), so a page without them costs nothing here.

Newer webexercises hide the key: an id "webex-<hex>" and a data-answer that is base64 of
the JSON key XORed with the hex digits (its webex.js `check_id`); it is read the same way.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from scraped.engine.extract.asked import asks
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import clean_text, strip_question_number
from scraped.engine.extract.signals import BLANK_RE

__all__ = ["keyed_questions"]

_BLOCKS = frozenset("p li div td dd label section article h1 h2 h3 h4 h5 h6".split())
_SKIP = frozenset(("select", "option", "script", "style", "input", "button", "textarea"))
_MAX = 200  # controls looked at per page
_MAX_QUESTION = 800
_HIDDEN_ID = re.compile(r"-([0-9a-f]+)$")  # webex.js: an id whose part after "-" has no g-z


def _unhide(raw: str, ident: str) -> str:
    """A webexercises key hidden by its id (see the module's doc), or raw if it is not one."""
    m = _HIDDEN_ID.search(ident)
    if m is None:
        return raw
    try:
        data = base64.b64decode(raw, validate=True).decode("latin-1").encode("utf-8")  # (atob, TextEncoder)
    except (binascii.Error, ValueError):
        return raw
    pad = m.group(1).encode()
    try:
        plain = bytes(b ^ pad[k % len(pad)] for k, b in enumerate(data)).decode("utf-8")
    except UnicodeDecodeError:
        return raw
    return plain.replace("&apos;", "'") if plain.startswith("[") else raw


def _keys(raw: str, ident: str = "") -> list[str]:
    """The accepted answers in a data-answer value: a JSON list of strings, or one string."""
    raw = raw.strip()
    if raw and not raw.startswith("[") and ident:
        raw = _unhide(raw, ident)
    if raw.startswith("["):
        try:
            values = json.loads(raw)
        except ValueError:
            return []
        return [clean_text(str(v)) for v in values if isinstance(v, (str, int, float)) and str(v).strip()]
    return [clean_text(v) for v in raw.split("|") if v.strip()]  # ("pesticides|pesticide": either)


def _text(el) -> str:
    """An element's text without the form controls inside it."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _SKIP:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _block(el):
    while el is not None and el.tag not in _BLOCKS:
        el = el.getparent()
    return el


def _question(control) -> str:
    block = _block(control.getparent())
    if block is None:
        return ""
    text = clean_text(_text(block))
    if len(text) < 3:  # the control alone in its paragraph: the question is the one before
        prev = block.getprevious()
        while prev is not None and not isinstance(prev.tag, str):
            prev = prev.getprevious()
        text = clean_text(_text(prev)) if prev is not None else ""
    return strip_question_number(text) if len(text) <= _MAX_QUESTION else ""


def keyed_questions(controls: list) -> list[ExtractedQuestion]:
    """A question per keyed select (its options, the one its key names) or text box, from
    (control, key, from its card) triples: the control's own data-answer, or its card's
    ("data-a"), then only where the text asks or leaves a blank."""
    out: list[ExtractedQuestion] = []
    for control, raw, carded in controls[:_MAX]:
        keys = _keys(raw or "", control.get("id") or "")
        question = _question(control)
        if not keys or len(question) < 3 or (carded and not (asks(question) or BLANK_RE.search(question))):
            continue  # (a card's key over a box in a form's table row, "open until [1]": no question written)
        if control.tag == "select":
            options = [clean_text(" ".join(o.itertext())) for o in control.iter("option")]
            options = [o for o in options if o]
            answer = next((options.index(k) for k in keys if k in options), None)
            if not 2 <= len(options) <= 10 or answer is None:
                continue  # (a key that names no option is no key)
            out.append(ExtractedQuestion(question, tuple(options), answer, options[answer], None, None, None))
        else:
            also = f"Also accepted: {', '.join(keys[1:])}." if len(keys) > 1 else None  # ("pesticides|pesticide")
            out.append(ExtractedQuestion(question, (), None, keys[0], also, None, None))
    return out
