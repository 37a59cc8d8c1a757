"""The offline provider: deterministic rules, no network, no key, always there.

- enhancement: cleans text and options, classifies category and topics by whole-word
  keyword rules, keeps the page's difficulty (else guesses one from the question's size),
  takes the scraped answer where it names an option, recomputes plain arithmetic (and then
  writes the working as the explanation when the page gave none: never "The answer is X."),
  and leaves `correct_index` None when no option can be shown right (the enhancement task
  then records that as the question's failure);
- feedback: a worked explanation from what grading found;
- generation lives in scraped/ai/templates.py (answers computed, so right by construction).
Its replies have the same shapes as the models' (scraped/ai/schema.py).
"""

from __future__ import annotations

import re
from typing import Any

from scraped.ai.numbers import fmt, parse_number, same_number, solve, solve_worked
from scraped.engine.extract.normalise import (
    clean_text,
    normalise_options,
    resolve_answer,
    strip_question_number,
)

NAME, MODEL = "offline", "rules"
DIFFICULTIES = ("easy", "medium", "hard")

# Signals are whole words (a trailing plural "s"/"es" allowed): "class" is not found in
# "classroom", nor "east" in "at least". "<arith>" stands for an operator between numbers.
_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "quantitative": ("percent", "percentage", "%", "profit", "loss", "interest", "speed", "train", "ratio",
                     "average", "work", "pipe", "cistern", "km/h", "sum of", "number", "digit", "probability",
                     "area", "volume", "perimeter", "mixture", "age", "age of", "discount", "cost price",
                     "selling price", "hcf", "lcm", "square root", "simplify", "value of", "<arith>"),
    "logical": ("series", "next number", "next term", "pattern", "syllogism", "statement", "conclusion",
                "arrangement", "direction", "facing", "blood relation", "brother", "sister", "coding",
                "coded", "analogy", "odd one", "seating", "puzzle", "clock", "calendar", "day of the week",
                "assumption", "argument", "north", "south"),
    "verbal": ("synonym", "antonym", "meaning", "sentence", "grammar", "passage", "fill in the blank",
               "spelling", "idiom", "phrase", "word", "preposition", "tense", "correct form", "paragraph"),
    "technical": ("code", "program", "output of", "function", "algorithm", "sql", "java", "python",
                  "c++", "complexity", "compiler", "database", "operating system", "network", "array",
                  "pointer", "base class", "derived class", "abstract class", "inheritance", "linked list",
                  "stack", "queue", "binary tree", "http"),
}
_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "percentage": ("percent", "percentage", "%"), "profit and loss": ("profit", "loss", "cost price", "selling price"),
    "simple interest": ("simple interest",), "compound interest": ("compound interest",),
    "time speed distance": ("speed", "km/h", "train", "distance"), "time and work": ("work", "days to"),
    "ratio and proportion": ("ratio", "proportion"), "averages": ("average", "mean"),
    "number series": ("series", "next number", "next term"), "probability": ("probability",),
    "ages": ("age", "years old"), "geometry": ("area", "perimeter", "volume", "triangle", "circle"),
    "arithmetic": ("<arith>", "simplify", "value of"),
    "direction sense": ("north", "south", "east", "west", "north-east", "south-west"),
    "clocks": ("clock",), "calendars": ("calendar", "day of the week"), "coding-decoding": ("coded", "coding"),
    "blood relations": ("brother", "sister", "father", "mother"), "synonyms": ("synonym",),
    "antonyms": ("antonym",), "programming": ("code", "program", "output of", "function", "java", "python", "c++",
                                                "base class", "derived class", "compiler"),
}
_ARITH = r"\d\s*[-+×÷*/^]\s*\(?\d"


def _signal(word: str) -> re.Pattern[str]:
    if word == "<arith>":
        return re.compile(_ARITH)
    left = r"(?<!\w)" if word[:1].isalnum() else ""
    right = r"(?:e?s)?(?!\w)" if word[-1:].isalnum() else ""
    return re.compile(left + re.escape(word) + right, re.I)


_CATEGORY_RE = {cat: [_signal(w) for w in words] for cat, words in _CATEGORY_WORDS.items()}
_TOPIC_RE = {topic: [_signal(w) for w in words] for topic, words in _TOPIC_WORDS.items()}


def classify(question: str, options: list[str] | None = None) -> str:
    scores = {cat: sum(1 for rx in rxs if rx.search(question)) for cat, rxs in _CATEGORY_RE.items()}
    best = max(scores, key=lambda c: scores[c])  # ties: the first in _CATEGORY_WORDS
    if scores[best]:
        return best
    if options and all(parse_number(o) is not None for o in options):
        return "quantitative"
    return "general"


