"""Generation: new questions on request, validated like enhanced ones, de-duplicated
against the bank (exact content key, then near-duplicates by shingle Jaccard) and stored
in `enhanced_questions` with origin="generated".

A model is asked first when one is configured; the offline provider's templates compute
their answers, so they are right by construction. Replies from a model are checked: the
answer must be one of (distinct) options (an index sent as 2.0 is read as 2), and plain
arithmetic is recomputed — a generated question whose answer the checker disagrees with
is discarded, not corrected. Its verification level is what was checked: `recomputed` for
a template's answer or a model's that the checker recomputed, else `model-only`; the
quality score follows the level. "The answer is B." is no explanation and is dropped.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import time
from typing import Any

from scraped.ai import templates
from scraped.ai.providers import offline
from scraped.ai.router import Task
from scraped.ai.schema import GENERATE
from scraped.bank.lifecycle import ENHANCED, MODEL_ONLY, RECOMPUTED, quality
from scraped.engine.extract.normalise import question_key

log = logging.getLogger(__name__)
ROUNDS = 4


SYSTEM = (
    "You write new multiple-choice aptitude questions for a question bank (task: generate). Write "
    "exactly `count` questions of the given category and difficulty (and in the style of the given "
    "company's tests, if one is named), each with 4 distinct options, the 0-based correct_index, a "
    "short explanation showing the working, and topic tags. Numbers must make the answer exact. "
    "Do not repeat any question listed under `avoid`.")


async def generate(service: Any, category: str, difficulty: str, count: int, company: str | None = None,
                   seed: int | None = None) -> dict[str, Any]:
    cfg = service.config
    if count > cfg.max_generate:  # refused, not silently capped: the caller asked for more
        from scraped.errors import BadRequest

        raise BadRequest(f"--count {count} is over [ai] max_generate = {cfg.max_generate}; "
                         "ask for at most that many, or raise the setting")
    rng = random.Random(seed)
    await service.ensure_index()
    made: list[dict[str, Any]] = []
    skipped = {"duplicate": 0, "near_duplicate": 0, "invalid": 0}
    providers: list[str] = []
    for _ in range(ROUNDS):
        need = count - len(made)
        if need <= 0:
            break
        avoid = [q["question"][:80] for q in made][-20:]
        user = "INPUT JSON:" + json.dumps({"category": category, "difficulty": difficulty, "count": need,
                                           "company": company, "avoid": avoid}, separators=(",", ":"))
        task = Task("generate", SYSTEM, user, GENERATE, "generate.v1", use_cache=False,
                    offline=functools.partial(templates.generate, category, difficulty, need, rng))
        result = await service.router.run(task)
        providers.append(result.provider)
        if not result.data["questions"]:
            break  # the offline templates do not cover this category
        for item in result.data["questions"]:
            if len(made) >= count:
                break
            verdict, doc = await _accept(service, item, category, difficulty, company, result)
            if doc is None:
                skipped[verdict] += 1
                continue
            made.append(doc)
    out = {"requested": count, "generated": len(made), "skipped": skipped, "providers": providers,
           "questions": made}
    if len(made) < count:
        out["note"] = (f"offline templates cover {', '.join(templates.TEMPLATES)} only"
                       if category not in templates.TEMPLATES and not made else
                       "fewer unique questions than asked; try again or loosen ai.near_duplicate")
    return out


async def _accept(service: Any, item: dict[str, Any], category: str, difficulty: str, company: str | None,
                  result: Any) -> tuple[str, dict[str, Any] | None]:
    question = " ".join(item["question"].split())
    options = [" ".join(o.split()) for o in item["options"]]
    idx = item["correct_index"]
    if isinstance(idx, float) and idx.is_integer():
        idx = int(idx)  # JSON's 2.0 is the index 2 (the schema lets whole floats through)
    if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < len(options) or \
            any(not o for o in options) or len({o.casefold() for o in options}) != len(options):
        return "invalid", None
    checked, how = offline.answer_index(question, options, idx, None)
    if how == "corrected":
        log.info("discarding a generated question whose answer the checker disputes (%s)", result.provider)
        return "invalid", None
    by_construction = result.provider == offline.NAME
    # The level is what was checked: a template computed its answer, the checker recomputed
    # a model's arithmetic ("agrees"), or nothing checked the model's pick (model-only).
    level = RECOMPUTED if by_construction or how == "agrees" else MODEL_ONLY
    explanation = str(item.get("explanation") or "").strip()
    if offline.tautological(explanation):
        explanation = ""  # "The answer is B." explains nothing
    key = question_key(question, options)
    if await service.app.store.get(ENHANCED, key) is not None:
        return "duplicate", None
    if service.near_duplicates(question):
        return "near_duplicate", None
    now = time.time()
    assert checked is not None
    checks = [{"check": "answer_in_options", "result": "pass", "detail": ""},
              {"check": "recomputed", "result": "pass" if level == RECOMPUTED else "skipped",
               "detail": "by construction (template)" if by_construction else
               "the arithmetic checker agrees" if how == "agrees" else "not plain arithmetic"}]
    doc = {"_id": key, "question": question, "options": options, "correct_index": checked,
           "answer_text": options[checked], "explanation": explanation, "category": category,
           "difficulty": difficulty, "topics": list(item.get("topics") or [])[:6],
           "company_tags": [company.lower()] if company else [],
           "quality_score": quality(level, explanation=bool(explanation), options=len(options),
                                     provisional=False),
           "checks": checks, "verification": {"level": level, "solver": None, "at": now},
           "provisional": False, "provider": result.provider, "model": result.model, "origin": "generated",
           "enhanced_at": now}
    from scraped.errors import DuplicateKey

    try:
        await service.app.store.insert_one(ENHANCED, doc)
    except DuplicateKey:
        return "duplicate", None
    service.index_add(key, question)
    return "ok", doc
