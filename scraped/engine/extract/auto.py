"""`auto` extraction: multiple-choice questions found by structure, on any layout.

Works on the page's lines (lines.py) in three steps, each linear in the number of lines:

1. Option runs: 2-6 consecutive options, marked by labels in sequence (A-F, a-f, 1-6,
   "Option C", also several on one line: "A) 12 B) 15 C) 18"), or the items of one short
   list, or consecutive radio buttons / lines of an options container.
2. For each run, the question is the nearest text before it (a question number alone,
   "Options:" headers and toggles are skipped; lines of one block are joined), and the
   answer and explanation are the lines right after it: an "Answer: ..." line, an answer
   box (hidden, <details>, class "answer", the table's Answer column), an option marked
   correct, or a data-answer attribute.
3. A score weighs the evidence (labels, an answer, a "?", a question number, against:
   options that are links, questions or prose); weak candidates are dropped, so an
   article's bullet list or a menu gives nothing.

Free-response questions ("Q3. ... Answer: 18") are kept only with both a question marker
and an explicit answer.
"""

from __future__ import annotations

import re
from dataclasses import replace

from scraped.engine.extract.answers import answer_for, marked_options
from scraped.engine.extract.keys import parse_key, question_number
from scraped.engine.extract.lines import (
    ANS,
    CODE,
    EXPL,
    HEADING,
    HEADROW,
    HIDDEN,
    META,
    QBOX,
    RADIO,
    TOGGLE,
    Line,
)
from scraped.engine.extract.lines import HEADINGS as HEADING_TAGS
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import (
    answer_prefix,
    clean_text,
    has_question_number,
    normalise_options,
    strip_question_number,
)
from scraped.engine.extract.records import question_start
from scraped.engine.extract.runs import NOT_OPTION, Run, find_runs, merge_labels
from scraped.engine.extract.signals import (
    ANSWER_RE,
    EMBEDDED_EXPL,
    EXPL_RE,
    K_ANSWER,
    K_EXPL,
    K_OPTHDR,
    K_QNUM,
    K_TOGGLE,
    kind,
)

__all__ = ["extract_auto"]

_DIFFICULTY = re.compile(r"\b(?:easy|medium|moderate|hard|difficult|beginner|intermediate|advanced)\b", re.I)
# a quiz's result message templates, shown after a choice: no answer of the page's own
_TEMPLATE = re.compile(r"^(?:you(?:r)?\s+(?:selected|answer(?:ed)?|chose|choice|picked)|your\s+answer|correct|"
                       r"incorrect|wrong|right|well done|try again|not quite)\b", re.I)
_PROSE_END = re.compile(r"(?:,|;|\band|\bor)$", re.I)
_OPTION_REF = re.compile(r"^(?:(?:option|choice)\s*)?[(\[]?[A-Fa-f][)\]]?\.?$", re.I)
# "Ans: a — 9 = 3×3 ...": a label, a dash, then the reasoning
_ANSWER_DASH = re.compile(r"^((?:option\s*)?[(\[]?[A-Fa-f1-6][)\]]?\.?)\s+[\u2013\u2014-]\s+(.+)$", re.I)


def _skippable(ln: Line) -> bool:
    return bool(ln.flags & (TOGGLE | HEADROW | META)) or ln.owner.tag == "button" or bool((ln.kind or kind(ln)) & (K_QNUM | K_OPTHDR)) or len(
        ln.text) < 2


def _stops_question(ln: Line) -> bool:
    return bool(ln.flags & (ANS | EXPL | HIDDEN)) or bool((ln.kind or kind(ln)) & (K_ANSWER | K_EXPL)) or (
        ln.links >= 0.6 * len(ln.text))


