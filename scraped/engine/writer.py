"""Batched writes of one running job: new links, questions, and the pages' done marks.

Workers hand over whole pages; the writer flushes every `write_batch` items or
`write_interval` seconds, in an order that survives a crash at any point:

    1. insert the pages' new links into the frontier   (insert_many, duplicates ignored)
    2. upsert their questions                          (bulk_upsert: $setOnInsert + $addToSet)
    3. mark the pages done / failed                    (bulk_update on the frontier)

A crash after 1 or 2 leaves the pages in flight: they are fetched again after the
restart and write the same keys again, which changes nothing. A page marked done always
has its questions and links stored. A mark applies only while the entry is still in
flight under this writer's holder: a daemon that lost its lease (another daemon took the
page over, or the job's frontier was dropped) changes nothing. Each flush is shielded from cancellation (it takes
milliseconds), so a pause never leaves one half-written.

Resource handling: the buffer is bounded; a worker that finds it over 4 batches waits
for the flush (backpressure instead of unbounded memory).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import trio

from scraped.bank.intake import add_raw
from scraped.engine.frontier import FRONTIER, Frontier
from scraped.store.base import Store

log = logging.getLogger(__name__)


@dataclass
class Batch:
    links: list[dict[str, Any]] = field(default_factory=list)
    questions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    marks: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    pages_fetched: int = 0
    pages_failed: int = 0
    questions_found: int = 0
    bytes: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def size(self) -> int:
        return len(self.links) + len(self.questions) + len(self.marks)


@dataclass
class Flushed:
    """What one flush made durable (the runner adds it to the job's counters)."""

    pages_fetched: int
    pages_failed: int
    questions_found: int
    questions_new: int
    bytes: int
    failures: list[dict[str, Any]]


class BatchWriter:
    def __init__(self, store: Store, *, holder: str, batch: int, interval: float, timeout: float,
                 on_flush: Callable[[Flushed], None], observe: Callable[[str, float, bool], None],
                 retry: Callable[..., Awaitable[Any]] | None = None):
        self.store = store
        self.retry = retry  # retry(fn): the runner's back-off on store errors (None: fail at once)
        self.holder = holder
        self.batch_size = batch
        self.interval = interval
        self.timeout = timeout
        self.on_flush = on_flush
        self.observe = observe
        self._batch = Batch()
        self._first_at: float | None = None
        self._wake = trio.Event()
        self._flushed = trio.Event()
        self._lock = trio.Lock()
        self.flushes = 0

    # ------------------------------------------------------------ producers
    async def page_done(self, entry_id: str, links: list[dict[str, Any]],
                        questions: list[tuple[str, dict[str, Any]]], nbytes: int) -> None:
        await self._backpressure()
        b = self._batch
        b.links.extend(links)
        b.questions.extend(questions)
        b.marks.append(Frontier.done_op(entry_id, self.holder, time.time()))
        b.pages_fetched += 1
        b.questions_found += len(questions)
        b.bytes += nbytes
        self._added()

    async def page_failed(self, entry_id: str, failure: dict[str, Any], retry_at: float | None) -> None:
        await self._backpressure()
        b = self._batch
        b.marks.append(Frontier.failed_op(entry_id, self.holder, failure["reason"], failure["at"], retry_at,
                                          failure.get("kind", "")))
        if retry_at is None:
            b.pages_failed += 1
            b.failures.append(failure)
        self._added()

    def _added(self) -> None:
        if self._first_at is None:
            self._first_at = trio.current_time()
            self._wake.set()
        if self._batch.size() >= self.batch_size:
            self._wake.set()

    async def _backpressure(self) -> None:
        while self._batch.size() >= 4 * self.batch_size:
            self._wake.set()
            await self._flushed.wait()

    def pending(self) -> int:
        return self._batch.size()

    def pending_links(self) -> int:
        return len(self._batch.links)

    # ------------------------------------------------------------ flushing
    async def run(self) -> None:
        """Flush whenever a batch is full or its first item has waited `interval`."""
        while True:
            await self._wake.wait()
            self._wake = trio.Event()
            if self._first_at is not None and self._batch.size() < self.batch_size:
                await trio.sleep_until(self._first_at + self.interval)
            await (self.retry(self.flush) if self.retry is not None else self.flush())

    async def flush(self) -> None:
        async with self._lock:
            batch, self._batch, self._first_at = self._batch, Batch(), None
            try:
                if batch.size():
                    with trio.CancelScope(shield=True):
                        await self._write(batch)
            except BaseException:
                # Nothing of it is lost: put it back in front of what came meanwhile.
                self._restore(batch)
                raise
            finally:
                self._flushed.set()
                self._flushed = trio.Event()

    def _restore(self, batch: Batch) -> None:
        newer, self._batch = self._batch, batch
        for name in ("links", "questions", "marks", "failures"):
            getattr(batch, name).extend(getattr(newer, name))
        for name in ("pages_fetched", "pages_failed", "questions_found", "bytes"):
            setattr(batch, name, getattr(batch, name) + getattr(newer, name))
        self._first_at = trio.current_time()

    async def _write(self, batch: Batch) -> None:
        start = time.perf_counter()
        ok = False
        try:
            with trio.fail_after(self.timeout):
                if batch.links:
                    await self.store.insert_many(FRONTIER, batch.links, ignore_duplicates=True)
                new = 0
                if batch.questions:
                    ops = coalesce(batch.questions)
                    new = (await add_raw(self.store, ops))["inserted"]  # the bank owns raw questions
                if batch.marks:
                    await self.store.bulk_update(FRONTIER, batch.marks)
            ok = True
        finally:
            self.observe("engine.flush", time.perf_counter() - start, ok)
        self.flushes += 1
        self.on_flush(Flushed(batch.pages_fetched, batch.pages_failed, batch.questions_found, new,
                              batch.bytes, batch.failures))


def coalesce(ops: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """One upsert per question key: sightings of one question on several pages of a batch
    become one `$addToSet: {sources: {$each: [...]}}` (one document rewrite, not many)."""
    merged: dict[str, dict[str, Any]] = {}
    for key, update in ops:
        into = merged.get(key)
        if into is None:
            merged[key] = {"$setOnInsert": update["$setOnInsert"],
                           "$addToSet": {f: {"$each": list(_items(v))} for f, v in update["$addToSet"].items()}}
            continue
        for f, v in update["$addToSet"].items():
            each = into["$addToSet"].setdefault(f, {"$each": []})["$each"]
            each.extend(x for x in _items(v) if x not in each)
    return list(merged.items())


def _items(value: Any) -> list[Any]:
    return value["$each"] if isinstance(value, dict) and "$each" in value else [value]
