"""`auto` extraction: multiple-choice questions found by structure, on any layout.

Works on the page's lines (lines.py) in steps, each linear in the number of lines:

1. Option runs (runs.py): 2-6 consecutive options, marked by labels in sequence (A-F,
   a-f, 1-6, "Option C", "A - text", also several on one line), or the items of one short
   list or of repeated sibling links/labels/buttons (siblings.py), or consecutive radio
   buttons / lines of an options container.
2. For each run, the question is the nearest text before it and the answer region the
   lines after it (reading.py); when no text sits between two runs, the tree's record
   (records.py) says which block is the question. The answer comes from the signal
   catalogue (answers.py).
3. A score weighs the evidence (labels, an answer, a "?", a question number, against:
   options that are links, questions or prose); weak candidates are dropped, so an
   article's bullet list or a menu gives nothing. Page-level passes (passes.py) then use
   what one record cannot tell: the whole record block, answer keys and hidden answer
   stores at the foot, numbering gaps, placeholder answers.

Free-response questions ("Q3. ... Answer: 18") are kept only with both a question marker
and an explicit answer (free.py); an answer-key section's entries among them answer the
question they name instead (passes.key_entries). Two record shapes have no single option
run: a question with several numbered groups of choices, one per blank (blanks.py), and, on
a graded attempt, a question scored full marks whose answer is the value typed into a
read-only box (graded.py). A question with no answer nearby may have one further down its
card (cards.py). Questions with no options that a page earns by repeating them (a list
that asks, "Q:" labels, FAQ headings) come last, from the lines no other question read
(asked.py).
"""

from __future__ import annotations

import re
from dataclasses import replace

from scraped.engine.extract.answers import (
    answer_for,
    marked_options,
    task_list_answer,
    verdict_answer,
)
from scraped.engine.extract.asked import SHAPES, asked_questions
from scraped.engine.extract.blanks import blank_questions
from scraped.engine.extract.cards import card_answers
from scraped.engine.extract.free import free_response, taken_lines
from scraped.engine.extract.graded import graded_selection, typed_answers
from scraped.engine.extract.keys import question_number
from scraped.engine.extract.lines import (
    CHOICES,
    EXPL,
    HEADING,
    HIDDEN,
    OPTBOX,
    QBOX,
    RADIO,
    Line,
)
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import (
    answer_prefix,
    clean_text,
    has_question_number,
    normalise_options,
    strip_question_number,
)
from scraped.engine.extract.optkeys import (
    OptionKeys,
    container_answer,
    keyed_explanation,
    option_elements,
    option_keys,
    script_answers,
)
from scraped.engine.extract.passes import (
    Candidate,
    answer_lists,
    apply_key,
    key_entries,
    longer_explanations,
    numbering_gaps,
    placeholder_answers,
    whole_blocks,
)
from scraped.engine.extract.reading import (
    block_question,
    hints,
    read_after,
    read_question,
    skippable,
)
from scraped.engine.extract.records import question_start
from scraped.engine.extract.runs import Run, choice_element, find_runs, merge_labels, options_start
from scraped.engine.extract.signals import A_LABEL

__all__ = ["extract_auto"]

