"""Option runs: where a page lists a question's options, found on its lines.

A run is 2-6 consecutive options, marked by labels in sequence (A-F, a-f, 1-6, "Option
C", also several on one line: "A) 12 B) 15 C) 18"), or the items of one short list (a
<ul>/<ol>, or repeated sibling links/labels/buttons that lines.py numbers as a list),
or consecutive radio buttons / lines of an options container. An option may span several
lines (<br> inside one <li>); `heads` then says where each one starts.
"""

from __future__ import annotations

import re

from scraped.engine.extract.lines import (
    ANS,
    CHOICES,
    EXPL,
    HEADROW,
    HIDDEN,
    META,
    OPTBOX,
    RADIO,
    TOGGLE,
    Line,
)
from scraped.engine.extract.markup import radios
from scraped.engine.extract.normalise import (
    LABEL_START,
    has_question_number,
    option_label,
    split_inline_options,
)
from scraped.engine.extract.records import inside
from scraped.engine.extract.siblings import repeated
from scraped.engine.extract.signals import BARE_LABEL, K_ANSWER, K_EXPL, K_TOGGLE, kind

__all__ = ["Run", "choice_element", "find_runs", "merge_labels", "MAX_OPTIONS", "NOT_OPTION", "options_start"]

MAX_OPTIONS = 8  # A-H; Canvas's scenario questions have 7
_NUMBERED = re.compile(r"^(\d{1,3})[.)]")
NOT_OPTION = HIDDEN | ANS | EXPL | TOGGLE | HEADROW | META


