"""How bank documents leave the daemon: list rows, export records, CSV rows.

One CSV header for every bank (a raw row leaves the verification columns empty), so a
spreadsheet of `--bank all` lines up; JSONL records are the stored document with `id`
and `bank` in front.
"""

from __future__ import annotations

import json
from typing import Any

from scraped.bank import lifecycle as lc

CSV_COLUMNS = ("id", "bank", "question", "options", "answer", "answer_letter", "answer_text", "explanation",
               "category", "difficulty", "topics", "company_tags", "verification", "quality_score",
               "provisional", "provider", "model", "origin", "enhancement_state", "source_url", "sources",
               "job_ids", "at")


def letter(index: Any) -> str:
    return chr(65 + index) if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 26 else ""


def answer_of(doc: dict[str, Any], bank: str) -> int | None:
    value = doc.get("correct_index") if bank == "enhanced" else doc.get("answer")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def summary(doc: dict[str, Any], bank: str) -> dict[str, Any]:
    """A list row."""
    out = {"id": doc["_id"], "bank": bank, "question": doc.get("question"),
           "options": len(doc.get("options") or []), "answer": letter(answer_of(doc, bank)) or None,
           "category": doc.get("category"), "difficulty": doc.get("difficulty"),
           "company_tags": doc.get("company_tags") or []}
    if bank == "enhanced":
        out.update(level=lc.level_of(doc), quality=doc.get("quality_score"),
                   provisional=bool(doc.get("provisional")), provider=doc.get("provider"),
                   sources=len(doc.get("raw_hashes") or []) or None, at=doc.get("enhanced_at"))
    else:
        out.update(state=(doc.get("enhancement") or {}).get("state"), sources=len(doc.get("sources") or []),
                   at=doc.get("extracted_at"))
    return out


def export_record(doc: dict[str, Any], bank: str) -> dict[str, Any]:
    return {"id": doc["_id"], "bank": bank, **{k: v for k, v in doc.items() if k != "_id"}}


def csv_row(doc: dict[str, Any], bank: str) -> list[Any]:
    answer = answer_of(doc, bank)
    options = doc.get("options") or []
    sources = doc.get("sources") or []
    enhanced = bank == "enhanced"
    job_ids = doc.get("job_ids") if enhanced else [doc.get("job_id")] if doc.get("job_id") else []
    answer_text = options[answer] if answer is not None and answer < len(options) else doc.get("answer_text")
    return [doc["_id"], bank, doc.get("question"), json.dumps(options, ensure_ascii=False),
            "" if answer is None else answer, letter(answer), answer_text or "", doc.get("explanation") or "",
            doc.get("category") or "", doc.get("difficulty") or "", ";".join(doc.get("topics") or []),
            ";".join(doc.get("company_tags") or []), lc.level_of(doc) if enhanced else "",
            "" if doc.get("quality_score") is None else doc["quality_score"],
            ("true" if doc.get("provisional") else "false") if enhanced else "",
            doc.get("provider") or "", doc.get("model") or "", doc.get("origin") or "",
            "" if enhanced else (doc.get("enhancement") or {}).get("state") or "",
            (doc.get("source_urls") or [""])[0] if enhanced else (sources[0]["url"] if sources else ""),
            len(doc.get("source_urls") or []) if enhanced else len(sources), ";".join(j for j in job_ids or [] if j),
            doc.get("enhanced_at") if enhanced else doc.get("extracted_at")]
