"""The embedded default store: SQLite (stdlib sqlite3) in WAL mode, one file.

Resource handling: one writer connection behind a lock (SQLite allows one writer at a
time; a lock is cheaper and fairer than busy-waiting) and a small pool of reader
connections (WAL lets them read while the writer writes). Every call runs in a worker
thread via `trio.to_thread.run_sync` behind a CapacityLimiter, never on the event loop.

Error handling: sqlite3 is imported here and nowhere else; its exceptions become
`DuplicateKey` (unique constraint) or `StoreError` (everything else) in `_mapped`.

Truth about the file (scraped/store/sqlite_check.py): an existing file that is empty or
fails `PRAGMA quick_check` at open raises `StoreCorrupt` (the daemon exits 1 with one
line saying how to restore); `run()` repeats the quick_check every `check_interval`
seconds and health reports the last result.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import trio

from scraped.errors import BadRequest, DuplicateKey, StoreError
from scraped.store import sqlite_check
from scraped.store.base import Doc, Filter, Sort, Store, Update
from scraped.store.mongo_query import check_update_ops, check_upsert_ops
from scraped.store.schema import COLLECTIONS, SCHEMA_VERSION, Collection, collection
from scraped.store.sqlite_query import compile_filter, compile_sort, field_expr, literal_match
from scraped.store.updates import apply_update, get_path, upsert_seed, validate_update

log = logging.getLogger(__name__)
T = TypeVar("T")

_CHUNK = 500  # ids per IN (...) query, below SQLite's variable limit
_ROWS = 400  # rows per multi-row INSERT / UPDATE ... FROM (VALUES ...) (2 variables a row)
_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33, 0)

# GIL hand-offs. sqlite3 releases the GIL around every step of a statement: a row of
# executemany, a row of a SELECT. A store thread that wants it back while the event loop
# is busy waits for the switch interval (5 ms) each time, so a flush of 130 rows done row
# by row took ~100 ms of wall time for ~1 ms of work, and the crawl stalled behind it.
# So every hot statement here is one step: multi-row INSERTs, UPDATE ... FROM (VALUES
# ...), and SELECTs that return one aggregated JSON row (json_group_array/_object).

# Schema migrations: index i upgrades user_version i -> i+1. Tables and indexes are
# (re)created idempotently from scraped/store/schema.py on every open.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [lambda conn: None]


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}
_REGEX_CACHE_MAX = 256
_REGEX_CACHED_LEN = 512  # longer patterns are compiled per query, not kept


def _regex(pattern: str) -> re.Pattern[str]:
    """Compiled patterns, cached by count and size (a size-blind lru_cache(256) of 1 MB
    patterns held 800 MB). The SQL function runs in store threads: a lost race compiles twice."""
    compiled = _REGEX_CACHE.get(pattern)
    if compiled is None:
        compiled = re.compile(pattern)
        if len(pattern) <= _REGEX_CACHED_LEN:
            if len(_REGEX_CACHE) >= _REGEX_CACHE_MAX:
                _REGEX_CACHE.clear()
            _REGEX_CACHE[pattern] = compiled
    return compiled


def _regexp(pattern: str, value: Any) -> bool:
    return isinstance(value, str) and _regex(pattern).search(value) is not None


# json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False) without
# building an encoder for every document.
_dumps: Callable[[Doc], str] = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False,
                                                allow_nan=False).encode


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "UNIQUE" in str(exc):
            raise DuplicateKey(str(exc)) from None
        raise StoreError(f"sqlite: {exc}") from None
    except sqlite3.Error as exc:
        raise StoreError(f"sqlite: {exc}") from None
    except (TypeError, ValueError) as exc:  # unencodable document
        raise BadRequest(f"document cannot be stored: {exc}") from None


_SCALARS = (str, int, float, type(None))  # bool is an int


def _plain_match(info: Collection, flt: Filter, doc: Doc) -> bool | None:
    """Whether `doc` matches a filter of plain scalar equalities on non-array fields, as the
    SQL of sqlite_query would decide it (None equals a missing field too); None when the
    filter has anything else (operators, $or, array fields, sub-documents)."""
    for key, want in flt.items():
        if key == "_id":
            if want != doc.get("_id"):
                return False
            continue
        if key.startswith("$") or not isinstance(want, _SCALARS) or key in info.array_fields:
            return None
        have = get_path(doc, key)
        if not isinstance(have, _SCALARS):
            return None  # a sub-document or array: SQL compares its JSON text
        if have != want or (have is None) != (want is None) or isinstance(have, str) != isinstance(want, str):
            return False
    return True


SYNCHRONOUS = ("full", "normal")


def _connect(path: Path, synchronous: str = "full") -> sqlite3.Connection:
    if synchronous not in SYNCHRONOUS:  # never interpolate anything else into the PRAGMA
        raise StoreError(f"store.sqlite_synchronous must be one of {', '.join(SYNCHRONOUS)}")
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.create_function("regexp", 2, _regexp, deterministic=True)
    conn.create_function("litmatch", 3, literal_match, deterministic=True)
    return conn


def _index_sql(coll: Collection) -> list[str]:
    out = []
    for ix in coll.indexes:
        cols = ", ".join(f"{field_expr(k)} {'ASC' if d == 1 else 'DESC'}" for k, d in ix.keys)
        unique = "UNIQUE " if ix.unique else ""
        out.append(f'CREATE {unique}INDEX IF NOT EXISTS "{coll.name}__{ix.name}" ON "{coll.name}" ({cols})')
    return out


class SqliteStore(Store):
    backend = "sqlite"

    def __init__(self, path: str | Path, threads: int = 4, check_interval: float = 0.0,
                 check_on_open: bool = False, synchronous: str = "full"):
        self.path = Path(path)
        self.synchronous = synchronous
        self.check_interval = check_interval
        # The daemon's store (open_store) refuses an empty or damaged file at open; other
        # users (a backup's copy being verified, a restore repairing the live file) open
        # what is there and ask integrity_check themselves.
        self.check_on_open = check_on_open
        # The last quick_check: {"at", "ok", "problems", "seconds"}; None before the first.
        self.last_check: dict[str, Any] | None = None
        self._check_limiter = trio.CapacityLimiter(1)  # a slow check must not take a query thread
        self._limiter = trio.CapacityLimiter(threads)
        self._threads = threads
        self._write_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []

    # ------------------------------------------------------------ plumbing
    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        def call() -> T:
            with _mapped():
                return fn(*args)

        return await trio.to_thread.run_sync(call, limiter=self._limiter)

    def _reader(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        @contextlib.contextmanager
        def lease() -> Iterator[sqlite3.Connection]:
            try:
                conn = self._readers.get_nowait()
            except queue.Empty:
                conn = _connect(self.path, self.synchronous)
                self._all.append(conn)
            try:
                yield conn
            finally:
                self._readers.put(conn)

        return lease()

    @contextlib.contextmanager
    def _write(self, transaction: bool = True) -> Iterator[sqlite3.Connection]:
        """The writer connection under the lock, in a transaction; `transaction=False` for
        a single statement, which SQLite makes atomic on its own (two GIL hand-offs fewer)."""
        if self._writer is None:
            raise StoreError("store is not open")
        with self._write_lock:
            conn = self._writer
            if not transaction:
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    # ------------------------------------------------------------ lifecycle
    async def open(self) -> None:
        if self._writer is not None:
            return
        await self._run(self._open_sync)

    def _open_sync(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():
            sqlite_check.create(self.path)
        elif self.check_on_open:
            sqlite_check.refuse_empty(self.path)
            problems, seconds = sqlite_check.quick_check(self.path)
            self.last_check = {"at": time.time(), "ok": not problems, "problems": problems, "seconds": seconds}
            sqlite_check.refuse_damaged(self.path, problems)
        sqlite_check.secure(self.path)
        self._writer = _connect(self.path, self.synchronous)
        self._all.append(self._writer)
        self._migrate()
        if self.check_on_open and self.last_check is None:  # a new file: health shows a real result
            problems, seconds = sqlite_check.quick_check(self.path)
            self.last_check = {"at": time.time(), "ok": not problems, "problems": problems, "seconds": seconds}

    async def write_probe(self, within: float) -> None:
        """Write one small document within `within` seconds or raise StoreError: the
        store's lock and SQLite's busy wait (30 s for other writes) are both bounded, so a
        health check is never stuck behind a write lock another process holds."""
        def w() -> None:
            if self._writer is None:
                raise StoreError("store is not open")
            if not self._write_lock.acquire(timeout=within):
                raise StoreError(f"the store's writer has been busy for {within:g} s")
            try:
                conn = self._writer
                conn.execute(f"PRAGMA busy_timeout = {int(within * 1000)}")
                try:
                    # A table of its own, outside the collections: the probe changes no
                    # document a dump, an export or a backup comparison would see.
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        conn.execute("CREATE TABLE IF NOT EXISTS _health_probe "
                                     "(id INTEGER PRIMARY KEY, at REAL NOT NULL)")
                        conn.execute("INSERT OR REPLACE INTO _health_probe (id, at) VALUES (1, ?)", (time.time(),))
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                    conn.execute("COMMIT")
                finally:
                    conn.execute("PRAGMA busy_timeout = 30000")
            finally:
                self._write_lock.release()

        await self._run(w)

    async def quick_check(self) -> dict[str, Any]:
        """Run PRAGMA quick_check now (in its own thread and connection); the result is
        kept in `last_check` for health."""
        problems, seconds = await trio.to_thread.run_sync(sqlite_check.quick_check, self.path,
                                                          limiter=self._check_limiter)
        was_ok = self.last_check is None or self.last_check["ok"]
        self.last_check = {"at": time.time(), "ok": not problems, "problems": problems, "seconds": seconds}
        if problems and was_ok:
            log.error("store %s fails quick_check: %s; %s", self.path, "; ".join(problems[:3]),
                      sqlite_check.restore_hint(self.path), extra={"store_path": str(self.path)})
        elif not problems and not was_ok:
            log.warning("store %s passes quick_check again", self.path)
        return self.last_check

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        """The periodic quick_check (none when check_interval is 0)."""
        task_status.started()
        if self.check_interval <= 0:
            return
        while True:
            await trio.sleep(self.check_interval)
            try:
                await self.quick_check()
            except (sqlite3.Error, OSError) as exc:
                self.last_check = {"at": time.time(), "ok": False, "problems": [f"check failed: {exc}"],
                                   "seconds": 0.0}
                log.error("store %s: quick_check could not run: %s", self.path, exc)

    def _migrate(self) -> None:
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {version}, newer than this scraped "
                    f"({SCHEMA_VERSION}); upgrade scraped or restore an older backup")
            for coll in COLLECTIONS.values():
                conn.execute(f'CREATE TABLE IF NOT EXISTS "{coll.name}" '
                             "(_id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL)")
                for sql in _index_sql(coll):
                    conn.execute(sql)
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    async def close(self) -> None:
        # Wait for every call in flight first: closing a connection that a worker thread is
        # still using crashed the process (a segfault in sqlite3, seen in a test's teardown).
        # Each token is borrowed on behalf of its own object (one task may hold one token).
        borrowed: list[tuple[trio.CapacityLimiter, object]] = []
        try:
            for limiter, tokens in ((self._limiter, self._threads), (self._check_limiter, 1)):
                for _ in range(tokens):
                    borrower = object()
                    await limiter.acquire_on_behalf_of(borrower)
                    borrowed.append((limiter, borrower))
            conns, self._all, self._writer = self._all, [], None
            self._readers = queue.SimpleQueue()
            for conn in conns:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
        finally:
            for limiter, borrower in borrowed:
                limiter.release_on_behalf_of(borrower)

    async def ping(self) -> dict[str, Any]:
        start = time.perf_counter()

        def q() -> None:
            with self._reader() as conn:
                conn.execute("SELECT 1").fetchone()

        await self._run(q)
        return {"ok": True, "round_trip_ms": (time.perf_counter() - start) * 1000,
                "backend": self.backend, "path": str(self.path)}

    async def stats(self) -> dict[str, Any]:
        def q() -> dict[str, Any]:
            with self._reader() as conn:
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
                size = conn.execute("PRAGMA page_size").fetchone()[0]
                counts = {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                          for name in COLLECTIONS}
            wal = self.path.with_name(self.path.name + "-wal")
            return {"backend": self.backend, "path": str(self.path),
                    "size_bytes": pages * size + (wal.stat().st_size if wal.exists() else 0),
                    "collections": counts, "schema_version": SCHEMA_VERSION}

        return await self._run(q)

    # ------------------------------------------------------------ reads
    def _select(self, conn: sqlite3.Connection, coll: str, filter: Filter | None,
                sort: Sort | None = None, limit: int | None = None, skip: int = 0) -> list[Doc]:
        where, params = compile_filter(collection(coll), filter)
        sql = f'SELECT doc FROM "{coll}" WHERE {where}{compile_sort(sort)}'
        if limit is not None or skip:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, -1 if limit is None else int(limit), int(skip)]
        # One row (one GIL hand-off) for the whole result, in the inner query's order.
        return json.loads(conn.execute(f"SELECT json_group_array(json(doc)) FROM ({sql})", params).fetchone()[0])

    @staticmethod
    def _by_ids(conn: sqlite3.Connection, coll: str, ids: list[str]) -> dict[str, Doc]:
        """The documents of `ids` (at most _CHUNK) that exist, by id, in one row."""
        row = conn.execute(f'SELECT json_group_object(_id, json(doc)) FROM "{coll}" '
                           f'WHERE _id IN ({",".join("?" * len(ids))})', ids).fetchone()
        return json.loads(row[0])

    @staticmethod
    def _insert(conn: sqlite3.Connection, coll: str, rows: Sequence[tuple[str, str]],
                verb: str = "INSERT") -> None:
        """[(id, json)] in multi-row INSERTs (`verb`: INSERT or INSERT OR IGNORE)."""
        for start in range(0, len(rows), _ROWS):
            part = rows[start:start + _ROWS]
            conn.execute(f'{verb} INTO "{coll}" (_id, doc) VALUES ' + ", ".join(["(?, ?)"] * len(part)),
                         [v for row in part for v in row])

    @staticmethod
    def _update_rows(conn: sqlite3.Connection, coll: str, rows: Sequence[tuple[str, str]]) -> None:
        """[(id, json)] of existing documents (unique ids), rewritten in few statements."""
        if not _UPDATE_FROM:
            conn.executemany(f'UPDATE "{coll}" SET doc = ? WHERE _id = ?', [(d, i) for i, d in rows])
            return
        for start in range(0, len(rows), _ROWS):
            part = rows[start:start + _ROWS]
            conn.execute(f'UPDATE "{coll}" SET doc = v.column2 FROM (VALUES '
                         + ", ".join(["(?, ?)"] * len(part)) + f') AS v WHERE "{coll}"._id = v.column1',
                         [v for row in part for v in row])

    async def get(self, coll: str, _id: str) -> Doc | None:
        docs = await self.find(coll, {"_id": _id}, limit=1)
        return docs[0] if docs else None

    async def find(self, coll: str, filter: Filter | None = None, *, sort: Sort | None = None,
                   limit: int | None = None, skip: int = 0) -> list[Doc]:
        def q() -> list[Doc]:
            with self._reader() as conn:
                return self._select(conn, coll, filter, sort, limit, skip)

        return await self._run(q)

    async def count(self, coll: str, filter: Filter | None = None) -> int:
        where, params = compile_filter(collection(coll), filter)

        def q() -> int:
            with self._reader() as conn:
                return conn.execute(f'SELECT COUNT(*) FROM "{coll}" WHERE {where}', params).fetchone()[0]

        return await self._run(q)

    async def count_by(self, coll: str, field: str, filter: Filter | None = None) -> dict[Any, int]:
        where, params = compile_filter(collection(coll), filter)
        expr = field_expr(field)

        def q() -> dict[Any, int]:
            with self._reader() as conn:
                rows = conn.execute(f'SELECT {expr}, COUNT(*) FROM "{coll}" WHERE {where} GROUP BY 1',
                                    params).fetchall()
            return {key: n for key, n in rows}

        return await self._run(q)

    # ------------------------------------------------------------ writes
    async def insert_one(self, coll: str, doc: Doc) -> None:
        await self.insert_many(coll, [doc])

    async def insert_many(self, coll: str, docs: Sequence[Doc], *, ignore_duplicates: bool = False) -> int:
        collection(coll)
        rows = []
        for doc in docs:
            if not isinstance(doc.get("_id"), str) or not doc["_id"]:
                raise BadRequest("every document needs a non-empty string _id")
            rows.append((doc["_id"], _dumps(doc)))
        verb = "INSERT OR IGNORE" if ignore_duplicates else "INSERT"

        def w() -> int:
            with self._write(transaction=len(rows) > _ROWS) as conn:
                before = conn.total_changes
                self._insert(conn, coll, rows, verb)
                return conn.total_changes - before

        return await self._run(w) if rows else 0

    def _rewrite(self, conn: sqlite3.Connection, coll: str, docs: list[Doc]) -> None:
        rows = {d["_id"]: _dumps(d) for d in docs}  # one row per id: the last version
        self._update_rows(conn, coll, list(rows.items()))

    def _upsert_new(self, conn: sqlite3.Connection, coll: str, filter: Filter, update: Update) -> Doc:
        doc = apply_update(upsert_seed(filter), update, inserting=True)
        if not isinstance(doc.get("_id"), str):
            raise BadRequest("an upsert needs a string _id in its filter or $setOnInsert")
        conn.execute(f'INSERT INTO "{coll}" (_id, doc) VALUES (?, ?)', (doc["_id"], _dumps(doc)))
        return doc

    async def update_one(self, coll: str, filter: Filter, update: Update, *, upsert: bool = False) -> bool:
        doc = await self.find_one_and_update(coll, filter, update, upsert=upsert)
        return doc is not None

    async def update_many(self, coll: str, filter: Filter, update: Update) -> int:
        validate_update(update)

        def w() -> int:
            with self._write() as conn:
                docs = [apply_update(d, update, inserting=False) for d in self._select(conn, coll, filter)]
                self._rewrite(conn, coll, docs)
                return len(docs)

        return await self._run(w)

    async def find_one_and_update(self, coll: str, filter: Filter, update: Update, *,
                                  sort: Sort | None = None, upsert: bool = False,
                                  return_new: bool = True) -> Doc | None:
        validate_update(update)

        def w() -> Doc | None:
            with self._write() as conn:
                found = self._select(conn, coll, filter, sort, 1)
                if not found:
                    if not upsert:
                        return None
                    new = self._upsert_new(conn, coll, filter, update)
                    return new if return_new else None
                new = apply_update(found[0], update, inserting=False)
                self._rewrite(conn, coll, [new])
                return new if return_new else found[0]

        return await self._run(w)

    async def claim(self, coll: str, filter: Filter, update: Update, *, sort: Sort | None,
                    limit: int) -> list[Doc]:
        validate_update(update)

        def w() -> list[Doc]:
            with self._write() as conn:
                docs = [apply_update(d, update, inserting=False)
                        for d in self._select(conn, coll, filter, sort, limit)]
                self._rewrite(conn, coll, docs)
                return docs

        return await self._run(w) if limit > 0 else []

    async def bulk_upsert(self, coll: str, ops: Sequence[tuple[str, Update]]) -> dict[str, int]:
        collection(coll)

        def w() -> dict[str, int]:  # checked in the worker thread, as in bulk_update
            check_upsert_ops(ops)
            inserted = modified = 0
            with self._write() as conn:
                for start in range(0, len(ops), _CHUNK):
                    chunk = ops[start:start + _CHUNK]
                    current = self._by_ids(conn, coll, list({_id for _id, _ in chunk}))
                    stored = dict(current)  # as read: a document that ends up equal is not rewritten
                    fresh: set[str] = set()
                    for _id, update in chunk:
                        if _id in current:
                            current[_id] = apply_update(current[_id], update, inserting=False)
                        else:
                            current[_id] = apply_update({"_id": _id}, update, inserting=True)
                            fresh.add(_id)
                    touched = {_id for _id, _ in chunk}
                    new_rows = [(i, _dumps(current[i])) for i in touched if i in fresh]
                    old_rows = [(i, _dumps(current[i])) for i in touched
                                if i not in fresh and current[i] != stored[i]]
                    self._insert(conn, coll, new_rows)
                    self._update_rows(conn, coll, old_rows)
                    inserted += len(new_rows)
                    modified += len(touched) - len(new_rows)  # matched, as MongoDB's matched_count
            return {"inserted": inserted, "modified": modified}

        return await self._run(w) if ops else {"inserted": 0, "modified": 0}

    async def bulk_update(self, coll: str, ops: Sequence[tuple[Filter, Update]]) -> int:
        info = collection(coll)

        def w() -> int:  # checked in the worker thread: a big batch costs milliseconds
            check_update_ops(ops)
            matched = 0
            with self._write() as conn:
                for start in range(0, len(ops), _CHUNK):
                    matched += self._bulk_update_chunk(conn, info, ops[start:start + _CHUNK])
            return matched

        return await self._run(w) if ops else 0

    def _bulk_update_chunk(self, conn: sqlite3.Connection, info: Collection,
                           ops: Sequence[tuple[Filter, Update]]) -> int:
        """One SELECT for the chunk's documents and one UPDATE for the changed ones;
        a filter that is not plain equalities is matched by SQL, one op at a time."""
        coll = info.name
        current = self._by_ids(conn, coll, list({flt["_id"] for flt, _ in ops}))
        changed: dict[str, Doc] = {}
        matched = 0
        for flt, update in ops:
            doc = current.get(flt["_id"])
            if doc is None:
                continue
            hit = _plain_match(info, flt, doc)
            if hit is None:  # not plain equalities: let SQL decide, on what this chunk wrote so far
                if changed:
                    self._rewrite(conn, coll, list(changed.values()))
                    changed.clear()
                hit = bool(self._select(conn, coll, flt, None, 1))
            if hit:
                current[flt["_id"]] = changed[flt["_id"]] = apply_update(doc, update, inserting=False)
                matched += 1
        if changed:
            self._rewrite(conn, coll, list(changed.values()))
        return matched

    async def delete_many(self, coll: str, filter: Filter) -> int:
        where, params = compile_filter(collection(coll), filter)

        def w() -> int:
            with self._write() as conn:
                return conn.execute(f'DELETE FROM "{coll}" WHERE {where}', params).rowcount

        return await self._run(w)

    # ------------------------------------------------------------ maintenance
    async def list_indexes(self) -> list[dict[str, Any]]:
        def q() -> list[dict[str, Any]]:
            with self._reader() as conn:
                present = {row[0] for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index'")}
            out = []
            for coll in COLLECTIONS.values():
                out.append({"collection": coll.name, "name": "_id_", "keys": [["_id", 1]],
                            "unique": True, "present": True, "usage": None})
                for ix in coll.indexes:
                    out.append({"collection": coll.name, "name": ix.name,
                                "keys": [list(k) for k in ix.keys], "unique": ix.unique,
                                "present": f"{coll.name}__{ix.name}" in present, "usage": None})
            return out

        return await self._run(q)

    async def reindex(self) -> dict[str, Any]:
        def w() -> dict[str, Any]:
            start = time.perf_counter()
            with self._write() as conn:
                for coll in COLLECTIONS.values():
                    for sql in _index_sql(coll):
                        conn.execute(sql)
                conn.execute("REINDEX")
                conn.execute("ANALYZE")
            return {"collections": sorted(COLLECTIONS), "seconds": time.perf_counter() - start}

        return await self._run(w)

    async def integrity_check(self) -> list[str]:
        def q() -> list[str]:
            with self._reader() as conn:
                rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            return [] if rows == ["ok"] else rows

        return await self._run(q)

    async def backup(self, dest: Path) -> dict[str, Any]:
        """SQLite's online backup API: a consistent copy while writers keep going."""
        target = Path(dest) / self.path.name

        def w() -> dict[str, Any]:
            try:
                Path(dest).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot write a copy of the store to {dest}: {exc.strerror}") from None
            copy = sqlite3.connect(target)
            try:
                with self._reader() as conn:
                    conn.backup(copy)
                counts = {name: copy.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                          for name in COLLECTIONS}
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
            return {"files": [target.name], "counts": counts}

        return await self._run(w)

    async def restore(self, src: Path) -> dict[str, Any]:
        """Copy a backup's pages into the live database (under the write lock), then
        migrate it to this version's schema."""
        source = Path(src) / self.path.name

        def w() -> None:
            if not source.is_file():
                raise StoreError(f"no {self.path.name} in {src}")
            if self._writer is None:
                raise StoreError("store is not open")
            copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                with self._write_lock:
                    copy.backup(self._writer)
            finally:
                copy.close()
            self._migrate()

        await self._run(w)
        await self.quick_check()  # health must not keep reporting the damage a restore repaired
        return (await self.stats())["collections"]
