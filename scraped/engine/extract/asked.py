"""Questions that come with no options and often no answer (auto): interview pages.

Two shapes, each earned by more than one question on the page, so that one sentence
ending in "?" in an article is no question:
- a question list: a list whose items ask (end in "?", or start with "What", "Explain",
  ...) or hold their answer (a "solution" box: a course's coding tasks), under a heading that says the page holds questions ("Network Questions",
  "Interview questions", "Preguntas"). An item's own sub-list and code are part of its
  question ("Explain these headers:" and the headers); its other paragraphs answer it (a
  FAQ). Lists of links are menus or "related questions", not questions;
- labelled questions: "Q: ..." lines (":Q:", "Q.", "Ques:", "Question:"), at least two,
  each answered by the "A: ..." line under it where there is one ("A ::", "Ans:");
- headed questions: headings of one level that ask, three or more, under a heading that
  names questions ("General Python FAQ"), or five or more each over a folded answer (an
  accordion: GeeksforGeeks' interview tracks), each answered by the text under it up to
  the next heading (a FAQ built by a documentation tool).
Lines that a question found before (an MCQ, a free-response question) reads are taken.
"""

from __future__ import annotations

import re

from scraped.engine.extract.keys import question_number
from scraped.engine.extract.lines import (
    ANS,
    CHOICES,
    CODE,
    EXPL,
    HEADING,
    HIDDEN,
    OPTBOX,
    RADIO,
    TOGGLE,
    Line,
)
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import clean_text, has_question_number, strip_question_number
from scraped.engine.extract.reading import hints
from scraped.engine.extract.records import inside
from scraped.engine.extract.signals import A_LABEL, Q_LABEL

__all__ = ["SHAPES", "asked_questions"]

_ASKS = re.compile(
    r"^(?:what|why|how|when|where|which|who|whom|whose|can|could|do|does|did|is|are|was|were|will|would|"
    r"should|have|has|explain|describe|define|compare|contrast|list|name|tell|discuss|give|write|state|"
    r"differentiate|distinguish|mention|outline|identify|walk\s+me|talk\s+about|differences?\s+between)\b", re.I)
# a heading that says questions follow, in the languages of the corpus
_TOPIC = re.compile(
    r"question|interview|\bquiz|\bfaq|\bexam|\bpractice|preguntas?|perguntas?|quest[õo]es|вопрос|fragen|"
    r"egzamin|pytania|pr[üu]fung|esame|s[ıi]nav|c[âa]u h[ỏo]i|"
    r"问题|题|面试|質問|問題|질문|soal|sorular", re.I)
_CHOICE = CHOICES | OPTBOX | RADIO
_NOT_PLAIN = ANS | EXPL | HIDDEN | _CHOICE  # (of an item's first line: its other lines may answer it)
_MIN_ITEMS = 3
_HEADING_REACH = 12  # lines between the heading and the list: an intro paragraph or two
_MAX_QUESTION = 600


def asks(text: str) -> bool:
    return text.endswith(("?", "\uff1f")) or _ASKS.match(text) is not None


def asked_questions(lines: list[Line], taken: bytearray,
                    breadcrumb: str | None) -> list[tuple[int, int, str, ExtractedQuestion]]:
    """(first line, end, which shape, question) of each question in a question list, behind a
    "Q:" label or under a FAQ heading."""
    found = [(*q, "labelled") for q in _labelled(lines, taken)] + [(*q, "headed") for q in _headed(lines, taken)]
    found += [(*q, "numbered") for q in _numbered(lines, taken, {k for q in found for k in range(q[0], q[1])})]
    if any(ln.flags & HEADING and _TOPIC.search(ln.text) for ln in lines):  # (a list needs such a heading)
        found += [(*q, "listed") for q in _listed(lines, taken)]
    out = []
    for start, end, question, answer, shape in sorted(found):
        category, difficulty = hints(lines[start:end], [], breadcrumb)
        out.append((start, end, shape, ExtractedQuestion(question, (), None, answer, None, category, difficulty)))
    return out


