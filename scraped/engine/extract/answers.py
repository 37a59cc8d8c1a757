"""Which option is the answer: the catalogue of signals a page gives, strongest first.

1. text: an answer line or box after the options ("Answer: Option C", "Answer : A",
   "The correct answer is (B)", "Ans: d", "Correct Answer: B"), read by auto._after;
2. class: exactly one option marked by its markup (class correct / true / right /
   is-correct / correct-hidden, data-correct="true"), flagged CORRECT by lines.py; or by
   its inline handler (`onclick="check(this, true)"`, the others `false`) or its input's
   value (`value="correct"`, the others "wrong"), optkeys.py;
3. data: a data-answer (data-correct-answer, data-ans...) attribute on or above the
   options or the question; when the options carry keys (radio values, data-key), a
   container attribute naming one of them (optkeys.py), and never an option's own key;
4. input: a hidden <input> named like an answer (answer, correct, key) between the
   options and the next question;
5. mark: exactly one option that looks different from its siblings: an inline style
   (colour, background, bold) or a <b>/<strong> around its whole text, or a class word
   of correctness (answer, success) that no sibling has; of options `<br>`-separated in
   one element, the one line that is a <b>/<strong> (`bold_line`);
6. key: an answer key at the end of the page ("1-B 2-C", "1. (b)"), keys.py;
7. json: a schema.org Quiz or a framework's state object in a script, scripts.py; an
   answer key by input name (`{ q1: "b" }`) in a script, optkeys.script_answers;
8. ticked: the one ticked box of a markdown task list ("- [x] text"), task_list_answer;
9. graded: on a graded attempt's results page that shows no key, the one checked radio of a
   question scored full marks ("1 / 1 pts", "Mark 1.00 out of 1.00"), graded.py;
10. verdicts: one hidden feedback per option, in the options' order, one saying "Correct."
   and the others "False." / "Wrong." (a quiz that shows the chosen option's), `verdict_answer`.

Decoys give nothing: vote tallies and "most voted" badges are skipped by lines.py (their
classes), so are comments and navigation; an answer label with no value in a results
template ("Correct Answer", "You Selected") names no option and resolves to nothing.
Each function returns (index or None, answer text or None, the signal's name).
"""

from __future__ import annotations

import re

from scraped.engine.extract.lines import CORRECT, HEADING, HIDDEN, Line
from scraped.engine.extract.normalise import option_label, resolve_answer
from scraped.engine.extract.optkeys import (
    OptionKeys,
    container_answer,
    handler_answer,
    value_answer,
)

__all__ = ["answer_for", "class_words", "marked_options", "odd_one_out", "task_list_answer", "verdict_answer"]

# an inline style that sets a colour, a background or a weight: how a page paints one option
_PAINT = re.compile(r"(?:^|;)\s*(color|background(?:-color)?|font-weight)\s*:\s*([^;]*)", re.I)
# the values text has anyway: black on white, normal weight (styles pasted from a word processor)
_PLAIN_PAINT = frozenset(("#000", "#000000", "black", "rgb(0, 0, 0)", "rgb(0,0,0)", "#fff", "#ffffff", "white",
                          "rgb(255, 255, 255)", "rgb(255,255,255)", "transparent", "none", "inherit", "initial",
                          "normal", "400"))
_CORRECT_WORDS = frozenset(("answer", "ans", "success", "correct", "right", "true", "key"))
_WORDS = re.compile(r"[^a-z0-9]+")
_MAX_WALK = 40  # elements looked at per option: options are small


def _painted(el) -> bool:
    """Does the option's element, or an element inside it, carry a colour/weight style or
    a <b>/<strong>/<mark> holding all of its text?"""
    whole = " ".join("".join(el.itertext()).split())
    for n, sub in enumerate(el.iter()):
        if n > _MAX_WALK:
            break
        if not isinstance(sub.tag, str):
            continue
        style = sub.get("style")
        if style and _paints(style) and (sub is el or 2 * len(" ".join("".join(sub.itertext()).split())) >= len(whole)):
            return True  # the element, or a part holding at least half its text ("T<span>he Path</span> is" is not)
        if sub is not el and sub.tag in ("b", "strong", "mark") and whole and (
                " ".join("".join(sub.itertext()).split()) == whole):
            return True
    return False