def _question(lines: list[Line], run: Run, floor: int) -> tuple[list[str], int, bool, Line | None]:
    """(question parts, index of its first line, numbered?, the main question line)."""
    parts: list[str] = []
    first = run.start
    numbered = False
    core: Line | None = None
    if run.prefix:
        parts = [run.prefix]
        core = lines[run.start]
    k = run.start - 1
    while k >= floor:
        ln = lines[k]
        if _stops_question(ln):
            break
        if _skippable(ln):
            qnum = bool(ln.kind & K_QNUM)  # _stops_question ran kind()
            numbered = numbered or qnum
            if core is not None:  # a number or badge above the question text starts it
                if qnum or ln.flags & META:
                    first = k
                if not ln.flags & META:
                    break
            k -= 1
            continue
        if core is None:
            core, parts, first = ln, [ln.text], k
        elif lines[first].flags & CODE and not ln.flags & CODE and not has_question_number(parts[0]):
            # the code block belongs to the question above it ("What does this print?")
            core, first = ln, k
            parts.insert(0, ln.text)
        elif ln.owner is core.owner and len(parts) < 8 and not ln.flags & HEADING:
            parts.insert(0, ln.text)  # one block's <br>-separated lines: "... to:", "1. ...", "2. ..."
            first = k
        else:
            if (len(parts) >= 4 or ln.flags & HEADING or has_question_number(parts[0])
                    or ln.text.endswith("?")
                    or ln.owner.getparent() is not core.owner.getparent()):
                break
            parts.insert(0, ln.text)
            first = k
        k -= 1
    return parts, first, numbered, core


def _block_question(block: list[Line]) -> tuple[list[str], bool, Line] | None:
    """(parts, numbered?, main line) of a question block's lines, None if one of them
    cannot be part of a question (an answer, an explanation)."""
    parts: list[str] = []
    numbered = False
    core = None
    for ln in block:
        if _stops_question(ln):
            return None
        if _skippable(ln):
            numbered = numbered or bool(ln.kind & K_QNUM)
            continue
        parts.append(ln.text)
        core = ln
    return (parts, numbered, core) if core is not None else None


def _after(lines: list[Line], start: int, limit: int) -> tuple[str | None, list[str], int, list[Line]]:
    """(answer as written, explanation parts, end index, meta lines) after a run."""
    answer: str | None = None
    expl: list[str] = []
    metas: list[Line] = []
    expect_value = False
    in_expl = False
    box = None  # the element holding a bare "Explanation" heading and the explanation
    prev: Line | None = None
    j = start
    while j < limit:
        ln = lines[j]
        t, f = ln.text, ln.flags
        k = ln.kind or kind(ln)
        if f & META:
            metas.append(ln)
        elif (f & TOGGLE or k & K_TOGGLE) and not k & K_ANSWER and not (
                k & K_EXPL and not f & TOGGLE and not ln.links and ln.owner.tag != "button"):
            pass  # "Show answer" (but a bare "Explanation" heading in the text heads the explanation)
        elif ln.links >= 0.8 * len(t) or ln.owner.tag == "button":
            pass  # "View answer", "Discuss", "Report" links and buttons around the answer
        elif answer is None and k & K_ANSWER and (m := ANSWER_RE.match(t)):
            value = (m.group("v1") or m.group("v2") or m.group("v3") or m.group("v4") or "").strip()
            if value:
                parts = EMBEDDED_EXPL.split(value, 1)
                answer = parts[0].strip() or None
                if len(parts) > 1 and parts[1].strip():
                    expl.append(parts[1].strip())
                    in_expl = True
            else:
                expect_value = True
        elif k & K_EXPL and (m := EXPL_RE.match(t)):
            if m.group("v"):
                expl.append(m.group("v").strip())
            elif ln.owner.tag in HEADING_TAGS or ln.owner.tag in ("p", "div", "strong", "b"):
                # a bare "Explanation" heading: what follows it in its box is the explanation
                box = ln.owner.getparent()
            in_expl = True
            expect_value = False
        elif expect_value:
            if not _TEMPLATE.match(t):  # "Correct Answer" / "You Selected": a result template
                answer = t
            expect_value = False
        elif f & (ANS | EXPL | HIDDEN):
            if answer is None and not expl and not f & EXPL and not in_expl:
                answer = t
            else:
                expl.append(t)
        elif in_expl and prev is not None and (ln.owner is prev.owner or (
                box is not None and ln.owner.getparent() is box and len(expl) < 12 and not f & HEADING)):
            expl.append(t)
        else:
            break
        prev = ln
        j += 1
    return answer, expl, j, metas


