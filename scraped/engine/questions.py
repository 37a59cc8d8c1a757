"""The questions commands: list, count, show, export (streamed JSONL or CSV).

Export walks the collection with `Store.iterate` (pages of 500 by `_id`) and sends
chunks of about 64 KiB, so the daemon holds one page and one chunk whatever the size of
the bank, and the client writes as it receives.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import TYPE_CHECKING, Any

from scraped.dispatch import Handler, Request
from scraped.engine.repo import QUESTIONS, question_filter
from scraped.errors import BadRequest, NotFound, Unavailable

if TYPE_CHECKING:
    from scraped.engine.service import EngineService

CHUNK_BYTES = 64 * 1024
CSV_COLUMNS = ("id", "question", "options", "answer", "answer_text", "explanation", "category",
               "difficulty", "company_tags", "source_url", "sources", "job_id", "extracted_at",
               "enhancement_state")


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["_id"], "question": doc.get("question"), "options": len(doc.get("options") or []),
            "answer": doc.get("answer"), "category": doc.get("category"),
            "difficulty": doc.get("difficulty"), "company_tags": doc.get("company_tags") or [],
            "sources": len(doc.get("sources") or []), "extracted_at": doc.get("extracted_at")}


def export_record(doc: dict[str, Any]) -> dict[str, Any]:
    out = {"id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}
    return out


def csv_row(doc: dict[str, Any]) -> list[Any]:
    sources = doc.get("sources") or []
    return [doc["_id"], doc.get("question"), json.dumps(doc.get("options") or [], ensure_ascii=False),
            "" if doc.get("answer") is None else doc["answer"], doc.get("answer_text") or "",
            doc.get("explanation") or "", doc.get("category") or "", doc.get("difficulty") or "",
            ";".join(doc.get("company_tags") or []), sources[0]["url"] if sources else "", len(sources),
            doc.get("job_id") or "", doc.get("extracted_at") or "",
            (doc.get("enhancement") or {}).get("state") or ""]


def handlers(service: EngineService) -> dict[str, Handler]:
    def store() -> Any:
        if service.app.store is None:
            raise Unavailable("the store is not open")
        return service.app.store

    async def list_questions(req: Request) -> dict[str, Any]:
        flt = question_filter(req.args)
        docs = await store().find(QUESTIONS, flt, sort=[("extracted_at", -1)], limit=req.args["limit"],
                                  skip=req.args["skip"])
        return {"total": await store().count(QUESTIONS, flt), "skip": req.args["skip"],
                "questions": [summary(d) for d in docs]}

    async def count(req: Request) -> dict[str, Any]:
        flt = question_filter(req.args)
        out: dict[str, Any] = {"total": await store().count(QUESTIONS, flt)}
        by = req.args.get("by")
        if by:
            raw = await store().count_by(QUESTIONS, by, flt)
            out["by"] = by
            out["counts"] = dict(sorted(((str(k) if k is not None else "(none)"), v) for k, v in raw.items()))
        return out

    async def show(req: Request) -> dict[str, Any]:
        ref = req.args["id"].strip()
        doc = await store().get(QUESTIONS, ref)
        if doc is None and len(ref) >= 8 and re.fullmatch(r"[0-9a-fA-F]+", ref):
            found = await store().find(QUESTIONS, {"_id": {"$regex": "^" + ref.lower()}}, limit=2)
            if len(found) > 1:
                raise BadRequest(f"question key prefix {ref!r} is ambiguous")
            doc = found[0] if found else None
        if doc is None:
            raise NotFound(f"no question {ref!r}")
        return export_record(doc)

    async def export(req: Request) -> dict[str, Any]:
        flt = question_filter(req.args)
        fmt = req.args["format"]
        limit = req.args.get("limit")
        rows = 0
        buf = io.StringIO()
        writer = csv.writer(buf) if fmt == "csv" else None
        if writer is not None:
            writer.writerow(CSV_COLUMNS)
        async for doc in store().iterate(QUESTIONS, flt, batch_size=500):
            if writer is not None:
                writer.writerow(csv_row(doc))
            else:
                buf.write(json.dumps(export_record(doc), ensure_ascii=False, separators=(",", ":")) + "\n")
            rows += 1
            if buf.tell() >= CHUNK_BYTES:
                await req.send({"format": fmt, "chunk": buf.getvalue(), "rows": rows})
                buf.seek(0)
                buf.truncate()
            if limit is not None and rows >= limit:
                break
        return {"format": fmt, "chunk": buf.getvalue(), "rows": rows, "done": True}

    return {"questions.list": list_questions, "questions.count": count, "questions.show": show,
            "questions.export": export}