# what each shape is, for --explain
SHAPES = {"labelled": "a 'Q:' line", "listed": "an item of a list that asks, under a heading that names questions",
          "headed": "a heading that asks, under a title that names questions or over a folded answer",
          "numbered": "a paragraph numbered in a run of them that ask, the text up to the next its answer"}


def _listed(lines: list[Line], taken: bytearray) -> list[tuple[int, int, str, str | None]]:
    """The items of each list that asks questions under a heading that names them."""
    lists: dict[int, list[int]] = {}  # list id -> the line index of each item's first line
    last: dict[int, int] = {}  # list id -> the item number seen last
    for k, ln in enumerate(lines):
        item = ln.item
        if item is not None and not taken[k] and last.get(item[0]) != item[1]:  # (an MCQ's options are taken)
            last[item[0]] = item[1]
            lists.setdefault(item[0], []).append(k)
    out: list[tuple[int, int, str, str | None]] = []
    for firsts in lists.values():
        if len(firsts) < _MIN_ITEMS or any(taken[k] for k in firsts) or not _under_topic(lines, firsts[0]):
            continue  # (an MCQ's options: taken; the cheap tests first)
        records = []
        for n, k in enumerate(firsts):
            li = _item_element(lines[k].owner)
            stop = firsts[n + 1] if n + 1 < len(firsts) else len(lines)
            end = k + 1
            while end < stop and li is not None and inside(lines[end].owner, li, 8):
                end += 1
            records.append((k, end))
        if any(taken[j] or lines[j].flags & (_NOT_PLAIN if j == k else _CHOICE) for k, end in records
               for j in range(k, end)):
            continue  # an MCQ's options, an answer box: read by another question already
        if any(lines[k].links * 2 >= len(lines[k].text) for k, _ in records):
            continue  # links: a menu, a table of contents, "related questions"
        read = [(k, end, *_item(lines, k, end)) for k, end in records]
        # an item earns its place by asking, or by holding its own answer or solution box (a
        # course's tasks); paragraphs under an item that asks nothing are a list's prose
        intro = lines[firsts[0] - 1].text if firsts[0] else ""
        if "?" in intro and _ASKS_OF_ITEMS.search(intro) and not _PICKS.search(intro):
            earned = [q for _, _, q, _ in read]  # each item is what the intro asks about
        else:
            earned = [q for k, end, q, _ in read if (asks(lines[k].text.rstrip()) and len(q.split()) >= 3)
                      or any(lines[j].flags & (ANS | EXPL) for j in range(k + 1, end))]
        if len(earned) * 5 >= len(read) * 4:
            out += [r for r in read if 3 <= len(r[2].split()) and len(r[2]) <= _MAX_QUESTION]
    return out


def _item(lines: list[Line], k: int, end: int) -> tuple[str, str | None]:
    """(question, answer) of a list item: its first line, with its code blocks and sub-list
    ("Explain these headers:" and the headers); the item's answer or solution box, or its
    other paragraphs (a FAQ), answer it."""
    own = lines[k].item[0] if lines[k].item is not None else None
    asked: list[str] = [lines[k].text]
    said: list[str] = []
    for ln in lines[k + 1:end]:
        part_of_question = not ln.flags & (ANS | EXPL) and (
            ln.flags & CODE or (ln.item is not None and ln.item[0] != own))
        (asked if part_of_question and not said else said).append(ln.text)
    return clean_text(" ".join(asked)), clean_text(" ".join(said)) or None


def _item_element(el):
    """The <li> a list line starts in."""
    for _ in range(8):
        if el is None or el.tag == "li":
            return el
        el = el.getparent()
    return None


def _under_topic(lines: list[Line], k: int) -> bool:
    """Is one of the two nearest headings above line k (an intro paragraph or two between:
    "Python Quiz", then "Expected Evaluation") about questions?"""
    seen = 0
    for j in range(k - 1, max(-1, k - 1 - _HEADING_REACH), -1):
        if lines[j].flags & HEADING:
            if _TOPIC.search(lines[j].text) is not None:
                return True
            seen += 1
            if seen == 2:
                break
    return False