_PROSE_END = re.compile(r"(?:,|;|\band|\bor)$", re.I)
_LABELLED_PROSE_END = re.compile(r"(?:,|\band|\bor)$", re.I)
_SUBJECT_VERB = re.compile(r"^(?:is|are|was|were|has|have|means|stands)\s")
# "Ans: a — 9 = 3×3 ...": a label, a dash, then the reasoning
_ANSWER_DASH = re.compile(r"^((?:option\s*)?[(\[]?[A-Fa-f1-6][)\]]?\.?)\s+(?:[\u2013\u2014]|--?)\s+(.+)$", re.I)
# "B. Plants take in carbon dioxide": a label, then either the option's text or a reason
_ANSWER_LABEL = re.compile(r"^(?:option\s*)?[(\[]?[A-Fa-f1-6][)\]]?[.:)]\s+(.+)$", re.I)


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
    elif all(ln.owner.get("onclick") for ln in opt_lines):
        score = 2  # each option a thing to click ("quiz_select('7ddeba', 0)"): the choices of a quiz
        why.append(f"+2 {n} options to click")
    elif all(ln.flags & OPTBOX for ln in opt_lines):
        score = 2  # a list in a container named "answers" / "options": quizzclub's <ul class="answers">
        why.append(f"+2 {n} list items of an options box")
    else:
        score = 1 if run.style in ("upper", "lower") else 0
        why.append(f"+{score} {n} list items" + (" (lettered by the list)" if score else ""))
    if has_answer:
        score += 2
        why.append("+2 an answer")
    if "?" in question or question.endswith((":", "_", "\u2026", "...")):
        score += 1
        why.append("+1 the question ends like one")
    if numbered:
        score += 1
        why.append("+1 a question number")
    if core is not None and core.flags & QBOX:
        score += 1
        why.append("+1 in a question box")
    if len([ln for ln in opt_lines if ln.links >= 0.6 * len(ln.text)]) * 2 >= len(opt_lines) and not all(
            ln.flags & OPTBOX for ln in opt_lines):  # links in a box named "answers": the choices to click
        score -= 4
        why.append("-4 the options are links")
    if len([o for o in run.options if o.rstrip().endswith("?")]) * 2 >= n:
        score -= 3
        why.append("-3 the options are questions")
    if sum(map(len, run.options)) > 150 * n:
        score -= 2
        why.append("-2 the options are long")
    if all(_SUBJECT_VERB.match(o) for o in run.options):
        score -= 3  # "A. is the major version number", "B. is the minor...": the letters are what is described
        why.append("-3 the options go on from their letters")
    # (";" ends lettered options in exam papers typed in a word processor: "A.35km/h; B.40km/h;")
    prose = _PROSE_END if how not in ("label", "inline") else _LABELLED_PROSE_END
    if len([o for o in run.options if prose.search(o)]) * 2 >= n:
        score -= 2
        why.append("-2 the options read as prose")
    if len(question) < 10 or len(question) > 2500:  # scenario questions run to ~2,000 characters
        score -= 2
        why.append("-2 the question is too short or too long")
    if A_LABEL.match(question):
        score -= 3  # "A :: (a) Debt ratio (A) = ... (B)": an interview answer's letters, under its "Q:"
        why.append("-3 the question is an answer")
    if core is not None and core.flags & HEADING and "?" not in question:
        score -= 1
        why.append("-1 the question is a heading")
    return score


def _sublist(lines: list[Line], above: Run, run: Run) -> bool:
    """Is `above` a list inside the question of `run`: only chrome between them, `run` made
    of radio buttons and `above` of none?"""
    if any(not skippable(ln) for ln in lines[above.end:run.start]):
        return False
    return (all(ln.flags & RADIO for ln in lines[run.start:run.end])
            and not any(ln.flags & RADIO for ln in lines[above.start:above.end]))


# an option that only combines statement labels: "A and E only", "D, B, A, E and C", "1 y 3 son correctas"
_COMBO = re.compile(r"^(?:(?:only|both|all(?:\s+of)?|\u0915\u0947\u0935\u0932)\s+)?"  # (केवल: "only")
                    r"\(?[A-H1-9]\)?(?:\s*(?:,|&|and|or|y|e|et|und|\u0438|\u548c|\u0914\u0930|\u090f\u0935\u0902)\s*"
                    r"\(?[A-H1-9]\)?)+(?:\s+(?:only|all|are\s+correct|son\s+correctas|sont\s+correctes|sind\s+richtig"
                    r"|\u0938\u092d\u0940))?\.?$", re.I)  # (और, एवं: "and"; सभी: "all")
_TOKEN = re.compile(r"\b[A-H1-9]\b", re.I)


def _statements(lines: list[Line], above: Run, run: Run) -> bool:
    """Is `above` a labelled list of statements inside the question of `run`: only chrome
    between them, and `run`'s options combine its labels ("A, B and D only", "1 y 3 son
    correctas"), each label one of `above`'s? (A screen reader's "Answers" heading may stand between.)"""
    if any(not (skippable(ln) or ln.flags & HEADING and ln.flags & HIDDEN) for ln in lines[above.end:run.start]):
        return False
    n = len(above.options)
    combos = [o for o in normalise_options(run.options) if _COMBO.match(o)]
    return len(combos) >= max(2, len(run.options) - 1) and all(
        (int(t) if t.isdigit() else ord(t.upper()) - 64) <= n for o in combos for t in _TOKEN.findall(o))