def _score(run: Run, question: str, numbered: bool, has_answer: bool, core: Line | None,
           lines: list[Line], why: list[str]) -> int:
    """The evidence that a run is a question's options, weighed; each piece is added to
    `why` as "+n reason" / "-n reason" (what --explain shows)."""
    n = len(run.options)
    how = run.kind
    opt_lines = lines[run.start:run.end]
    if how == "label":
        score = 3 if n >= 3 else 2
        why.append(f"+{score} {n} labelled options")
    elif how == "inline":
        score = 3 if n >= 3 else 1
        why.append(f"+{score} {n} labelled options on one line")
    elif how in ("radio", "box") or all(ln.flags & RADIO for ln in opt_lines):
        score = 2
        why.append(f"+2 {n} {'radio buttons' if how != 'box' else 'lines of an options box'}")
    else:
        score = 1 if run.style in ("upper", "lower") else 0
        why.append(f"+{score} {n} list items" + (" (lettered by the list)" if score else ""))
    if has_answer:
        score += 2
        why.append("+2 an answer")
    if "?" in question or question.endswith((":", "_", "\u2026")):
        score += 1
        why.append("+1 the question ends like one")
    if numbered:
        score += 1
        why.append("+1 a question number")
    if core is not None and core.flags & QBOX:
        score += 1
        why.append("+1 in a question box")
    if len([ln for ln in opt_lines if ln.links >= 0.6 * len(ln.text)]) * 2 >= len(opt_lines):
        score -= 4
        why.append("-4 the options are links")
    if len([o for o in run.options if o.rstrip().endswith("?")]) * 2 >= n:
        score -= 3
        why.append("-3 the options are questions")
    if sum(map(len, run.options)) > 150 * n:
        score -= 2
        why.append("-2 the options are long")
    if len([o for o in run.options if _PROSE_END.search(o)]) * 2 >= n:
        score -= 2
        why.append("-2 the options read as prose")
    if len(question) < 10 or len(question) > 1500:
        score -= 2
        why.append("-2 the question is too short or too long")
    if core is not None and core.flags & HEADING and "?" not in question:
        score -= 1
        why.append("-1 the question is a heading")
    return score


def _hints(lines: list[Line], metas: list[Line], breadcrumb: str | None) -> tuple[str | None, str | None]:
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


class Candidate:
    """A block that might be a question, with its evidence and the verdict (--explain)."""

    __slots__ = ("start", "end", "kind", "question", "options", "answer", "how", "score", "why", "verdict",
                 "number", "found", "core", "run", "limit")

    def __init__(self, start: int, end: int, kind: str, question: str, options: list[str]):
        self.start, self.end, self.kind = start, end, kind
        self.question, self.options = question, options
        self.answer: int | None = None
        self.how = ""  # which signal gave the answer
        self.score = 0
        self.why: list[str] = []
        self.verdict = ""
        self.number: int | None = None
        self.found: ExtractedQuestion | None = None
        self.core: Line | None = None  # the question's main line
        self.run: Run | None = None
        self.limit = 0  # where reading its answer and explanation stopped

    def line(self) -> str:
        """One readable line: where, what, the evidence, kept or dropped and why."""
        q = self.question if len(self.question) <= 60 else self.question[:57] + "..."
        ans = f"answer {'ABCDEFGHIJ'[self.answer] if self.answer is not None and self.answer < 10 else '-'}"
        ans += f" ({self.how})" if self.how else ""
        return (f"lines {self.start}-{self.end} {self.kind}, {len(self.options)} options, {ans}, "
                f"score {self.score} [{'; '.join(self.why)}]: {self.verdict}: {q!r}")


MIN_SCORE = 3


