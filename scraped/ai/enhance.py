"""Enhancement: raw questions -> the verified bank (`enhanced_questions`), in batches.

A batch is claimed atomically (`store.claim`) with a lease and a fresh claim token: state
in_progress, attempts + 1. One request carries the whole batch (short ids). Acceptance
is per item (scraped/ai/replycheck.py): an item whose reply changed the question or its
options, whose index cannot be read or is 1-based, or that the reply left out, fails
alone; the others go on. A reply that fails as a whole for its content (not JSON, a
schema or id mismatch, a provider refusing it) splits the batch in halves, down to one
question, which then fails alone, counted: after `max_attempts` it is `failed` with the
reason, so a model that keeps answering invalidly is not paid for ever. A provider fault
(timeout, 429, 5xx, no key, breaker open) is not the questions': the attempt is given back.

Verification (scraped/ai/solve.py, scraped/bank/accept.py): arithmetic is recomputed by
the offline checker; every other question a model enhanced is solved in a separate call
that never sees the key, by another provider where one is configured. The bank turns what
was checked into the level and the quality score.

The offline rules answer when no model can (none configured, every one failed, with
`offline_fallback`): such an enhancement is provisional (raw state `provisional`) and
is redone by a model when one answers: in the background (the worker's upgrade batches,
spaced by a growing delay, at most `max_attempts` of them) and by `ai enhance --upgrade`.

Crash safety (kill -9 anywhere): a claimed question whose lease expires is claimed
again; the upsert is idempotent, so every raw question ends with one enhanced document
(or `failed`) exactly once. Raw documents are never deleted; only `enhancement` changes.
"""

from __future__ import annotations

import json
import logging
import secrets as _secrets
import time
from typing import Any

from scraped.ai import replycheck
from scraped.ai.errors import InvalidReply
from scraped.ai.providers import offline
from scraped.ai.router import Task
from scraped.ai.schema import CATEGORIES, DIFFICULTIES, ENHANCE, ENHANCE_ITEM, problems
from scraped.ai.solve import solve, solves_required
from scraped.bank import lifecycle as lc
from scraped.bank.accept import Checked, accept
from scraped.engine.extract.normalise import question_key, resolve_answer
from scraped.errors import Unavailable

log = logging.getLogger(__name__)
RAW, ENHANCED = lc.RAW, lc.ENHANCED
PENDING, IN_PROGRESS, DONE, PROVISIONAL, FAILED = lc.PENDING, lc.IN_PROGRESS, lc.DONE, lc.PROVISIONAL, lc.FAILED
# Error kinds of a provider fault (not the questions' fault): the attempt is given back.
PROVIDER_FAULTS = frozenset({"timeout", "connect", "rate_limited", "server_error", "auth", "skipped",
                             "quota_exhausted", "out_of_credit", "model_unavailable"})

SYSTEM = (
    "You clean and verify multiple-choice aptitude and interview questions for a question bank "
    "(task: enhance). For every input question: fix spelling, spacing and grammar without changing "
    "its meaning, its words or its numbers; keep the options in the same order and count, cleaning only "
    "their text; give correct_index, the 0-based index of the correct option (the first option is 0; "
    "null if no option is correct), and answer_text, that option's text copied exactly; a short "
    "explanation (at most 3 sentences, showing the working for calculations); category (one of "
    f"{', '.join(CATEGORIES)}); difficulty ({', '.join(DIFFICULTIES)}); up to 4 topic tags. "
    "Return every input id exactly once.")


def claim_filter(now: float, *, upgrade: bool = False, max_upgrades: int = 3) -> dict[str, Any]:
    due = {"$or": [{"enhancement.not_before": None}, {"enhancement.not_before": {"$lte": now}}]}
    if upgrade:
        return {"$and": [{"enhancement.state": PROVISIONAL}, due,
                         {"$or": [{"enhancement.upgrades": None},
                                  {"enhancement.upgrades": {"$lt": max_upgrades}}]}]}
    return {"$and": [
        {"$or": [{"enhancement.state": PENDING},
                 {"enhancement.state": IN_PROGRESS, "enhancement.lease_until": {"$lt": now}}]}, due]}


