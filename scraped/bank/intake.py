"""Raw questions in: the engine's extracted questions, stored once per content key.

The engine builds one upsert per question (`$setOnInsert` the document, `$addToSet` the
source) and hands its batch here. The page's category and difficulty words are kept as
`category_page` / `difficulty_page`; `category` / `difficulty` hold the canonical word
(None when the page's word is none we know: the enhancer classifies it then).

A question already in the bank that another job (or page) finds again gains that job's
source on its raw document; its enhanced document gains the job id, page and company
tags too, so `questions list|count|export --job ID` finds it in every bank, not only for
the job that found it first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scraped.bank import vocab
from scraped.bank.lifecycle import ENHANCED, PENDING, RAW
from scraped.store.base import Store


def canonical(doc: dict[str, Any]) -> dict[str, Any]:
    """A raw document with canonical category/difficulty (the page's words kept beside)."""
    out = dict(doc)
    for kind, to_canonical in (("category", vocab.category), ("difficulty", vocab.difficulty)):
        page = doc.get(kind)
        if page is not None and f"{kind}_page" not in doc:
            out[f"{kind}_page"] = page
            out[kind] = to_canonical(page)
    out.setdefault("enhancement", {"state": PENDING, "attempts": 0, "last_error": None})
    return out


async def add_raw(store: Store, ops: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """Upsert the engine's question ops; {"inserted", "modified"} as `bulk_upsert` counts them."""
    ready = []
    for key, update in ops:
        if "$setOnInsert" in update:
            update = {**update, "$setOnInsert": canonical(update["$setOnInsert"])}
        ready.append((key, update))
    counts = await store.bulk_upsert(RAW, ready)
    if counts.get("modified"):  # a first crawl modifies nothing: it pays no look-up
        await _resighted(store, ready)
    return counts


async def _resighted(store: Store, ops: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """The enhanced documents of re-found raw questions gain the new sightings' job ids,
    pages and company tags (one look-up by key, one bulk update)."""
    adds = {key: update.get("$addToSet") or {} for key, update in ops}
    found = await store.find(RAW, {"_id": {"$in": list(adds)}, "enhancement.enhanced_id": {"$exists": True}})
    updates = []
    for raw in found:
        target = (raw.get("enhancement") or {}).get("enhanced_id")
        if not target:
            continue
        add = adds.get(raw["_id"], {})
        sources = [s for s in _each(add.get("sources")) if isinstance(s, dict)]
        jobs = sorted({str(s["job_id"]) for s in sources if s.get("job_id")})
        urls = [str(s["url"]) for s in sources if s.get("url")][:10]
        tags = [t for t in _each(add.get("company_tags")) if isinstance(t, str)]
        if jobs or urls or tags:
            updates.append(({"_id": target}, {"$addToSet": {"job_ids": {"$each": jobs}, "source_urls": {"$each": urls},
                                                            "company_tags": {"$each": tags}}}))
    if updates:
        await store.bulk_update(ENHANCED, updates)


def _each(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value["$each"]) if isinstance(value, dict) and "$each" in value else [value]
