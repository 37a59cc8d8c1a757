"""Free-response questions (auto): a question with an explicit answer and no options.

The answer is what tells them from prose, so each comes with one:
- an "Answer:" line under a numbered question or one in a question box ("Q4. How many
  ...? / Answer: 18"); an interview answer of a sentence or more runs on over its
  container's paragraphs to the next question;
- an answer box (class "answer") under a question box, its label in any language
  ("პასუხი: ...", "A resposta correta é: 5"), or the block a "Show the answer" switch
  opens under a question box (_boxed_answer): riddles, quiz archives, reviews;
- a fill-in's key, without its blank numbers ("(1) 2" is 2);
- an exercise box (class "challenge", "exercise") and the folded solution in it or beside
  it: the box's title, task and code are the question, the solution its answer.
The lines that a kept multiple-choice question reads (its options, answer and
explanation) start none.
"""

from __future__ import annotations

import re

from scraped.engine.extract.asked import asks
from scraped.engine.extract.lines import ANS, EXPL, HEADING, HIDDEN, QBOX, RADIO, TOGGLE, Line
from scraped.engine.extract.markup import classify
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import clean_text, has_question_number, strip_question_number
from scraped.engine.extract.reading import block_question, hints, read_after, read_question
from scraped.engine.extract.records import inside, question_start
from scraped.engine.extract.runs import Run
from scraped.engine.extract.signals import (
    ANSWER_RE,
    BARE_LABEL,
    K_ANSWER,
    K_EXPL,
    K_QNUM,
    K_TOGGLE,
    LABEL_VALUE,
    Q_LABEL,
    kind,
)

__all__ = ["free_response", "taken_lines"]

# an answer that is only an option's letter ("Answer: B"): an MCQ's, whose options were not found
_OPTION_REF = re.compile(r"^(?:(?:option|choice)\s*)?[(\[]?[A-Fa-f][)\]]?\.?$", re.I)


# a label over an answer box: "Model Answer", "Sample answer", "Suggested solution"
_ANSWER_HEAD = re.compile(r"^(?:(?:model|sample|suggested|expected|possible|short)\s+)?(?:answer|solution)s?\s*[:.]?$", re.I)


def _names_option_above(raw: str, runs: list[Run], at: int) -> bool:
    """Is `raw` the text of an option of the nearest run of options above line `at`?"""
    above = [r for r in runs if r.end <= at]
    if not above:
        return False
    want = clean_text(raw).strip(" '\"\u2018\u2019\u201c\u201d.").casefold()
    return any(clean_text(o).casefold() == want for o in above[-1].options)


def _answer_block(el) -> bool:
    """Is the line's own element, or a block at most three levels up, classed as an answer
    (not only an inline part of it: Canvas's "<span class='answer_arrow'>Incorrect</span>
    Question 34" header)?"""
    for _ in range(4):
        if el is None:
            return False
        if classify(el.get("class") or "")[0] & ANS:
            return True
        el = el.getparent()
    return False


def _switch(ln: Line) -> bool:
    """A "Show answer" switch: a control, or a line that says it."""
    return bool(ln.flags & TOGGLE) or bool((ln.kind or kind(ln)) & K_TOGGLE)


def _feedback(el) -> bool:
    """Is the element inside a feedback box ("specificfeedback", "feedback")? Its text
    answers the student, it asks nothing."""
    for _ in range(4):
        if el is None:
            return False
        if "feedback" in (el.get("class") or ""):
            return True
        el = el.getparent()
    return False


