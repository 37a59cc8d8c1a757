"""Questions held as JSON in a page's scripts: schema.org Quiz JSON-LD, a framework's state.

- JSON-LD: `Question` objects (inside a `Quiz`'s hasPart, or anywhere) with
  `suggestedAnswer` / `acceptedAnswer` `Answer`s; their order is `position` when every
  answer has one, else as listed (accepted ones where they stand among them, when the
  page lists them in `suggestedAnswer` too, else after). A Question with only an
  acceptedAnswer is an FAQ entry, not a multiple-choice question: ignored.
- flashcards (`word`/`term` and `definition`): a front holding a question and its
  lettered options, a back naming the right one ("A. ...");
- state objects (`__NEXT_DATA__`, `window.__INITIAL_STATE__ = {...}`, application/json):
  any object with a question text (question, questionText, stem, prompt...) and a list of
  2-10 options (options, choices, answers, alternatives...: strings, or objects with a
  text), its answer from a key (answer, correctAnswer, correct_option...: an option's
  text, a letter, or an index when the key says so) or from an option flagged
  is_correct/correct/isCorrect.

The caller (questions.py) uses them to fill answers of questions found in the markup; as
the page's questions when the markup gives none (a page rendered by script); and adds the
ones the markup lacks when the script holds nearly all the markup's questions (the page's
own data, of which the server rendered the first few).
Vote tallies (`voted_answers`, `vote_count`) name no question text and give nothing.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections import deque
from collections.abc import Iterable
from typing import Any

import chompjs

from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import (
    clean_text,
    normalise_options,
    option_label,
    resolve_answer,
    strip_question_number,
)

__all__ = ["script_questions"]

log = logging.getLogger(__name__)

_Q_KEYS = ("question", "questionText", "question_text", "questionTitle", "questionHtml", "question_html", "stem",
           "prompt", "query", "q")
_OPT_KEYS = ("options", "choices", "answers", "alternatives", "answerOptions", "answer_options", "option_list")
_ANS_KEYS = ("correctAnswer", "correct_answer", "correctOption", "correct_option", "answer", "correct", "rightAnswer",
             "right_answer", "solution", "key")
_INDEX_KEYS = ("correctIndex", "correct_index", "answerIndex", "answer_index", "correctOptionIndex")
_OPT_TEXT = ("text", "label", "value", "content", "body", "option", "answer", "title", "name", "html")
_OPT_TRUE = ("is_correct", "isCorrect", "correct", "is_right", "isRight", "right")
_EXPL_KEYS = ("explanation", "explanationHtml", "explanation_html", "rationale", "solution_text", "feedback", "explain")
_MAX_NODES = 200_000
_MAX_NESTED = 4
_ASSIGN = re.compile(r"=\s*(?=[{\[])")
_TAGS = re.compile(r"<[^>]+>")


def _text(value: Any) -> str:
    if isinstance(value, str):
        if "<" in value:  # HTML in a string: its text, entities and all ("&quot;Done!&quot;")
            return clean_text(html.unescape(_TAGS.sub(" ", value)))
        return clean_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _loads(kind: str, text: str) -> Any:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:].rstrip("->").strip()
    if text[:1] not in "{[":
        m = _ASSIGN.search(text)  # window.__STATE__ = {...};
        if m is None:
            return None
        text = text[m.end():].rstrip().rstrip(";")
    try:
        return json.loads(text)
    except ValueError:
        if "json" in kind:
            log.debug("a JSON script did not parse")
            return None
    # JavaScript, not JSON: "const QUESTIONS = [{q: '...', options: [...], answer: 1}, ...]"
    # (unquoted keys, comments): every object and array literal in it, by chompjs
    try:
        return list(chompjs.parse_js_objects(text))
    except (ValueError, TypeError):  # (what chompjs raises on a script it cannot read)
        return None


def _walk(data: Any):
    """Every dict in a JSON value, breadth-first, at most _MAX_NODES values."""
    queue = deque([data])
    seen = 0
    nested = 0  # JSON written as a string inside the JSON (a framework's dehydrated state)
    while queue and seen < _MAX_NODES:
        node = queue.popleft()
        seen += 1
        values: Iterable[Any]
        if isinstance(node, dict):
            yield node
            values = node.values()
        elif isinstance(node, list):
            values = node
        else:
            continue
        for v in values:
            if isinstance(v, (dict, list)):
                queue.append(v)
            elif (isinstance(v, str) and len(v) > 200 and v[:1] in "{[" and nested < _MAX_NESTED
                  and ("uestion" in v or ("word" in v and "definition" in v))):
                nested += 1
                try:
                    queue.append(json.loads(v))
                except ValueError:
                    pass


def _schema_question(node: dict) -> ExtractedQuestion | None:
    kinds = node.get("@type")
    if kinds != "Question" and not (isinstance(kinds, list) and "Question" in kinds):
        return None
    suggested = node.get("suggestedAnswer")
    accepted = node.get("acceptedAnswer")
    if not suggested:
        return None  # an FAQ entry: a question and its one answer, no choices
    suggested = suggested if isinstance(suggested, list) else [suggested]
    accepted = accepted if isinstance(accepted, list) else ([accepted] if accepted else [])
    right = [_text(a.get("text")) for a in accepted if isinstance(a, dict)]
    answers = [a for a in suggested if isinstance(a, dict)]
    answers += [a for a in accepted if isinstance(a, dict) and _text(a.get("text")) not in
                {_text(s.get("text")) for s in answers}]
    if all(isinstance(a.get("position"), (int, float)) for a in answers):
        answers.sort(key=lambda a: a["position"])
    options = [_text(a.get("text")) for a in answers]
    question = _text(node.get("name")) or _text(node.get("text"))
    if not question or not 2 <= len(options) <= 10 or not all(options):
        return None
    idx = options.index(right[0]) if len(right) == 1 and right[0] in options else None
    expl = None
    for a in accepted:
        if isinstance(a, dict) and isinstance(a.get("answerExplanation"), dict):
            expl = _text(a["answerExplanation"].get("text")) or None
    return ExtractedQuestion(question, tuple(options), idx, options[idx] if idx is not None else None, expl)


def _option_text(opt: Any) -> str:
    if isinstance(opt, dict):
        for k in _OPT_TEXT:
            if k in opt and (t := _text(opt[k])):
                return t
        return ""
    return _text(opt)


def _number_base(nodes: list[dict]) -> int | None:
    """Whether the bare-number answers of one script's questions count from 0 or from 1:
    0 if one of them is 0, 1 if one is its question's option count, else unknown."""
    pairs = [(v, len(opts)) for n in nodes if isinstance(v := next((n[k] for k in _ANS_KEYS if k in n), None), int)
             and not isinstance(v, bool) and isinstance(opts := next((n[k] for k in _OPT_KEYS if k in n), None), list)]
    if any(v == 0 for v, _ in pairs):
        return 0
    if any(v == n for v, n in pairs):
        return 1
    return None


