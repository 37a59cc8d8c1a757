"""The offline provider: deterministic rules, no network, no key, always there.

- enhancement: cleans text and options, classifies category, difficulty and topics by
  keyword rules, takes the scraped answer where it names an option, recomputes plain
  arithmetic, and leaves `correct_index` None when no option can be shown right (the
  enhancement task then records that as the question's failure);
- feedback: a worked explanation from what grading found;
- generation lives in scraped/ai/templates.py (answers computed, so right by construction).
Its replies have the same shapes as the models' (scraped/ai/schema.py).
"""

from __future__ import annotations

import re
from typing import Any

from scraped.ai.numbers import fmt, parse_number, same_number, solve
from scraped.engine.extract.normalise import (
    clean_text,
    normalise_options,
    resolve_answer,
    strip_question_number,
)

NAME, MODEL = "offline", "rules"

_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "technical": ("code", "program", "output of", "function", "algorithm", "sql", "java", "python",
                  "c++", "complexity", "compiler", "database", "operating system", "network", "array",
                  "pointer", "class", "inheritance", "linked list", "stack", "queue", "binary tree", "http"),
    "verbal": ("synonym", "antonym", "meaning", "sentence", "grammar", "passage", "fill in the blank",
               "spelling", "idiom", "phrase", "word", "preposition", "tense", "correct form", "paragraph"),
    "logical": ("series", "next number", "next term", "pattern", "syllogism", "statement", "conclusion",
                "arrangement", "direction", "facing", "blood relation", "brother", "sister", "coding",
                "coded", "analogy", "odd one", "seating", "puzzle", "clock", "calendar", "day of the week",
                "assumption", "argument", "north", "south"),
    "quantitative": ("percent", "%", "profit", "loss", "interest", "speed", "train", "ratio", "average",
                     "work", "pipes", "cistern", "km/h", "sum of", "number", "digits", "probability",
                     "area", "volume", "perimeter", "mixture", "ages", "age of", "discount", "cost price",
                     "selling price", "hcf", "lcm", "square root", "simplify", "value of", "+", "×", "÷"),
}
_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "percentage": ("percent", "%"), "profit and loss": ("profit", "loss", "cost price", "selling price"),
    "simple interest": ("simple interest",), "compound interest": ("compound interest",),
    "time speed distance": ("speed", "km/h", "train", "distance"), "time and work": ("work", "days to"),
    "ratio and proportion": ("ratio", "proportion"), "averages": ("average", "mean"),
    "number series": ("series", "next number", "next term"), "probability": ("probability",),
    "ages": ("age",), "geometry": ("area", "perimeter", "volume", "triangle", "circle"),
    "arithmetic": ("+", "-", "×", "÷", "simplify", "value of"), "direction sense": ("north", "south", "east", "west"),
    "clocks": ("clock",), "calendars": ("calendar", "day of the week"), "coding-decoding": ("coded", "coding"),
    "blood relations": ("brother", "sister", "father", "mother"), "synonyms": ("synonym",),
    "antonyms": ("antonym",), "programming": ("code", "program", "output of", "function"),
}


def classify(question: str, options: list[str] | None = None) -> str:
    text = " " + question.lower() + " "
    scores = {cat: sum(1 for w in words if w in text) for cat, words in _CATEGORY_WORDS.items()}
    best = max(scores, key=lambda c: scores[c])
    if scores[best]:
        return best
    if options and all(parse_number(o) is not None for o in options):
        return "quantitative"
    return "general"


def topics(question: str) -> list[str]:
    text = question.lower()
    return [t for t, words in _TOPIC_WORDS.items() if any(w in text for w in words)][:4]


def difficulty(question: str, given: str | None = None) -> str:
    if given in ("easy", "medium", "hard"):
        return given
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


def enhance(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The ENHANCE reply for raw questions [{"id", "question", "options", "answer",
    "answer_text", "explanation", "category", "difficulty"}]."""
    out = []
    for item in items:
        question = strip_question_number(clean_text(item.get("question")))
        options = normalise_options(item.get("options") or [])
        index, how = answer_index(question, options, item.get("answer"), item.get("answer_text"))
        explanation = clean_text(item.get("explanation"))
        if not explanation and index is not None:
            explanation = f"The answer is {options[index]}."
            value = solve(question)
            if value is not None:
                explanation = f"Working it out gives {fmt(value)}, so the answer is {options[index]}."
        given_cat = item.get("category")
        category = given_cat if given_cat in _CATEGORY_WORDS or given_cat == "general" else \
            classify(question, options)
        score = 0.4 + (0.2 if explanation else 0) + (0.2 if how in ("recomputed", "agrees") else 0) + \
            (0.1 if len(options) >= 4 else 0) + (0.1 if len(set(map(str.lower, options))) == len(options) else 0)
        out.append({"id": item["id"], "question": question, "options": options, "correct_index": index,
                    "explanation": explanation, "category": category,
                    "difficulty": difficulty(question, item.get("difficulty")),
                    "topics": topics(question), "quality_score": round(min(score, 1.0), 2)})
    return {"questions": out}


def explain(question: str, user_answer: str, correct_answer: str | None, is_correct: bool | None) -> str:
    """A feedback explanation from rules alone."""
    value = solve(question)
    working = f" Working it out: {fmt(value)}." if value is not None else ""
    if is_correct is None:
        return "No correct answer is known for this question, so the answer could not be graded." + working
    if is_correct:
        return f"Correct: {user_answer} is the right answer.{working}"
    return f"Not quite: the correct answer is {correct_answer}, not {user_answer}.{working}"
