"""Raw questions in: the engine's extracted questions, stored once per content key.

The engine builds one upsert per question (`$setOnInsert` the document, `$addToSet` the
source) and hands its batch here. The page's category and difficulty words are kept as
`category_page` / `difficulty_page`; `category` / `difficulty` hold the canonical word
(None when the page's word is none we know: the enhancer classifies it then).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scraped.bank import vocab
from scraped.bank.lifecycle import PENDING, RAW
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
    return await store.bulk_upsert(RAW, ready)
