"""Reading a question's text above its options and its answer region below them (auto).

- `read_question`: the nearest text above a run of options: a question number alone,
  "Options:" headers and toggles skipped; lines of one block joined; a code block joins
  the question above it; numbered lines of one paragraph stay in it.
- `block_question`: the lines of a record's whole question block (records.py).
- `read_after`: the answer as written and the explanation after the options: an
  "Answer: ..." line, an answer box (hidden, <details>, class "answer", a table's Answer
  column, a hidden answer input), an "Explanation" heading and what follows it in its box.
  Result templates ("Correct Answer" / "You Selected") name no answer.
"""

from __future__ import annotations

import re

from scraped.engine.extract.lines import (
    ANS,
    CODE,
    EXPL,
    HEADING,
    HEADROW,
    HIDDEN,
    INPUT,
    META,
    RADIO,
    TOGGLE,
    Line,
)
from scraped.engine.extract.lines import HEADINGS as HEADING_TAGS
from scraped.engine.extract.normalise import has_question_number
from scraped.engine.extract.records import inside
from scraped.engine.extract.runs import Run, options_start
from scraped.engine.extract.signals import (
    ANSWER_RE,
    BARE_LABEL,
    EMBEDDED_EXPL,
    EXPL_RE,
    GROUP_LABEL,
    K_ANSWER,
    K_EXPL,
    K_OPTHDR,
    K_QNUM,
    K_TOGGLE,
    kind,
    labelled_answer,
    matched_value,
    names_own_choice,
)

__all__ = ["block_question", "hints", "read_after", "read_question", "skippable", "stops_question"]

# a quiz's result message templates, shown after a choice: no answer of the page's own
_TEMPLATE = re.compile(r"^(?:(?:you(?:r)?\s+(?:selected|answer(?:ed)?|chose|choice|picked)|your\s+answer)\b"
                       r"|(?:correct|incorrect|wrong|right|well done|try again|not quite"
                       r"|correct[oa]|incorrect[oa]|errad[oa]|richtig|falsch)[!.]?$)", re.I)

# an attempt's state under the options ("Question was not answered", "Not answered"): about
# the reader, not the question; the feedback after it still belongs to the question
_UNANSWERED = re.compile(r"^(?:(?:this\s+)?question\s+(?:was\s+)?not\s+answered|not\s+(?:yet\s+)?answered"
                         r"|unanswered|you\s+did\s+not\s+answer(?:\s+this\s+question)?)[.!]?$", re.I)

# a question's own heading, its number and a title: "Question 1: Estimating Request Throughput"
_TITLED = re.compile(r"^(?:question|q)\s*\d{1,3}\s*[:.\u2013-]\s*[^\W\d_]\w*(?:\s+\S+)+", re.I)
# a label of the question's metadata in an answer box: its difficulty, its topic
_META_LABEL = re.compile(r"^(?:知识点|难易度|难度|difficulty|difficulty\s+level|topic|knowledge\s+points?)\s*:", re.I)
# a screen-reader label's "Question 6" after a text box's "Answer:" (Moodle), in a few languages
_QLABEL = re.compile(r"^(?:question|pregunta|quest[ãa]o|frage|domanda|vraag|soru|pytanie|c[âa]u(?:\s+h[ỏo]i)?"
                     r"|вопрос|питання|otázka)\s*\d{1,3}$", re.I)
# a post's byline and counters between the question and its options: "by Peter Jordan", "69,788 views"
_BYLINE = re.compile(r"^(?:by\s+[\w .'-]{2,60}|[\d,.]+\s*[km]?\s*(?:views?|votes?|likes?|plays?))$", re.I)


# a question's tags in one short line: "Lesson L01 · Gdp", "Easy • 2 min"
_TAGS = re.compile(r"^[^.?!:\u00b7\u2022]{1,40}(?:\s[\u00b7\u2022]\s[^.?!:\u00b7\u2022]{1,40}){1,4}$")


def _badge(ln: Line) -> bool:
    """A category or difficulty badge, by its markup or as a line of tags."""
    return bool(ln.flags & META) or (("\u00b7" in ln.text or "\u2022" in ln.text) and _TAGS.match(ln.text) is not None)