MIN_SCORE = 3


def extract_auto(lines: list[Line], breadcrumb: str | None = None,
                 explain: list[Candidate] | None = None) -> list[ExtractedQuestion]:
    """The questions on a page's lines; with `explain`, every candidate block is appended
    to it with its evidence and verdict."""
    lines = merge_labels(lines)
    runs = find_runs(lines)
    zero_based = any(ln.data_answer == "0" for ln in lines)  # (the page's data-correct indices count from 0)
    found: list[ExtractedQuestion] = []
    kept: list[Candidate] = []
    questions = []
    floor = 0
    for run in runs:  # phase 1: every run's question, so phase 2 knows where answers stop
        q = read_question(lines, run, floor)
        questions.append(q)
        floor = run.end
    for idx, run in enumerate(runs):
        parts, first, numbered, core = questions[idx]
        limit = questions[idx + 1][1] if idx + 1 < len(runs) else len(lines)
        raw, expl, read_end, metas, weak = read_after(lines, run.end, max(limit, run.end))
        if not parts and (start := question_start(lines, begin := options_start(lines, run), run.end)) is not None and (
                not kept or kept[-1].end <= start) and (whole := block_question(lines[start:begin])):
            # no text between this run and the one above: the tree's record says the block
            # before the options (holding that dropped run: a sub-list) is the question
            parts, first, numbered, core = whole[0], start, numbered or whole[1], whole[2]
        elif not parts and kept and (prev := kept[-1]).run is not None and (
                _sublist(lines, prev.run, run) or _statements(lines, prev.run, run)):
            # a numbered list right above radio-button options, nothing between: the list
            # is part of that question ("1. ... 2. ... 3. ..." then "a. 2, 3, 5")
            kept.pop()
            prev.verdict = "dropped: a list inside the next question"
            parts = [prev.question] + [ln.text for ln in lines[prev.run.start:prev.run.end]]
            first, numbered, core = prev.start, numbered or prev.number is not None, prev.core
        question = strip_question_number(clean_text(" ".join(parts))) if parts else ""
        if question.endswith(" *"):
            question = question[:-2]  # a form's "required" star, not the question's
        options = normalise_options(run.options)
        cand = Candidate(first, run.end, run.kind, question, options)
        cand.limit, cand.after = limit, read_end
        if not parts:
            if explain is not None:
                cand.verdict = "dropped: no question text above the options"
                explain.append(cand)
            continue
        numbered = numbered or has_question_number(parts[0])
        if raw and not expl and (m := _ANSWER_DASH.match(raw)):
            raw, expl = m.group(1), [m.group(2)]
        opt_lines = lines[run.start:run.end]
        groups = run.per_option(opt_lines)
        if groups is not None and len(groups) != len(options):
            groups = None
        els = option_elements([group[0].owner for group in groups], len(options)) if groups is not None else None
        keys = option_keys(els) if els is not None else None
        answer, answer_text, cand.how = answer_for(run, raw, opt_lines, core, options, keys=keys, els=els,
                                                   zero_based=zero_based)
        # each option's element, where the options hold radio buttons or checkboxes (looked up
        # only then: the look-up climbs the tree)
        choices = [choice_element(g[0]) for g in groups] if groups is not None and any(
            ln.flags & (RADIO | CHOICES) for g in groups for ln in g[:1]) else None
        if answer is not None and cand.how.startswith(("class", "mark")) and choices is not None and any(
                _checkbox(el) for el in choices):
            # checkboxes: a review marks the chosen options right or wrong; one marked right is
            # not the key of a "select all that apply" question (others may be right too)
            answer, answer_text, cand.how = None, None, ""
        several = False
        if answer is not None and choices is not None and any(_checkbox(el) for el in choices) and _names_more(
                expl + [ln.text for ln in lines[read_end:read_end + 1]], options, answer):
            # checkboxes, and the key's next lines name other options too ("[参考答案]" over three
            # of them): a "select all that apply" key, not one answer (but a key: evidence still)
            answer, answer_text, cand.how = None, None, "keyed: several options named under checkboxes"
            several = True
            texts = {_spoken(o) for o in options}
            expl = [e for e in expl if _spoken(e) not in texts]  # (the key's other lines)
        if answer is None and (verdict := verdict_answer(lines[run.end:limit], len(options)))[0] is not None:
            answer, cand.how = verdict[0], "verdicts: the one option whose hidden feedback says it is right"
            answer_text, expl = options[answer], expl or ([verdict[1]] if verdict[1] else [])
        if answer is None and choices is not None and (ticked := task_list_answer(choices)) is not None:
            answer, answer_text, cand.how = ticked, options[ticked], "ticked: the one ticked box of a task list"
        # the score line is looked for from the last kept question down (past a sub-list in this
        # one's text), at most 40 lines up
        if answer is None and choices is not None and (graded := graded_selection(
                lines[max(kept[-1].end if kept else 0, first - 40):first], choices)) is not None:
            answer, answer_text, cand.how = graded, options[graded], "graded: full marks on the one checked option"
        if answer is None and answer_text and (lead := answer_prefix(answer_text, options)):
            answer, rest = lead  # "Abundant. Scarce means in short supply..."
            answer_text = options[answer]
            if rest and not expl:
                expl = [rest]
        if answer is not None and not expl and raw and (m := _ANSWER_LABEL.match(raw)):
            rest = m.group(1).strip()
            if (after := answer_prefix(rest, [options[answer]])) is not None:
                rest = after[1]  # "C. Mitochondria. They make ATP": the option's text, then the reason
            if len(rest.split()) >= 3 and _spoken(rest) != _spoken(options[answer]):
                expl = [rest]
        if answer is None and expl and (named := _named_in_explanation(" ".join(expl), options)) is not None:
            answer, answer_text, cand.how = named, options[named], "text: the explanation names the right option"
        if answer is None and weak:
            answer_text, cand.how = None, ""  # a hidden element's text that names no option
        if answer is not None and not expl and groups is not None:
            expl = option_feedback(groups[answer], keys)
        cand.answer, cand.keys = answer, keys
        has_answer = answer is not None or several
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
        category, difficulty = hints(lines[first:run.end], metas, breadcrumb)
        cand.found = ExtractedQuestion(
            question=question, options=tuple(options), answer=answer, answer_text=answer_text,
            explanation=clean_text(" ".join(expl)) or None, category=category, difficulty=difficulty,
        )
        kept.append(cand)
    longer_explanations(lines, kept)
    whole_blocks(lines, kept)
    if any(c.answer is None for c in kept):
        card_answers(lines, kept)
    if kept and any(c.answer is None for c in kept):
        apply_key(lines, kept)
    if kept and any(c.answer is None for c in kept):
        answer_lists(lines, kept)
    if kept and any(c.answer is None and c.keys is not None for c in kept):
        _script_keys(kept)
    placeholder_answers(kept)
    if len(kept) >= 3:
        kept = numbering_gaps(lines, kept, explain)
    free = key_entries(kept, free_response(lines, runs, questions, [(c.end, c.after) for c in kept],
                                          [(c.start, c.end) for c in kept], breadcrumb))
    placed = [(c.start, c.found) for c in kept if c.found is not None]
    taken = [(c.start, c.end) for c in kept]

    spans = [(c.start, c.after) for c in kept]  # the lines each question found reads

    def place(start: int, end: int, parts: list[str], value: str | None, how: str, why: str) -> None:
        """A question with no option run (blanks.py, graded.py), in page order among the rest."""
        spans.append((start, end))
        question = strip_question_number(clean_text(" ".join(parts)))
        if explain is not None:
            cand = Candidate(start, end, how, question, [])
            cand.verdict = why
            explain.append(cand)
        category, difficulty = hints(lines[start:end], [], breadcrumb)
        placed.append((start, ExtractedQuestion(question, (), None, value, None, category, difficulty)))

    for start, end, parts in blank_questions(lines, taken):
        place(start, end, parts, None, "blanks", "kept: numbered groups of choices, one per blank (no single option list)")
    for start, end, parts, value in typed_answers(lines, taken):
        place(start, end, parts, value, "typed", "kept: full marks on the one value typed into a read-only box")
    found = [q for _, q in sorted(placed, key=lambda p: p[0])]  # in page order
    found.extend(q for _, _, q in free)
    spans += [(start, end) for start, end, _ in free]
    asked = asked_questions(lines, taken_lines(len(lines), spans), breadcrumb)
    have = {" ".join(q.question.casefold().split()) for q in found}
    # (a key section that repeats the questions read above, "Quiz Answer Key and Fun Facts": not new ones)
    asked = [a for a in asked if " ".join(a[3].question.casefold().split()) not in have]
    found.extend(q for _, _, _, q in asked)
    if explain is not None:  # the questions with no option run, for --explain
        shown = [(start, end, "free", "a question with its answer and no options", fq) for start, end, fq in free]
        shown += [(start, end, shape, SHAPES[shape], aq) for start, end, shape, aq in asked]
        for start, end, shape, why, one in shown:
            cand = Candidate(start, end, shape, one.question, [])
            cand.verdict = "kept: " + why
            explain.append(cand)
    return found


