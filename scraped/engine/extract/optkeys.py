"""Answers named by an option's key: the value of its radio button or its own data-key.

Many quiz pages do not letter the answer; they name the chosen option by the key their
script compares against. Each option carries a key (the `value` of its radio/checkbox
input, or a per-option `data-key` / `data-value` / `data-option` attribute) and the
answer is that key, written:

- on the question's container: `<div class="question" data-correct="b">`,
  `<li class="mc-item" data-correct="0">` (a 0-based value is a key like any other, not
  "false"), `<div class="mc" data-answer="c">` over `<button data-key="c">`;
- in a script's answer key, by the options' input name: `{ q1: "b", q2: "a" }`
  (`script_answers`, a page-level pass: several questions must resolve from one script).

A key is matched exactly (case folded) against the options' keys, so a container
attribute that names no option, or a script whose values fit no question, gives nothing.
The input's value can say it outright: `value="correct"` on one option, `value="wrong"` (or
nothing) on the others, or a score, `value="1"` on one of three or more and `value="0"` on
the rest (`value_answer`). An inline handler can say it too: `onclick="checkAnswer(this, true)"` on one option and the
same call with `false` on every other (`handler_answer`).
The right option's own feedback is its explanation: a `data-explanation` /
`data-explain` / `data-rationale` attribute on it, or an element of the record keyed like
it (`<div class="feedback" data-key="c">`), see `keyed_explanation`.
"""

from __future__ import annotations

import re

from scraped.engine.extract.records import inside

__all__ = ["OptionKeys", "container_answer", "handler_answer", "keyed_explanation", "option_elements",
           "option_keys", "script_answers", "value_answer"]

_KEY_ATTRS = ("data-key", "data-value", "data-option", "data-choice", "data-letter")
_CONTAINER_ATTRS = ("data-correct", "data-answer", "data-correct-answer", "data-ans", "data-correct-option",
                    "data-right", "data-solution", "data-correct-key")
_EXPL_ATTRS = ("data-explanation", "data-explain", "data-rationale", "data-solution", "data-why")
_CHOICES = ("radio", "checkbox")
_MAX_UP = 4  # levels above the options' common block: a record is shallow
_MAX_IN = 30  # elements looked at inside one option for its input
_MAX_SCRIPT = 500_000


class OptionKeys:
    """The keys of one question's options: `keys[i]` names option i (case folded);
    `name` is their radio group's name, `attr` the data attribute they came from (None
    for input values)."""

    __slots__ = ("keys", "name", "attr", "owners")

    def __init__(self, keys: list[str], name: str | None, attr: str | None, owners: list) -> None:
        self.keys, self.name, self.attr, self.owners = keys, name, attr, owners

    def index(self, value: str | None) -> int | None:
        """The option a written key names, or None."""
        if value is None:
            return None
        v = value.strip().casefold()
        return self.keys.index(v) if v and v in self.keys else None


def _input_of(el):
    """The radio/checkbox input an option element holds or labels, or None."""
    if el.tag == "input":
        return el if el.get("type") in _CHOICES else None
    for n, sub in enumerate(el.iter("input")):
        if n > _MAX_IN:
            break
        if sub.get("type") in _CHOICES:
            return sub
    target = el.get("for") if el.tag == "label" else None
    if target:  # <input id="q1a"><label for="q1a">: the input just before its label
        prev = el.getprevious()
        if prev is not None and prev.tag == "input" and prev.get("id") == target:
            return prev
    return None


def option_keys(owners: list) -> OptionKeys | None:
    """The options' keys when every option has one and no two share it; else None."""
    if len(owners) < 2 or len({id(o) for o in owners}) != len(owners):
        return None
    inputs = [_input_of(o) for o in owners]
    if all(i is not None and (i.get("value") or "").strip() for i in inputs):
        keys = [(i.get("value") or "").strip().casefold() for i in inputs]
        names = {i.get("name") for i in inputs}
        if len(set(keys)) == len(keys):
            return OptionKeys(keys, names.pop() if len(names) == 1 else None, None, owners)
    for attr in _KEY_ATTRS:
        values = [(o.get(attr) or "").strip().casefold() for o in owners]
        if all(values) and len(set(values)) == len(values):
            return OptionKeys(values, None, attr, owners)
    return None