def _paints(style: str) -> bool:
    """Does the style set a colour, background or weight other than plain text's?"""
    return any(m.group(2).strip().lower().removesuffix("!important").strip() not in _PLAIN_PAINT
               for m in _PAINT.finditer(style))


def class_words(el) -> frozenset[str]:
    return frozenset(_WORDS.split((el.get("class") or "").lower())) - {""}


def odd_one_out(owners: list) -> tuple[int | None, str]:
    """(index, how) of the one option element that differs from all its siblings by an
    inline paint or a correctness word in its class; (None, "") if none or several."""
    if len(owners) < 2 or len({id(o) for o in owners}) != len(owners):
        return None, ""  # options that share an element cannot be told apart by it
    painted = [i for i, el in enumerate(owners) if _painted(el)]
    if len(painted) == 1:
        return painted[0], "mark: inline style"
    words = [class_words(el) for el in owners]
    common = frozenset.intersection(*words)
    extra = [i for i, w in enumerate(words) if (w - common) & _CORRECT_WORDS]
    if len(extra) == 1:
        return extra[0], "mark: class"
    return None, ""


def bold_line(texts: list[str], owner) -> int | None:
    """The one option line, of options that share one element (`<br>`-separated in a
    `<div>`), whose whole text is a `<b>`/`<strong>` in it: "<b>c. Stop the vehicle ...</b>"."""
    bold = {" ".join("".join(el.itertext()).split()) for el in owner.iter("b", "strong")}
    hits = [k for k, t in enumerate(texts) if t in bold]
    return hits[0] if len(hits) == 1 else None


def answer_for(run, raw: str | None, opt_lines: list[Line], q_line: Line | None, options: list[str],
               hidden: str | None = None, keys: OptionKeys | None = None,
               els: list | None = None, zero_based: bool = False) -> tuple[int | None, str | None, str]:
    """(index, answer text, signal) of a run's answer from the signals on and around it;
    `raw` is the answer as written after the options, `hidden` a hidden input's value,
    `keys` the options' own keys and `els` one element per option (optkeys.py);
    `zero_based`: the page's data attributes count options from 0 (one says "0")."""
    style = run.style
    if run.kind == "list":
        labels = [option_label(o) for o in run.options]
        if labels and labels[0] is not None and all(labels):
            style = labels[0][0]
    if raw is not None:
        idx, text = resolve_answer(raw, options, style)
        if idx is not None:
            return idx, text, "text"
    groups = run.per_option(opt_lines)
    if groups is not None and len(groups) == len(options):
        marked = [i for i, group in enumerate(groups) if any(ln.flags & CORRECT for ln in group)]
        if len(marked) == 1:
            return marked[0], options[marked[0]], "class"
    if els is not None:
        idx = handler_answer(els)
        if idx is not None:
            return idx, options[idx], "handler: inline true/false"
        idx = value_answer(els, options)
        if idx is not None:
            return idx, options[idx], "input: value says right"
    if keys is not None:
        idx, _ = container_answer(keys)
        if idx is not None:
            return idx, options[idx], "data: an option's key"
    own = opt_lines[0].data_answer if opt_lines else None
    if own is not None and groups is not None and len(groups) > 1 and len(
            {group[0].data_answer for group in groups}) == len(groups):
        own = None  # every option carries its own value (data-key="a", "b"...): a key, not the answer
    for value, how in ((own, "data"), (q_line.data_answer if q_line is not None else None, "data"),
                       (hidden, "input")):
        if value is not None:
            if zero_based and how == "data" and value.isdigit():
                if int(value) < len(options):  # data-correct="0" on some card: "1" is the second option
                    return int(value), options[int(value)], "data: an index from 0"
                continue
            idx, text = resolve_answer(value, options, style)
            if idx is not None:
                return idx, text, how
    if groups is not None and len(groups) == len(options):
        idx, how = odd_one_out([group[0].owner for group in groups])
        if idx is None and len({id(group[0].owner) for group in groups}) == 1:
            idx, how = bold_line([group[0].text for group in groups], groups[0][0].owner), "mark: bold line"
        if idx is not None:
            return idx, options[idx], how
    if raw is not None:  # an answer that names no option: kept as written
        idx, text = resolve_answer(raw, options, style)
        return idx, text, "text" if text else ""
    return None, None, ""


