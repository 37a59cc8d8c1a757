"""Keep writes through a store outage: a local append-only spool, replayed in order.

`SpoolingStore(inner, path, max_bytes=...)` wraps any Store. While the inner store answers,
every call goes straight through. When a write fails with a *transient* StoreError (the
server is unreachable, stepping down, timing out: MongoStore marks these `transient`),
the write is appended to the spool file and the caller goes on; from then on every write
is appended behind it (so order is kept) until the spool is replayed, in order, into the
store. Meanwhile reads and atomic operations (find_one_and_update, claim: their answer
matters now) raise StoreError at once with the reason, without waiting on a dead server.

The file: JSON lines `{"op", "coll", "args", "kwargs", "at"}` (readable with jq), fsync'd
in groups (concurrent writers share one fsync; a write returns once it is on disk).
Replay progress is kept in `<file>.pos` after each batch: a crash replays at most one
batch twice, so replay is at-least-once (upserts with $setOnInsert/$addToSet are
idempotent; a repeated $inc counts twice). When the spool is fully replayed the file is
truncated. A torn last line (a crash mid-append) is dropped on open.

Bound: at most `max_bytes` of unreplayed writes; a write that would pass it raises a
(transient) StoreError and nothing already spooled is lost. `max_bytes=0` disables the
spool (writes fail as the inner store fails).

A spooled write's result says it was accepted, not what it did: insert_many -> len(docs),
update_one -> True, update_many/delete_many/bulk_update -> 0, bulk_upsert -> {"inserted": 0,
"modified": 0, "spooled": n}. Writes that fail for good at replay (a duplicate insert,
a refused document) are logged and counted in `dropped`, as they would have failed then.

Run `await nursery.start(spool.run)` to replay with backoff in the background, or call
`await spool.replay()`.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

import trio

from scraped.errors import BadRequest, ScrapedError, StoreError
from scraped.store.base import Doc, Filter, Sort, Store, Update
from scraped.store.mongo_query import check_filter, check_update_ops, check_upsert_ops
from scraped.store.schema import collection
from scraped.store.updates import validate_update

log = logging.getLogger(__name__)
BATCH = 200  # entries replayed between two saves of the position
_READ = 1 << 20


def transient(exc: BaseException) -> bool:
    """Worth keeping for later: a StoreError its backend marked `transient` (MongoStore
    does; an unmarked error, e.g. SQLite's, is not spooled: it may never succeed, and a
    spool that cannot drain would hold every read back)."""
    return isinstance(exc, StoreError) and getattr(exc, "transient", False) is True


def _unavailable(message: str) -> StoreError:
    err = StoreError(message)
    err.transient = True  # type: ignore[attr-defined]
    return err


class SpoolingStore(Store):
    def __init__(self, inner: Store, path: str | Path, *, max_bytes: int = 256 << 20,
                 sync: bool = True, retry_initial: float = 0.5, retry_max: float = 30.0):
        self.inner = inner
        self.path = Path(path)
        self.pos_path = self.path.with_name(self.path.name + ".pos")
        self.max_bytes = max_bytes
        self.sync = sync
        self.retry_initial, self.retry_max = retry_initial, retry_max
        self._fd: int | None = None
        self._size = self._pos = self._synced = self._pending = 0
        self._inner_open = False
        self._reason = ""
        self._since: float | None = None
        self.dropped = self.replayed = 0
        self._lock = trio.Lock()  # order of appends (and truncation)
        self._sync_lock = trio.Lock()
        self._replay_lock = trio.Lock()
        self._open_lock = trio.Lock()
        self._wake = trio.Event()

    @property
    def backend(self) -> str:  # type: ignore[override]
        return self.inner.backend

    # ------------------------------------------------------------ lifecycle
    async def open(self) -> None:
        if self._fd is None:
            await trio.to_thread.run_sync(self._load)
            if self._pending:
                self._outage(f"{self._pending} writes spooled before the last stop")
        try:
            await self._open_inner()
        except StoreError as exc:
            if not transient(exc) or self.max_bytes <= 0:
                raise
            self._outage(str(exc))
            log.warning("store unavailable at start, writes go to the spool: %s", exc)

    def _load(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        size = os.fstat(fd).st_size
        if size:
            os.lseek(fd, max(0, size - _READ), os.SEEK_SET)
            tail = os.read(fd, _READ)
            if not tail.endswith(b"\n"):  # a torn append: keep whole lines only
                keep = size - len(tail) + tail.rfind(b"\n") + 1 if b"\n" in tail else 0
                log.warning("spool %s: dropping a torn last entry (%d bytes)", self.path, size - keep)
                os.ftruncate(fd, keep)
                size = keep
        try:
            pos = int(json.loads(self.pos_path.read_text())["pos"])
        except (OSError, ValueError, KeyError, TypeError):
            pos = 0
        self._pos = pos if 0 <= pos <= size else 0
        self._fd, self._size, self._synced = fd, size, size
        self._pending = sum(len(batch) for batch in self._batches(self._pos, size)) if size > self._pos else 0

    async def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            await trio.to_thread.run_sync(os.fsync, fd)
            os.close(fd)
        self._inner_open = False
        await self.inner.close()

    def status(self) -> dict[str, Any]:
        spooling = bool(self._pending or not self._inner_open)
        return {"state": "spooling" if spooling else "direct",
                "pending": self._pending, "bytes": self._size - self._pos, "max_bytes": self.max_bytes,
                "since": self._since if spooling else None, "reason": self._reason if spooling else "",
                "replayed": self.replayed,
                "dropped": self.dropped, "path": str(self.path)}

    def _outage(self, reason: str) -> None:
        self._reason = reason
        if self._since is None:
            self._since = time.time()
        self._wake.set()

    def _down(self) -> StoreError:
        return _unavailable(f"store unavailable ({self._reason or 'not open'}); {self._pending} "
                            "writes spooled, replayed when it answers")

    # ------------------------------------------------------------ the spool file
    def _batches(self, start: int, end: int) -> Generator[list[tuple[Any, int]], None, None]:
        """Lists of (entry, offset just past it) read from `start` to `end`; an entry
        that is not valid JSON comes back as None (and is skipped at replay)."""
        with open(self.path, "rb") as fh:
            fh.seek(start)
            offset, rest, remaining = start, b"", end - start  # offset: where `rest` begins
            while remaining > 0:
                chunk = fh.read(min(_READ, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                data, at, out = rest + chunk, 0, []
                while (nl := data.find(b"\n", at)) >= 0:
                    line, at = data[at:nl], nl + 1
                    try:
                        out.append((json.loads(line), offset + at))
                    except ValueError:
                        out.append((None, offset + at))
                rest, offset = data[at:], offset + at
                if out:
                    yield out

    async def _append(self, op: str, coll: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        if self.max_bytes <= 0:
            raise self._down()
        try:
            line = (json.dumps({"op": op, "coll": coll, "args": args, "kwargs": kwargs, "at": time.time()},
                               separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n").encode()
        except (TypeError, ValueError) as exc:
            raise BadRequest(f"document cannot be stored: {exc}") from None
        async with self._lock:
            if self._fd is None:
                raise _unavailable("store is not open")
            if self._size - self._pos + len(line) > self.max_bytes:
                raise _unavailable(f"store unavailable ({self._reason}) and the spool is full "
                                   f"({self._size - self._pos} of {self.max_bytes} bytes); write refused")
            await trio.to_thread.run_sync(os.write, self._fd, line)
            self._size += len(line)
            self._pending += 1
            end = self._size
        if self.sync:
            async with self._sync_lock:
                if self._synced < end and self._fd is not None:
                    target = self._size
                    await trio.to_thread.run_sync(os.fsync, self._fd)
                    self._synced = max(self._synced, target)
        self._wake.set()

    def _save_pos(self) -> None:
        tmp = self.pos_path.with_name(self.pos_path.name + ".tmp")
        tmp.write_text(json.dumps({"pos": self._pos}))
        os.replace(tmp, self.pos_path)

    # ------------------------------------------------------------ replay
    async def _open_inner(self) -> None:
        async with self._open_lock:
            if not self._inner_open:
                await self.inner.open()
                self._inner_open = True

    async def replay(self) -> int:
        """Apply every spooled write in order; returns how many were applied. Raises
        StoreError (and keeps the rest) when the store still fails."""
        async with self._replay_lock:
            await self._open_inner()
            applied = 0
            while True:
                async with self._lock:
                    if self._pos >= self._size:  # all applied and nothing appended meanwhile
                        if self._size and self._fd is not None:
                            await trio.to_thread.run_sync(os.ftruncate, self._fd, 0)
                            self._size = self._pos = self._synced = 0
                            await trio.to_thread.run_sync(self._save_pos)
                        self._pending, self._since, self._reason = 0, None, ""
                        return applied
                    size = self._size
                batches = self._batches(self._pos, size)
                try:
                    while batch := await trio.to_thread.run_sync(next, batches, None):
                        for i in range(0, len(batch), BATCH):
                            try:
                                for entry, end in batch[i:i + BATCH]:
                                    await self._apply(entry)
                                    self._pos, self._pending, applied = end, self._pending - 1, applied + 1
                            finally:
                                with trio.CancelScope(shield=True):  # short local file writes
                                    await trio.to_thread.run_sync(self._save_pos)
                finally:
                    with trio.CancelScope(shield=True):
                        await trio.to_thread.run_sync(batches.close)

    async def _apply(self, entry: Any) -> None:
        if not isinstance(entry, dict) or entry.get("op") not in _SPOOLED:
            log.error("spool %s: skipping an unreadable entry", self.path)
            self.dropped += 1
            return
        try:
            await getattr(self.inner, entry["op"])(entry["coll"], *entry["args"], **entry["kwargs"])
            self.replayed += 1
        except StoreError as exc:
            if transient(exc):
                self._reason = str(exc)
                raise
            self._drop(entry, exc)
        except ScrapedError as exc:  # DuplicateKey, BadRequest: it would have failed then too
            self._drop(entry, exc)

    def _drop(self, entry: dict[str, Any], exc: Exception) -> None:
        self.dropped += 1
        log.error("spool: dropped a %s on %s spooled at %s: %s", entry["op"], entry["coll"],
                  entry.get("at"), exc)

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Replay in the background whenever something is spooled, with backoff."""
        task_status.started()
        delay = self.retry_initial
        while True:
            self._wake = trio.Event()
            if not self._pending and self._inner_open:
                await self._wake.wait()
                continue
            try:
                n = await self.replay()
                if n:
                    log.info("spool: replayed %d writes into the store", n)
                delay = self.retry_initial
            except StoreError as exc:
                self._reason = str(exc)
                await trio.sleep(delay)
                delay = min(delay * 2, self.retry_max)

    # ------------------------------------------------------------ writes (spooled)
    async def _write(self, op: str, coll: str, args: list[Any], kwargs: dict[str, Any], accepted: Any) -> Any:
        if not self._pending and self._inner_open:
            try:
                return await getattr(self.inner, op)(coll, *args, **kwargs)
            except StoreError as exc:
                if not transient(exc) or self.max_bytes <= 0:
                    raise
                self._outage(str(exc))
                log.warning("store write failed, spooling from now on: %s", exc)
        await self._append(op, coll, args, kwargs)
        return accepted

    @staticmethod
    def _check_docs(coll: str, docs: Sequence[Doc]) -> list[Doc]:
        collection(coll)
        for doc in docs:
            if not isinstance(doc, dict) or not isinstance(doc.get("_id"), str) or not doc["_id"]:
                raise BadRequest("every document needs a non-empty string _id")
        return list(docs)

    async def insert_one(self, coll: str, doc: Doc) -> None:
        self._check_docs(coll, [doc])
        return await self._write("insert_one", coll, [doc], {}, None)

    async def insert_many(self, coll: str, docs: Sequence[Doc], *, ignore_duplicates: bool = False) -> int:
        docs = self._check_docs(coll, docs)
        return await self._write("insert_many", coll, [docs], {"ignore_duplicates": ignore_duplicates},
                                 len(docs))

    async def update_one(self, coll: str, filter: Filter, update: Update, *, upsert: bool = False) -> bool:
        collection(coll)
        check_filter(filter)
        validate_update(update)
        return await self._write("update_one", coll, [filter, update], {"upsert": upsert}, True)

    async def update_many(self, coll: str, filter: Filter, update: Update) -> int:
        collection(coll)
        check_filter(filter)
        validate_update(update)
        return await self._write("update_many", coll, [filter, update], {}, 0)

    async def delete_many(self, coll: str, filter: Filter) -> int:
        collection(coll)
        check_filter(filter)
        return await self._write("delete_many", coll, [filter], {}, 0)

    async def bulk_upsert(self, coll: str, ops: Sequence[tuple[str, Update]]) -> dict[str, int]:
        collection(coll)
        check_upsert_ops(ops)
        pairs = [[_id, update] for _id, update in ops]
        return await self._write("bulk_upsert", coll, [pairs], {},
                                 {"inserted": 0, "modified": 0, "spooled": len(pairs)})

    async def bulk_update(self, coll: str, ops: Sequence[tuple[Filter, Update]]) -> int:
        collection(coll)
        check_update_ops(ops)
        pairs = [[flt, update] for flt, update in ops]
        return await self._write("bulk_update", coll, [pairs], {}, 0)

    # ------------------------------------------------------------ everything else: now or never
    def _ready(self) -> Store:
        if self._pending or not self._inner_open:
            self._wake.set()
            raise self._down()
        return self.inner

    async def ping(self) -> dict[str, Any]:
        await self._open_inner()  # or raises why it cannot
        out = await self.inner.ping()
        if self._pending:
            self._wake.set()
        return {**out, "spool": self.status()}

    async def stats(self) -> dict[str, Any]:
        return {**(await self._ready().stats()), "spool": self.status()}

    async def get(self, coll: str, _id: str) -> Doc | None:
        return await self._ready().get(coll, _id)

    async def find(self, coll: str, filter: Filter | None = None, *, sort: Sort | None = None,
                   limit: int | None = None, skip: int = 0) -> list[Doc]:
        return await self._ready().find(coll, filter, sort=sort, limit=limit, skip=skip)

    async def count(self, coll: str, filter: Filter | None = None) -> int:
        return await self._ready().count(coll, filter)

    async def count_by(self, coll: str, field: str, filter: Filter | None = None) -> dict[Any, int]:
        return await self._ready().count_by(coll, field, filter)

    async def find_one_and_update(self, coll: str, filter: Filter, update: Update, *,
                                  sort: Sort | None = None, upsert: bool = False,
                                  return_new: bool = True) -> Doc | None:
        return await self._ready().find_one_and_update(coll, filter, update, sort=sort, upsert=upsert,
                                                       return_new=return_new)

    async def claim(self, coll: str, filter: Filter, update: Update, *, sort: Sort | None,
                    limit: int) -> list[Doc]:
        return await self._ready().claim(coll, filter, update, sort=sort, limit=limit)

    async def list_indexes(self) -> list[dict[str, Any]]:
        return await self._ready().list_indexes()

    async def reindex(self) -> dict[str, Any]:
        return await self._ready().reindex()

    async def integrity_check(self) -> list[str]:
        return await self._ready().integrity_check()

    async def backup(self, dest: Path) -> dict[str, Any]:
        return await self._ready().backup(dest)

    async def restore(self, src: Path) -> dict[str, Any]:
        return await self._ready().restore(src)

    def __getattr__(self, name: str) -> Any:  # backend extras (slow_ops, kill_ops, path...)
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)


_SPOOLED = frozenset({"insert_one", "insert_many", "update_one", "update_many", "delete_many", "bulk_upsert",
                      "bulk_update"})