class Enhancer:
    def __init__(self, service: Any):
        self.service = service

    @property
    def store(self) -> Any:
        return self.service.app.store

    @property
    def cfg(self) -> Any:
        return self.service.config.enhance

    async def claim(self, limit: int, *, upgrade: bool = False) -> tuple[str, list[dict[str, Any]]]:
        now, token = time.time(), _secrets.token_hex(8)
        update: dict[str, Any] = {
            "$set": {"enhancement.state": IN_PROGRESS, "enhancement.claim": token, "enhancement.upgrading": upgrade,
                     "enhancement.lease_until": now + self.cfg.lease_seconds, "enhancement.claimed_at": now},
            "$inc": {"enhancement.upgrades" if upgrade else "enhancement.attempts": 1}}
        docs = await self.store.claim(RAW, claim_filter(now, upgrade=upgrade, max_upgrades=self.cfg.max_attempts),
                                      update, sort=[("extracted_at", 1)], limit=limit)
        return token, docs

    async def run_batch(self, limit: int | None = None, *, upgrade: bool = False) -> dict[str, Any]:
        """Claim and enhance one batch (`upgrade`: provisional questions, for a model to redo);
        {"claimed", "enhanced", "failed", "retry", "provider", "cached", "requests", "levels", ...}."""
        token, docs = await self.claim(min(limit or self.cfg.batch_size, self.cfg.batch_size), upgrade=upgrade)
        summary: dict[str, Any] = {"claimed": len(docs), "enhanced": 0, "failed": 0, "retry": 0, "provider": None,
                                   "cached": False, "requests": 0, "levels": {}, "provisional": 0, "splits": 0,
                                   "model_ok": 0}
        live: list[dict[str, Any]] = []
        for doc in docs:
            reason = _unusable(doc, self.cfg.max_attempts)
            if reason:
                await self._fail(doc, token, reason, final=True)
                summary["failed"] += 1
            else:
                live.append(doc)
        if live:
            await self._enhance(live, token, summary)
        return summary

    # ------------------------------------------------------------ one request, split on failure
    async def _enhance(self, docs: list[dict[str, Any]], token: str, summary: dict[str, Any]) -> None:
        items = [_item(f"q{i + 1}", d) for i, d in enumerate(docs)]
        by_id = {it["id"]: (it, d) for it, d in zip(items, docs, strict=True)}
        use_cache = all(d["enhancement"].get("attempts", 0) <= 1 and not d["enhancement"].get("upgrades")
                        for d in docs)
        model = self.service.has_model("enhance")
        if not model and not self._offline_allowed():
            await self._release(docs, token, "no model provider is configured and the offline rules are "
                                "not in ai.enhance_order (nor ai.offline_fallback)")
            summary["retry"] += len(docs)
            return
        order = None if model else [("offline", offline.MODEL)]
        user = "INPUT JSON:" + json.dumps({"questions": [_compact(i) for i in items]}, ensure_ascii=False,
                                          separators=(",", ":"))
        task = Task("enhance", SYSTEM, user, ENHANCE, "enhance.v2", check=_check_ids(set(by_id)),
                    offline=None if model else (lambda: offline.enhance(items)), use_cache=use_cache, order=order, defer_cache=True)
        try:
            result = await self.service.router.run(task)
        except Unavailable as exc:
            await self._unanswered(docs, token, summary, exc)
            return
        summary["provider"] = summary["provider"] or result.provider
        summary["cached"] = summary["cached"] or result.cached
        summary["requests"] += 0 if result.cached or result.provider == offline.NAME else 1
        checked: list[Checked] = []
        seen: set[str] = set()
        past_end = 0
        for reply in result.data["questions"]:
            it, doc = by_id[reply["id"]]
            seen.add(reply["id"])
            c, problem = _read(reply, it, doc, result.provider, result.model)
            if c is None:
                past_end += "one past the last option" in problem
                await self._item_failed(doc, token, f"{result.provider}: {problem}", summary)
            else:
                checked.append(c)
        pairs = [(c.model_index, c.page_index) for c in checked
                 if c.model_index is not None and c.page_index is not None]
        if result.provider != offline.NAME and replycheck.looks_one_based(pairs, past_end):
            for c in checked:
                await self._item_failed(c.raw, token, f"{result.provider}: the batch's answers point one option "
                                        "after the page's keys: a 1-based index", summary)
            checked = []
        summary["model_ok"] += len(checked) if result.provider != offline.NAME else 0
        for qid in sorted(set(by_id) - seen):
            await self._item_failed(by_id[qid][1], token, f"{result.provider}: the reply left this question out",
                                    summary)
        await self._verify(checked, result.provider)
        for c in checked:
            await self._accept(c, token, summary)
        if len(checked) == len(by_id):
            # Cached only once every item passed its checks: a reply with one bad item is
            # asked again on the retry instead of being replayed from the cache.
            await result.commit()

    async def _unanswered(self, docs: list[dict[str, Any]], token: str, summary: dict[str, Any],
                          exc: Unavailable, *, split: bool = True) -> None:
        tried = list(getattr(exc, "tried", None) or [])
        content = [t for t in tried if t.get("error") not in PROVIDER_FAULTS]
        if content and len(docs) > 1 and split:
            half = len(docs) // 2
            summary["splits"] += 1
            before = summary["model_ok"]
            await self._enhance(docs[:half], token, summary)
            if summary["model_ok"] == before:
                # Not one question of the first half was answered either: the model, not an item,
                # is at fault, so the second half is not asked again (each ask is paid).
                await self._unanswered(docs[half:], token, summary, exc, split=False)
            else:
                await self._enhance(docs[half:], token, summary)
            return
        if self._offline_allowed():
            # The models cannot answer (faults) or not this question (content): the rules do, provisionally.
            await self._offline(docs, token, summary)
            return
        if content:
            why = "; ".join(f"{t.get('provider')}: {t.get('message') or t.get('error')}" for t in content)[:400]
            for doc in docs:
                await self._item_failed(doc, token, why, summary)
            return
        await self._release(docs, token, str(exc))
        summary["retry"] += len(docs)

    async def _offline(self, docs: list[dict[str, Any]], token: str, summary: dict[str, Any]) -> None:
        items = [_item(f"q{i + 1}", d) for i, d in enumerate(docs)]
        reply = offline.enhance(items)
        await self.service.router.usage.record(offline.NAME, ok=True)
        summary["provider"] = summary["provider"] or offline.NAME
        for r, it, doc in zip(reply["questions"], items, docs, strict=True):
            c, problem = _read(r, it, doc, offline.NAME, offline.MODEL)
            if c is None:
                await self._item_failed(doc, token, f"offline: {problem}", summary)
            else:
                await self._accept(c, token, summary)

    def _offline_allowed(self) -> bool:
        cfg = self.service.config
        return bool(cfg.offline_fallback) or any(n == offline.NAME for n, _ in cfg.order("enhance"))

    # ------------------------------------------------------------ verification and the bank
    async def _verify(self, checked: list[Checked], provider: str) -> None:
        """The independent solves of every question a model enhanced and arithmetic did not
        settle: one on another provider than the enhancer, and, where two model providers are
        configured, a second on another provider than the first solver (scraped/ai/solve.py)."""
        todo = [c for c in checked if c.recomputed_index is None and provider != offline.NAME]
        if not todo:
            return
        use_cache = all(c.raw["enhancement"].get("attempts", 0) <= 1 for c in todo)
        first = await self._solve(todo, provider, use_cache, frozenset())
        required = solves_required(self.service)
        for c in todo:
            s = first[id(c)]
            c.solve_index, c.solves_required = s.index, required
            c.solver = f"{s.provider}/{s.model}" if s.provider else ""
            c.check("independent_solve", s.result, s.detail)
        again = [c for c in todo if c.solve_index is not None]
        if required < 2 or not again:
            return
        solvers = frozenset(first[id(c)].provider for c in again)
        second = await self._solve(again, provider, use_cache, solvers)
        for c in again:
            s = second[id(c)]
            c.second_solve_index = s.index
            c.second_solver = f"{s.provider}/{s.model}" if s.provider else ""
            c.check("second_solve", s.result, s.detail)

    async def _solve(self, todo: list[Checked], provider: str, use_cache: bool,
                     exclude: frozenset[str]) -> dict[int, Any]:
        ids = {f"s{i + 1}": c for i, c in enumerate(todo)}
        solved = await solve(self.service, [{"id": k, "question": c.question, "options": c.options}
                                            for k, c in ids.items()], provider, use_cache=use_cache, exclude=exclude)
        # The solver never sees the keys; they are compared only after it answered.
        pairs = [(index, c.page_index) for k, c in ids.items()
                 if (index := solved[k].index) is not None and c.page_index is not None]
        past_end = sum("one past the last option" in solved[k].detail for k in ids)
        if replycheck.looks_one_based(pairs, past_end):
            for s in solved.values():
                if s.index is not None:
                    s.index, s.result = None, "refused"
                    s.detail = "the batch's answers point one option after the page's keys: a 1-based index"
        return {id(c): solved[k] for k, c in ids.items()}

    async def _accept(self, c: Checked, token: str, summary: dict[str, Any]) -> None:
        if c.recomputed_index is None and c.page_index is None and c.model_index is None and c.solve_index is None:
            await self._item_failed(c.raw, token, f"{c.provider}: no answer key: the page gives none and no "
                                    "check showed which option is right (not one of the options)", summary)
            return
        key = question_key(c.question, c.options)
        target = await self.service.merge_target(key, c.question, c.options) or key
        enhanced_id, level = await accept(self.store, c, target, token)
        self.service.index_add(enhanced_id, c.question)
        summary["enhanced"] += 1
        summary["levels"][level] = summary["levels"].get(level, 0) + 1
        if c.provisional:
            summary["provisional"] += 1
            ups = int(c.raw["enhancement"].get("upgrades") or 0)
            wait = max(self.cfg.retry_delay, 1.0) * (2 ** min(ups, 8))
            await self.store.update_one(RAW, {"_id": c.raw["_id"], "enhancement.enhanced_id": enhanced_id},
                                        {"$set": {"enhancement.not_before": time.time() + wait}})

    # ------------------------------------------------------------ raw question states
    async def _item_failed(self, doc: dict[str, Any], token: str, reason: str, summary: dict[str, Any]) -> None:
        upgrading = bool(doc["enhancement"].get("upgrading"))
        if upgrading:  # it keeps its provisional enhancement; the next upgrade waits longer
            await self._back_to_provisional(doc, token, reason)
            summary["retry"] += 1
            return
        final = doc["enhancement"]["attempts"] >= self.cfg.max_attempts
        if final and not reason.startswith(offline.NAME + ":") and self._offline_allowed():
            # The models' replies for it were refused every time: the rules enhance it, provisionally
            # (with the reason kept), and a model tries again later, a bounded number of times.
            doc = {**doc, "enhancement": {**doc["enhancement"], "last_model_error": reason}}
            await self._offline([doc], token, summary)
            await self.store.update_one(RAW, {"_id": doc["_id"]}, {"$set": {"enhancement.last_error": reason[:500]}})
            return
        await self._fail(doc, token, reason, final=final)
        summary["failed" if final else "retry"] += 1

    async def _back_to_provisional(self, doc: dict[str, Any], token: str, reason: str) -> None:
        ups = int(doc["enhancement"].get("upgrades") or 0)
        await self.store.update_one(RAW, {"_id": doc["_id"], "enhancement.claim": token}, {
            "$set": {"enhancement.state": PROVISIONAL, "enhancement.last_error": reason[:500],
                     "enhancement.not_before": time.time() + max(self.cfg.retry_delay, 1.0) * 2 ** min(ups, 8)},
            "$unset": {"enhancement.lease_until": "", "enhancement.claim": ""}})

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
        """No provider answered (a fault, not the questions'): the attempt is given back."""
        now = time.time()
        for raw in docs:
            if raw["enhancement"].get("upgrading"):
                await self._back_to_provisional(raw, token, reason)
                continue
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

    async def reset_upgrades(self) -> int:
        """`ai enhance --upgrade`: provisional questions are due for a model now, however
        many upgrades they had."""
        return await self.store.update_many(RAW, {"enhancement.state": PROVISIONAL}, {
            "$set": {"enhancement.upgrades": 0}, "$unset": {"enhancement.not_before": ""}})

    async def counts(self) -> dict[str, int]:
        by = await self.store.count_by(RAW, "enhancement.state")
        return {str(k): v for k, v in by.items()}


