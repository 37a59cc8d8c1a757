"""Backups, verification and restore of the live store (the archive format is backup.py).

    backup(kind)   integrity check of the live store -> Store.backup into a work dir ->
                   manifest -> archive (atomic) -> verify it -> keep the newest N
    verify(name)   checksums and sizes of every member, extraction, then the copy is opened
                   as a store of its own: integrity check and counts against the manifest
    restore(name)  verify first (a bad archive is refused and nothing changes) -> pause the
                   engine -> safety backup of the current data -> Store.restore -> counts

Resource handling: work directories live inside the backup directory (the space is
there, unlike a small /tmp) under hidden `.work-*` names and are removed in `finally`;
one left by a crash is removed at the next start (backup.clean_stale). Blocking steps run
in worker threads; a cancelled step stops within a chunk (backup.Stop).

Error handling: `BadArchive` (conflict) for an archive that cannot be trusted,
`NotFound` for an unknown name, `Unavailable` for a full disk or a failing store.
Callers (DataService) serialise these operations; this class does not lock.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import trio

from scraped import __version__, errors
from scraped.ops import archive as fmt
from scraped.store.schema import COLLECTIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    from scraped.service import Quiescable

log = logging.getLogger(__name__)
T = TypeVar("T")
Names = list[str]  # (Backups.list shadows the builtin inside the class)
STALE_AFTER = 3600.0  # a work dir or partial archive older than this is a crash's leftover


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


async def integrity(store: Any) -> list[str]:
    """The store's own check; a check that cannot even run is a problem too."""
    try:
        return list(await store.integrity_check())
    except errors.StoreError as exc:
        return [str(exc)]


async def counts(store: Any) -> dict[str, int | None]:
    """Documents per collection; None where a damaged store cannot count them."""
    try:
        return dict((await store.stats())["collections"])
    except errors.StoreError:
        pass
    out: dict[str, int | None] = {}
    for name in COLLECTIONS:
        try:
            out[name] = await store.count(name)
        except errors.StoreError:
            out[name] = None
    return out


async def check_copy(manifest: dict[str, Any], data_dir: Path) -> tuple[list[str], bool]:
    """Open an extracted copy as a store of its own: (problems, deep). `deep` is False for
    a backend whose copy cannot be opened here (only checksums were checked then)."""
    if manifest["backend"] != "sqlite":
        return [], False
    files = manifest["files"]
    if len(files) != 1:
        return [f"a SQLite backup holds one file, this one {len(files)}"], True
    from scraped.store.sqlite import SqliteStore  # the copy is a SQLite file: open it as one

    problems: list[str] = []
    copy = SqliteStore(data_dir / files[0]["path"], threads=1)
    try:
        await copy.open()
        problems += [f"integrity: {p}" for p in await integrity(copy)]
        for coll, expected in manifest["counts"].items():
            if coll not in COLLECTIONS:
                problems.append(f"{coll}: a collection this scraped does not know")
                continue
            found = await copy.count(coll)
            if found != expected:
                problems.append(f"{coll}: {found} documents, the manifest says {expected}")
    except errors.StoreError as exc:
        problems.append(f"the copy does not open as a store: {exc}")
    finally:
        await copy.close()
    return problems, True


