"""Scoring extracted questions against the truth files of the real-page corpus.

Shared by bench/extract_quality.py (the numbers in docs/benchmarks.md) and
tests/test_extract_real.py (the floors). The corpus is tests/fixtures/real/<site>/:
`<page>.html` (the saved page), `<page>.truth.json` (what a reader sees on it) and one
PROVENANCE.md per site. See `truth_problems` for the truth format.

Matching, per page:
- a truth question is *found* when an extracted question matches it: both texts normalised
  (`norm_question`: NFKC, case folded, leading numbering such as "Q12.", "12)", "Question
  12:" dropped, punctuation removed, whitespace collapsed) and difflib's ratio >= 0.9.
  Each extracted question is paired with at most one truth question (best ratio first).
- an answer is *right* when the found question's truth answer is not null and the text of
  the extracted answer (the option it points at, else its answer_text) equals the truth
  answer_text after `norm_answer` (as above, and a leading option label "A." / "(b)" dropped).
- an explanation is *found* when the truth explanation is not null and the extracted one
  matches it (normalised, a leading "Explanation:" / "Solution:" dropped, ratio >= 0.9).
- an answer is *spurious* when the found question's truth answer is null (the page gives
  none, or only a decoy) and the extracted question has one anyway.
- an extracted question is *invented* when it matches no truth question at all (ratio below
  0.9 against every one); a second copy of a found question is not invented, it is a duplicate.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "THRESHOLD", "CorpusPage", "PageScore", "Totals", "load_corpus", "norm_answer",
    "norm_explanation", "norm_question", "score_page", "similar", "totals", "truth_problems",
]

THRESHOLD = 0.9
LETTERS = "ABCDEFGHIJ"
LAYOUTS = ("list", "single")
TRUTH_KEYS = {"url", "layout", "questions", "checked"}
QUESTION_KEYS = {"question", "options", "answer", "answer_text", "explanation"}

_NUMBERING = re.compile(
    r"^\s*(?:(?:q(?:uestion|ues|n)?|no|#)\s*\.?\s*)?\(?\d{1,4}\s*[.):\-]?\s*(?=\S)", re.I)
_LABEL = re.compile(r"^\s*(?:\(\s*[a-j]\s*\)|[a-j]\s*[.):])\s*", re.I)
_EXPL_HEAD = re.compile(
    r"^\s*(?:explanation|solution|answer description|description|explain)\s*[:.\-]?\s*", re.I)
_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    # (a superscript "2p³" is "2p^3" in the bank, "2p3" after NFKC: the caret says nothing)
    text = unicodedata.normalize("NFKC", text).casefold().replace("^", "")
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def norm_question(text: str) -> str:
    """Question text for comparison: no numbering, case, punctuation or spacing."""
    text = unicodedata.normalize("NFKC", text)
    return _clean(_NUMBERING.sub("", text, count=1))


def norm_answer(text: str) -> str:
    """Option text for comparison: no option label, case, punctuation or spacing."""
    text = unicodedata.normalize("NFKC", text)
    return _clean(_LABEL.sub("", text, count=1))


def norm_explanation(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return _clean(_EXPL_HEAD.sub("", text, count=1))


def similar(a: str, b: str) -> float:
    """difflib's ratio of two normalised texts, with its cheap upper bounds tried first."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if m.real_quick_ratio() < THRESHOLD or m.quick_ratio() < THRESHOLD:
        return 0.0
    return m.ratio()


@dataclass(frozen=True)
class CorpusPage:
    site: str
    name: str
    html_path: Path
    truth: dict[str, Any]

    @property
    def page_id(self) -> str:
        return f"{self.site}/{self.name}"


@dataclass
class PageScore:
    page_id: str
    truth_questions: int = 0
    found: int = 0
    answers_total: int = 0  # found questions whose truth answer is not null
    answers_right: int = 0
    explanations_total: int = 0  # found questions whose truth explanation is not null
    explanations_found: int = 0
    spurious: int = 0  # found questions with no truth answer that were given one
    extracted: int = 0
    invented: int = 0
    missed: list[str] = field(default_factory=list)  # truth questions not found
    wrong: list[str] = field(default_factory=list)  # found, answer not right
    invented_texts: list[str] = field(default_factory=list)


@dataclass
class Totals:
    pages: int = 0
    truth_questions: int = 0
    found: int = 0
    answers_total: int = 0
    answers_right: int = 0
    explanations_total: int = 0
    explanations_found: int = 0
    spurious: int = 0
    extracted: int = 0
    invented: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.truth_questions if self.truth_questions else 1.0

    @property
    def answer_accuracy(self) -> float:
        return self.answers_right / self.answers_total if self.answers_total else 1.0

    @property
    def explanation_recall(self) -> float:
        return self.explanations_found / self.explanations_total if self.explanations_total else 1.0


def _extracted_answer(q: dict[str, Any]) -> str | None:
    options = q.get("options") or []
    idx = q.get("answer")
    if isinstance(idx, int) and 0 <= idx < len(options):
        return str(options[idx])
    text = q.get("answer_text")
    return str(text) if text else None


def _options_alike(t: dict[str, Any], e: dict[str, Any]) -> float:
    return similar(norm_question(" ".join(t.get("options") or [])), norm_question(" ".join(map(str, e.get("options") or []))))