def _common_block(owners: list):
    """The smallest element holding every option, or None."""
    first, rest = owners[0], owners[1:]
    el = first.getparent()
    n = 0
    while el is not None and n < 12:
        if all(inside(o, el, 40) for o in rest):
            return el
        el = el.getparent()
        n += 1
    return None


def container_answer(keys: OptionKeys):
    """(index, the element that named it) when the options' block, or a block up to four
    levels above it, carries an answer attribute whose value is one option's key; else
    (None, None)."""
    el = _common_block(keys.owners)
    for _ in range(_MAX_UP):
        if el is None or not isinstance(el.tag, str) or el.tag in ("body", "html"):
            break
        for attr in _CONTAINER_ATTRS:
            idx = keys.index(el.get(attr))
            if idx is not None:
                return idx, el
        el = el.getparent()
    return None, None


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def keyed_explanation(owner, keys: OptionKeys | None, record) -> str | None:
    """The right option's own feedback: an explanation attribute on its element `owner`,
    or (for keys from a data attribute) an element of the `record`, other than the
    options, keyed like it."""
    for el in (owner, _input_of(owner)):
        if el is None:
            continue
        for attr in _EXPL_ATTRS:
            value = " ".join((el.get(attr) or "").split())
            if len(value) >= 12:
                return value
    if keys is None or keys.attr is None or record is None or owner not in keys.owners:
        return None
    want = keys.keys[keys.owners.index(owner)]
    for n, el in enumerate(record.iter()):
        if n > 400:
            break
        if el is not owner and isinstance(el.tag, str) and (el.get(keys.attr) or "").strip().casefold() == want \
                and not any(inside(el, o, 40) or inside(o, el, 40) for o in keys.owners):
            text = _text(el)
            if len(text) >= 12:
                return text
    return None


def _root(el):
    return el.getroottree().getroot()


def _scripts(root) -> list[str]:
    out = []
    for el in root.iter("script"):
        text = el.text
        kind = (el.get("type") or "").lower()
        if text and len(text) <= _MAX_SCRIPT and not el.get("src") and (not kind or "javascript" in kind):
            out.append(text)
    return out


def script_answers(pending: list[tuple[OptionKeys, list[str]]]) -> dict[int, int]:
    """{position in `pending`: option index} from one script's answer key by input name
    (`{ q1: "b" }`, `q1: 'B'`, `"q1": "Amazonas"`): a value is an option's key, or else
    exactly an option's text. One script must answer at least two of the questions and at
    least half of them, or nothing is taken (a stray `q1: "x"` in a script is no key)."""
    named = [(n, k, opts) for n, (k, opts) in enumerate(pending) if k.name]
    if len(named) < 2 or len({k.name for _, k, _ in named}) != len(named):
        return {}
    scripts = _scripts(_root(named[0][1].owners[0]))
    for text in scripts:
        got: dict[int, int] = {}
        for n, keys, options in named:
            name = keys.name or ""
            if name not in text:
                continue
            m = re.search(r"(?<![\w$.-])[\"']?" + re.escape(name) + r"[\"']?\s*:\s*[\"']([^\"'\\\n]{1,120})[\"']", text)
            if m is None:
                continue
            idx = keys.index(m.group(1))
            if idx is None:
                folded = [o.casefold() for o in options]
                value = m.group(1).strip().casefold()
                idx = folded.index(value) if folded.count(value) == 1 else None
            if idx is not None:
                got[n] = idx
        if len(got) >= 2 and 2 * len(got) >= len(named):
            return got
    return {}


