"""Handlers of the `questions` commands (declared in scraped/api/bank.py).

Export walks each collection with `Store.iterate` (pages of 500 by `_id`) and sends
chunks of about 64 KiB, so the daemon holds one page and one chunk whatever the size of
the bank, and the client writes as it receives.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from scraped.bank import lifecycle as lc
from scraped.bank.query import Part, parts
from scraped.bank.records import CSV_COLUMNS, csv_row, export_record, summary
from scraped.dispatch import Handler, Request
from scraped.errors import BadRequest, NotFound, Unavailable
from scraped.store.schema import JOBS

CHUNK_BYTES = 64 * 1024
SOURCES_SHOWN = 200


def handlers(app: Any) -> dict[str, Handler]:
    def store() -> Any:
        if app.store is None:
            raise Unavailable("the store is not open")
        return app.store

    async def list_questions(req: Request) -> dict[str, Any]:
        skip, limit = req.args["skip"], req.args["limit"]
        rows: list[dict[str, Any]] = []
        total = 0
        for part in parts(req.args):
            n = await store().count(part.collection, part.filter)
            # Enhanced first, then raw: skip/limit run over the two as one list.
            if len(rows) < limit and skip < total + n:
                docs = await store().find(part.collection, part.filter, sort=part.sort,
                                          limit=limit - len(rows), skip=max(0, skip - total))
                rows += [summary(d, part.bank) for d in docs]
            total += n
        return {"total": total, "skip": skip, "bank": req.args["bank"], "questions": rows}

    async def count(req: Request) -> dict[str, Any]:
        by = req.args.get("by")
        out: dict[str, Any] = {"bank": req.args["bank"], "total": 0}
        counts: dict[str, int] = {}
        for part in parts(req.args):
            out["total"] += await store().count(part.collection, part.filter)
            if by in _BY_JOB:
                for k, v in (await _count_by_job(store(), part)).items():
                    counts[k] = counts.get(k, 0) + v
            elif by:
                field = _by_field(by, part)
                for k, v in (await store().count_by(part.collection, field, part.filter)).items():
                    key = str(k) if k is not None else "(none)"
                    counts[key] = counts.get(key, 0) + v
            if part.bank == "enhanced" and not (req.args.get("quarantined") or req.args.get("level")):
                q = {**part.filter, "verification.level": lc.DISPUTED}
                out["quarantined"] = await store().count(part.collection, q)
        if by:
            out["by"] = by
            out["counts"] = dict(sorted(counts.items()))
            if by in _BY_JOB:
                out["note"] = "a question found by several jobs counts under each of them"
        return out

    async def show(req: Request) -> dict[str, Any]:
        ref = req.args["id"].strip()
        banks = ("enhanced", "raw") if req.args["bank"] == "all" else (req.args["bank"],)
        for bank in banks:
            coll = lc.ENHANCED if bank == "enhanced" else lc.RAW
            doc = await _lookup(store(), coll, ref)
            if doc is not None:
                return await (_show_enhanced(store(), doc) if bank == "enhanced" else _show_raw(store(), doc))
        raise NotFound(f"no question {ref!r}" + ("" if len(banks) > 1 else f" in the {banks[0]} bank"))

    async def export(req: Request) -> dict[str, Any]:
        fmt = req.args["format"]
        limit = req.args.get("limit")
        rows = 0
        buf = io.StringIO()
        writer = csv.writer(buf) if fmt == "csv" else None
        if writer is not None:
            writer.writerow(CSV_COLUMNS)
        for part in parts(req.args):
            async for doc in store().iterate(part.collection, part.filter, batch_size=500):
                if limit is not None and rows >= limit:
                    break
                if writer is not None:
                    writer.writerow(csv_row(doc, part.bank))
                else:
                    buf.write(json.dumps(export_record(doc, part.bank), ensure_ascii=False,
                                         separators=(",", ":")) + "\n")
                rows += 1
                if buf.tell() >= CHUNK_BYTES:
                    await req.send({"format": fmt, "chunk": buf.getvalue(), "rows": rows})
                    buf.seek(0)
                    buf.truncate()
        return {"format": fmt, "chunk": buf.getvalue(), "rows": rows, "done": True}

    return {"questions.list": list_questions, "questions.count": count, "questions.show": show,
            "questions.export": export}


_BY = {"enhanced": {"category": "category", "difficulty": "difficulty", "level": "verification.level",
                    "provider": "provider", "origin": "origin", "provisional": "provisional"},
       "raw": {"category": "category", "difficulty": "difficulty", "state": "enhancement.state",
               "enhancement.state": "enhancement.state", "provider": "enhancement.provider"}}


# Every job that found a question, not only its first (`job_id`): `job_ids` on an enhanced
# question, `sources[].job_id` on a raw one. Neither backend groups by array elements, so
# each job is counted on its own, over the jobs the store knows and the raw questions'
# first jobs (a deleted job that was some question's first still counts).
_BY_JOB = ("job", "job_id")
_JOB_FIELD = {"enhanced": "job_ids", "raw": "sources.job_id"}
MAX_JOBS_COUNTED = 2000
RAW_FIRST_JOB = "job_id"


async def _count_by_job(store: Any, part: Part) -> dict[str, int]:
    jobs = await store.find(JOBS, {}, sort=[("created_at", -1)], limit=MAX_JOBS_COUNTED)
    ids = {str(j["_id"]) for j in jobs}
    ids |= {str(k) for k in (await store.count_by(lc.RAW, RAW_FIRST_JOB)) if k}
    out: dict[str, int] = {}
    for jid in sorted(ids)[:MAX_JOBS_COUNTED]:
        n = await store.count(part.collection, {**part.filter, _JOB_FIELD[part.bank]: jid})
        if n:
            out[jid] = n
    return out


def _by_field(by: str, part: Part) -> str:
    field = _BY[part.bank].get(by)
    if field is None:
        raise BadRequest(f"--by {by} does not apply to {part.bank} questions "
                         f"(there: {', '.join(_BY[part.bank])})")
    return field


async def _lookup(store: Any, coll: str, ref: str) -> dict[str, Any] | None:
    doc = await store.get(coll, ref)
    if doc is None and len(ref) >= 8 and re.fullmatch(r"[0-9a-fA-F]+", ref):
        found = await store.find(coll, {"_id": {"$regex": "^" + ref.lower()}}, limit=2)
        if len(found) > 1:
            raise BadRequest(f"question key prefix {ref!r} is ambiguous")
        doc = found[0] if found else None
    return doc


async def _show_enhanced(store: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """The enhanced question with where it came from: its raw questions' sources."""
    out = export_record(doc, "enhanced")
    out["verification"] = {**(doc.get("verification") or {}), "level": lc.level_of(doc)}
    sources: list[dict[str, Any]] = []
    raws: list[dict[str, Any]] = []
    for raw_id in (doc.get("raw_hashes") or [])[:50]:
        raw = await store.get(lc.RAW, raw_id) or await store.get(lc.ARCHIVED, raw_id)
        if raw is None:
            raws.append({"id": raw_id, "missing": True})
            continue
        raws.append({"id": raw_id, "question": raw.get("question"), "answer": raw.get("answer"),
                     "answer_text": raw.get("answer_text"), "category_page": raw.get("category_page"),
                     "state": (raw.get("enhancement") or {}).get("state")})
        sources += [{**s, "raw": raw_id[:12]} for s in raw.get("sources") or []][:SOURCES_SHOWN - len(sources)]
    out["sources"], out["raw"] = sources, raws
    return out


async def _show_raw(store: Any, doc: dict[str, Any]) -> dict[str, Any]:
    out = export_record(doc, "raw")
    enhanced_id = (doc.get("enhancement") or {}).get("enhanced_id")
    if enhanced_id:
        enh = await store.get(lc.ENHANCED, enhanced_id)
        out["enhanced"] = None if enh is None else {
            "id": enhanced_id, "level": lc.level_of(enh), "quality_score": enh.get("quality_score"),
            "provider": enh.get("provider"), "provisional": bool(enh.get("provisional"))}
    return out