# an intro that asks about the items under it: "What is the expected evaluation of the
# following python expressions?"
_ASKS_OF_ITEMS = re.compile(r"\b(?:following|below)\b", re.I)
# but "Which of the following is a mammal?" asks to pick one: the items are its options
_PICKS = re.compile(r"\b(?:which|select|choose|pick)\b", re.I)


def _labelled(lines: list[Line], taken: bytearray) -> list[tuple[int, int, str, str | None]]:
    """ "Q: ..." lines, each with the "A: ..." line right under it if there is one."""
    heads = [k for k, ln in enumerate(lines) if ln.text[:1] in "qQ:" and not taken[k] and not ln.flags & _NOT_PLAIN
             and Q_LABEL.match(ln.text)]
    if len(heads) < 2:
        return []
    out: list[tuple[int, int, str, str | None]] = []
    for k in heads:
        question = strip_question_number(Q_LABEL.sub("", lines[k].text, count=1))
        if len(question.split()) < 3 or len(question) > _MAX_QUESTION * 4:
            continue
        answer, end = None, k + 1
        if end < len(lines) and not taken[end] and (m := A_LABEL.match(lines[end].text)):
            answer, end = clean_text(m.group("v")), end + 1
        out.append((k, end, clean_text(question), answer))
    return out