def _lettered(options: dict | None) -> list | None:
    """The values of an options object keyed by their letters ({"A": ..., "B": ...}) or
    numbers, in that order; None for any other object."""
    if not options or not all(isinstance(k, str) and len(k) == 1 and (k.isalpha() or k.isdigit()) for k in options):
        return None
    keys = sorted(options, key=str.upper)
    return [options[k] for k in keys]


def _state_question(node: dict, base: int | None = None) -> ExtractedQuestion | None:
    question = next((t for k in _Q_KEYS if k in node and (t := _text(node[k]))), "")
    if len(question) < 8:
        return None
    raw_opts = next((node[k] for k in _OPT_KEYS if isinstance(node.get(k), list)), None)
    if raw_opts is None:
        raw_opts = _lettered(next((node[k] for k in _OPT_KEYS if isinstance(node.get(k), dict)), None))
    if raw_opts is None or not 2 <= len(raw_opts) <= 10:
        return None
    options = normalise_options([_option_text(o) for o in raw_opts])
    if not all(options):
        return None
    idx: int | None = None
    flagged = [i for i, o in enumerate(raw_opts) if isinstance(o, dict) and any(o.get(k) is True for k in _OPT_TRUE)]
    if len(flagged) == 1:
        idx = flagged[0]
    if idx is None:
        for k in _INDEX_KEYS:  # an index by name: 0-based
            v = node.get(k)
            if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(options):
                idx = v
                break
    if idx is None:
        for k in _ANS_KEYS:
            v = node.get(k)
            if isinstance(v, str) and v.strip():
                idx = resolve_answer(v, options, None)[0]  # an option's text or a letter
            elif isinstance(v, int) and not isinstance(v, bool):
                # a bare number is 0- or 1-based: only 0 and len(options) say which, here or
                # in another question of the same script (`base`)
                if base is not None and 0 <= v - base < len(options):
                    idx = v - base
                else:
                    idx = 0 if v == 0 else (v - 1 if v == len(options) else None)
            if idx is not None:
                break
    expl = next((t for k in _EXPL_KEYS if k in node and (t := _text(node[k]))), None)
    return ExtractedQuestion(question, tuple(options), idx, options[idx] if idx is not None else None, expl)


