"""Backups of the Mongo store in mongodump's directory layout, and restore from it.

    DEST/<database>/<collection>.bson.gz            the documents, concatenated BSON, gzip
    DEST/<database>/<collection>.metadata.json.gz   {"options", "indexes", "collectionName",
                                                     "type"} as canonical extended JSON

which is what `mongodump --gzip --db DB --out DEST` writes, so `mongorestore --gzip --dir DEST`
(or `--nsInclude 'DB.*'`) restores it, and `restore` reads what mongodump wrote (.bson
or .bson.gz). Documents travel as raw BSON (pymongo's `find_raw_batches`): nothing is
decoded and re-encoded on the way to the file.

Every step is a short call made through the store's `run` (worker thread, limiter,
pymongo exceptions mapped), pages of `_id` order, so timeouts stay per call and a trio
cancel lands between pages. Pages by `_id` assume string ids, as the store's data model
requires. Index metadata is the declared schema (plus any index an operator added), so
a restore into a real MongoDB gets the right names and key directions even when the
backup came from a server that ignores them.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import bson
from bson import SON
from bson.errors import InvalidBSON
from bson.json_util import CANONICAL_JSON_OPTIONS, dumps
from bson.raw_bson import RawBSONDocument

from scraped.errors import BadRequest, StoreError
from scraped.store import mongo_admin
from scraped.store.schema import COLLECTIONS

log = logging.getLogger(__name__)
PAGE = 2000  # documents per server call
Run = Callable[..., Awaitable[Any]]
_RAW = bson.CodecOptions(document_class=RawBSONDocument)


def _scan(data: bytes) -> tuple[int, Any]:
    """How many BSON documents `data` holds, and the `_id` of the last one."""
    off = count = 0
    last = b""
    while off < len(data):
        size = int.from_bytes(data[off:off + 4], "little")
        last = data[off:off + size]
        off += size
        count += 1
    return count, (bson.decode(last)["_id"] if last else None)


def _page(coll: Any, after: Any, fh: Any) -> tuple[int, Any]:
    query = {} if after is None else {"_id": {"$gt": after}}
    data = b"".join(coll.find_raw_batches(query, sort=[("_id", 1)], limit=PAGE))
    count, last = _scan(data)
    fh.write(data)
    return count, last


def metadata(name: str, server_indexes: list[dict[str, Any]]) -> bytes:
    indexes: list[dict[str, Any]] = [{"v": 2, "key": SON([("_id", 1)]), "name": "_id_"}]
    matched: set[str] = {"_id_"}
    for ix in COLLECTIONS[name].indexes:
        spec: dict[str, Any] = {"v": 2, "key": SON(list(ix.keys)), "name": ix.name}
        if ix.unique:
            spec["unique"] = True
        indexes.append(spec)
        found = mongo_admin.match_index(ix, server_indexes)
        if found is not None:
            matched.add(found["name"])
    for s in server_indexes:  # an operator's own indexes travel too
        if s["name"] not in matched:
            indexes.append({k: v for k, v in s.items() if k != "ns"})
    meta = {"options": {}, "indexes": indexes, "collectionName": name, "type": "collection"}
    return dumps(meta, json_options=CANONICAL_JSON_OPTIONS).encode()


def _write(path: Path, data: bytes) -> None:
    with gzip.open(path, "wb") as fh:
        fh.write(data)


def _os(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except OSError as exc:
        raise StoreError(f"backup file: {exc.strerror or exc}: {getattr(exc, 'filename', '')}") from None


async def backup(run: Run, db: Any, database: str, dest: Path) -> dict[str, Any]:
    root = dest / database
    await run(_os, lambda: root.mkdir(parents=True, exist_ok=True))
    files: list[str] = []
    counts: dict[str, int] = {}
    for name in sorted(COLLECTIONS):
        server = await run(lambda n=name: list(db[n].list_indexes()))
        meta = root / f"{name}.metadata.json.gz"
        await run(_os, _write, meta, metadata(name, server))
        path = root / f"{name}.bson.gz"
        fh = await run(_os, gzip.open, path, "wb")
        total, after = 0, None
        try:
            while True:
                n, after = await run(_page, db[name], after, fh)
                total += n
                if n < PAGE:
                    break
        finally:
            await run(_os, fh.close)
        counts[name] = total
        files += [f"{database}/{path.name}", f"{database}/{meta.name}"]
    return {"files": files, "counts": counts, "layout": "mongodump", "database": database}


def _bson_files(folder: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        for suffix in (".bson.gz", ".bson"):
            if path.name.endswith(suffix) and not path.name.endswith(".metadata.json" + suffix):
                out.setdefault(path.name[: -len(suffix)], path)
    return out


def locate(src: Path, database: str) -> tuple[Path, dict[str, Path]]:
    """The folder of a mongodump layout inside `src`: src/<database>, else the one
    sub-folder holding .bson files, else src itself."""
    if _bson_files(src / database):
        return src / database, _bson_files(src / database)
    subs = [p for p in sorted(src.iterdir()) if p.is_dir() and _bson_files(p)] if src.is_dir() else []
    if len(subs) == 1:
        return subs[0], _bson_files(subs[0])
    if _bson_files(src):
        return src, _bson_files(src)
    if len(subs) > 1:
        raise BadRequest(f"{src} holds dumps of several databases ({', '.join(p.name for p in subs)}), "
                         f"none named {database}")
    raise BadRequest(f"no mongodump layout (<db>/<collection>.bson[.gz]) in {src}")


def _open(path: Path) -> Any:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # noqa: SIM115


def _docs(path: Path, fh: Any, raw: bool) -> Iterator[Any]:
    try:
        yield from bson.decode_file_iter(fh, _RAW if raw else bson.DEFAULT_CODEC_OPTIONS)
    except (InvalidBSON, EOFError, zlib.error, OSError, ValueError) as exc:
        raise BadRequest(f"{path.name} is truncated or corrupt: {exc}") from None


def _take(docs: Iterator[Any], n: int) -> list[Any]:
    out = []
    for doc in docs:
        out.append(doc)
        if len(out) >= n:
            break
    return out


def _verify_batch(path: Path, docs: Iterator[Any]) -> int:
    batch = _take(docs, PAGE)
    for doc in batch:
        if not isinstance(doc.get("_id"), str):
            raise BadRequest(f"{path.name}: a document has a non-string _id ({doc.get('_id')!r})")
    return len(batch)


async def restore(run: Run, db: Any, database: str, src: Path) -> dict[str, int]:
    folder, files = await run(locate, src, database)
    for name in sorted(set(files) - set(COLLECTIONS)):
        log.warning("restore: %s is not a collection of this scraped; skipped", files[name].name)
    wanted = {n: p for n, p in files.items() if n in COLLECTIONS}
    verified: dict[str, int] = {}
    for name, path in wanted.items():  # decode everything before touching the database
        fh = await run(_os, _open, path)
        try:
            docs, total = _docs(path, fh, raw=False), 0
            while n := await run(_verify_batch, path, docs):
                total += n
            verified[name] = total
        finally:
            await run(fh.close)
    log.info("restore from %s: verified %s", folder, verified)
    for name in sorted(COLLECTIONS):
        await run(lambda n=name: db[n].drop())
        if name in wanted:
            fh = await run(_os, _open, wanted[name])
            try:
                docs = _docs(wanted[name], fh, raw=True)
                while batch := await run(_take, docs, PAGE):
                    await run(lambda b=batch, n=name: db[n].insert_many(b, ordered=True))
            finally:
                await run(fh.close)
    await run(mongo_admin.ensure_schema, db)
    return verified