# ---------------------------------------------------------------- one item


def _read(reply: dict[str, Any], sent: dict[str, Any], raw: dict[str, Any], provider: str,
          model: str) -> tuple[Checked | None, str]:
    """One reply item checked against what was sent: (Checked, "") or (None, the problem)."""
    found = problems(ENHANCE_ITEM if provider != offline.NAME else {**ENHANCE_ITEM, "required": ["id"]}, reply)
    if found:
        return None, "the reply item fails the schema: " + "; ".join(found[:2])
    question = " ".join(str(reply.get("question") or "").split())
    options = [" ".join(str(o).split()) for o in reply.get("options") or []]
    is_model = provider != offline.NAME
    checks: list[tuple[str, str, str]] = []
    if is_model:
        for name, why in (("reply_is_the_question", replycheck.same_text(sent["question"], question)),
                          ("options_unchanged", replycheck.same_options(sent["options"], options))):
            if why is not None:
                return None, f"the reply changed the question: {why}" if name == "reply_is_the_question" \
                    else f"the reply changed the options: {why}"
            checks.append((name, "pass", ""))
    if len(options) < 2 or len(options) != len(sent["options"]):
        return None, f"the reply has {len(options)} options, the question {len(sent['options'])}"
    model_index: int | None = None
    if is_model:
        idx, how, problem = replycheck.coerce_index(reply.get("correct_index"), options)
        if problem:
            return None, problem
        if idx is not None:
            problem = replycheck.index_agrees(idx, how, reply.get("answer_text"), reply.get("explanation"), options)
            if problem:
                return None, problem
            checks.append(("answer_in_options", "pass", how or ""))
            checks.append(("index_agrees_with_text", "pass", ""))
        model_index = idx
    page_index = _page_index(raw, options)
    rec, how_rec = offline.answer_index(question, options, None, None)
    recomputed = rec if how_rec == "recomputed" else None
    checks.append(("recomputed", "pass" if recomputed is not None else "skipped",
                   f"arithmetic names {chr(65 + recomputed)}" if recomputed is not None else "not plain arithmetic"))
    checks.append(("page_key", "present" if page_index is not None else "absent",
                   "" if page_index is None else f"the page says {chr(65 + page_index)}"))
    quality = reply.get("quality_score")
    c = Checked(raw=raw, question=question or sent["question"], options=options,
                explanation=" ".join(str(reply.get("explanation") or "").split()),
                category=reply.get("category"), difficulty=reply.get("difficulty"),
                topics=list(reply.get("topics") or []), provider=provider, model=model, page_index=page_index,
                model_index=model_index, recomputed_index=recomputed, provisional=not is_model,
                model_quality=float(quality) if isinstance(quality, (int, float)) and is_model else None)
    for name, result, detail in checks:
        c.check(name, result, detail)
    return c, ""


def _page_index(raw: dict[str, Any], options: list[str]) -> int | None:
    answer = raw.get("answer")
    if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(options):
        return answer
    if raw.get("answer_text"):
        idx, _ = resolve_answer(raw["answer_text"], list(raw.get("options") or options))
        return idx if idx is not None and idx < len(options) else None
    return None


def _unusable(doc: dict[str, Any], max_attempts: int) -> str | None:
    attempts = doc["enhancement"].get("attempts", 0)
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
    """The whole reply is refused only when its ids cannot be trusted (unknown or repeated
    ids, or none of ours); a missing id fails that question alone."""
    def check(data: dict[str, Any]) -> None:
        got = [q.get("id") if isinstance(q, dict) else None for q in data["questions"]]
        extra = [g for g in got if g not in asked]
        if extra or len(got) != len(set(got)) or not got:
            raise InvalidReply(f"reply ids do not match the batch (unexpected {sorted(map(str, extra))[:5]}, "
                               f"{len(got)} items for {len(asked)}, {len(got) - len(set(got))} repeated)")
    return check