_CARD_FRONT = ("word", "term", "front")
_CARD_BACK = ("definition", "back")


def _card_question(node: dict) -> ExtractedQuestion | None:
    """A flashcard whose front holds a question and its lettered options, one a line, and
    whose back names the right one ("A. ..."): a multiple-choice question. Cards without
    options are vocabulary, not questions, and give nothing."""
    front = next((node[k] for k in _CARD_FRONT if isinstance(node.get(k), str)), None)
    back = next((node[k] for k in _CARD_BACK if isinstance(node.get(k), str)), None)
    if not front or back is None or "\n" not in front:
        return None
    lines = [clean_text(x) for x in front.split("\n")]
    lines = [x for x in lines if x]
    first = next((i for i, x in enumerate(lines) if option_label(x) is not None), None)
    if not first:
        return None  # no question text before the options
    labels = [option_label(x) for x in lines[first:]]
    if len(labels) < 2 or any(lb is None or lb[1] != i or lb[0] != labels[0][0]  # type: ignore[index]
                              for i, lb in enumerate(labels)):
        return None
    options = normalise_options(lines[first:])
    question = strip_question_number(" ".join(lines[:first]))
    idx, text = resolve_answer(clean_text(back), options, labels[0][0])  # type: ignore[index]
    if idx is None:
        return None  # a back that names no option: not this kind of card
    return ExtractedQuestion(question, tuple(options), idx, text, None)


def script_questions(scripts: list[tuple[str, str]]) -> list[ExtractedQuestion]:
    """The questions in a page's JSON scripts ((type, text) pairs from lines.py)."""
    out: list[ExtractedQuestion] = []
    for kind, text in scripts:
        data = _loads(kind, text)
        if data is None:
            continue
        nodes = list(_walk(data))
        base = _number_base(nodes)
        found = 0
        for node in nodes:
            q = _schema_question(node) if "@type" in node else (_state_question(node, base) or _card_question(node))
            if q is not None:
                out.append(q)
                found += 1
        if not found:
            out.extend(_card_deck(data))
    return out


_MIN_CARDS = 5


def _card_deck(data: Any) -> list[ExtractedQuestion]:
    """Free-response cards from a script's array of like objects whose keys say nothing
    (`{d: "general", f: "What are the three pillars of the CIA triad?", b: "Confidentiality,
    ..."}`): the field that asks in most of them is the question, the longest other text
    field the answer. Arrays that do not ask (settings, menus) give nothing."""
    decks = [v for v in (data if isinstance(data, list) else [data]) if isinstance(v, list)]
    if isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        decks.append(data)
    out: list[ExtractedQuestion] = []
    for deck in decks:
        cards = [c for c in deck if isinstance(c, dict)]
        if len(cards) < _MIN_CARDS or len(cards) < len(deck) * 0.9:
            continue
        keys = [k for k in cards[0] if all(isinstance(c.get(k), str) for c in cards)]
        asking = [k for k in keys if sum(_text(c[k]).endswith("?") for c in cards) * 5 >= len(cards) * 3]
        if len(asking) != 1:
            continue
        front = asking[0]
        backs = [k for k in keys if k != front]
        if not backs:
            continue
        back = max(backs, key=lambda k: sum(len(c[k]) for c in cards))
        out += [ExtractedQuestion(_text(c[front]), (), None, _text(c[back]) or None, None) for c in cards
                if len(_text(c[front])) >= 8]
    return out
