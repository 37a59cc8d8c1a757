"""Enhancement: raw questions → the verified bank (`enhanced_questions`), in batches.

A batch is claimed atomically (`store.claim`) with a lease and a fresh claim token: state
in_progress, attempts + 1. One request carries the whole batch (several questions per
prompt, short ids). Each reply item is checked: the answer must be one of the options;
plain arithmetic is recomputed by the offline checker, which overrides a wrong pick.
Then, per question, the enhanced document is upserted by its content key (idempotent:
a re-run writes the same document) and only after that is the raw question marked
enhanced, conditional on the claim token.

Crash safety (kill -9 anywhere): a claimed question whose lease expires is claimed
again; the upsert is idempotent and the cache makes the repeat free, so every raw
question ends `done` (one enhanced document) or `failed` exactly once. A question
that keeps failing — or keeps crashing the worker — is marked failed with the reason
after `max_attempts` claims. Raw documents are never deleted or rewritten here.
"""

from __future__ import annotations

import json
import logging
import secrets as _secrets
import time
from typing import Any

from scraped.ai.errors import InvalidReply
from scraped.ai.providers import offline
from scraped.ai.router import Task
from scraped.ai.schema import CATEGORIES, DIFFICULTIES, ENHANCE
from scraped.engine.extract.normalise import question_key
from scraped.errors import Unavailable

log = logging.getLogger(__name__)
RAW, ENHANCED = "raw_extracted_questions", "enhanced_questions"
# enhancement.state of a raw question (the engine writes "pending"; `questions list --enhancement`).
PENDING, IN_PROGRESS, DONE, FAILED = "pending", "in_progress", "done", "failed"

SYSTEM = (
    "You clean and verify multiple-choice aptitude and interview questions for a question bank "
    "(task: enhance). For every input question: fix spelling, spacing and grammar without changing "
    "its meaning or numbers; keep the options in the same order and count, cleaning only their text; "
    "give correct_index, the 0-based index of the correct option (null if no option is correct); a "
    "short explanation (at most 3 sentences, showing the working for calculations); category (one of "
    f"{', '.join(CATEGORIES)}); difficulty ({', '.join(DIFFICULTIES)}); up to 4 topic tags; and a "
    "quality_score from 0 to 1. Return every input id exactly once.")


def claim_filter(now: float) -> dict[str, Any]:
    return {"$and": [
        {"$or": [{"enhancement.state": PENDING},
                 {"enhancement.state": IN_PROGRESS, "enhancement.lease_until": {"$lt": now}}]},
        {"$or": [{"enhancement.not_before": None}, {"enhancement.not_before": {"$lte": now}}]},
    ]}


