"""Renderers of the questions commands (stdlib only)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from scraped.render.table import fmt, kv, table


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def questions_list(r: dict[str, Any]) -> str:
    rows = []
    for q in r["questions"]:
        row = {"id": q["id"][:12], "question": q["question"], "opts": q["options"], "answer": q["answer"],
               "category": q["category"], "difficulty": q["difficulty"]}
        if r.get("bank") == "all":
            row["bank"] = q["bank"]
        if q["bank"] == "enhanced":
            row["level"] = q["level"] + (" (provisional)" if q.get("provisional") else "")
            row["quality"] = q.get("quality")
        else:
            row["level"] = f"raw: {q.get('state')}"
        rows.append(row)
    shown = f"{r['skip'] + 1}-{r['skip'] + len(rows)} of {r['total']}" if rows else f"0 of {r['total']}"
    return table(rows) + f"\n\n{shown} questions ({r.get('bank')} bank)"


def questions_count(r: dict[str, Any]) -> str:
    lines = [f"{r['total']} questions ({r.get('bank')} bank)"]
    if r.get("quarantined"):
        lines.append(f"{r['quarantined']} more quarantined (disputed): scrapedctl questions list --quarantined")
    if r.get("by"):
        lines += ["", table([{r["by"]: k, "count": v} for k, v in r["counts"].items()])]
    if r.get("note"):
        lines.append(f"({r['note']})")
    return "\n".join(lines)


def _checks(checks: Any) -> list[dict[str, Any]]:
    if isinstance(checks, dict):  # documents from before checks were a list
        return [{"check": k, "result": fmt(v), "detail": ""} for k, v in checks.items()]
    return [{"check": c.get("check"), "result": c.get("result"), "detail": c.get("detail") or ""}
            for c in checks or []]


def question_show(r: dict[str, Any]) -> str:
    enhanced = r.get("bank") == "enhanced"
    answer = r.get("correct_index") if enhanced else r.get("answer")
    lines = [f"{r['id']}  ({r.get('bank')} bank)", "", r.get("question") or ""]
    for i, opt in enumerate(r.get("options") or []):
        mark = "*" if answer == i else " "
        lines.append(f" {mark} {chr(65 + i) if i < 26 else i}. {opt}")
    if answer is None and r.get("answer_text") and not enhanced:
        lines.append(f"answer: {r['answer_text']}")
    if r.get("explanation"):
        lines += ["", "explanation: " + r["explanation"]]
    if enhanced:
        v = r.get("verification") or {}
        level = v.get("level", "")
        if r.get("provisional"):
            level += " (provisional: enhanced by the offline rules, a model will redo it)"
        meta = {"verification": level, "quality_score": r.get("quality_score"),
                "provider": r.get("provider"), "model": r.get("model"), "solver": v.get("solver"),
                "category": r.get("category"), "difficulty": r.get("difficulty"), "topics": r.get("topics"),
                "company_tags": r.get("company_tags"), "origin": r.get("origin"),
                "enhanced_at": r.get("enhanced_at")}
        if level.startswith("disputed"):
            meta["page key"] = v.get("page_answer")
            meta["solver's answer"] = v.get("solver_answer")
        lines += ["", kv(meta), "", "checks:",
                  _indent(table(_checks(r.get("checks")), ["check", "result", "detail"], max_width=1000))]
        if r.get("raw"):
            lines += ["", "raw questions:", _indent(table(r["raw"], ["id", "state", "answer", "category_page"]))]
    else:
        meta = {k: r.get(k) for k in ("category", "difficulty", "company_tags", "job_id", "extracted_at")}
        meta["enhancement"] = (r.get("enhancement") or {}).get("state")
        if (r.get("enhancement") or {}).get("last_error"):
            meta["last_error"] = r["enhancement"]["last_error"]
        if r.get("enhanced"):
            e = r["enhanced"]
            meta["enhanced as"] = f"{e['id'][:12]} ({e['level']}, quality {fmt(e['quality_score'])})"
        lines += ["", kv(meta)]
    lines += ["", "sources:", _indent(table(r.get("sources") or [], ["url", "job_id", "extractor", "seen_at"]))]
    return "\n".join(lines)


def export_stream(results: Iterable[dict[str, Any]]) -> int:
    out = sys.stdout
    rows = 0
    for part in results:
        out.write(part.get("chunk", ""))
        rows = part.get("rows", rows)
    out.flush()
    print(f"exported {rows} question(s)", file=sys.stderr)
    return 0


RENDERERS = {"questions.list": questions_list, "questions.count": questions_count,
             "questions.show": question_show, "questions.export:stream": export_stream}