def extract_auto(lines: list[Line], breadcrumb: str | None = None,
                 explain: list[Candidate] | None = None) -> list[ExtractedQuestion]:
    """The questions on a page's lines; with `explain`, every candidate block is appended
    to it with its evidence and verdict."""
    lines = merge_labels(lines)
    runs = find_runs(lines)
    found: list[ExtractedQuestion] = []
    kept: list[Candidate] = []
    questions = []
    floor = 0
    for run in runs:  # phase 1: every run's question, so phase 2 knows where answers stop
        q = _question(lines, run, floor)
        questions.append(q)
        floor = run.end
    for idx, run in enumerate(runs):
        parts, first, numbered, core = questions[idx]
        limit = questions[idx + 1][1] if idx + 1 < len(runs) else len(lines)
        raw, expl, _, metas = _after(lines, run.end, max(limit, run.end))
        if not parts and (start := question_start(lines, run.start, run.end)) is not None and (
                not kept or kept[-1].end <= start) and (whole := _block_question(lines[start:run.start])):
            # no text between this run and the one above: the tree's record says the block
            # before the options (holding that dropped run: a sub-list) is the question
            parts, first, numbered, core = whole[0], start, numbered or whole[1], whole[2]
        question = strip_question_number(clean_text(" ".join(parts))) if parts else ""
        options = normalise_options(run.options)
        cand = Candidate(first, run.end, run.kind, question, options)
        cand.limit = limit
        if not parts:
            if explain is not None:
                cand.verdict = "dropped: no question text above the options"
                explain.append(cand)
            continue
        numbered = numbered or has_question_number(parts[0])
        if raw and not expl and (m := _ANSWER_DASH.match(raw)):
            raw, expl = m.group(1), [m.group(2)]
        opt_lines = lines[run.start:run.end]
        answer, answer_text, cand.how = answer_for(run, raw, opt_lines, core, options)
        if answer is None and answer_text and (lead := answer_prefix(answer_text, options)):
            answer, rest = lead  # "Abundant. Scarce means in short supply..."
            answer_text = options[answer]
            if rest and not expl:
                expl = [rest]
        cand.answer = answer
        has_answer = answer is not None or (answer_text is not None and len(answer_text) < 200)
        if not has_answer and (marks := marked_options(run, opt_lines)):
            has_answer, cand.how = True, f"{marks} options marked"
        cand.score = _score(run, question, numbered, has_answer, core, lines, cand.why)
        if explain is not None:
            explain.append(cand)
        if cand.score < MIN_SCORE:
            cand.verdict = f"dropped: score {cand.score} < {MIN_SCORE}"
            continue
        cand.verdict = "kept"
        cand.core, cand.run = core, run
        cand.number = question_number(lines[first].text) if numbered else None
        category, difficulty = _hints(lines[first:run.end], metas, breadcrumb)
        cand.found = ExtractedQuestion(
            question=question, options=tuple(options), answer=answer, answer_text=answer_text,
            explanation=clean_text(" ".join(expl)) or None, category=category, difficulty=difficulty,
        )
        kept.append(cand)
    _longer_explanations(lines, kept)
    _whole_blocks(lines, kept)
    if kept and any(c.answer is None for c in kept):
        _apply_key(lines, kept)
    _placeholder_answers(kept)
    if len(kept) >= 3:
        kept = _numbering_gaps(lines, kept, explain)
    found = [c.found for c in kept if c.found is not None]
    found.extend(_free_response(lines, runs, questions, breadcrumb))
    return found


def _longer_explanations(lines: list[Line], kept: list[Candidate]) -> None:
    """An explanation cut short by a run that was then dropped (a footer's links read as
    options) is read again up to the next kept question."""
    for cand, nxt in zip(kept, [*kept[1:], None], strict=False):
        run, found = cand.run, cand.found
        if run is None or found is None or cand.limit == (nxt.start if nxt is not None else len(lines)):
            continue  # read up to the next kept question already
        limit = nxt.start if nxt is not None else len(lines)
        _, expl, _, _ = _after(lines, run.end, max(limit, run.end))
        text = clean_text(" ".join(expl)) or None
        if text and (found.explanation is None or len(text) > len(found.explanation)):
            cand.found = replace(found, explanation=text)


def _placeholder_answers(kept: list[Candidate]) -> None:
    """The same answer text for six or more questions of three or more options each is a
    template ("Answer : Option D" shown to visitors who are not logged in), not a key: by
    chance it happens less than once in a thousand pages."""
    if len(kept) < 6 or any(len(c.options) < 3 or c.how != "text" for c in kept):
        return
    if len({c.answer for c in kept}) != 1 or kept[0].answer is None:
        return
    for c in kept:
        c.answer, c.how = None, ""
        c.why.append("answer dropped: the same for every question (a placeholder)")
        if c.found is not None:
            c.found = replace(c.found, answer=None, answer_text=None)


def _whole_blocks(lines: list[Line], kept: list[Candidate]) -> None:
    """A kept question whose record (records.py) puts a whole block before its options takes
    that block as its text: statements, a sub-list of conclusions (a run dropped on its
    own), code. Never past the previous kept question's options."""
    low = 0
    for cand in kept:
        run = cand.run
        if run is None or cand.found is None or run.prefix:
            continue
        if cand.start <= low or _stops_question(lines[cand.start - 1]):
            low = run.end
            continue  # an answer or explanation right above: the record's block cannot be larger
        start = question_start(lines, run.start, run.end)
        if start is not None and low <= start < cand.start:
            whole = _block_question(lines[start:run.start])
            if whole is not None:
                question = strip_question_number(clean_text(" ".join(whole[0])))
                cand.start, cand.question = start, question
                cand.why.append("question = its record's whole block")
                if whole[1] and cand.number is None:
                    cand.number = question_number(lines[start].text)
                cand.found = replace(cand.found, question=question)
        low = run.end