def topics(question: str) -> list[str]:
    return [t for t, rxs in _TOPIC_RE.items() if any(rx.search(question) for rx in rxs)][:4]


def difficulty(question: str, given: str | None = None) -> str:
    """The page's difficulty when it gave one (any case), else a guess from its size."""
    if isinstance(given, str) and given.strip().casefold() in DIFFICULTIES:
        return given.strip().casefold()
    numbers = len(re.findall(r"\d+(?:\.\d+)?", question))
    words = len(question.split())
    if words <= 15 and numbers <= 2:
        return "easy"
    if words > 60 or numbers > 5:
        return "hard"
    return "medium"


def answer_index(question: str, options: list[str], answer: Any, answer_text: str | None
                 ) -> tuple[int | None, str]:
    """(index, how) of the right option: "recomputed", "agrees", "corrected", "scraped" or "none"."""
    given: int | None = answer if isinstance(answer, int) and not isinstance(answer, bool) and \
        0 <= answer < len(options) else None
    if given is None and answer_text:
        given, _ = resolve_answer(answer_text, options)
    value = solve(question)
    if value is not None:
        hits = [i for i, o in enumerate(options) if same_number(o, fmt(value)) or parse_number(o) == value]
        if len(hits) == 1:
            if given is None:
                return hits[0], "recomputed"
            return hits[0], "agrees" if hits[0] == given else "corrected"
    return given, "scraped" if given is not None else "none"


_RESTATED = re.compile(r"^(?:the\s+)?(?:correct\s+|right\s+)?(?:(?:answer|ans)\b\.?\s*(?:is\b|:|-|=|would be\b)"
                       r"|(?:option|choice)\b)\s*(?:option\s+)?(?P<rest>.*?)\s*[.!]?$", re.I | re.S)
_REASONING = re.compile(r"=|\bbecause\b|\bsince\b|\bas\b|\bso\b|\btherefore\b|\bhence\b|[×+*/÷^]|\d\s*-\s*\d",
                        re.I)


def tautological(explanation: str) -> bool:
    """Is this "explanation" only the answer restated ("The answer is B.", "Answer: 42",
    "Option C")? Such text explains nothing and is not stored as an explanation."""
    m = _RESTATED.match(explanation.strip())
    if not m or m.group(0).strip() == m.group("rest"):  # no "answer is" lead: real prose
        return False
    rest = m.group("rest")
    return len(rest) <= 40 and len(rest.split()) <= 6 and not _REASONING.search(rest)


# The quality of what these rules could check (the bank's levels: recomputed arithmetic,
# else the page's key alone, else nothing); less without an explanation.
_QUALITY = {"recomputed": 1.0, "agrees": 1.0, "corrected": 1.0, "scraped": 0.6, "none": 0.2}


def enhance(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The ENHANCE reply for raw questions [{"id", "question", "options", "answer",
    "answer_text", "explanation", "category", "difficulty"}]. An explanation is the page's,
    or the recomputed working; never "The answer is X." (that explains nothing)."""
    out = []
    for item in items:
        question = strip_question_number(clean_text(item.get("question")))
        options = normalise_options(item.get("options") or [])
        index, how = answer_index(question, options, item.get("answer"), item.get("answer_text"))
        explanation = clean_text(item.get("explanation"))
        if tautological(explanation) or how == "corrected":
            explanation = ""  # "Answer: B" is the key, not an explanation; a corrected key's argued for another
        if not explanation and index is not None and how in ("recomputed", "agrees", "corrected"):
            worked = solve_worked(question)
            if worked is not None:
                explanation = f"{worked[1]}, so the answer is {options[index]}."
        given_cat = item.get("category")
        category = given_cat if given_cat in _CATEGORY_WORDS or given_cat == "general" else \
            classify(question, options)
        score = _QUALITY[how] - (0 if explanation else 0.1) - (0 if len(options) >= 4 else 0.05)
        out.append({"id": item["id"], "question": question, "options": options, "correct_index": index,
                    "answer_text": options[index] if index is not None else None,
                    "explanation": explanation, "category": category,
                    "difficulty": difficulty(question, item.get("difficulty")),
                    "topics": topics(question), "quality_score": round(max(0.0, score), 2)})
    return {"questions": out}


def explain(question: str, user_answer: str, correct_answer: str | None, is_correct: bool | None) -> str:
    """A feedback explanation from rules alone."""
    worked = solve_worked(question)
    working = f" Working it out: {worked[1]}." if worked is not None else ""
    if is_correct is None:
        return "No correct answer is known for this question, so the answer could not be graded." + working
    if is_correct:
        return f"Correct: {user_answer} is the right answer.{working}"
    return f"Not quite: the correct answer is {correct_answer}, not {user_answer}.{working}"