def _boxed_answer(lines: list[Line], k: int) -> tuple[str, int, int] | None:
    """(answer, end, where the question ends) when line k starts an answer with no
    "Answer:" line of its own: an answer box (class "answer") under a question box
    ("Answer:" in another language, label and value), or the block behind a "Show the
    answer" switch under a question box. None otherwise."""
    ln = lines[k]
    boxed = bool(ln.flags & ANS) and not ln.flags & HEADING and not ln.links and _answer_block(ln.owner)
    if boxed and (ln.kind or kind(ln)) & K_ANSWER and ANSWER_RE.match(ln.text) and not BARE_LABEL.match(ln.text):
        return None  # "✓ Answer" heading its box: read as an answer label (read_after), not as the value
    t = 0 if boxed else (ln.kind or kind(ln))
    if not boxed and not (t & K_TOGGLE and not t & (K_ANSWER | K_EXPL) and k + 1 < len(lines)):
        return None  # (most lines: decided before looking above)
    p = k - 1  # past screen-reader headings and a bare "Resposta:" label over a text box
    while p > 0 and k - p <= 3 and ((lines[p].flags & HEADING and lines[p].flags & HIDDEN)
                                    or BARE_LABEL.match(lines[p].text)):
        p -= 1
    prev = lines[p]
    if prev.flags & (ANS | EXPL | HIDDEN) or ln.owner is prev.owner or _feedback(prev.owner) or not (
            prev.flags & QBOX or (boxed and has_question_number(prev.text) and asks(strip_question_number(prev.text)))):
        return None  # (a numbered line that asks, "1. What is SQL?", is a question box of its own)
    if boxed:
        if BARE_LABEL.match(ln.text):  # "我的答案:" / "正确答案:" then the values: read as after options
            raw, _, end, _, _ = read_after(lines, k, min(len(lines), k + 8))
            return (raw, end, p + 1) if raw else None
        if (_ANSWER_HEAD.match(ln.text) or (len(ln.text) <= 24 and "label" in (ln.owner.get("class") or ""))) and (
                k + 1 < len(lines) and lines[k + 1].flags & ANS):
            ln, k = lines[k + 1], k + 1  # "Model Answer", a div.label "Krótko" heading the box: the value is under it
        parts = [ln.text]
        j = k + 1  # the box's later paragraphs and list items
        while (j < len(lines) and j - k < 12 and lines[j].box == ln.box and not lines[j].flags & (QBOX | HEADING)
               and sum(map(len, parts)) + len(lines[j].text) <= 1500):
            parts.append(lines[j].text)
            j += 1
        if len(parts) == 1 and (m := LABEL_VALUE.match(ln.text)):
            parts = [m.group(1).strip()]  # "პასუხი: ..." ("Answer:"); a longer box's "PRIMARY KEY: ..." is its text
        return " ".join(parts), j, p + 1
    box = ln.owner.getnext()  # the block after the switch's own (a noscript copy is not text)
    while box is not None and box.tag == "noscript":
        box = box.getnext()
    j = k + 1
    while j < len(lines) and box is not None and inside(lines[j].owner, box) and j - k <= 12:
        j += 1
    if j > k + 1 and (lines[k + 1].flags & ANS or not lines[k + 1].flags & (QBOX | HEADING)):
        # (the block opened holds the next question unless it is an answer box, even inside a question box)
        return clean_text(" ".join(x.text for x in lines[k + 1:j])), j, p + 1
    return None


def _exercise(lines: list[Line], k: int) -> tuple[int, int, str] | None:
    """(first line, end, solution) when line k starts a folded solution box (hidden, classed
    "solution") inside an exercise box (class "challenge", "exercise"): the lesson's "Show me
    the solution" under a task. The task is every line of the exercise box above the
    solution: its title, text and code."""
    ln = lines[k]
    if not (ln.flags & EXPL and ln.flags & HIDDEN) or ln.box == lines[k - 1].box or not lines[k - 1].flags & QBOX:
        return None
    box = ln.owner
    for _ in range(9):  # the exercise's container: the nearest ancestor classed as a question box (a
        # solution table sits 7 levels down its accordion)
        box = box.getparent()
        if box is None:
            return None
        if classify(box.get("class") or "")[0] & QBOX:
            break
    else:
        return None
    start = _start_in(lines, k, box)
    if start == k and (box := box.getprevious()) is not None and classify(box.get("class") or "")[0] & QBOX:
        start = _start_in(lines, k, box)  # the solution's accordion right after the exercise box, beside it
    if start == k:
        return None
    end = k
    while end < len(lines) and lines[end].box == ln.box:
        end += 1
    return start, end, clean_text(" ".join(x.text for x in lines[k:end]))


def _start_in(lines: list[Line], k: int, box) -> int:
    """The first of the visible lines right above line k that lie inside `box` (k if none)."""
    start = k
    while start > 0 and k - start < 40 and inside(lines[start - 1].owner, box) and not lines[start - 1].flags & HIDDEN:
        start -= 1
    return start


def _answer_goes_on(lines: list[Line], at: int, end: int, raw: str) -> tuple[str, int]:
    """An interview answer's later paragraphs, code and notes: the lines after the "Answer:"
    paragraph in its container, up to the next question, heading or label of a question."""
    box = lines[at].owner.getparent()
    parts = [raw]
    j = end
    while j < len(lines) and j - end < 12 and sum(map(len, parts)) < 1500:
        ln = lines[j]
        if (ln.owner.getparent() is not box and ln.owner is not box) or ln.flags & (HEADING | HIDDEN) or (
                has_question_number(ln.text) or (ln.kind or kind(ln)) & K_ANSWER or Q_LABEL.match(ln.text)):
            break
        parts.append(ln.text)
        j += 1
    return " ".join(parts), j



# "(1) 2", "(1) x (2) y": a fill-in's answer with its blanks numbered
_BLANK_NO = re.compile(r"\s*\((\d{1,2})\)\s*")


def _blanks(answer: str) -> str:
    """A fill-in's answer without its blank numbers: "(1) 2" is 2, "(1) x (2) y" is "x; y"."""
    if not answer.startswith("(1)"):
        return answer
    parts = _BLANK_NO.split(answer)[1:]  # [number, value, number, value, ...]
    values = [v.strip() for n, v in zip(parts[::2], parts[1::2], strict=False) if v.strip()]
    return "; ".join(values) if values else answer


