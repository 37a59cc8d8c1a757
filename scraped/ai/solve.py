"""The independent solve: a model answers the questions WITHOUT seeing any key.

One request per batch, in its own call (never the enhancement's), sent to another
provider than the one that enhanced the batch wherever another is configured (then the
enhancer's own provider is never asked: when the others cannot answer, the questions
stay unverified); the enhancer's provider solves only when it is the only one. The prompt holds each question and its
options only: no page answer, no explanation, no enhancer's pick. Each answer is read
like an enhancement's (scraped/ai/replycheck.py): coerced to an index, refused when it
contradicts its own text (a 1-based index) or when the model will not say.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from scraped.ai import replycheck
from scraped.ai.errors import InvalidReply
from scraped.ai.router import Task
from scraped.ai.schema import SOLVE, SOLVE_ITEM, problems
from scraped.errors import Unavailable

log = logging.getLogger(__name__)

SYSTEM = (
    "You solve multiple-choice aptitude and interview questions (task: solve). Work each question "
    "out yourself, step by step, then give answer_index, the 0-based index of the option that is "
    "correct (the first option is 0), and answer_text, that option's text copied exactly. If no "
    "option is correct or you cannot tell, give null for both. Return every input id exactly once.")


@dataclass
class Solved:
    """One question's solve: index (None: no answer), who solved it, and the check's detail."""

    index: int | None
    provider: str
    model: str
    result: str  # answered, no_answer, refused, unavailable
    detail: str


def solver_order(order: list[tuple[str, str]], configured: Any, enhancer: str) -> list[tuple[str, str]]:
    """The enhance order's model providers other than the enhancer's; the enhancer's own
    only when no other is configured (a model repeats its own mistakes when it solves)."""
    models = _models(order, configured)
    others = [e for e in models if e[0] != enhancer]
    return others or models


def _models(order: list[tuple[str, str]], configured: Any) -> list[tuple[str, str]]:
    return [(n, m) for n, m in order if n != "offline" and configured(n)]


def solves_required(service: Any) -> int:
    """Keyless solves that must agree with the key to verify it: two, on two providers,
    wherever two model providers are configured (one fallible solver agreeing with a wrong
    key by chance is what let wrong keys into the verified bank); else one."""
    names = {n for n, _ in _models(service.config.order("enhance"), service.router.configured)}
    return 2 if len(names) >= 2 else 1


async def solve(service: Any, items: list[dict[str, Any]], enhancer: str, *,
                use_cache: bool = True, exclude: frozenset[str] = frozenset()) -> dict[str, Solved]:
    """Solve `items` ([{"id", "question", "options"}]); {id: Solved} for every id.
    `exclude`: the second solve, on any model provider but these (the first solver's); the
    enhancer's provider may be asked then, in its own call that shows no key."""
    order = solver_order(service.config.order("enhance"), service.router.configured, enhancer)
    if exclude:  # a third provider first; the enhancer's own last
        rest = [e for e in _models(service.config.order("enhance"), service.router.configured)
                if e[0] not in exclude]
        order = [e for e in rest if e[0] != enhancer] + [e for e in rest if e[0] == enhancer]
    if not order:
        return {it["id"]: Solved(None, "", "", "unavailable", "no model provider is configured")
                for it in items}
    asked = {it["id"]: it for it in items}
    user = "INPUT JSON:" + json.dumps(
        {"questions": [{"id": it["id"], "question": it["question"], "options": it["options"]} for it in items]},
        ensure_ascii=False, separators=(",", ":"))
    task = Task("solve", SYSTEM, user, SOLVE, "solve.v1", check=_check_ids(set(asked)), order=order,
                use_cache=use_cache)
    try:
        result = await service.router.run(task)
    except Unavailable as exc:
        return {i: Solved(None, "", "", "unavailable", str(exc)[:300]) for i in asked}
    out: dict[str, Solved] = {}
    for reply in result.data["answers"]:
        item = asked.get(reply.get("id")) if isinstance(reply, dict) else None
        if item is None:
            continue
        out[item["id"]] = _read(reply, item["options"], result.provider, result.model)
    for qid in asked:
        out.setdefault(qid, Solved(None, result.provider, result.model, "refused", "the reply left it out"))
    return out


def _read(reply: dict[str, Any], options: list[str], provider: str, model: str) -> Solved:
    found = problems(dict(SOLVE_ITEM), reply)
    if found:
        return Solved(None, provider, model, "refused", "; ".join(found[:2]))
    idx, how, problem = replycheck.coerce_index(reply.get("answer_index"), options)
    if problem:
        return Solved(None, provider, model, "refused", problem)
    if idx is None:
        named = replycheck.option_of_text(reply.get("answer_text"), options)
        if named is None:
            return Solved(None, provider, model, "no_answer", "the model could not tell")
        idx, how = named, "the option's text (no index given)"
    problem = replycheck.index_agrees(idx, how, reply.get("answer_text"), reply.get("working"), options)
    if problem:
        return Solved(None, provider, model, "refused", problem)
    return Solved(idx, provider, model, "answered", f"{provider}/{model} chose {chr(65 + idx)}"
                  + (f" ({how})" if how else ""))


def _check_ids(asked: set[str]) -> Any:
    def check(data: dict[str, Any]) -> None:
        got = [a.get("id") for a in data["answers"] if isinstance(a, dict)]
        if len(got) != len(set(got)) or not set(got) <= asked or not got:
            raise InvalidReply(f"solve reply ids do not match the batch ({len(got)} items for {len(asked)})")
    return check
