"""Enhancements in: the AI layer hands each checked question here; the bank decides its
verification level from what was checked, writes the enhanced document and marks the
raw question.

Who decides the answer (`verdict`):
    recomputed     the offline checker recomputed the arithmetic and it names one option:
                   that option, whatever the page or a model said (their disagreement is a check)
    the key        the page's answer; without one, the enhancing model's
    solved         independent solves (no key shown, each in its own call) chose the key's option,
                   and the enhancing model did not contradict the page: solved-and-agrees;
                   otherwise disputed (quarantined, no answer stored: every side's pick is kept
                   for review). With two or more model providers configured, two solves on two
                   providers must agree (the second may be the enhancer's provider, asked again
                   without the key: the enhancer's own agreement, given after it saw the key, is
                   no evidence, only a veto); one solve that agrees while the second could not
                   answer leaves the question page-only
    no solve       page-only (model-only without a page key); a model that saw the page key
                   and contradicted it, with no solve to settle it: disputed

Writing: the enhanced document is upserted by its content key (or merged into a near-
duplicate with the same options). A provisional document (offline rules) is replaced by
a model's; a settled one keeps its body and gains the new raw question's sources. Only
after that is the raw question marked, conditional on the batch's claim token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from scraped.bank import lifecycle as lc
from scraped.bank import vocab


@dataclass
class Checked:
    """One question after the AI layer's checks, ready for the bank."""

    raw: dict[str, Any]
    question: str
    options: list[str]
    explanation: str
    category: str | None
    difficulty: str | None
    topics: list[str]
    provider: str
    model: str
    page_index: int | None  # the page's key (None: the page gave none)
    model_index: int | None  # the enhancing model's pick (None for the offline rules)
    recomputed_index: int | None  # the arithmetic checker's (None: not plain arithmetic)
    solve_index: int | None = None
    solver: str = ""
    second_solve_index: int | None = None
    second_solver: str = ""
    solves_required: int = 1  # 2 where two model providers are configured
    checks: list[dict[str, Any]] = field(default_factory=list)
    provisional: bool = False
    model_quality: float | None = None

    def check(self, name: str, result: str, detail: str = "") -> None:
        self.checks.append({"check": name, "result": result, "detail": detail})


def verdict(c: Checked) -> tuple[str, int | None]:
    """(level, stored answer index) of a checked question; see the module docstring."""
    letter = _letter
    if c.page_index is not None and c.model_index is not None:
        agrees = c.page_index == c.model_index
        c.check("enhancer_agrees_with_page", "pass" if agrees else "fail",
                f"page {letter(c.page_index)}, {c.provider} {letter(c.model_index)}")
    if c.recomputed_index is not None:
        for name, other in (("page_key", c.page_index), ("enhancer", c.model_index), ("solve", c.solve_index),
                            ("second_solve", c.second_solve_index)):
            if other is not None:
                c.check(f"recomputed_vs_{name}", "pass" if other == c.recomputed_index else "fail",
                        f"recomputed {letter(c.recomputed_index)}, {name} {letter(other)}")
        return lc.RECOMPUTED, c.recomputed_index
    key = c.page_index if c.page_index is not None else c.model_index
    if c.solve_index is not None:
        if key is None:
            return lc.MODEL_ONLY, c.solve_index
        whose = "page" if c.page_index is not None else "enhancer"
        agrees = c.solve_index == key
        c.check("solve_agrees_with_key", "pass" if agrees else "fail",
                f"{whose} key {letter(key)}, solve {letter(c.solve_index)}")
        second = c.second_solve_index
        if second is not None:
            c.check("second_solve_agrees_with_key", "pass" if second == key else "fail",
                    f"{whose} key {letter(key)}, second solve {letter(second)}")
            agrees = agrees and second == key
        if agrees and c.page_index is not None and c.model_index is not None and c.model_index != key:
            # The enhancer saw the page's key and still chose another option: two wrong sources
            # agreeing by chance look exactly like this, so it is not verified.
            return lc.DISPUTED, None
        if not agrees:
            return lc.DISPUTED, None
        if c.solves_required > 1 and second is None:
            # One keyless solve agreed; the second provider could not say: not enough to verify.
            return (lc.PAGE_ONLY if c.page_index is not None else lc.MODEL_ONLY), key
        return lc.SOLVED, key
    if c.page_index is not None:
        if c.model_index is not None and c.model_index != c.page_index:
            return lc.DISPUTED, None
        return lc.PAGE_ONLY, c.page_index
    return lc.MODEL_ONLY, c.model_index