def taken_lines(n: int, spans: list[tuple[int, int]]) -> bytearray:
    """A flag per line: inside one of the spans (start, end)."""
    taken = bytearray(n)
    for start, end in spans:
        if end > start:
            taken[start:end] = b"\x01" * (end - start)
    return taken


def free_response(lines: list[Line], runs: list[Run], questions, answered: list[tuple[int, int]],
                  kept: list[tuple[int, int]], breadcrumb) -> list[tuple[int, int, ExtractedQuestion]]:
    """ "Q4. How many ...? / Answer: 18": a numbered question with an explicit answer; or
    a question box with an answer box right under it, or a "Show the answer" switch and
    the block it opens (_boxed_answer): riddles, quiz archives, interview questions; or an
    exercise box over its folded solution (_exercise). Each with the span of lines it reads.
    `answered` holds the kept questions' answer spans, `kept` their question spans."""
    # an option run's lines (kept or not) and a kept question's answer and explanation start none
    taken = taken_lines(len(lines), [(min(first, run.start), run.end) for run, (_, first, _, _)
                                     in zip(runs, questions, strict=True)] + answered)
    # an exercise's task may hold a list that was dropped as options (its items ask: "What
    # does list('tin') do?"); only a kept question's lines belong to another record
    claimed = taken_lines(len(lines), kept + answered + [(run.start, run.end) for run in runs if any(
        ln.flags & RADIO for ln in lines[run.start:run.end])])  # (radio buttons are options, kept or not)
    out: list[tuple[int, int, ExtractedQuestion]] = []
    floor = 0
    k = 0
    n = len(lines)
    while k < n:
        ln = lines[k]
        if not taken[k] and k and (ex := _exercise(lines, k)) is not None:
            task, done, solution = ex  # an exercise box and its folded solution
            asked = clean_text(" ".join(x.text for x in lines[task:k] if not x.flags & TOGGLE))
            if len(asked) >= 15 and not any(claimed[task:k]):
                topic, level = hints(lines[task:done], [], breadcrumb)
                out.append((task, done, ExtractedQuestion(asked, (), None, solution, None, topic, level)))
            floor = k = done
            continue
        boxed = None if taken[k] or k == 0 or taken[k - 1] else _boxed_answer(lines, k)
        if taken[k] or (boxed is None and not (ln.kind or kind(ln)) & K_ANSWER):
            if claimed[k]:
                floor = k + 1  # (a dropped run's lines may be the text above a free question)
            k += 1
            continue
        here, above = k, floor
        metas: list[Line] = []
        expl: list[str] = []
        raw: str | None
        if boxed is not None:
            raw, end, here = boxed
        else:
            raw, expl, end, metas, _ = read_after(lines, k, n)
        floor = k = max(end, here + 1)
        if raw is None and not expl:
            continue
        if raw is not None and (len(raw) > (300 if boxed is None and not ln.flags & ANS else 1500) or _OPTION_REF.match(raw)
                                or ANSWER_RE.match(raw)):
            continue  # (most often an MCQ's "Answer: B", so the question is not looked for)
        # (raw None, expl: "正确答案:" left empty over "答案解析:" and the worked answer: a key's
        # label, the explanation, no answer given)
        if raw is not None and boxed is None and not expl and len(raw.split()) >= 8:
            raw, end = _answer_goes_on(lines, here, end, raw)
            floor = k = max(end, here + 1)
        while here - 1 > above and (_switch(lines[here - 1]) or (
                lines[here - 1].flags & ANS and BARE_LABEL.match(lines[here - 1].text))):
            here -= 1  # the "Show Answer" summary, an empty "我的答案:" over the key: the answer's, not the question's
        parts, first, numbered, core = read_question(lines, Run(here, here, [], None, "free"), above)
        if (start := question_start(lines, here, here + 1)) is not None and above <= start < first and (
                whole := block_question(lines[start:here])) is not None:
            parts, first, core = whole[0], start, whole[2]  # the record's whole question block
            numbered = numbered or whole[1]
        if not parts or (core is not None and _feedback(core.owner)):
            continue  # (a review's "Your answer is incorrect." above the key asks nothing)
        if not numbered and raw is not None and _names_option_above(raw, runs, here):
            continue  # "The correct answer is 'True'." under the options: that question's answer
        question = strip_question_number(clean_text(" ".join(parts)))
        numbered = numbered or any((ln.kind or kind(ln)) & K_QNUM for ln in lines[max(above, first - 2):first])
        numbered = numbered or has_question_number(parts[0])
        if not (numbered or (core is not None and core.flags & QBOX)) \
                or len(question) < (8 if numbered and asks(question) else 15):  # ("1. What is SQL?")
            continue
        category, difficulty = hints(lines[first:end], metas, breadcrumb)
        out.append((first, end, ExtractedQuestion(question, (), None, _blanks(clean_text(raw)) if raw else None,
                                                  clean_text(" ".join(expl)) or None, category, difficulty)))
    return out
