"""Renderers of the ai.* commands (stdlib only)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from scraped.render.table import fmt, kv, table  # noqa: E402 (after the TYPE_CHECKING guard)

_LETTERS = "ABCDEFGH"


def _question(n: int, q: dict[str, Any]) -> str:
    lines = [f"{n}. {q['question']}"]
    for i, opt in enumerate(q["options"]):
        mark = "*" if i == q.get("correct_index") else " "
        lines.append(f"   {mark} {_LETTERS[i]}) {opt}")
    if q.get("explanation"):
        lines.append(f"     {q['explanation']}")
    return "\n".join(lines)


def generate(r: dict[str, Any]) -> str:
    head = (f"generated {r['generated']} of {r['requested']} "
            f"(providers: {', '.join(r['providers']) or '-'}; skipped: {fmt(r['skipped'])})")
    body = "\n\n".join(_question(i + 1, q) for i, q in enumerate(r["questions"]))
    note = f"\nnote: {r['note']}" if r.get("note") else ""
    return f"{head}{note}\n\n{body}" if body else head + note


def feedback(r: dict[str, Any]) -> str:
    verdict = {True: "CORRECT", False: "INCORRECT", None: "NOT GRADED"}[r["correct"]]
    lines = [f"{verdict} ({r['method']}; answer from: {r['answer_source']})"]
    if r.get("correct_answer") is not None:
        lines.append(f"correct answer: {r['correct_answer']}")
    lines += ["", r["explanation"], "", f"explained by {r['provider']} in {r['elapsed_ms']} ms"]
    return "\n".join(lines)


def enhance(r: dict[str, Any]) -> str:
    summary = {k: r.get(k) for k in ("retried", "claimed", "enhanced", "failed", "retry", "requests",
                                      "timed_out")}
    return kv(summary) + f"\nproviders   {fmt(r.get('providers'))}\nqueue       {fmt(r.get('states'))}"


def usage(r: dict[str, Any]) -> str:
    budget = f" of ${r['daily_budget']:g}" if r.get("daily_budget") else " (no budget)"
    head = f"today {r['today']}: ${r['spent_today']:.4f} spent{budget}"
    return head + "\n\n" + table(r["rows"], ["day", "provider", "requests", "failures", "cache_hits",
                                              "tokens_in", "tokens_out", "tokens_thinking", "cost"])


def providers(r: dict[str, Any]) -> str:
    rows = [{"provider": name, **{k: p.get(k) for k in ("configured", "model", "breaker", "p50_ms",
                                                         "last_success_at", "last_failure_at", "last_error")}}
            for name, p in r["providers"].items()]
    order = "\n".join(f"{task:9} {' > '.join(o)}" for task, o in r["order"].items())
    return table(rows) + "\n\n" + order


RENDERERS = {"ai.generate": generate, "ai.feedback": feedback, "ai.enhance": enhance, "ai.usage": usage,
             "ai.providers": providers}
