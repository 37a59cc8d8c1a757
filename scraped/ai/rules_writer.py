"""ai-schema: a model writes a layout's [extract] css rules once; they are checked before use.

For a layout (scraped.engine.layouts) seen for the first time, the job keeps the first
`validate_pages` pages of it that hold questions (auto finds some, or the page looks like
a quiz page) as samples. A model is then given one sample's HTML (scripts, styles and
comments cut) with the questions auto found on it, and answers with the rules of a css
job: `block`, `question`, `options`, `answer`, `explanation` (CSS or XPath, the dialect of
scraped/engine/extract/rules.py). The rules are refused unless, on every sample:

- they compile as a css job's [extract] table;
- what they give looks like questions: 3 words or more, distinct, each with two or more
  distinct options or ending in "?", options that are not the question again (at most a
  fifth of them may fail this: real pages print the odd option twice);
- where auto finds questions, they agree: they find at least 80 % of auto's questions
  (by their words), with the same options and, where both name one, the same answer,
  and they name answers where auto does.

A refused reply passes the call to the next provider of `extract_order` (the reason of
each kept); when none gives acceptable rules, the layout is `refused` with the reasons and
its pages are extracted by auto until `ai.layout_retry` seconds have passed.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from scraped.ai.errors import InvalidReply
from scraped.ai.task import Task
from scraped.engine.extract.css import extract_css
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import clean_text, strip_question_number
from scraped.engine.extract.rules import ExtractRules
from scraped.errors import ConfigError

__all__ = ["RULES", "Sample", "derive_task", "check_rules", "html_for_model"]

log = logging.getLogger(__name__)

_SEL = {"type": ["string", "null"], "maxLength": 300}
RULES = {"type": "object", "required": ["block", "question", "options"],
         "properties": {"block": {"type": "string", "minLength": 1, "maxLength": 300},
                        "question": {"type": "string", "minLength": 1, "maxLength": 300},
                        "options": _SEL, "answer": _SEL, "explanation": _SEL}}
FIELDS = ("block", "question", "options", "answer", "explanation")

SYSTEM = ("You write the extraction rules of a question page layout (task: rules). Given one page's "
          "HTML and the questions a heuristic found on it, return CSS selectors (parsel's dialect: "
          "::text and ::attr(name) allowed, or XPath starting with './/'): `block` matches one element "
          "per question; relative to a block, `question` the question text, `options` one element per "
          "option, `answer` the element stating the answer (its text may be 'Answer: Option B' or "
          "the option itself), `explanation` the explanation (null when absent). The rules are used "
          "on every page of this layout, so rely on the layout's classes and structure, never on one "
          "page's text or position numbers.")
_WORD = re.compile(r"\w+")
_NOISE = re.compile(r"<(script|style|svg|noscript|template)\b.*?</\1\s*>|<!--.*?-->"
                    r"|<(?:script|link|meta)\b[^>]*>", re.I | re.S)  # and lone or self-closed tags
_ATTRS_DROPPED = re.compile(r"\s(?:style|on\w+|data-(?!answer|correct)[\w-]+)=(\"[^\"]*\"|'[^']*')", re.I)


@dataclass
class Sample:
    url: str
    html: str
    root: Any  # the parsed page's lxml root
    auto: list[ExtractedQuestion]


def html_for_model(html: str, limit: int, anchor: str | None = None) -> str:
    """The page without scripts, styles, comments and presentational attributes, at most
    `limit` characters. A longer page is cut around its questions: from a third of the
    limit before the first words of `anchor` (the first question auto found), else from
    <body>, so that a big header or menu does not fill the excerpt."""
    text = " ".join(_ATTRS_DROPPED.sub("", _NOISE.sub(" ", html)).split())
    if len(text) <= limit:
        return text
    start = -1
    words = _WORD.findall(anchor or "")[:6]
    if len(words) >= 2:
        # between the words: spaces, punctuation, tags and entities ("server&nbsp;</span>maintains")
        found = re.search(r"(?:&#?\w+;|<[^>]*>|\W)++".join(map(re.escape, words)), text, re.I)
        if found:
            start = max(0, found.start() - limit // 3)
    if start < 0:
        body = re.search(r"<body\b", text, re.I)
        start = body.start() if body else 0
    start = text.find("<", start) if text.find("<", start) != -1 else start
    return text[start:start + limit]


def _words(text: str | None) -> set[str]:
    return {w for w in _WORD.findall(clean_text(text or "").casefold()) if len(w) > 1 or w.isdigit()}


def _norm(text: str | None) -> str:
    return " ".join(_WORD.findall(clean_text(text or "").casefold()))


def _likeness(a: ExtractedQuestion, b: ExtractedQuestion) -> float:
    """How alike two questions' texts are: word Jaccard; 1.0 when one holds the other's
    words (4 or more: a question text cut differently by two extractors)."""
    wa, wb = _words(strip_question_number(a.question)), _words(strip_question_number(b.question))
    if not wa or not wb:
        return 0.0
    if (wa <= wb and len(wa) >= 4) or (wb <= wa and len(wb) >= 4):
        return 1.0 if wa == wb else 0.95
    return len(wa & wb) / len(wa | wb)


def _match(a: ExtractedQuestion, mine: list[ExtractedQuestion]) -> ExtractedQuestion | None:
    """The rules' question most like auto's `a` (similar questions on one page differ in a
    number: the best match, not the first good one)."""
    best = max(mine, key=lambda m: _likeness(m, a), default=None)
    return best if best is not None and _likeness(best, a) >= 0.6 else None


def _question_problem(q: ExtractedQuestion, text: str) -> str | None:
    if len(text.split()) < 3:
        return f"{q.question[:60]!r} is not a question (fewer than 3 words)"
    opts = [_norm(o) for o in q.options]
    if len(opts) >= 2 and len(set(opts)) < len(opts):
        return f"the options of {q.question[:60]!r} repeat"
    if any(o == text for o in opts):
        return f"an option of {q.question[:60]!r} is the question itself"
    if len(opts) < 2 and not q.question.rstrip().endswith("?"):
        return f"{q.question[:60]!r} has {len(opts)} option(s) and is not a question"
    return None


def _looks_like_questions(found: list[ExtractedQuestion]) -> str | None:
    """Why these are not questions, or None. Real pages have the odd flaw (an option
    printed twice, a question repeated): more than a fifth of the questions must fail."""
    texts = [_norm(q.question) for q in found]
    repeats = len(texts) - len(set(texts))
    if repeats > 0.2 * len(texts):
        return f"{repeats} of {len(texts)} questions repeat another's text"
    problems = [p for p in (_question_problem(q, t) for q, t in zip(found, texts, strict=True)) if p]
    if len(problems) > 0.2 * len(found):
        return f"{len(problems)} of {len(found)} are not questions: {problems[0]}"
    return None


def _agreement(mine: list[ExtractedQuestion], auto: list[ExtractedQuestion]) -> str | None:
    """Why the rules disagree with auto on a page, or None."""
    pairs = []
    for a in auto:
        match = _match(a, mine)
        if match is not None:
            pairs.append((match, a))
    if len(pairs) < 0.8 * len(auto):
        return f"they find {len(pairs)} of the {len(auto)} questions auto finds"
    with_opts = [(m, a) for m, a in pairs if a.options]
    same_opts = sum(1 for m, a in with_opts if [_norm(o) for o in m.options] == [_norm(o) for o in a.options])
    if with_opts and same_opts < 0.8 * len(with_opts):
        return f"their options differ from auto's on {len(with_opts) - same_opts} of {len(with_opts)} questions"
    answered = [(m, a) for m, a in pairs if a.answer is not None or a.answer_text]
    named = [(m, a) for m, a in answered if m.answer is not None or m.answer_text]
    if answered and len(named) < 0.8 * len(answered):
        return f"they name no answer for {len(answered) - len(named)} of the {len(answered)} questions auto answers"
    wrong = sum(1 for m, a in named if _norm(m.answer_text) != _norm(a.answer_text))
    if named and wrong > 0.2 * len(named):
        return f"their answer differs from auto's on {wrong} of {len(named)} questions"
    return None


def compile_rules(data: dict[str, Any]) -> ExtractRules:
    """A model's reply as a css job's rules; InvalidReply naming the bad key."""
    table = {k: data[k] for k in FIELDS if isinstance(data.get(k), str) and data[k].strip()}
    try:
        return ExtractRules.from_dict({"mode": "css", **table}, "rules")
    except ConfigError as exc:
        raise InvalidReply(f"the rules do not compile: {'; '.join(exc.problems[:2])}") from None


def check_rules(rules: ExtractRules, samples: list[Sample]) -> list[dict[str, Any]]:
    """Each sample's check ({url, questions, auto_questions}); InvalidReply with the reason
    when the rules fail on one of them."""
    report = []
    for s in samples:
        try:
            found = extract_css(s.root, rules)
        except Exception as exc:  # lxml raises several kinds on a selector that compiled
            raise InvalidReply(f"the rules fail on {s.url}: {type(exc).__name__}: {exc}") from None
        if not found:
            raise InvalidReply(f"the rules find no question on {s.url}"
                               + (f" where auto finds {len(s.auto)}" if s.auto else ""))
        why = _looks_like_questions(found) or (_agreement(found, s.auto) if s.auto else None)
        if why:
            raise InvalidReply(f"on {s.url}: {why}")
        report.append({"url": s.url, "questions": len(found), "auto_questions": len(s.auto)})
    return report


def derive_task(samples: list[Sample], limit: int, reasons: list[str]) -> tuple[Task, list[Any]]:
    """The router task asking for a layout's rules, and a list that receives the accepted
    rules and their validation report. `reasons` receives why each refused reply was."""
    first = samples[0]
    examples = [{"question": q.question[:300], "options": list(q.options)[:6], "answer_text": q.answer_text}
                for q in first.auto[:3]]
    user = "INPUT JSON:" + json.dumps({"url": first.url, "heuristic_questions": examples,
                                       "html": html_for_model(first.html, limit,
                                                              first.auto[0].question if first.auto else None)},
                                      ensure_ascii=False, separators=(",", ":"))
    accepted: list[Any] = []

    def check(data: Any) -> None:
        try:
            rules = compile_rules(data)
            report = check_rules(rules, samples)
        except InvalidReply as exc:
            reasons.append(str(exc))
            raise
        accepted[:] = [rules, report]

    return Task("extract", SYSTEM, user, RULES, "rules.v1", check=check, max_tokens=800), accepted


def rules_table(rules: ExtractRules) -> dict[str, str | None]:
    return {k: getattr(rules, k) for k in FIELDS}