_LEVELS = {"h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_MAX_ANSWER = 10_000  # characters: an interview answer with its tables runs to a few thousand


def _level(el) -> int:
    """The heading level of a heading line's element (a link inside an <h3> is at 3), 0 if none."""
    for _ in range(3):
        if el is None:
            return 0
        if el.tag in _LEVELS or el.tag == "h1":
            return _LEVELS.get(el.tag, 1)
        el = el.getparent()
    return 0


# where a numbered paragraph's question ends and its answer, in the same paragraph, starts
_ASKED_END = re.compile(r"[?\uff1f](?=\s|$)")
_SENTENCE_END = re.compile(r"[\u3002.](?=\s+\S)")  # ("2. 谈一谈...的区别。 《Think in Java》中说...": a topic, then its answer)
_MIN_NUMBERED = 5


def _numbered(lines: list[Line], taken: bytearray, used: set[int]) -> list[tuple[int, int, str, str | None]]:
    """An interview post's paragraphs numbered 1, 2, 3 ... (five or more, of one tag), most
    asking ("3. Java中的四种引用及其应用场景是什么?", "4. object中定义了哪些方法? clone(), ..."):
    each a question up to its "?", the rest of it and the lines up to the next its answer."""
    heads: list[int] = []
    for k, ln in enumerate(lines):
        if (not taken[k] and k not in used and not ln.flags & (HEADING | HIDDEN | _CHOICE | ANS | EXPL)
                and ln.owner.tag in ("p", "div") and question_number(ln.text) == len(heads) + 1
                and has_question_number(ln.text)):
            if heads and ln.owner.tag != lines[heads[0]].owner.tag:
                break
            heads.append(k)
    if len(heads) < _MIN_NUMBERED:
        return []
    texts = [strip_question_number(lines[k].text) for k in heads]
    asking = sum(_ASKED_END.search(t) is not None for t in texts)
    titled = any(ln.flags & HEADING and _TOPIC.search(ln.text) for ln in lines[:heads[0]])
    if asking * 5 < len(heads) * 3 and not (titled and asking * 5 >= len(heads)):
        return []  # (numbered steps or notes: most do not ask, nor does a title say they are questions)
    out = []
    for n, k in enumerate(heads):
        end = heads[n + 1] if n + 1 < len(heads) else _section_end(lines, k)
        if any(taken[j] for j in range(k, end)):
            continue
        question, rest = _split_asked(texts[n], lines[k].owner)
        body = rest + [ln.text for ln in lines[k + 1:end] if not ln.flags & (HIDDEN | TOGGLE)]
        answer = clean_text(" ".join(b for b in body if b)) or None
        out.append((k, end, clean_text(question), answer if answer is None or len(answer) <= _MAX_ANSWER else None))
    return out


def _split_asked(text: str, owner) -> tuple[str, list[str]]:
    """(question, [the answer's start]) of a numbered paragraph: its bold lead, else up to its "?", else up to the
    paragraph's first line break in the source (markdown's soft break between a topic and its
    answer, "10. HashMap的实现原理\n简单的说, ..."), else up to its first sentence's end."""
    lead = owner[0] if len(owner) and not (owner.text or "").strip() else None
    if lead is not None and lead.tag in ("strong", "b"):  # "<p><strong>10. HashMap的实现原理</strong> 简单的说..."
        head = strip_question_number(clean_text("".join(lead.itertext())))
        if head and text.startswith(head) and len(head) < len(text):
            return head, [text[len(head):].strip()]
    m = _ASKED_END.search(text)
    raw = (owner.text or "").strip()
    first = clean_text(raw.split("\n", 1)[0]) if "\n" in raw else ""
    if m is None and first and len(strip_question_number(first)) < len(text):
        head = strip_question_number(first)
        if text.startswith(head):
            return head, [text[len(head):].strip()]
    m = m or _SENTENCE_END.search(text)
    return (text[:m.end()].strip(), [text[m.end():].strip()]) if m else (text, [])


def _section_end(lines: list[Line], k: int) -> int:
    """Where the last numbered question's answer ends: the next heading, or 40 lines on."""
    for j in range(k + 1, min(len(lines), k + 40)):
        if lines[j].flags & HEADING:
            return j
    return min(len(lines), k + 40)


def _counted(lines: list[Line], asking: list[int]) -> bool:
    """Do the asking headings number themselves 1, 2, 3 ... in page order ("1. Jak ...?")?"""
    numbers = [question_number(lines[k].text) for k in asking]
    return len(numbers) >= _MIN_ITEMS and numbers == list(range(1, len(numbers) + 1)) and all(
        has_question_number(lines[k].text) for k in asking)


def _headed(lines: list[Line], taken: bytearray) -> list[tuple[int, int, str, str | None]]:
    """Headings of one level that ask, each with the text under it up to the next heading."""
    heads = [(k, _level(ln.owner)) for k, ln in enumerate(lines) if ln.flags & HEADING and not ln.flags & HIDDEN
             and len(ln.text) > 2]
    out: list[tuple[int, int, str, str | None]] = []
    for level in {lv for _, lv in heads if lv > 1}:
        same = [k for k, lv in heads if lv == level]
        asking = [k for k in same if asks(strip_question_number(lines[k].text)) and len(lines[k].text.split()) >= 2
                  and not taken[k]]
        titled = any(lv < level and _TOPIC.search(lines[k].text) for k, lv in heads if same and k < same[0])
        numbered = [k for k in same if has_question_number(lines[k].text)]
        if (titled or len(asking) * 2 >= len(same)) and len(numbered) * 5 >= len(same) * 4 and _counted(
                lines, numbered) and not any(taken[k] for k in numbered):
            asking = numbered  # headings that count 1, 2, 3 ... under "Egzamin ustny", or half of them asking
        if len(asking) < _MIN_ITEMS or len(asking) * 5 < len(same) * 4:
            continue
        folded = [k for k in asking if k + 1 < len(lines) and lines[k + 1].flags & HIDDEN]
        if not any(lv < level and _TOPIC.search(lines[k].text) for k, lv in heads if k < asking[0]) and not (
                len(folded) >= 5 and len(folded) * 5 >= len(asking) * 4) and not _counted(lines, asking):
            continue  # no title above says these are questions, nor an accordion of answers, nor do they
            # count 1, 2, 3 ...: an article's headings
        starts = [k for k, _ in heads] + [len(lines)]
        for k in asking:
            end = next(j for j in starts if j > k)
            body = [ln for ln in lines[k + 1:end] if len(ln.text) > 2 and not ln.flags & TOGGLE]
            if any(taken[j] for j in range(k, end)):
                continue
            answer = clean_text(" ".join(ln.text for ln in body)) or None
            if answer is not None and len(answer) > _MAX_ANSWER:
                answer = None  # a chapter, not an answer
            out.append((k, end, strip_question_number(clean_text(lines[k].text)), answer))
    return out
