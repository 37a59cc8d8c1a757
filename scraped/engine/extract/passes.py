"""Page-level passes over the questions `auto` kept: what one record alone cannot tell.

- `longer_explanations`: an explanation cut short by a run that was then dropped is read
  again up to the next kept question;
- `placeholder_answers`: one answer for every one of six or more questions is a template;
- `whole_blocks`: a kept question takes its record's whole question block (records.py);
- `numbering_gaps`: numbered lines that fill the gaps between kept questions' numbers, in
  their markup, are questions with no options;
- `apply_key`: a block of hidden answer inputs after the last question, or an answer key
  at the end of the page (keys.py), for unanswered questions;
- `key_entries`: an answer key written as a section of entries, each the question's title
  again with "Correct Answer: B) ..." and its explanation (read as free-response
  questions), answers the kept question it names.

`Candidate` is a block auto weighed, with its evidence and verdict (--explain).
"""

from __future__ import annotations

from dataclasses import replace

from scraped.engine.extract.keys import parse_key, question_number
from scraped.engine.extract.lines import INPUT, Line
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import (
    clean_text,
    has_question_number,
    resolve_answer,
    strip_question_number,
)
from scraped.engine.extract.optkeys import OptionKeys
from scraped.engine.extract.reading import block_question, read_after, stops_question
from scraped.engine.extract.records import question_start
from scraped.engine.extract.runs import NOT_OPTION, Run, options_start
from scraped.engine.extract.signals import ANSWER_RE, K_ANSWER, K_EXPL, kind, matched_value

__all__ = ["Candidate", "apply_key", "key_entries", "longer_explanations", "numbering_gaps", "placeholder_answers",
           "whole_blocks"]


class Candidate:
    """A block that might be a question, with its evidence and the verdict (--explain)."""

    __slots__ = ("start", "end", "kind", "question", "options", "answer", "how", "score", "why", "verdict",
                 "number", "found", "core", "run", "limit", "after", "keys")

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
        self.limit = 0  # where reading its answer and explanation had to stop (the next question)
        self.after = 0  # where reading its answer and explanation stopped
        self.keys: OptionKeys | None = None  # the options' own keys, when they have them

    def line(self) -> str:
        """One readable line: where, what, the evidence, kept or dropped and why."""
        q = self.question if len(self.question) <= 60 else self.question[:57] + "..."
        ans = f"answer {'ABCDEFGHIJ'[self.answer] if self.answer is not None and self.answer < 10 else '-'}"
        ans += f" ({self.how})" if self.how else ""
        return (f"lines {self.start}-{self.end} {self.kind}, {len(self.options)} options, {ans}, "
                f"score {self.score} [{'; '.join(self.why)}]: {self.verdict}: {q!r}")



def longer_explanations(lines: list[Line], kept: list[Candidate]) -> None:
    """An answer region cut short by a run that was then dropped (a footer's links read as
    options, whose "question" was this question's answer line) is read again up to the next
    kept question: a longer explanation, and the answer when there was none."""
    for cand, nxt in zip(kept, [*kept[1:], None], strict=False):
        run, found = cand.run, cand.found
        if run is None or found is None or cand.limit == (nxt.start if nxt is not None else len(lines)):
            continue  # read up to the next kept question already
        limit = nxt.start if nxt is not None else len(lines)
        raw, expl, _, _, weak = read_after(lines, run.end, max(limit, run.end))
        text = clean_text(" ".join(expl)) or None
        if text and (found.explanation is None or len(text) > len(found.explanation)):
            found = cand.found = replace(found, explanation=text)
        if found.answer is None and raw is not None:
            idx, answer_text = resolve_answer(raw, cand.options, run.style)
            if idx is not None:
                cand.answer, cand.how = idx, "text"
                cand.found = replace(found, answer=idx, answer_text=answer_text)


def placeholder_answers(kept: list[Candidate]) -> None:
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


def whole_blocks(lines: list[Line], kept: list[Candidate]) -> None:
    """A kept question whose record (records.py) puts a whole block before its options takes
    that block as its text: statements, a sub-list of conclusions (a run dropped on its
    own), code. Never past the previous kept question's options."""
    low = 0
    for cand in kept:
        run = cand.run
        if run is None or cand.found is None or run.prefix:
            continue
        if cand.start <= low or stops_question(lines[cand.start - 1]):
            low = run.end
            continue  # an answer or explanation right above: the record's block cannot be larger
        begin = options_start(lines, run)
        start = question_start(lines, begin, run.end)
        if start is not None and low <= start < cand.start and not has_question_number(lines[cand.start].text):
            # (a numbered first line starts the question: what is above it is a section's header)
            whole = block_question(lines[start:begin])
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