_HANDLER = re.compile(r"^\s*(?:return\s+)?([\w$.]+)\s*\((.*)\)\s*;?\s*$", re.S)
_BOOL = re.compile(r"(?<![\w$])(true|false)(?![\w$])")


def handler_answer(owners: list) -> int | None:
    """The one option whose inline click handler passes `true` where every other option
    passes `false` to the same function (`checkAnswer(this, true)` / `(this, false)`);
    None when the options have no such handlers, or more or less than one says true."""
    if len(owners) < 2 or len({id(o) for o in owners}) != len(owners):
        return None
    calls = []
    for el in owners:
        handler = el.get("onclick")
        if handler is None:
            inner = next((b for b in el.iter("button", "input", "a") if b.get("onclick")), None)
            handler = inner.get("onclick") if inner is not None else None
        m = _HANDLER.match(handler or "")
        if m is None:
            return None
        flags = _BOOL.findall(m.group(2))
        if len(flags) != 1:
            return None
        calls.append((m.group(1), _BOOL.sub("", m.group(2)).replace(" ", ""), flags[0]))
    if len({(name, rest) for name, rest, _ in calls}) != 1:
        return None  # not one function called alike: the flag is not what tells them apart
    true = [i for i, (_, _, flag) in enumerate(calls) if flag == "true"]
    return true[0] if len(true) == 1 else None


_SCORE_ATTRS = ("data-marks", "data-score", "data-points", "data-weight")
_POSITIVE = frozenset(("correct", "right", "true", "yes", "ok", "correcta", "correcto", "richtig", "vrai",
                       "answer"))  # (webexercises: value="answer" on the right radio, "" on the others)
_NEGATIVE = frozenset(("", "wrong", "incorrect", "false", "no", "x", "incorrecta", "incorrecto", "falsch", "faux",
                       "errado", "errada", "wrong-answer"))


def option_elements(owners: list, n: int) -> list | None:
    """One element per option: the options' own elements, or, when all `n` options are
    lines of one element (radio buttons separated by <br> in one <li>), its radio inputs of
    one group in order; None when neither holds."""
    if len(owners) == n and len({id(o) for o in owners}) == n:
        return owners
    if not owners or any(o is not owners[0] for o in owners):
        return None
    radios = [i for k, i in enumerate(owners[0].iter("input")) if k <= 60 and i.get("type") in _CHOICES]
    if len(radios) == n and len({i.get("name") for i in radios}) == 1:
        return radios
    return None


def value_answer(els: list, options: list[str]) -> int | None:
    """The one option whose input's value says it is right (value="correct", the others
    "wrong" or empty); None if the values are the options' own words (a True/False
    question's value="true"), or if not exactly one says right."""
    inputs = [_input_of(el) for el in els]
    if len(inputs) < 2 or any(i is None for i in inputs):
        return None
    for attr in _SCORE_ATTRS:  # data-marks="10" on the right radio only: a score per option
        scores = [(i.get(attr) or "0").strip() for i in inputs if i is not None]
        if all(v.isdigit() for v in scores) and sum(v != "0" for v in scores) == 1:
            return next(k for k, v in enumerate(scores) if v != "0")
    values = [(i.get("value") or "").strip().casefold() for i in inputs if i is not None]
    if len(values) >= 3 and values.count("1") == 1 and values.count("0") == len(values) - 1:
        return values.index("1")  # a score per option: 1 for the right one, 0 for the rest (not indices)
    right = [k for k, v in enumerate(values) if v in _POSITIVE]
    if len(right) != 1 or not all(v in _NEGATIVE for k, v in enumerate(values) if k != right[0]):
        return None
    if any(values[k] and values[k] == " ".join(o.split()).casefold() for k, o in enumerate(options)):
        return None  # the value names the option ("true" on the option True): not a verdict
    return right[0]