def score_page(page_id: str, truth: Sequence[dict[str, Any]],
               extracted: Sequence[dict[str, Any]]) -> PageScore:
    """Match one page's extracted questions (`ExtractedQuestion.to_dict()`) to its truth."""
    score = PageScore(page_id, truth_questions=len(truth), extracted=len(extracted))
    t_norm = [norm_question(t["question"]) for t in truth]
    e_norm = [norm_question(str(e.get("question") or "")) for e in extracted]
    ratios = [[similar(t, e) for e in e_norm] for t in t_norm]
    # of equal question texts ("На другий склад падає наголос у слові" on five questions), the
    # options tell which is which
    pairs = sorted(((r, _options_alike(truth[ti], extracted[ei]) if r == 1.0 else 0.0, ti, ei)
                    for ti, row in enumerate(ratios) for ei, r in enumerate(row) if r >= THRESHOLD), reverse=True)
    t_taken: dict[int, int] = {}
    e_taken: set[int] = set()
    for _, _, ti, ei in pairs:
        if ti not in t_taken and ei not in e_taken:
            t_taken[ti] = ei
            e_taken.add(ei)
    for ti, t in enumerate(truth):
        ei = t_taken.get(ti)
        if ei is None:
            score.missed.append(t["question"])
            continue
        score.found += 1
        e = extracted[ei]
        if t.get("answer_text") is not None:
            score.answers_total += 1
            got = _extracted_answer(e)
            if got is not None and norm_answer(got) == norm_answer(t["answer_text"]):
                score.answers_right += 1
            else:
                score.wrong.append(t["question"])
        elif _extracted_answer(e) is not None:
            score.spurious += 1
        if t.get("explanation"):
            score.explanations_total += 1
            got_expl = e.get("explanation")
            if got_expl and similar(norm_explanation(t["explanation"]),
                                    norm_explanation(str(got_expl))) >= THRESHOLD:
                score.explanations_found += 1
    for ei, e in enumerate(extracted):
        if ei not in e_taken and all(row[ei] < THRESHOLD for row in ratios):
            score.invented += 1
            score.invented_texts.append(str(e.get("question") or ""))
    return score


def totals(scores: Iterable[PageScore]) -> Totals:
    out = Totals()
    for s in scores:
        out.pages += 1
        out.truth_questions += s.truth_questions
        out.found += s.found
        out.answers_total += s.answers_total
        out.answers_right += s.answers_right
        out.explanations_total += s.explanations_total
        out.explanations_found += s.explanations_found
        out.spurious += s.spurious
        out.extracted += s.extracted
        out.invented += s.invented
    return out


def truth_problems(data: Any) -> list[str]:
    """Everything wrong with one truth file's content ([] when it is well-formed)."""
    if not isinstance(data, dict):
        return ["the truth is not a JSON object"]
    problems = [f"unknown key {k!r}" for k in sorted(set(data) - TRUTH_KEYS)]
    problems += [f"missing key {k!r}" for k in sorted(TRUTH_KEYS - set(data))]
    if data.get("url") is not None and not (
            isinstance(data["url"], str) and data["url"].startswith(("http://", "https://"))):
        problems.append("url: must be an http(s) URL or null")
    if data.get("layout") not in LAYOUTS:
        problems.append(f"layout: must be one of {', '.join(LAYOUTS)}")
    if not isinstance(data.get("checked"), str) or len(data.get("checked", "").strip()) < 10:
        problems.append("checked: must say how the answers were checked a second time")
    questions = data.get("questions")
    if not isinstance(questions, list):
        return problems + ["questions: must be a list"]
    if data.get("layout") == "single" and len(questions) > 1:
        problems.append("layout single: the page holds at most one question")
    for n, q in enumerate(questions, 1):
        where = f"questions[{n}]"
        if not isinstance(q, dict):
            problems.append(f"{where}: not an object")
            continue
        problems += [f"{where}: unknown key {k!r}" for k in sorted(set(q) - QUESTION_KEYS)]
        problems += [f"{where}: missing key {k!r}" for k in sorted(QUESTION_KEYS - set(q))]
        text = q.get("question")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}.question: must be non-empty text")
        elif text != text.strip():
            problems.append(f"{where}.question: has leading or trailing space")
        options = q.get("options")
        if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
            problems.append(f"{where}.options: must be a list of non-empty texts")
            options = []
        elif len(options) > len(LETTERS):
            problems.append(f"{where}.options: more than {len(LETTERS)}")
        answer, answer_text = q.get("answer"), q.get("answer_text")
        if answer is None:
            if answer_text is not None and options:
                problems.append(f"{where}: answer_text without an answer letter on a choice question")
        elif not (isinstance(answer, str) and len(answer) == 1 and answer in LETTERS[:len(options)]):
            problems.append(f"{where}.answer: must be a letter A..{LETTERS[max(len(options), 1) - 1]} or null")
        elif answer_text != options[LETTERS.index(answer)]:
            problems.append(f"{where}.answer_text: must be the text of option {answer}")
        if answer_text is not None and not isinstance(answer_text, str):
            problems.append(f"{where}.answer_text: must be text or null")
        expl = q.get("explanation")
        if expl is not None and not (isinstance(expl, str) and expl.strip()):
            problems.append(f"{where}.explanation: must be non-empty text or null")
    return problems


def load_corpus(root: Path) -> list[CorpusPage]:
    """Every page under root/<site>/ with its parsed truth; ValueError naming a bad one."""
    pages: list[CorpusPage] = []
    for html_path in sorted(root.glob("*/*.html")):
        truth_path = html_path.with_name(html_path.name[:-len(".html")] + ".truth.json")
        try:
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(f"{html_path.relative_to(root)}: no truth file "
                             f"{truth_path.name}") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{truth_path.relative_to(root)}: not valid JSON: {exc}") from None
        problems = truth_problems(truth)
        if problems:
            raise ValueError(f"{truth_path.relative_to(root)}: " + "; ".join(problems))
        pages.append(CorpusPage(html_path.parent.name, html_path.name[:-len(".html")],
                                html_path, truth))
    return pages
