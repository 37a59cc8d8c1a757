"""The `extraction` part of `jobs show`: the mode, each layout's yield and drift, the
rules ai-schema uses for it (or why it has none), and the model counters."""

from __future__ import annotations

from typing import Any

from scraped.engine.drift import YIELD
from scraped.store.schema import LAYOUTS

SHOWN = 50


def _rules_row(doc: dict[str, Any] | None) -> dict[str, Any]:
    if doc is None:
        return {"state": "learning", "reason": "gathering sample pages (auto extracts them meanwhile)"}
    if doc.get("state") == "learning":
        return {"state": "learning", "samples": f"{doc.get('samples_seen', 0)} seen",
                "reason": "gathering sample pages (auto extracts them meanwhile)"}
    row = {k: doc.get(k) for k in ("state", "reason", "provider", "model", "derived_at", "retry_at",
                                   "validated_on", "derivations") if doc.get(k) is not None}
    if doc.get("state") in ("ok", "stale"):
        row["rules"] = doc.get("rules")
    return row


async def describe(app: Any, doc: dict[str, Any], live: Any = None, ai: Any = None) -> dict[str, Any]:
    """`live`: the running job's Extraction (scraped.engine.extraction), for the sample
    pages ai-schema layouts have gathered so far (kept in memory only); `ai`: the engine's
    AI service (None: no model)."""
    store = app.store
    mode = str(((doc.get("spec") or {}).get("extract") or {}).get("mode") or "auto")
    stats = doc.get("stats") or {}
    out: dict[str, Any] = {"mode": mode,
                           "counters": {k[len("extract_"):]: v for k, v in sorted(stats.items())
                                        if k.startswith("extract_")}}
    if mode == "auto":
        cfg = app.config.engine.extraction
        out["ai_fallback"] = ("off" if not cfg.ai_fallback else "on" if ai is not None and ai.has_model("extract")
                              else "off: [engine.extraction] ai_fallback is set but no model provider is configured")
    if mode not in ("css", "ai-schema"):
        return out
    rows = []
    for y in await store.find(YIELD, {"job_id": doc["_id"]}, sort=[("updated_at", -1)], limit=SHOWN):
        row = {k: y.get(k) for k in ("layout", "pages", "pages_with_questions", "questions", "drifts", "drift",
                                     "last_drift")}
        rows.append(row)
    if mode == "ai-schema":
        seen = {r["layout"] for r in rows}
        for ldoc in await store.find(LAYOUTS, {"job_id": doc["_id"]}, limit=SHOWN):
            if ldoc["_id"] not in seen:  # refused or not yet used: no yield counted
                rows.append({"layout": ldoc["_id"], "pages": 0, "pages_with_questions": 0, "questions": 0,
                             "drifts": 0, "drift": None, "last_drift": None})
        gathering = {k: len(v) for k, v in (live.layouts.samples if live is not None and live.layouts else {}).items()}
        for layout in gathering:
            if layout not in {r["layout"] for r in rows}:
                rows.append({"layout": layout, "pages": 0, "pages_with_questions": 0, "questions": 0,
                             "drifts": 0, "drift": None, "last_drift": None})
        for row in rows:
            row["rules"] = _rules_row(await store.get(LAYOUTS, row["layout"]))
            if row["layout"] in gathering and row["rules"].get("state") != "ok":
                row["rules"]["samples"] = f"{gathering[row['layout']]} of {app.config.engine.extraction.validate_pages}"
    out["layouts"] = rows
    out["drift"] = [r["drift"] for r in rows if r.get("drift")]
    return out