class Enhancer:
    def __init__(self, service: Any):
        self.service = service

    @property
    def store(self) -> Any:
        return self.service.app.store

    @property
    def cfg(self) -> Any:
        return self.service.config.enhance

    async def claim(self, limit: int) -> tuple[str, list[dict[str, Any]]]:
        now, token = time.time(), _secrets.token_hex(8)
        docs = await self.store.claim(RAW, claim_filter(now), {
            "$set": {"enhancement.state": IN_PROGRESS, "enhancement.claim": token,
                     "enhancement.lease_until": now + self.cfg.lease_seconds, "enhancement.claimed_at": now},
            "$inc": {"enhancement.attempts": 1}}, sort=[("extracted_at", 1)], limit=limit)
        return token, docs

    async def run_batch(self, limit: int | None = None) -> dict[str, Any]:
        """Claim and enhance one batch; {"claimed", "enhanced", "failed", "retry", "provider", ...}."""
        token, docs = await self.claim(min(limit or self.cfg.batch_size, self.cfg.batch_size))
        summary = {"claimed": len(docs), "enhanced": 0, "failed": 0, "retry": 0, "provider": None,
                   "cached": False, "requests": 0}
        if not docs:
            return summary
        live: list[dict[str, Any]] = []
        for doc in docs:
            reason = _unusable(doc, self.cfg.max_attempts)
            if reason:
                await self._fail(doc, token, reason, final=True)
                summary["failed"] += 1
            else:
                live.append(doc)
        if not live:
            return summary
        items = [_item(f"q{i + 1}", d) for i, d in enumerate(live)]
        by_id = {it["id"]: d for it, d in zip(items, live, strict=True)}
        task = Task("enhance", SYSTEM, "INPUT JSON:" + json.dumps({"questions": [_compact(i) for i in items]},
                                                                   ensure_ascii=False, separators=(",", ":")),
                    ENHANCE, "enhance.v1", check=_check_ids(set(by_id)), offline=lambda: offline.enhance(items))
        try:
            result = await self.service.router.run(task)
        except Unavailable as exc:
            await self._release(live, token, str(exc))
            summary["retry"] = len(live)
            return summary
        summary.update(provider=result.provider, cached=result.cached, requests=0 if result.cached else 1)
        for reply in result.data["questions"]:
            doc = by_id[reply["id"]]
            ok, detail = await self._store_one(doc, reply, result)
            if ok:
                await self._finish(doc, token, detail, result.provider)
                summary["enhanced"] += 1
            else:
                final = doc["enhancement"]["attempts"] >= self.cfg.max_attempts
                await self._fail(doc, token, detail, final=final)
                summary["failed" if final else "retry"] += 1
        return summary

    async def _store_one(self, raw: dict[str, Any], reply: dict[str, Any], result: Any) -> tuple[bool, str]:
        """Verify one reply item and upsert its enhanced document: (ok, enhanced id or reason)."""
        options = [o.strip() for o in reply["options"]]
        question = reply["question"].strip()
        idx = reply["correct_index"]
        if idx is None or not 0 <= idx < len(options):
            return False, f"{result.provider}: the answer is not one of the options"
        raw_options = raw.get("options") or []
        if len(options) != len(raw_options):
            return False, f"{result.provider}: the reply has {len(options)} options, the question {len(raw_options)}"
        if any(not o for o in options) or len({o.casefold() for o in options}) != len(options):
            return False, f"{result.provider}: empty or repeated options"
        idx, how = offline.answer_index(question, options, idx, None)
        assert idx is not None
        scraped_idx = raw.get("answer") if isinstance(raw.get("answer"), int) else None
        quality = float(reply["quality_score"]) * (0.5 if how == "corrected" else 1.0)
        now = time.time()
        key = question_key(question, options)
        merged = await self.service.merge_target(key, question, options)
        body = {"raw_hash": raw["_id"], "question": question, "options": options, "correct_index": idx,
                "answer_text": options[idx], "explanation": reply["explanation"].strip(),
                "category": reply["category"], "difficulty": reply["difficulty"],
                "topics": [t.strip().lower() for t in reply["topics"] if t.strip()][:6],
                "quality_score": round(quality, 3),
                "checks": {"answer_in_options": True, "recomputed": how,
                           "scraped_answer_agrees": None if scraped_idx is None else scraped_idx == idx},
                "provider": result.provider, "model": result.model, "origin": "scraped",
                "enhanced_at": now}
        await self.store.update_one(ENHANCED, {"_id": merged or key}, {
            "$setOnInsert": body, "$set": {"updated_at": now},
            "$addToSet": {"raw_hashes": raw["_id"],
                          "company_tags": {"$each": list(raw.get("company_tags") or [])}}}, upsert=True)
        self.service.index_add(merged or key, question)
        return True, merged or key

    async def _finish(self, raw: dict[str, Any], token: str, enhanced_id: str, provider: str) -> None:
        await self.store.update_one(RAW, {"_id": raw["_id"], "enhancement.claim": token}, {
            "$set": {"enhancement.state": DONE, "enhancement.enhanced_id": enhanced_id,
                     "enhancement.provider": provider, "enhancement.finished_at": time.time(),
                     "enhancement.last_error": None},
            "$unset": {"enhancement.lease_until": "", "enhancement.claim": "", "enhancement.not_before": ""}})

    async def _fail(self, raw: dict[str, Any], token: str, reason: str, *, final: bool) -> None:
        now = time.time()
        update: dict[str, Any] = {"$set": {"enhancement.last_error": reason[:500]},
                                  "$unset": {"enhancement.lease_until": "", "enhancement.claim": ""}}
        if final:
            update["$set"].update({"enhancement.state": FAILED, "enhancement.finished_at": now})
        else:
            update["$set"].update({"enhancement.state": PENDING,
                                   "enhancement.not_before": now + self.cfg.retry_delay})
        await self.store.update_one(RAW, {"_id": raw["_id"], "enhancement.claim": token}, update)
        if final:
            log.info("raw question %s failed enhancement: %s", raw["_id"][:12], reason)

    async def _release(self, docs: list[dict[str, Any]], token: str, reason: str) -> None:
        """No provider answered: not the questions' fault, so the attempt is given back."""
        now = time.time()
        for raw in docs:
            await self.store.update_one(RAW, {"_id": raw["_id"], "enhancement.claim": token}, {
                "$set": {"enhancement.state": PENDING, "enhancement.last_error": reason[:500],
                         "enhancement.not_before": now + self.cfg.retry_delay},
                "$inc": {"enhancement.attempts": -1},
                "$unset": {"enhancement.lease_until": "", "enhancement.claim": ""}})

    async def retry_failed(self, limit: int) -> int:
        docs = await self.store.claim(RAW, {"enhancement.state": FAILED}, {
            "$set": {"enhancement.state": PENDING, "enhancement.attempts": 0,
                     "enhancement.retried_at": time.time()},
            "$unset": {"enhancement.not_before": ""}}, sort=[("extracted_at", 1)], limit=limit)
        return len(docs)

    async def counts(self) -> dict[str, int]:
        by = await self.store.count_by(RAW, "enhancement.state")
        return {str(k): v for k, v in by.items()}


def _unusable(doc: dict[str, Any], max_attempts: int) -> str | None:
    attempts = doc["enhancement"]["attempts"]
    if attempts > max_attempts:
        return f"claimed {attempts - 1} times without finishing (the worker stopped mid-batch each time)"
    if len(doc.get("options") or []) < 2:
        return "not a multiple-choice question (fewer than two options)"
    if not (doc.get("question") or "").strip():
        return "empty question text"
    return None


def _item(qid: str, doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": qid, "question": doc.get("question") or "", "options": list(doc.get("options") or []),
            "answer": doc.get("answer"), "answer_text": doc.get("answer_text"),
            "explanation": doc.get("explanation"), "category": doc.get("category"),
            "difficulty": doc.get("difficulty")}


def _compact(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v not in (None, "", [])}


def _check_ids(asked: set[str]) -> Any:
    def check(data: dict[str, Any]) -> None:
        got = [q["id"] for q in data["questions"]]
        if sorted(got) != sorted(asked):
            missing, extra = asked - set(got), set(got) - asked
            raise InvalidReply(f"reply ids do not match the batch (missing {sorted(missing)[:5]}, "
                               f"unexpected {sorted(extra)[:5]}, {len(got)} items)")
    return check