def skippable(ln: Line) -> bool:
    return bool(ln.flags & (TOGGLE | HEADROW)) or ln.owner.tag == "button" or bool((ln.kind or kind(ln)) & (K_QNUM | K_OPTHDR)) or len(
        ln.text) < 2 or _caption(ln.owner) or _badge(ln)


def _caption(el) -> bool:
    """A figure's caption between a question and its options ("Machine Learning Q10" under the image)."""
    return el.tag == "figcaption" or (el.tag == "p" and "caption" in (el.get("class") or ""))


def stops_question(ln: Line) -> bool:
    return bool(ln.flags & (ANS | EXPL | HIDDEN)) or bool((ln.kind or kind(ln)) & (K_ANSWER | K_EXPL)) or (
        ln.links >= 0.6 * len(ln.text))


def read_question(lines: list[Line], run: Run, floor: int) -> tuple[list[str], int, bool, Line | None]:
    """(question parts, index of its first line, numbered?, the main question line)."""
    parts: list[str] = []
    first = run.start
    numbered = False
    core: Line | None = None
    if run.prefix:
        parts = [run.prefix]
        core = lines[run.start]
    k = max(options_start(lines, run), floor) - 1  # past the first option's hidden id and copies
    while k >= floor:
        ln = lines[k]
        if core is None and (GROUP_LABEL.match(ln.text) or _BYLINE.match(ln.text)):
            k -= 1  # "Answer 1:" over a dropdown's choices
            continue
        if ln.flags & HEADING and ln.flags & HIDDEN and not ln.flags & (ANS | EXPL) and not (
                ln.kind or kind(ln)) & (K_ANSWER | K_EXPL):
            if core is not None:
                break  # a screen reader's "Question" heading over the question: where it starts
            k -= 1  # its "Answers" heading over the options
            continue
        if stops_question(ln):
            break
        if skippable(ln):
            qnum = bool(ln.kind & K_QNUM)  # stops_question ran kind()
            numbered = numbered or qnum
            if core is not None:  # a number or badge above the question text starts it
                badge = _badge(ln)
                if qnum or badge:
                    first = k
                if not badge:
                    break
            k -= 1
            continue
        if core is None:
            core, parts, first = ln, [ln.text], k
        elif lines[first].flags & CODE and not ln.flags & CODE and not has_question_number(parts[0]):
            # the code block belongs to the question above it ("What does this print?")
            core, first = ln, k
            parts.insert(0, ln.text)
        elif ln.owner is core.owner and len(parts) < 16 and not ln.flags & HEADING and not (
                len(parts) == 1 and has_question_number(parts[0])):  # (the question's own number starts it)
            parts.insert(0, ln.text)  # one block's <br>-separated lines: "... to:", "1. ...", "2. ..."
            first = k
        else:
            if ln.flags & HEADING and k == first - 1 and _TITLED.match(ln.text) and not has_question_number(
                    parts[0]) and len(ln.text) <= 120:
                parts.insert(0, ln.text)  # "Question 1: Estimating Request Throughput" over its stem: its title
                first, numbered = k, True
                break
            if ln.flags & CODE and len(parts) < 4 and not has_question_number(parts[0]):
                parts.insert(0, ln.text)  # the code a question under it asks about ("the above block of code")
                first = k
                k -= 1
                continue
            if (len(parts) >= 4 or ln.flags & HEADING or has_question_number(parts[0])
                    or ln.text.endswith("?")
                    or ln.owner.getparent() is not core.owner.getparent()):
                break
            parts.insert(0, ln.text)
            first = k
        k -= 1
    return parts, first, numbered, core


def block_question(block: list[Line]) -> tuple[list[str], bool, Line] | None:
    """(parts, numbered?, main line) of a question block's lines, None if one of them
    cannot be part of a question (an answer, an explanation)."""
    parts: list[str] = []
    numbered = False
    core = None
    for ln in block:
        if stops_question(ln):
            return None
        if skippable(ln):
            numbered = numbered or bool(ln.kind & K_QNUM)
            continue
        parts.append(ln.text)
        core = ln
    return (parts, numbered, core) if core is not None else None