def numbering_gaps(lines: list[Line], kept: list[Candidate], explain: list[Candidate] | None) -> list[Candidate]:
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
            _, expl, _, _, _ = read_after(lines, k + 1, stop)
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


def stored_answers(lines: list[Line], kept: list[Candidate]) -> None:
    """Answers from a block of hidden answer inputs after the last question (a quiz
    plugin's store that its script checks choices against), one per question in page
    order: used only when the block holds exactly as many values as there are questions."""
    values = [ln.text for ln in lines[kept[-1].end:] if ln.flags & INPUT]
    if len(values) < 2 or len(values) != len(kept):
        return
    for cand, value in zip(kept, values, strict=True):
        if cand.answer is not None or cand.found is None:
            continue
        idx, text = resolve_answer(value, cand.options, None)
        if idx is not None:
            cand.answer, cand.how = idx, "input"
            cand.found = replace(cand.found, answer=idx, answer_text=text)


def apply_key(lines: list[Line], kept: list[Candidate]) -> None:
    """Answers from an answer key after the last question, for the questions without one."""
    stored_answers(lines, kept)
    if all(c.answer is not None for c in kept):
        return
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
        if cand.answer is not None or letter is None or len(letter) != 1 or cand.found is None:
            continue  # ("CD": a multiple-answer question's key names no single option)
        idx = ord(letter) - 65
        if idx < len(cand.options):
            cand.answer, cand.how = idx, "key"
            cand.found = replace(cand.found, answer=idx, answer_text=cand.options[idx])




def answer_lists(lines: list[Line], kept: list[Candidate]) -> None:
    """Answers from a list of answer lines right under the last question of a group ("Correct
    answer: B) 4 sections (...)" once per question, in their order, under the exercise):
    a list of m lines answers the m questions ending there when none of them has an answer
    of its own (the last one may have read the list's first line as its answer), each line
    naming one of its question's options."""
    for i, last in enumerate(kept):
        if last.run is None or i == 0:
            continue
        stop = kept[i + 1].start if i + 1 < len(kept) else len(lines)
        values = _answer_block(lines, last.run.end, stop)
        if values is None or not 2 <= len(values) <= i + 1:
            continue
        group = kept[i + 1 - len(values):i + 1]
        if any(c.answer is not None for c in group[:-1]) or (last.answer is not None and last.how != "text"):
            continue
        picks = [resolve_answer(v, c.options)[0] for v, c in zip(values, group, strict=True)]
        if any(p is None for p in picks):
            continue  # (a list that does not answer these very questions)
        for cand, idx in zip(group, picks, strict=True):
            if idx is not None and cand.found is not None:  # (idx is never None here: for the type checker)
                cand.answer, cand.how = idx, "key: the answer lines under the exercise, in order"
                expl = cand.found.explanation
                if cand is last and expl and values[1] in expl:
                    expl = None  # (it read the list's lines as its explanation)
                cand.found = replace(cand.found, answer=idx, answer_text=cand.options[idx], explanation=expl)


def _answer_block(lines: list[Line], start: int, stop: int) -> list[str] | None:
    """The values of the run of answer lines ("Correct answer: B) ...") that lines[start:stop]
    open with (past a heading or two), or None."""
    j = start
    while j < min(stop, start + 3) and not (lines[j].kind or kind(lines[j])) & K_ANSWER:
        j += 1
    values = []
    while j < stop and (lines[j].kind or kind(lines[j])) & K_ANSWER and (
            m := ANSWER_RE.match(lines[j].text)) and (v := matched_value(m)):
        values.append(v)
        j += 1
    return values or None


def key_entries(kept: list[Candidate], free: list[tuple[int, int, ExtractedQuestion]]
                ) -> list[tuple[int, int, ExtractedQuestion]]:
    """The free-response questions that are not entries of an answer key: an entry whose
    text starts a kept question without an answer ("Estimating Request Throughput", over
    "Correct Answer: B) 10,000 RPS") and whose answer names one of its options gives that
    question its answer and explanation instead."""
    pending = [c for c in kept if c.answer is None and c.found is not None and c.options]
    if not pending:
        return free
    out = []
    for start, end, q in free:
        title = " ".join(q.question.casefold().split())
        cand = next((c for c in pending if c.start < start and len(title) >= 10
                     and " ".join(c.question.casefold().split()).startswith(title)), None)
        idx = resolve_answer(q.answer_text, cand.options)[0] if cand is not None and q.answer_text else None
        if cand is None or idx is None or cand.found is None:
            out.append((start, end, q))
            continue
        cand.answer, cand.how = idx, "key: an entry of the answer key section names it"
        cand.found = replace(cand.found, answer=idx, answer_text=cand.options[idx],
                             explanation=cand.found.explanation or q.explanation)
        pending.remove(cand)
    return out