def _letter(i: int | None) -> str:
    return "-" if i is None else chr(65 + i)


def body(c: Checked, level: str, index: int | None, now: float) -> dict[str, Any]:
    raw = c.raw
    verification: dict[str, Any] = {"level": level, "solver": c.solver or None, "at": now}
    if c.second_solver:
        verification["second_solver"] = c.second_solver
    if level == lc.DISPUTED:
        verification.update(page_answer=_letter(c.page_index), solver_answer=_letter(c.solve_index),
                            enhancer_answer=_letter(c.model_index))
        if c.second_solver:
            verification["second_solver_answer"] = _letter(c.second_solve_index)
    return {
        "raw_hash": raw["_id"], "question": c.question, "options": c.options, "correct_index": index,
        "answer_text": None if index is None else c.options[index], "explanation": c.explanation,
        "category": vocab.category(raw.get("category")) or vocab.category(c.category) or "general",
        "difficulty": vocab.difficulty(raw.get("difficulty")) or vocab.difficulty(c.difficulty) or "medium",
        "topics": [t.strip().lower() for t in c.topics if isinstance(t, str) and t.strip()][:6],
        "quality_score": lc.quality(level, explanation=bool(c.explanation), options=len(c.options),
                                    provisional=c.provisional),
        "model_quality": c.model_quality, "checks": c.checks, "verification": verification,
        "provisional": c.provisional, "provider": c.provider, "model": c.model, "origin": "scraped",
        "enhanced_at": now,
    }


async def accept(store: Any, c: Checked, target: str, token: str) -> tuple[str, str]:
    """Write the enhanced question (into `target`, its key or the near-duplicate it merges
    into) and mark its raw question; (enhanced id, level)."""
    level, index = verdict(c)
    now = time.time()
    doc = body(c, level, index, now)
    raw = c.raw
    existing = await store.get(lc.ENHANCED, target)
    mine_only = existing is not None and list(existing.get("raw_hashes") or []) == [raw["_id"]]
    replace = existing is None or mine_only or (bool(existing.get("provisional")) and not c.provisional)
    sources = [s.get("url") for s in raw.get("sources") or [] if isinstance(s, dict) and s.get("url")]
    jobs = sorted({str(s["job_id"]) for s in raw.get("sources") or [] if isinstance(s, dict) and s.get("job_id")}
                  | ({str(raw["job_id"])} if raw.get("job_id") else set()))
    update: dict[str, Any] = {
        "$set": {**(doc if replace else {}), "updated_at": now},
        "$addToSet": {"raw_hashes": raw["_id"], "company_tags": {"$each": list(raw.get("company_tags") or [])},
                      "source_urls": {"$each": sources[:50]}, "job_ids": {"$each": jobs}}}
    await store.update_one(lc.ENHANCED, {"_id": target}, update, upsert=True)
    previous = (raw.get("enhancement") or {}).get("enhanced_id")
    if previous and previous != target:
        await _detach(store, previous, raw["_id"])
    state = lc.PROVISIONAL if c.provisional else lc.DONE
    await store.update_one(lc.RAW, {"_id": raw["_id"], "enhancement.claim": token}, {
        "$set": {"enhancement.state": state, "enhancement.enhanced_id": target,
                 "enhancement.provider": c.provider, "enhancement.level": level if replace else
                 lc.level_of(existing or {}), "enhancement.finished_at": now, "enhancement.last_error": None},
        "$unset": {"enhancement.lease_until": "", "enhancement.claim": "", "enhancement.not_before": ""}})
    return target, level if replace else lc.level_of(existing or {})


async def _detach(store: Any, enhanced_id: str, raw_id: str) -> None:
    """A re-enhanced raw question left its old (provisional) document: the document goes
    when it was that question's alone, else it just stops naming it."""
    old = await store.get(lc.ENHANCED, enhanced_id)
    if old is None:
        return
    rest = [h for h in old.get("raw_hashes") or [] if h != raw_id]
    if rest:
        await store.update_one(lc.ENHANCED, {"_id": enhanced_id}, {"$set": {"raw_hashes": rest}})
    else:
        await store.delete_many(lc.ENHANCED, {"_id": enhanced_id})