class Backups:
    def __init__(self, app: Any, quiesce: Sequence[Quiescable] = ()):
        self.app = app
        self.quiesce = tuple(quiesce)  # what a restore pauses while it swaps the data
        self._limiter = trio.CapacityLimiter(2)

    @property
    def directory(self) -> Path:
        return self.app.config.ops.backup.path(self.app.state_dir)

    def _store(self) -> Any:
        if self.app.store is None:
            raise errors.Unavailable("the store is not open")
        return self.app.store

    async def _io(self, fn: Callable[..., T], *args: Any) -> T:
        return await trio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    async def _stoppable(self, fn: Callable[..., T], *args: Any) -> T:
        """A blocking step that gives up within a chunk when this task is cancelled."""
        stop = fmt.Stop()
        try:
            return await trio.to_thread.run_sync(lambda: fn(*args, stop), limiter=self._limiter,
                                                 abandon_on_cancel=True)
        except trio.Cancelled:
            stop.set()
            raise

    @asynccontextmanager
    async def _work_dir(self) -> AsyncIterator[Path]:
        work = await self._io(fmt.make_work_dir, self.directory)
        try:
            yield work
        finally:
            with trio.CancelScope(shield=True):
                await self._io(lambda: shutil.rmtree(work, ignore_errors=True))

    async def clean_stale(self) -> list[str]:
        return await self._io(fmt.clean_stale, self.directory, time.time() - STALE_AFTER)

    async def _check_space(self, need: float) -> None:
        directory = self.directory
        free = (await self._io(shutil.disk_usage, directory)).free
        if free < need:
            raise errors.Unavailable(f"not enough space in {directory}: about {human(need)} needed, "
                                     f"{human(free)} free; nothing was written")

    # ------------------------------------------------------------ backup
    async def backup(self, kind: str = "manual") -> dict[str, Any]:
        store, cfg = self._store(), self.app.config.ops.backup
        started, timings = time.perf_counter(), {}
        problems = await integrity(store)
        # An archive of a damaged store must not push good backups out. The safety copy
        # before a restore is taken all the same (restoring is how damage is repaired),
        # marked damaged in its manifest, and never restorable itself.
        if problems and kind != fmt.SAFETY:
            raise errors.Unavailable(f"the store fails its integrity check ({'; '.join(problems[:5])}); "
                                     "no backup written, the existing ones are kept")
        timings["integrity_s"] = time.perf_counter() - started
        async with self._work_dir() as work:
            try:
                size = (await store.stats()).get("size_bytes") or 0
            except errors.StoreError:  # a damaged store (safety copy): its size is unknown
                size = 0
            await self._check_space(1.5 * size + (16 << 20))
            now = time.time()
            name = await self._io(fmt.new_name, self.directory, now, kind == fmt.SAFETY)
            t = time.perf_counter()
            try:
                info = await store.backup(work / "data")
            except errors.StoreError as exc:
                if not problems:
                    raise
                info = await self._io(self._raw_copy, store, work / "data", exc)
            timings["copy_s"] = time.perf_counter() - t
            t = time.perf_counter()
            files = await self._stoppable(fmt.data_files, work / "data")
            manifest = fmt.build_manifest(
                name=name, kind=kind, created_at=now, backend=store.backend, schema_version=SCHEMA_VERSION,
                scraped_version=__version__, counts=info["counts"], files=files, integrity=problems)
            size = await self._stoppable(fmt.write_archive, work / "data", self.directory / name, manifest,
                                         cfg.compress_level)
            timings["archive_s"] = time.perf_counter() - t
        t = time.perf_counter()
        check = await self.verify(name)
        timings["verify_s"] = time.perf_counter() - t
        if not check["verified"] and not problems:
            raise errors.Internal(f"backup {name} was written but fails verification "
                                  f"({'; '.join(check['problems'])}); older backups were kept")
        deleted = await self._io(fmt.prune, self.directory, cfg.keep, cfg.keep_safety, {name})
        result = {"name": name, "kind": kind, "path": str(self.directory / name), "size": size,
                  "data_bytes": sum(f["size"] for f in files), "counts": info["counts"],
                  "documents": sum(info["counts"].values()), "verified": check["verified"],
                  "damaged_store": problems, "deleted": deleted,
                  "seconds": round(time.perf_counter() - started, 3),
                  "timings": {k: round(v, 3) for k, v in timings.items()}}
        log.info("backup %s written and %s: %s, %d documents, %.1f s; %d old backup(s) deleted", name,
                 "verified" if check["verified"] else "kept as a copy of a damaged store", human(size),
                 result["documents"], result["seconds"], len(deleted),
                 extra={"backup": name, "size": size})
        return result

    # ------------------------------------------------------------ verify
    async def _path(self, name: Any) -> Path:
        name = fmt.check_name(name)
        path = self.directory / name
        if not await self._io(path.is_file):
            raise errors.NotFound(f"no backup {name} in {self.directory} (see `backup list`)")
        return path

    async def _extract_checked(self, path: Path, dest: Path) -> dict[str, Any]:
        """Extract and check everything; returns the manifest, or raises BadArchive."""
        manifest = await self._stoppable(fmt.extract_archive, path, dest)
        if manifest.get("integrity", "ok") != "ok":
            raise fmt.BadArchive(f"{path.name}: a copy of a damaged store (integrity then: "
                                 f"{'; '.join(map(str, manifest['integrity']))[:300]}); its files are "
                                 "intact, but it is not a backup to restore")
        problems, deep = await check_copy(manifest, dest)
        if problems:
            raise fmt.BadArchive(f"{path.name}: {'; '.join(problems)}")
        manifest["deep_checked"] = deep
        return manifest

    async def verify(self, name: Any) -> dict[str, Any]:
        path = await self._path(name)
        start = time.perf_counter()
        manifest: dict[str, Any] | None = None
        try:
            async with self._work_dir() as work:
                manifest = await self._extract_checked(path, work / "data")
            problems: list[str] = []
        except fmt.BadArchive as exc:
            problems = [str(exc)]
        seconds = round(time.perf_counter() - start, 3)
        record = {"verified": not problems, "verified_at": time.time(), "problems": problems,
                  "seconds": seconds, "manifest": manifest}
        await self._io(fmt.write_sidecar, path, record)
        if problems:
            log.error("backup %s fails verification: %s", path.name, problems[0], extra={"backup": path.name})
        return {"name": path.name, "verified": not problems, "problems": problems, "seconds": seconds,
                "deep_checked": bool(manifest and manifest.get("deep_checked")),
                "counts": manifest["counts"] if manifest else None}

    async def list(self) -> dict[str, Any]:
        directory = self.directory

        def rows() -> list[dict[str, Any]]:
            return [fmt.entry(p) for p in fmt.backup_paths(directory)]

        entries = await self._io(rows)
        cfg = self.app.config.ops.backup
        return {"directory": str(directory), "keep": cfg.keep, "keep_safety": cfg.keep_safety,
                "backups": entries, "total_size": sum(e["size"] for e in entries)}

    # ------------------------------------------------------------ restore
    @asynccontextmanager
    async def _quiesced(self) -> AsyncIterator[Names]:
        """Pause every service that writes data on its own (the engine's jobs, the AI
        enhancement workers: what the composition root gave as `quiesce`)."""
        async with AsyncExitStack() as stack:
            paused = []
            for service in self.quiesce:
                await stack.enter_async_context(service.quiesce())
                paused.append(service.name)
            yield paused

    async def restore(self, name: Any) -> dict[str, Any]:
        path = await self._path(name)
        store = self._store()
        start = time.perf_counter()
        async with self._work_dir() as work:
            data = work / "data"
            try:
                manifest = await self._extract_checked(path, data)
            except fmt.BadArchive as exc:
                raise fmt.BadArchive(f"restore refused, nothing was changed: {exc}") from None
            self._refuse_incompatible(manifest, store, path.name)
            await self._io(self._align_file_name, store, manifest, data)
            async with self._quiesced() as paused:
                before = await counts(store)
                try:
                    safety = await self.backup(kind=fmt.SAFETY)
                except errors.ScrapedError as exc:
                    raise errors.Unavailable(
                        f"restore refused, nothing was changed: no safety backup of the current data "
                        f"could be taken ({exc}). If the live store cannot even be copied, stop the "
                        "daemon, move its database file aside, start it, and restore then") from None
                log.warning("restoring %s over the live store (safety backup %s)", path.name, safety["name"],
                            extra={"backup": path.name})
                after = await store.restore(data)
            problems = await integrity(store)
        differs = {c: {"backup": n, "now": after.get(c)} for c, n in manifest["counts"].items()
                   if after.get(c) != n}
        result = {"restored": path.name, "safety_backup": safety["name"], "paused": paused,
                  "safety_backup_of_damaged_store": bool(safety["damaged_store"]),
                  "counts_before": before, "counts_after": after, "differs_from_backup": differs,
                  "integrity": "ok" if not problems else problems,
                  "seconds": round(time.perf_counter() - start, 3)}
        log.warning("restored %s: %d documents before, %d after", path.name, sum(filter(None, before.values())),
                    sum(after.values()), extra={"backup": path.name})
        return result

    @staticmethod
    def _refuse_incompatible(manifest: dict[str, Any], store: Any, name: str) -> None:
        if manifest["backend"] != store.backend:
            raise errors.Conflict(f"restore refused, nothing was changed: {name} is a {manifest['backend']} "
                                  f"backup and this daemon runs on {store.backend}")
        if manifest["schema_version"] > SCHEMA_VERSION:
            raise errors.Conflict(f"restore refused, nothing was changed: {name} has schema version "
                                  f"{manifest['schema_version']}, newer than this scraped ({SCHEMA_VERSION})")

    @staticmethod
    def _raw_copy(store: Any, dest: Path, exc: Exception) -> dict[str, Any]:
        """The safety copy of a store too damaged for its own backup: its files as they
        are (for salvage; such a copy is marked damaged and never restored)."""
        live = getattr(store, "path", None)
        if live is None:
            raise exc
        dest.mkdir(parents=True, exist_ok=True)
        files = []
        for suffix in ("", "-wal"):
            src = Path(str(live) + suffix)
            if src.exists():
                shutil.copyfile(src, dest / src.name)
                files.append(src.name)
        log.warning("the store cannot copy itself (%s); its files were copied as they are", exc)
        return {"files": files, "counts": {}}

    @staticmethod
    def _align_file_name(store: Any, manifest: dict[str, Any], data: Path) -> None:
        """A SQLite backup taken under another `sqlite_file` name restores all the same."""
        live = getattr(store, "path", None)
        files = manifest["files"]
        if manifest["backend"] == "sqlite" and live is not None and len(files) == 1 \
                and files[0]["path"] != Path(live).name:
            (data / files[0]["path"]).rename(data / Path(live).name)
            for suffix in ("-wal", "-shm"):  # opened once by the check: keep them with the file
                side = data / (files[0]["path"] + suffix)
                if side.exists():
                    side.rename(data / (Path(live).name + suffix))