def _shape(ln: Line) -> tuple:
    parent = ln.owner.getparent()
    return ln.owner.tag, parent.tag if parent is not None else None


def _numbering_gaps(lines: list[Line], kept: list[Candidate], explain: list[Candidate] | None) -> list[Candidate]:
    """Questions with no options between numbered ones ("47. Match each step..." with an
    image between 46 and 48): a line numbered as the gap expects, in the same markup as the
    questions around it, is a question too (the page's own numbering says so)."""
    numbers = [c.number for c in kept]
    if None in numbers or any(b <= a for a, b in zip(numbers, numbers[1:], strict=False)):  # type: ignore[operator]
        return kept
    shapes = {_shape(c.core) for c in kept if c.core is not None}
    if len(shapes) != 1:
        return kept
    shape = shapes.pop()
    out: list[Candidate] = []
    for cand, nxt in zip(kept, kept[1:] + [None], strict=True):
        out.append(cand)
        want = cand.number + 1  # type: ignore[operator]
        stop = nxt.start if nxt is not None else len(lines)
        if nxt is not None and nxt.number == want:
            continue
        for k in range(cand.end, stop):
            ln = lines[k]
            if ln.flags & NOT_OPTION or question_number(ln.text) != want or not has_question_number(ln.text):
                continue
            text = strip_question_number(ln.text)
            if _shape(ln) != shape or len(text) < 15 or (ln.kind or kind(ln)) & (K_ANSWER | K_EXPL):
                continue
            gap = Candidate(k, k + 1, "numbered", text, [])
            _, expl, _, _ = _after(lines, k + 1, stop)
            gap.verdict, gap.number, gap.core = "kept: numbered like the questions around it, no options", want, ln
            gap.found = ExtractedQuestion(text, (), None, None, clean_text(" ".join(expl)) or None,
                                          cand.found.category if cand.found else None)
            if explain is not None:
                explain.append(gap)
            out.append(gap)
            want += 1
            if nxt is not None and nxt.number == want:
                break
    return out


def _apply_key(lines: list[Line], kept: list[Candidate]) -> None:
    """Answers from an answer key after the last question, for the questions without one."""
    key = parse_key([ln.text for ln in lines[kept[-1].end:]])
    if not key:
        return
    numbers = [c.number for c in kept]
    by_number = all(n is not None for n in numbers) and len(set(numbers)) == len(numbers)
    if not by_number:  # unnumbered: the key must number exactly these questions 1..N
        if sorted(key) != list(range(1, len(kept) + 1)):
            return
        numbers = list(range(1, len(kept) + 1))
    for cand, num in zip(kept, numbers, strict=True):
        letter = key.get(num) if num is not None else None
        if cand.answer is not None or letter is None or cand.found is None:
            continue
        idx = ord(letter) - 65
        if idx < len(cand.options):
            cand.answer, cand.how = idx, "key"
            cand.found = replace(cand.found, answer=idx, answer_text=cand.options[idx])


def _free_response(lines: list[Line], runs: list[Run], questions, breadcrumb) -> list[ExtractedQuestion]:
    """ "Q4. How many ...? / Answer: 18": a numbered question with an explicit answer."""
    taken = bytearray(len(lines))
    for run, (_, first, _, _) in zip(runs, questions, strict=True):
        for k in range(min(first, run.start), run.end):
            taken[k] = 1
    out: list[ExtractedQuestion] = []
    floor = 0
    k = 0
    n = len(lines)
    while k < n:
        ln = lines[k]
        if taken[k] or not (ln.kind or kind(ln)) & K_ANSWER:
            if taken[k]:
                floor = k + 1
            k += 1
            continue
        raw, expl, end, metas = _after(lines, k, n)
        here, above = k, floor
        floor = k = max(end, here + 1)
        if raw is None or len(raw) > 300 or _OPTION_REF.match(raw) or ANSWER_RE.match(raw):
            continue  # (most often an MCQ's "Answer: B", so the question is not looked for)
        parts, first, numbered, core = _question(lines, Run(here, here, [], None, "free"), above)
        if not parts:
            continue
        question = strip_question_number(clean_text(" ".join(parts)))
        if not (numbered or has_question_number(parts[0]) or core.flags & QBOX) or len(question) < 15:
            continue
        category, difficulty = _hints(lines[first:end], metas, breadcrumb)
        out.append(ExtractedQuestion(question, (), None, clean_text(raw), clean_text(" ".join(expl)) or None,
                                     category, difficulty))
    return out