def _checkbox(el) -> bool:
    return any(inp.get("type") == "checkbox" for inp in el.iter("input"))


def option_feedback(group: list[Line], keys: OptionKeys | None) -> list[str]:
    """The right option's own feedback as its question's explanation: a hidden note in
    its item, an explanation attribute on it, or a record element keyed like it."""
    notes = [ln.text for ln in group[1:] if ln.flags & EXPL]
    if notes:
        return notes
    record = container_answer(keys)[1] if keys is not None else None
    text = keyed_explanation(group[0].owner, keys, record)
    return [text] if text else []


def _script_keys(kept: list[Candidate]) -> None:
    """Answers from a script's answer key by input name, for the questions without one."""
    pending = [c for c in kept if c.answer is None and c.keys is not None and c.found is not None]
    got = script_answers([(c.keys, c.options) for c in pending if c.keys is not None])
    for n, idx in got.items():
        cand = pending[n]
        if cand.found is not None:
            cand.answer, cand.how = idx, "script: answer key"
            cand.found = replace(cand.found, answer=idx, answer_text=cand.options[idx])


# ' "Create a NAT gateway" is the correct answer ', ' The correct answer is "B) 25" '
_QUOTED_RIGHT = re.compile(
    r"[\"\u201c]([^\"\u201c\u201d]{1,300})[\"\u201d]\s+is\s+(?:the\s+)?(?:correct|right)(?:\s+(?:answer|option|choice))?\b"
    r"|(?:the\s+)?(?:correct|right)\s+(?:answer|option|choice)\s+is\s+[\"\u201c]([^\"\u201c\u201d]{1,300})[\"\u201d]", re.I)