def _opens_box(ln: Line) -> bool:
    """The labelled line's paragraph is the first thing in its parent (a box of its own,
    not one paragraph among an article's), so the parent's next paragraphs go on with it."""
    owner = ln.owner
    parent = owner.getparent()
    return (owner.tag in ("p", "div") and parent is not None and owner.getprevious() is None
            and not (parent.text or "").strip() and parent.tag not in ("body", "article", "main"))


def _in_box(el, box) -> bool:
    """`el` is the explanation's box or a list or table at most two levels inside it."""
    for _ in range(3):
        if el is box:
            return True
        if el is None:
            return False
        el = el.getparent()
    return False


def _in_feedback(el, box) -> bool | None:
    """None when `el` is not inside `box` (at most 5 levels down); else whether it sits in a
    part classed as the feedback on one choice ("specificfeedback")."""
    specific = False
    for _ in range(6):
        if el is None:
            return None
        if el is box:
            return specific
        specific = specific or (el.get("class") or "").startswith("specific")
        el = el.getparent()
    return None


_TICKS = frozenset("\u2713\u2714\u2705")


def read_after(lines: list[Line], start: int, limit: int) -> tuple[str | None, list[str], int, list[Line], bool]:
    """(answer as written, explanation parts, end index, meta lines, weak) after a run;
    weak: the answer is only the text of a hidden element (no answer label or box), to be
    kept only if it names an option."""
    answer: str | None = None
    weak = False
    expl: list[str] = []
    metas: list[Line] = []
    expect_value = False
    in_expl = False
    box = None  # the element holding a bare "Explanation" heading and the explanation
    feedback = None  # a review's outcome box, under a screen-reader "Feedback" heading
    prev: Line | None = None
    label: Line | None = None  # the bare key label ("正确答案:") whose value is read
    holder = None  # the element holding that value, while later lines may go on with it
    j = start
    while j < limit:
        ln = lines[j]
        t, f = ln.text, ln.flags
        k = ln.kind or kind(ln)
        if f & META:
            metas.append(ln)
        elif t in _TICKS:
            pass  # a bare tick heading the answer box
        elif (f & TOGGLE or k & K_TOGGLE) and not k & K_ANSWER and not (
                k & K_EXPL and not f & TOGGLE and not ln.links and ln.owner.tag != "button"):
            pass  # "Show answer" (but a bare "Explanation" heading in the text heads the explanation)
        elif f & HEADING and f & HIDDEN and not k & (K_ANSWER | K_EXPL):
            # a screen-reader heading ("Feedback", "Question text"): a label, not content; over
            # a review's outcome box (Moodle), the feedback and the key inside that box follow
            feedback = ln.owner.getparent()
        elif ln.links >= 0.8 * len(t) or ln.owner.tag == "button" or f & RADIO:
            pass  # "View answer", "Discuss", "Report" links, buttons and form controls around the answer
        elif answer is None and k & K_ANSWER and (m := ANSWER_RE.match(t)):
            value = matched_value(m)
            if _QLABEL.match(value):
                value = ""  # "Answer: <hidden>Question 6</hidden>": a text box's label, its key below
            if value:
                expect_value = False  # "Answer:" then, further down, "The correct answer is: 42"
                parts = EMBEDDED_EXPL.split(value, 1)
                answer = parts[0].strip() or None
                if len(parts) > 1 and parts[1].strip():
                    expl.append(parts[1].strip())
                    in_expl = True
            else:
                expect_value, label = True, ln
        elif holder is not None and answer is not None and not k & (K_ANSWER | K_EXPL) and _goes_on(ln, holder):
            answer += " " + t  # the key's later paragraphs, or its next blank's value "(2) 共享"
        elif k & K_EXPL and (m := EXPL_RE.match(t)):
            if m.group("v"):
                expl.append(m.group("v").strip())
                if _opens_box(ln):  # "Explanation: ..." first in its box: the box's paragraphs follow
                    box = ln.owner.getparent()
            elif ln.owner.tag in HEADING_TAGS or ln.owner.tag in ("p", "div", "strong", "b"):
                # a bare "Explanation" heading: what follows it in its box is the explanation
                box = ln.owner.getparent()
            in_expl = True
            expect_value = False
        elif expect_value:
            if not _TEMPLATE.match(t):  # "Correct Answer" / "You Selected": a result template
                labelled, key = labelled_answer(t)  # "Resposta:" then "A resposta correta é: -1"
                answer = key if labelled and key else t
                if not labelled and label is not None:
                    holder = _value_holder(ln, label)
            expect_value = False
        elif f & INPUT and j + 1 < limit and lines[j + 1].flags & INPUT:
            break  # a block of hidden answer inputs: the page's store of answers (passes.py)
        elif f & (ANS | EXPL | HIDDEN) and _TEMPLATE.match(t):
            in_expl = True  # a result message kept from view ("Correct", "Incorrect"): no key; its feedback follows
        elif _META_LABEL.match(t) or (in_expl and f & ANS and BARE_LABEL.match(t)):
            pass  # "难易度: 0.8-1.0 (易)" ("difficulty"), an empty "知识点:" in the box: about the question
        elif f & ANS and answer is None and not in_expl and BARE_LABEL.match(t):
            expect_value = not names_own_choice(t)  # "正确答案:" then its value; "我的答案:" then the student's
        elif f & (ANS | EXPL | HIDDEN):
            labelled, key = labelled_answer(t) if f & ANS else (False, None)
            if labelled and key is None:
                pass  # "我的答案:B" ("my answer"): the student's choice, not the key
            elif answer is None and not expl and not f & EXPL and not in_expl:
                # "A resposta correta é: 1o e 2o", "我的答案:B 正确答案:A": the key's value
                answer, weak = (key if labelled else t), not f & (ANS | INPUT)
            else:
                expl.append(t)
        elif feedback is not None and (where := _in_feedback(ln.owner, feedback)) is not None:
            if not where:  # the feedback on the student's own choice explains that choice, not the question
                expl.append(t)
        elif _UNANSWERED.match(t):
            pass
        elif in_expl and prev is not None and (ln.owner is prev.owner or (
                box is not None and _in_box(ln.owner.getparent(), box) and len(expl) < 12 and not f & HEADING)):
            expl.append(t)
        else:
            break
        if holder is not None and not (inside(ln.owner, holder, 7) or _goes_on(ln, holder)):
            holder = None  # (only the lines right after the value go on with it)
        prev = ln
        j += 1
    return answer, expl, j, metas, weak


