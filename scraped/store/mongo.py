"""The MongoDB store (pymongo): production and scale-out.

Resource handling: pymongo's AsyncMongoClient is asyncio-only, so one sync `MongoClient`
(its own connection pool, sized to the limiter) is driven from worker threads via
`trio.to_thread.run_sync` behind a CapacityLimiter, never on the event loop. Every server
call is bounded by pymongo's client-side timeout (`timeoutMS` = `timeout`), so a worker
thread never hangs; long jobs (backup, restore) run as many short calls, so a trio cancel
takes effect between pages.

Error handling: pymongo's exceptions become the project's in ONE place, `_mapped`:
duplicate keys -> DuplicateKey; bad queries -> BadRequest; everything else -> StoreError,
with `transient=True` when the server is unreachable, stepping down or timing out (the
spool, scraped/store/spool.py, keeps those writes for later). Messages never carry the
URI's password: `_scrub` removes it from every text that leaves this module.

Filters and updates are MongoDB's own language: they pass through after a check against
the interface's subset (scraped/store/mongo_query.py, scraped/store/updates.py), so both
backends refuse the same inputs. Maintenance and backups live in mongo_admin.py and
mongo_dump.py; they are called through `_run` and so share the mapping.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import bson.errors
import trio
from pymongo import MongoClient, ReturnDocument, UpdateOne
from pymongo.errors import (
    BulkWriteError,
    ConfigurationError,
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
)

from scraped.errors import BadRequest, DuplicateKey, StoreError
from scraped.store import mongo_admin, mongo_dump, mongodump_tool
from scraped.store.base import Doc, Filter, Sort, Store, Update
from scraped.store.mongo_query import check_filter, check_sort, check_update_ops, check_upsert_ops
from scraped.store.schema import META, collection
from scraped.store.updates import validate_update

log = logging.getLogger(__name__)
T = TypeVar("T")

# Server error codes: a query the server refuses is the caller's mistake...
_BAD_QUERY = {2, 9, 14, 17, 52, 56, 66, 51091, 51108}
# ...and these mean "try again later" (network, elections, shutdown, time limits).
_TRANSIENT = {6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436}
_CLAIM = "_claim"  # transient field that marks one claim() call's documents


def uri_secrets(uri: str) -> list[str]:
    """The parts of a MongoDB URI that must never be shown: password and userinfo."""
    rest = uri.split("://", 1)[-1]
    authority = rest.split("/", 1)[0].split("?", 1)[0]
    if "@" not in authority:
        return []
    userinfo = authority.rsplit("@", 1)[0]
    out = [userinfo]
    if ":" in userinfo:
        password = userinfo.split(":", 1)[1]
        out += [password, unquote(password)]
    return sorted({s for s in out if s}, key=len, reverse=True)


def redact_uri(uri: str) -> str:
    for secret in uri_secrets(uri):
        uri = uri.replace(secret, "***")
    return uri


def _transient(exc: PyMongoError) -> bool:
    if isinstance(exc, ConnectionFailure) or getattr(exc, "timeout", False):
        return True
    if exc.has_error_label("RetryableWriteError") or exc.has_error_label("TransientTransactionError"):
        return True
    return isinstance(exc, OperationFailure) and exc.code in _TRANSIENT


def _store_error(message: str, transient: bool) -> StoreError:
    err = StoreError(message)
    err.transient = transient  # type: ignore[attr-defined]
    return err


class MongoStore(Store):
    backend = "mongodb"

    def __init__(self, uri: str, database: str, *, threads: int = 4, connect_timeout: float = 5.0,
                 timeout: float = 10.0, mongodump: str = ""):
        if not database or any(c in database for c in '/\\. "$\x00'):
            raise BadRequest(f"invalid MongoDB database name {database!r}")
        self.uri = uri
        self.database = database
        self.display_uri = redact_uri(uri)
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.mongodump = mongodump  # "" | "auto" | a path (scraped/store/mongodump_tool.py)
        self._secrets = uri_secrets(uri)
        self._limiter = trio.CapacityLimiter(threads)
        self._threads = threads
        self._client: MongoClient[Doc] | None = None
        self._db: Any = None

    # ------------------------------------------------------------ plumbing
    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _reason(self, exc: PyMongoError) -> str:
        details = getattr(exc, "details", None)
        text = (details.get("errmsg") if isinstance(details, dict) else None) or str(exc)
        # Server-selection errors append the whole topology description: keep the cause.
        text = text.split(", Timeout:", 1)[0].split(", full error:", 1)[0]
        return self._scrub(text)[:500]

    @contextlib.contextmanager
    def _mapped(self) -> Iterator[None]:
        """The one place where pymongo's exceptions become the project's."""
        try:
            yield
        except DuplicateKeyError as exc:
            raise DuplicateKey(f"duplicate key: {self._reason(exc)}") from None
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors") or []
            if errors and all(e.get("code") == 11000 for e in errors):
                raise DuplicateKey(f"duplicate key: {self._scrub(str(errors[0].get('errmsg')))[:300]}") from None
            first = errors[0].get("errmsg") if errors else exc.details.get("writeConcernErrors")
            raise _store_error(f"mongodb: bulk write failed: {self._scrub(str(first))[:300]}",
                               _transient(exc)) from None
        except ConnectionFailure as exc:
            raise _store_error(f"mongodb unreachable at {self.display_uri}: {self._reason(exc)}",
                               True) from None
        except OperationFailure as exc:
            if exc.code == 11000:
                raise DuplicateKey(f"duplicate key: {self._reason(exc)}") from None
            if exc.code in _BAD_QUERY:
                raise BadRequest(f"mongodb refused the query: {self._reason(exc)}") from None
            code = f" (code {exc.code})" if exc.code is not None else ""
            raise _store_error(f"mongodb: {self._reason(exc)}{code}", _transient(exc)) from None
        except ConfigurationError as exc:
            raise _store_error(f"mongodb configuration: {self._reason(exc)}", False) from None
        except PyMongoError as exc:
            raise _store_error(f"mongodb: {self._reason(exc)}", _transient(exc)) from None
        except (bson.errors.InvalidDocument, OverflowError, TypeError, ValueError) as exc:
            raise BadRequest(f"document cannot be stored: {self._scrub(str(exc))[:300]}") from None

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        def call() -> T:
            with self._mapped():
                return fn(*args)

        return await trio.to_thread.run_sync(call, limiter=self._limiter)

    def _coll(self, name: str) -> Any:
        collection(name)  # unknown collections are a programming error, as in SQLite
        if self._db is None:
            raise _store_error("store is not open", False)
        return self._db[name]

    # ------------------------------------------------------------ lifecycle
    async def open(self) -> None:
        if self._db is not None:
            return
        await self._run(self._open_sync)

    def _open_sync(self) -> None:
        ms = int(self.connect_timeout * 1000)
        client: MongoClient[Doc] = MongoClient(
            self.uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms,
            timeoutMS=int(self.timeout * 1000), maxPoolSize=self._threads + 2,
            appname="scraped", tz_aware=False, connect=False)
        try:
            client.admin.command("ping")
            db = client[self.database]
            created = mongo_admin.ensure_schema(db)
        except BaseException:
            client.close()
            raise
        if created:
            log.info("mongodb %s/%s: created %s", self.display_uri, self.database, ", ".join(created))
        self._client, self._db = client, db

    async def close(self) -> None:
        client, self._client, self._db = self._client, None, None
        if client is not None:
            await trio.to_thread.run_sync(client.close)

    async def ping(self) -> dict[str, Any]:
        if self._client is None:
            raise _store_error("store is not open", False)
        out = await self._run(mongo_admin.ping, self._client, self.database)
        out["uri"] = self.display_uri
        return out

    async def stats(self) -> dict[str, Any]:
        self._coll(META)
        return await self._run(mongo_admin.stats, self._db)

    # ------------------------------------------------------------ reads
    async def get(self, coll: str, _id: str) -> Doc | None:
        c = self._coll(coll)
        return await self._run(c.find_one, {"_id": _id})

    async def find(self, coll: str, filter: Filter | None = None, *, sort: Sort | None = None,
                   limit: int | None = None, skip: int = 0) -> list[Doc]:
        c = self._coll(coll)
        query, order = check_filter(filter), check_sort(sort)
        if limit == 0:
            return []
        n = 0 if limit is None or limit < 0 else int(limit)
        return await self._run(lambda: list(c.find(query, sort=order, skip=int(skip), limit=n)))

    async def count(self, coll: str, filter: Filter | None = None) -> int:
        c = self._coll(coll)
        query = check_filter(filter)
        return await self._run(c.count_documents, query)

    async def count_by(self, coll: str, field: str, filter: Filter | None = None) -> dict[Any, int]:
        c = self._coll(coll)
        query = check_filter(filter)
        check_sort([(field, 1)])  # the same field-name rule
        pipeline = [{"$match": query}, {"$group": {"_id": f"${field}", "n": {"$sum": 1}}}]

        def q() -> dict[Any, int]:
            out: dict[Any, int] = {}
            for row in c.aggregate(pipeline):
                key = row["_id"]
                if isinstance(key, (list, dict)):  # as the SQLite backend: arrays group by JSON text
                    key = json.dumps(key, separators=(",", ":"), ensure_ascii=False)
                out[key] = out.get(key, 0) + int(row["n"])
            return out

        return await self._run(q)

    # ------------------------------------------------------------ writes
    @staticmethod
    def _check_docs(docs: Sequence[Doc]) -> None:
        for doc in docs:
            if not isinstance(doc, dict) or not isinstance(doc.get("_id"), str) or not doc["_id"]:
                raise BadRequest("every document needs a non-empty string _id")

    async def insert_one(self, coll: str, doc: Doc) -> None:
        c = self._coll(coll)
        self._check_docs([doc])
        await self._run(c.insert_one, doc)

    async def insert_many(self, coll: str, docs: Sequence[Doc], *, ignore_duplicates: bool = False) -> int:
        """Without ignore_duplicates the batch is ordered and stops at the first duplicate
        (MongoDB has no cheap all-or-nothing batch; SQLite rolls the batch back)."""
        c = self._coll(coll)
        self._check_docs(docs)
        if not docs:
            return 0

        def w() -> int:
            try:
                return len(c.insert_many(list(docs), ordered=not ignore_duplicates).inserted_ids)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors") or []
                if ignore_duplicates and all(e.get("code") == 11000 for e in errors):
                    return int(exc.details.get("nInserted", 0))
                raise

        return await self._run(w)

    @staticmethod
    def _check_upsert(filter: Filter, update: Update) -> None:
        ids = [filter.get("_id"), (update.get("$setOnInsert") or {}).get("_id")]
        if not any(isinstance(i, str) and i for i in ids):
            raise BadRequest("an upsert needs a string _id in its filter or $setOnInsert")

    async def update_one(self, coll: str, filter: Filter, update: Update, *, upsert: bool = False) -> bool:
        c = self._coll(coll)
        query = check_filter(filter)
        validate_update(update)
        if upsert:
            self._check_upsert(query, update)

        def w() -> bool:
            r = c.update_one(query, update, upsert=upsert)
            return r.matched_count > 0 or r.upserted_id is not None

        return await self._run(w)

    async def update_many(self, coll: str, filter: Filter, update: Update) -> int:
        """Returns the number of matched documents (as SQLite does), changed or not."""
        c = self._coll(coll)
        query = check_filter(filter)
        validate_update(update)
        return await self._run(lambda: c.update_many(query, update).matched_count)

    async def find_one_and_update(self, coll: str, filter: Filter, update: Update, *,
                                  sort: Sort | None = None, upsert: bool = False,
                                  return_new: bool = True) -> Doc | None:
        c = self._coll(coll)
        query, order = check_filter(filter), check_sort(sort)
        validate_update(update)
        if upsert:
            self._check_upsert(query, update)
        which = ReturnDocument.AFTER if return_new else ReturnDocument.BEFORE
        return await self._run(lambda: c.find_one_and_update(query, update, sort=order, upsert=upsert,
                                                             return_document=which))

    async def claim(self, coll: str, filter: Filter, update: Update, *, sort: Sort | None,
                    limit: int) -> list[Doc]:
        """Batch claim in three round trips whatever the batch size: (1) find candidate ids,
        (2) update_many on {_id in ids AND the original filter} adding a unique token,
        (3) read back the documents holding our token. The token stays on the documents
        (removing it would cost a fourth round trip per claim); the next claim overwrites
        it and it is dropped from what this returns.

        Each document's update is atomic on the server and re-checks the filter, so a
        document another claimer took in between (its lease or state no longer matches)
        is skipped, never taken twice. As with find_one_and_update leases, the update must
        make the document stop matching the filter (state, lease.until); if it does not,
        a concurrent claimer may re-apply it, and the later token wins the document.
        Both finds ask for the whole batch at once (no getMore above 101 documents)."""
        c = self._coll(coll)
        query, order = check_filter(filter), check_sort(sort)
        validate_update(update)
        if limit <= 0:
            return []
        token = uuid.uuid4().hex
        marked = {op: dict(fields) for op, fields in update.items()}
        marked.setdefault("$set", {})[_CLAIM] = token

        def w() -> list[Doc]:
            ids = [d["_id"] for d in c.find(query, {"_id": 1}, sort=order, limit=int(limit),
                                            batch_size=int(limit))]
            if not ids:
                return []
            c.update_many({"$and": [{"_id": {"$in": ids}}, query]}, marked)
            docs = list(c.find({"_id": {"$in": ids}, _CLAIM: token}, sort=order, batch_size=len(ids)))
            for doc in docs:
                doc.pop(_CLAIM, None)
            return docs

        return await self._run(w)

    async def bulk_upsert(self, coll: str, ops: Sequence[tuple[str, Update]]) -> dict[str, int]:
        """One unordered bulk_write of UpdateOne(upsert=True): the server applies them in
        parallel batches; "modified" counts matched documents, as SQLite does."""
        c = self._coll(coll)
        if not ops:
            return {"inserted": 0, "modified": 0}

        def w() -> dict[str, int]:  # checked in the worker thread: a big batch costs milliseconds
            check_upsert_ops(ops)
            requests = [UpdateOne({"_id": _id}, update, upsert=True) for _id, update in ops]
            r = c.bulk_write(requests, ordered=False)
            return {"inserted": r.upserted_count, "modified": r.matched_count}

        return await self._run(w)

    async def bulk_update(self, coll: str, ops: Sequence[tuple[Filter, Update]]) -> int:
        """One unordered bulk_write of UpdateOne without upsert."""
        c = self._coll(coll)
        if not ops:
            return 0

        def w() -> int:  # checked in the worker thread, as in bulk_upsert
            check_update_ops(ops)
            return c.bulk_write([UpdateOne(flt, update) for flt, update in ops], ordered=False).matched_count

        return await self._run(w)

    async def delete_many(self, coll: str, filter: Filter) -> int:
        c = self._coll(coll)
        query = check_filter(filter)
        return await self._run(lambda: c.delete_many(query).deleted_count)

    # ------------------------------------------------------------ maintenance
    async def list_indexes(self) -> list[dict[str, Any]]:
        self._coll(META)
        return await self._run(mongo_admin.list_indexes, self._db)

    async def reindex(self) -> dict[str, Any]:
        self._coll(META)
        return await self._run(mongo_admin.reindex, self._db)

    async def integrity_check(self) -> list[str]:
        self._coll(META)
        return await self._run(mongo_admin.integrity_check, self._db)

    async def slow_ops(self, *, limit: int = 20, slow_ms: float = 100.0) -> dict[str, Any]:
        """Recent slow operations from the profiler (`db slow-ops`)."""
        self._coll(META)
        return await self._run(mongo_admin.slow_ops, self._db, limit, slow_ms)

    async def kill_ops(self, *, older_than: float, dry_run: bool = False,
                       all_databases: bool = False) -> dict[str, Any]:
        """Kill active operations running longer than `older_than` seconds (`db kill-op`)."""
        if self._client is None:
            raise _store_error("store is not open", False)
        return await self._run(mongo_admin.kill_ops, self._client, self.database, older_than,
                               dry_run, all_databases)

    async def backup(self, dest: Path) -> dict[str, Any]:
        """mongodump's directory layout, gzip'd: `mongorestore --gzip --dir DEST` restores
        it. Collections are read in `_id` pages (one short server call each), so this is
        a copy of each collection as it was read, not one point in time across them.
        With `mongodump` configured and found, the binary writes the same layout."""
        self._coll(META)
        binary = mongodump_tool.resolve(self.mongodump)
        if binary is not None:
            return await mongodump_tool.backup(binary, self.uri, self.database, Path(dest), scrub=self._scrub)
        return await mongo_dump.backup(self._run, self._db, self.database, Path(dest))

    async def restore(self, src: Path) -> dict[str, Any]:
        """Read a mongodump layout back: every file is decoded first (a truncated or corrupt
        file refuses the restore before anything is dropped), then each collection is
        dropped, refilled in batches and re-indexed. Readers see partial data meanwhile."""
        self._coll(META)
        await mongo_dump.restore(self._run, self._db, self.database, Path(src))
        return (await self.stats())["collections"]

    def __repr__(self) -> str:
        return f"MongoStore({self.display_uri!r}, {self.database!r})"