def _spoken(text: str) -> str:
    """A text as compared with an option's: casefolded, spaces collapsed, no final full stop."""
    return " ".join(text.casefold().split()).rstrip(".")


def _names_more(texts: list[str], options: list[str], answer: int) -> bool:
    """Is one of the texts (those right after the key) another option's text?"""
    others = {_spoken(o) for k, o in enumerate(options) if k != answer}
    return any(_spoken(t) in others for t in texts)


# an explanation that opens with an option's label: "(A) Mode = 3 Median - 2 Mean. Reason: ..."
_LEAD_REF = re.compile(r"^\(?([A-Ha-h])[).:]\s*")


def _named_in_explanation(text: str, options: tuple[str, ...] | list[str]) -> int | None:
    """The one option an explanation quotes as the right one, or opens with (its label and
    its text both: "Solution: (A) Mode = 3 Median - 2 Mean"), or None."""
    if (m := _LEAD_REF.match(text)) is not None and (idx := ord(m.group(1).upper()) - 65) < len(options) and _spoken(
            text[m.end():]).startswith(_spoken(options[idx])) and options[idx].strip():
        return idx
    loose = [_spoken(o) for o in options]
    named = set()
    for m in _QUOTED_RIGHT.finditer(text):
        quoted = _spoken(m.group(1) or m.group(2))
        if quoted in loose:
            named.add(loose.index(quoted))
    return named.pop() if len(named) == 1 else None