def task_list_answer(choices: list) -> int | None:
    """The one ticked item of a markdown task list (`- [x] text` rendered as
    `<ul class="task-list"><li><input type="checkbox" disabled checked>text`): a key written
    in markdown, not a student's choice (those are not disabled task lists)."""
    if not choices:
        return None
    parent = choices[0].getparent()
    if parent is None or "task-list" not in (parent.get("class") or "") + (choices[0].get("class") or ""):
        return None
    ticked = []
    for i, el in enumerate(choices):
        box = next(el.iter("input"), None)
        if box is None or box.get("type") != "checkbox" or box.get("disabled") is None:
            return None
        if box.get("checked") is not None:
            ticked.append(i)
    return ticked[0] if len(ticked) == 1 else None


def marked_options(run, opt_lines: list[Line]) -> int:
    """How many options the markup marks (class or paint) when more than one is: a
    "choose two" question's answers, which one letter cannot hold but which still show
    that the block is a question with its answers marked."""
    groups = run.per_option(opt_lines)
    if groups is None or len(groups) < 3:
        return 0
    classed = sum(1 for group in groups if any(ln.flags & CORRECT for ln in group))
    owners = [group[0].owner for group in groups]
    if len({id(o) for o in owners}) != len(owners):
        return classed
    painted = sum(1 for el in owners if _painted(el))
    best = max(classed, painted if painted < len(groups) else 0)
    return best if 2 <= best < len(groups) else 0


_VERDICT = re.compile(r"^(?:(?P<yes>correct|right|richtig|correcto|correcta|correct[eo]|riktig|rett"
                      r"|(?:opci[oó]n|respuesta|option|answer)\s+correct[ao]?)"
                      r"|(?P<no>false|wrong|incorrect|not\s+quite|falsch|incorrecto|incorrecta|feil|galt))\b[.!:,]?\s*",
                      re.I)


def verdict_answer(after: list[Line], n: int) -> tuple[int | None, str | None]:
    """(index, its feedback) when a group of hidden lines after the options holds one
    verdict per option, exactly one of them right: "Correct. `#` matches all topics",
    "False. ..." with reasons, or bare verdicts as the items of one list ("Incorrecto",
    "Opción correcta"); or, from three options up, "Incorrecto" for every option but one,
    whose line is its feedback (eXeLearning's per-option feedback)."""
    group: list[tuple[Line, re.Match[str] | None]] = []
    for ln in after[:3 * n + 6]:
        if not ln.flags & HIDDEN or ln.flags & HEADING:
            if group:
                found = _verdicts(group, n)
                if found[0] is not None:
                    return found
                group = []
            continue
        group.append((ln, _VERDICT.match(ln.text)))
        if len(group) == n:
            found = _verdicts(group, n)
            if found[0] is not None:
                return found
            group = group[1:]
    return None, None


def _verdicts(group: list[tuple[Line, re.Match[str] | None]], n: int) -> tuple[int | None, str | None]:
    if len(group) != n:
        return None, None
    yes = [k for k, (_, m) in enumerate(group) if m is not None and m.group("yes") is not None]
    no = [k for k, (_, m) in enumerate(group) if m is not None and m.group("no") is not None]
    whys = [ln.text[m.end():].strip() if m is not None else ln.text for ln, m in group]
    if len(yes) == 1 and len(no) == n - 1:
        first = group[0][0].item
        listed = n >= 3 and first is not None and all(ln.item is not None and ln.item[0] == first[0] for ln, _ in group)
        if listed or any(len(why.split()) >= 2 for why in whys):
            # (bare "Correct!" / "Wrong!" lines outside a list are a result template, not one per option)
            return yes[0], whys[yes[0]] if len(whys[yes[0]].split()) >= 2 else None
    if n >= 3 and len(no) == n - 1 and not yes and all(not whys[k] for k in no):
        right = next(k for k in range(n) if k not in no)
        return right, whys[right]
    return None, None