def _value_holder(value: Line, label: Line):
    """The element holding a key's value: the largest ancestor of the value line that does
    not hold the label too ("正确答案:" in a dt, the value in the dd beside it)."""
    holder = value.owner
    for _ in range(6):
        parent = holder.getparent()
        if parent is None or _in_box(label.owner, parent):
            break
        holder = parent
    return holder


def _goes_on(ln: Line, holder) -> bool:
    """Line ln goes on with the key's value held by `holder`: another paragraph inside a
    holder that wraps several (a dd of <p>s), or the text of a like-classed sibling of it
    (the next dd.rightAnswerContent: a fill-in's second blank)."""
    if not ln.flags & ANS or ln.flags & HEADING:
        return False
    owner = ln.owner
    if owner is not holder and inside(owner, holder, 7):
        return True  # (a table's cell in the value too: "1) ... 如下: <table>...</table> 2) ...")
    cls = holder.get("class")
    return bool(cls) and owner.tag == holder.tag and owner.get("class") == cls and owner.getparent() is holder.getparent()


# a difficulty badge's words: the other badges name a category
_DIFFICULTY = re.compile(r"\b(?:easy|medium|moderate|hard|difficult|beginner|intermediate|advanced)\b", re.I)


def hints(lines: list[Line], metas: list[Line], breadcrumb: str | None) -> tuple[str | None, str | None]:
    """(category, difficulty) of a question from its lines' data- attributes and badges,
    else the breadcrumb's last entry as the category."""
    category = difficulty = None
    for ln in lines:
        category = category or ln.meta[0]
        difficulty = difficulty or ln.meta[1]
    for ln in [ln for ln in lines if ln.flags & META] + metas:
        if _DIFFICULTY.search(ln.text):
            difficulty = difficulty or ln.text
        else:
            category = category or ln.text
    return category or breadcrumb, difficulty
