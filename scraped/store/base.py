"""The storage interface: a small document store that both backends implement.

Documents are JSON-shaped dicts (str, int, float, bool, None, lists, dicts) with a
string `_id`. Times are UTC epoch seconds (float) in fields named `*_at`. Everything
above this package (engine, ai, ops) talks to a `Store` and never to a backend, so the
same code and the same contract tests (tests/store_contract.py) serve SQLite and MongoDB.

Filters are a subset of MongoDB's query language:
    {"status": "RUNNING"}                       equality (dotted paths: "progress.pages")
    {"company_tags": "google"}                  on an array field: the array contains it
    {"status": {"$in": [...]}} / "$nin"
    {"created_at": {"$lt": t}}                  $lt $lte $gt $gte $ne
    {"answer": None}                            missing or null
    {"explanation": {"$exists": True}}
    {"question": {"$regex": "train", "$options": "i"}}   substring/regex search
    {"$or": [{...}, {...}]}, {"$and": [...]}
Updates use MongoDB's operators: $set, $setOnInsert, $inc, $unset, $push (value or
{"$each": [...], "$slice": -N}), $addToSet (value or {"$each": [...]}), $min, $max.
Sort is a list of (field, 1 | -1).

Each collection's indexes and array fields are declared once in `scraped.store.schema`.

Error handling: every backend raises only `scraped.errors.StoreError` (the store failed
or is unreachable) and `DuplicateKey` (an insert hit an existing `_id` or unique key).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

Doc = dict[str, Any]
Filter = dict[str, Any]
Update = dict[str, Any]
Sort = Sequence[tuple[str, int]]


class Store(ABC):
    """A document store. All methods are safe to call from trio tasks: backends run
    blocking drivers in worker threads behind a limiter, never on the event loop."""

    backend: str = "abstract"

    # ------------------------------------------------------------ lifecycle
    @abstractmethod
    async def open(self) -> None:
        """Connect, migrate the schema, create indexes. Idempotent."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def ping(self) -> dict[str, Any]:
        """A round trip: {"ok": bool, "round_trip_ms": float, ...backend facts}."""

    @abstractmethod
    async def stats(self) -> dict[str, Any]:
        """{"backend", "size_bytes", "collections": {name: count}, ...}."""

    # ------------------------------------------------------------ documents
    @abstractmethod
    async def insert_one(self, coll: str, doc: Doc) -> None:
        """Insert; raises DuplicateKey when `_id` (or a unique index) exists."""

    @abstractmethod
    async def insert_many(self, coll: str, docs: Sequence[Doc], *, ignore_duplicates: bool = False) -> int:
        """Insert in one batch; returns how many were inserted. With ignore_duplicates,
        documents whose `_id` exists are skipped (and not counted) instead of raising."""

    @abstractmethod
    async def get(self, coll: str, _id: str) -> Doc | None: ...

    @abstractmethod
    async def find(self, coll: str, filter: Filter | None = None, *, sort: Sort | None = None,
                   limit: int | None = None, skip: int = 0) -> list[Doc]: ...

    async def iterate(self, coll: str, filter: Filter | None = None, *, sort: Sort | None = None,
                      batch_size: int = 500) -> AsyncIterator[Doc]:
        """Every matching document, fetched in pages of `batch_size` by `_id` order
        (stable under concurrent inserts), so memory stays bounded for any size."""
        last: str | None = None
        while True:
            page_filter: Filter = dict(filter or {})
            if last is not None:
                page_filter = {"$and": [page_filter, {"_id": {"$gt": last}}]}
            page = await self.find(coll, page_filter, sort=[("_id", 1)], limit=batch_size)
            for doc in page:
                yield doc
            if len(page) < batch_size:
                return
            last = page[-1]["_id"]

    @abstractmethod
    async def count(self, coll: str, filter: Filter | None = None) -> int: ...

    @abstractmethod
    async def update_one(self, coll: str, filter: Filter, update: Update, *, upsert: bool = False) -> bool:
        """Update the first match; with upsert, insert from the filter's equalities
        plus $set/$setOnInsert when none matches. True when a document was changed or created."""

    @abstractmethod
    async def update_many(self, coll: str, filter: Filter, update: Update) -> int: ...

    @abstractmethod
    async def find_one_and_update(self, coll: str, filter: Filter, update: Update, *,
                                  sort: Sort | None = None, upsert: bool = False,
                                  return_new: bool = True) -> Doc | None:
        """Atomic: the basis of job and frontier leases."""

    @abstractmethod
    async def bulk_upsert(self, coll: str, ops: Sequence[tuple[str, Update]]) -> dict[str, int]:
        """Unordered upserts by `_id`: [(id, update), ...] in one round trip.
        Returns {"inserted": n, "modified": m}."""

    @abstractmethod
    async def bulk_update(self, coll: str, ops: Sequence[tuple[Filter, Update]]) -> int:
        """Unordered point updates, no upserts: [(filter, update), ...] in one round trip,
        each filter naming its document's `_id` (plus conditions: an update applies only
        while they hold). Returns how many documents matched."""

    @abstractmethod
    async def delete_many(self, coll: str, filter: Filter) -> int: ...

    @abstractmethod
    async def count_by(self, coll: str, field: str, filter: Filter | None = None) -> dict[Any, int]:
        """Group-by count on one field (for breakdowns)."""

    @abstractmethod
    async def claim(self, coll: str, filter: Filter, update: Update, *, sort: Sort | None,
                    limit: int) -> list[Doc]:
        """Atomically apply `update` to up to `limit` matching documents and return them
        as updated: batch leases on frontier entries."""

    # ------------------------------------------------------------ maintenance
    @abstractmethod
    async def list_indexes(self) -> list[dict[str, Any]]:
        """[{"collection", "name", "keys", "unique", "usage" (or None)}]."""

    @abstractmethod
    async def reindex(self) -> dict[str, Any]: ...

    @abstractmethod
    async def integrity_check(self) -> list[str]:
        """Problems the backend finds in its own data; empty when all is well."""

    @abstractmethod
    async def backup(self, dest: Path) -> dict[str, Any]:
        """Write a consistent copy of the whole store into directory `dest` (created);
        returns {"files": [...], "counts": {collection: n}}."""

    @abstractmethod
    async def restore(self, src: Path) -> dict[str, Any]:
        """Replace the store's contents with a copy written by `backup` into `src`;
        returns the counts after. The caller checks the copy first."""