class Run:
    __slots__ = ("start", "end", "options", "style", "kind", "prefix", "first", "heads")

    def __init__(self, start, end, options, style, kind, prefix="", heads=None):
        self.start, self.end = start, end  # option lines are lines[start:end]
        self.options, self.style, self.kind, self.prefix = options, style, kind, prefix
        # each option's first line (offsets from start) when an option spans several lines
        self.heads: list[int] | None = heads

    def per_option(self, opt_lines: list[Line]) -> list[list[Line]] | None:
        """The lines of each option (`opt_lines` is lines[start:end]), or None when they do
        not map to the options (several options on one line)."""
        if self.heads is None:
            return [[ln] for ln in opt_lines] if len(opt_lines) == len(self.options) else None
        bounds = self.heads + [len(opt_lines)]
        for n in range(1, len(self.heads)):  # an option's hidden id above its radio is its own, not the previous one's
            head = opt_lines[bounds[n]]
            if head.flags & (RADIO | CHOICES):
                choice = choice_element(head)
                while bounds[n] - 1 > bounds[n - 1] and (ln := opt_lines[bounds[n] - 1]).flags & HIDDEN and inside(
                        ln.owner, choice, 9):
                    bounds[n] -= 1
        return [opt_lines[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _within(el, box, depth: int = 3) -> bool:
    """Is `el` inside `box`, at most `depth` levels down (a label's div holding its text's <p>)?"""
    for _ in range(depth):
        el = el.getparent()
        if el is None:
            return False
        if el is box:
            return True
    return False


def merge_labels(lines: list[Line]) -> list[Line]:
    """Join a line holding only an option label ("A." in its own cell) to its sibling text."""
    out: list[Line] | None = None  # a copy only from the first join on
    n = len(lines)
    i = 0
    while i < n:
        ln = lines[i]
        t = ln.text
        if len(t) <= 12 and (t[:1] in LABEL_START or (len(t) == 1 and "A" <= t <= "J")) and i + 1 < n:
            if len(t) == 1 and t.isupper() and not ln.flags & NOT_OPTION:
                t = t + ")"  # a bare letter in its own cell or span: a label
            lab = option_label(t)
            nxt = lines[i + 1]
            inner = option_label(nxt.text) if lab is not None else None
            if (lab is not None and lab[2] >= len(t) and (inner is None or inner[0] != lab[0])
                    and not (len(nxt.text) == 1 and nxt.text.isalpha())  # "A", "B", ...: letters as the options
                    and (nxt.owner is ln.owner or nxt.owner.getparent() is ln.owner.getparent()
                         or nxt.owner is ln.owner.getparent()  # "<div class=option><div>A</div>40</div>"
                         or _within(nxt.owner, ln.owner))):
                if out is None:
                    out = lines[:i]
                # a label kept from view (wpProQuiz's hidden "1. ") does not hide the option
                flags = (ln.flags & ~HIDDEN if not nxt.flags & HIDDEN else ln.flags) | nxt.flags
                out.append(Line(t + " " + nxt.text, ln.owner, flags, nxt.box,
                                nxt.data_answer, ln.item, nxt.links, nxt.meta))
                i += 2
                continue
        if out is not None:
            out.append(ln)
        i += 1
    return lines if out is None else out


def _inner_number(text: str, style: str, inner: int) -> bool:
    """May a numbered line go on a lettered option? Only as the next step of a list inside
    it ("a." then "1. Colocar el CD", "2. ..."); "6.f a vehicle ..." after "c. ..." is the
    next question."""
    m = _NUMBERED.match(text) if style != "digit" else None
    return m is None or int(m.group(1)) == inner + 1


def _list_step(text: str) -> int:
    """The number a line starts with ("2. Llenar el idioma" is 2), 0 if none."""
    m = _NUMBERED.match(text)
    return int(m.group(1)) if m else 0


def _labelled_run(lines: list[Line], i: int) -> Run | None:
    ln = lines[i]
    lab = option_label(ln.text)
    prefix = ""
    if lab is not None and lab[1] == 0:
        style = lab[0]
        split = split_inline_options(ln.text, 0, style)
        if split and not split[0]:
            options = split[1]
        else:
            options = [ln.text[lab[2]:].strip()]
    elif lab is None:
        split = split_inline_options(ln.text)
        if split is None:
            return None
        prefix, options, style = split
    else:
        return None
    j = i + 1
    n = len(lines)
    heads: list[int] | None = [0] if len(options) == 1 else None
    multi = False
    inner = _list_step(options[-1])  # the last number of a numbered list inside the current option
    while j < n and len(options) < MAX_OPTIONS:
        nxt = lines[j]
        if nxt.flags & NOT_OPTION:
            break
        lab = option_label(nxt.text)
        if (heads is not None and prefix == "" and (lab is None or lab[0] != style)
                and (_same_item(lines[j - 1], nxt) or _within(nxt.owner, lines[i + heads[-1]].owner))
                and not (nxt.kind or kind(nxt)) & (K_ANSWER | K_EXPL | K_TOGGLE)
                and _inner_number(nxt.text, style, inner)):
            # an option of several lines (<br> in one <li>, or a numbered list inside "a.")
            options[-1] += " " + nxt.text
            inner = _list_step(nxt.text) or inner
            multi = True
            j += 1
            continue
        if lab is None or lab[0] != style or lab[1] != len(options):
            break
        if heads is not None:
            heads.append(j - i)
        split = split_inline_options(nxt.text, len(options), style)
        if split and not split[0]:
            options.extend(split[1])
            if len(split[1]) > 1:
                heads = None  # several options on one line
        else:
            options.append(nxt.text[lab[2]:].strip())
        inner = _list_step(options[-1])
        j += 1
    if len(options) < 2 or len(options) > MAX_OPTIONS or not all(options):
        return None
    return Run(i, j, options, style, "inline" if prefix else "label", prefix, heads if multi else None)


def _same_item(a: Line, b: Line) -> bool:
    """Are two lines parts of one list item (or one option element)?"""
    return (a.item is not None and a.item == b.item) or (a.item is None and b.item is None and a.owner is b.owner
                                                         and a.owner.tag in ("li", "label", "td", "dd"))


def _plain(ln: Line) -> bool:
    """A line that can continue an option: no answer, no options of its own."""
    return not (ln.kind or kind(ln)) & (K_ANSWER | K_EXPL) and split_inline_options(ln.text) is None


def _own_note(ln: Line) -> bool:
    """A hidden explanation inside an option's item ("Correct. Because ..." under each
    choice, shown once one is picked): per-option feedback, not an answer line."""
    return (ln.flags & (HIDDEN | EXPL) == HIDDEN | EXPL and not ln.flags & (ANS | TOGGLE | HEADROW | META)
            and not (ln.kind or kind(ln)) & K_ANSWER)


def _list_run(lines: list[Line], i: int) -> Run | None:
    lid, _, style = lines[i].item
    items: list[list[str]] = []
    heads: list[int] = []
    j = i
    n = len(lines)
    noted: set[int] = set()  # items holding a hidden note of their own after their text
    radios = 0  # radio buttons in the current item
    notes = 0  # items that are the feedback of the option item before them (Runestone's)
    while j < n:
        ln = lines[j]
        if ln.item is None or ln.item[0] != lid:
            break
        idx = ln.item[1] - notes
        if ln.flags & NOT_OPTION:
            if (idx == len(items) and items and idx - 1 in noted) or not _own_note(ln):
                break
            if idx == len(items) and items:
                notes += 1  # a hidden feedback item of its own after the option's
                idx -= 1
            elif idx != len(items) - 1:
                break
            noted.add(idx)  # the option's own feedback (hidden "Correct. ..."): not its text
            j += 1
            continue
        if ln.flags & RADIO:
            radios += 1 if idx == len(items) - 1 else 0
            if radios >= 2:
                return None  # an item holding several radio buttons is a question, not an option
        if idx == len(items):
            items.append([ln.text])
            heads.append(j - i)
            radios = 1 if ln.flags & RADIO else 0
        elif idx == len(items) - 1 and (len(items[-1]) < 2 or (
                len(items[-1]) < 6 and ln.owner is lines[j - 1].owner and _plain(ln))):
            items[-1].append(ln.text)  # a second line, or <br>-separated lines of one item
        else:
            return None
        j += 1
    if j < n and lines[j].item is not None and lines[j].item[0] == lid:
        return None  # the list goes on past an answer or hidden line: not a plain option list
    if noted and len(noted) != len(items):
        return None  # a hidden note under some options only: an answer box, not per-option feedback
    if not 2 <= len(items) <= MAX_OPTIONS:
        return None
    options = [" ".join(parts) for parts in items]
    return Run(i, j, options, style, "list", "", heads if j - i > len(items) else None)


def choice_element(ln: Line):
    """The element of one option around a radio line: the highest ancestor (a few levels
    up) that holds no other radio button."""
    el = ln.owner
    for _ in range(6):
        parent = el.getparent()
        if parent is None or radios(parent, 2, 40) > 1 or (ln.flags & CHOICES and repeated(el, el.get("class"))):
            return el
        el = parent
    return el


def _choice_run(lines: list[Line], i: int, flag: int) -> Run | None:
    """Options (radio lines, or CHOICES: repeated "answer" elements in an options box) with
    hidden copies between them (Canvas keeps each option's text again in hidden matching and
    numeric boxes): the hidden lines inside an option's element, or before the next option
    line, belong to the run, not to the answer after it."""
    j, n = i, len(lines)
    heads: list[int] = []
    choice = None
    while j < n and len(heads) <= MAX_OPTIONS:
        ln = lines[j]
        if ln.flags & flag and not ln.flags & NOT_OPTION:
            heads.append(j - i)
            choice = choice_element(ln)
        elif ln.flags & HIDDEN and not ln.flags & RADIO and choice is not None and (
                inside(ln.owner, choice, 9) or _next_is(lines, j, flag)):
            pass
        else:
            break
        j += 1
    if not 2 <= len(heads) <= MAX_OPTIONS or len(heads) == j - i:
        return None  # no hidden lines among them: _group_run's plain run
    return Run(i, j, [lines[i + h].text for h in heads], None, "radio" if flag == RADIO else "box", "", heads)


def options_start(lines: list[Line], run: Run) -> int:
    """Where the run's options begin in the page: its start, or the first option's hidden
    lines just above it (Canvas puts an option's id, and a hidden copy of its text, before
    its radio: part of the option, not the question's end)."""
    k = run.start
    if k == 0 or not lines[k].flags & (RADIO | CHOICES) or not lines[k - 1].flags & HIDDEN:
        return k
    choice = choice_element(lines[k])  # (looked up once: it climbs the tree)
    while k > 0 and run.start - k < 8 and lines[k - 1].flags & HIDDEN and inside(lines[k - 1].owner, choice, 9):
        k -= 1
    return k


def _next_is(lines: list[Line], j: int, flag: int, window: int = 8) -> bool:
    """Is the next line that is not hidden, within `window`, an option line of the run?"""
    for ln in lines[j + 1:j + 1 + window]:
        if not ln.flags & HIDDEN:
            return bool(ln.flags & flag) and not ln.flags & NOT_OPTION
    return False


def _group_run(lines: list[Line], i: int, flag: int) -> Run | None:
    j = i
    n = len(lines)
    while j < n and lines[j].flags & flag and not lines[j].flags & NOT_OPTION and j - i <= MAX_OPTIONS:
        j += 1
    if not 2 <= j - i <= MAX_OPTIONS:
        return None
    return Run(i, j, [ln.text for ln in lines[i:j]], None, "radio" if flag == RADIO else "box")


def find_runs(lines: list[Line]) -> list[Run]:
    runs: list[Run] = []
    i, n = 0, len(lines)
    while i < n:
        ln = lines[i]
        run = None
        if not ln.flags & NOT_OPTION:
            run = _labelled_run(lines, i)
            if run is None and ln.item is not None and ln.item[1] == 0:
                run = _list_run(lines, i)
            if run is None and ln.flags & RADIO:
                run = _group_run(lines, i, RADIO) or _choice_run(lines, i, RADIO)
            if run is None and ln.flags & OPTBOX:
                run = _group_run(lines, i, OPTBOX)
            if run is None and ln.flags & CHOICES:
                run = _choice_run(lines, i, CHOICES)
        if run is not None and run.end < n and _goes_on(lines, run):
            run = None  # "1. ...<br>2. ...<br>Which statement...?": numbered lines inside a question
        if run is not None and runs and _answer_grid(lines, runs[-1], run):
            i = run.end  # (none of its lines starts a run)
            continue
        if run is not None:
            runs.append(run)
            i = run.end
        else:
            i += 1
    return runs


def _answer_grid(lines: list[Line], above: Run, run: Run) -> bool:
    """Is `run` the header cells of a grid of radio buttons right under the options above
    ("Позначте відповіді:", then <th> А Б В Г, and 1 2 3 4 for a matching task's rows): where
    the answer is marked, not more options?"""
    if run.start - above.end > 3:
        return False
    cells = [ln for ln in lines[run.start:run.end] if not BARE_LABEL.match(ln.text)]
    letters = [ln.text for ln in cells if not ln.text.isdigit()]
    if len(letters) < 2 or not all(ln.owner.tag == "th" and len(ln.text) <= 2 for ln in cells):
        return False
    index = [got[1] if len(t) == 1 and (got := option_label(t + ".")) is not None else -9 for t in letters]
    return all(b == a + 1 for a, b in zip(index, index[1:], strict=False))  # (a grid too long for one run: its tail)


def _goes_on(lines: list[Line], run: Run) -> bool:
    """Does the block holding the run's last line go on with text that is not an answer?"""
    last, nxt = lines[run.end - 1], lines[run.end]
    if nxt.owner is not last.owner or nxt.flags & (NOT_OPTION | RADIO):
        return False
    if run.style in ("upper", "lower") and has_question_number(nxt.text):
        return False  # "a. ...<br>b. ...<br>2. You are coming...": lettered options, then the next question
    return not (nxt.kind or kind(nxt)) & (K_ANSWER | K_EXPL | K_TOGGLE)
