"""The backup archive: names, manifest, writing, checking, listing and keeping N.

One backup is one file, `backup_YYYYMMDD_HHMMSS.tar.gz` (UTC; `-2`, `-3`... when two
fall in one second; `_pre-restore` for the safety copy a restore takes first). Inside:

    manifest.json       first member, so a listing reads it without the rest
    data/<path>         the store's copy as `Store.backup` wrote it, byte for byte

The manifest records name, created_at, kind, backend, schema and scraped versions, the
count of every collection, each file's size and sha256, and the integrity check of the
copy. Beside each archive, `<archive>.verify.json` remembers the last verification (and
the archive's size and mtime, so a changed archive is shown as not verified).

Resource handling: every function here blocks (file IO, gzip); callers run them through
`trio.to_thread.run_sync` with a `Stop` they set when cancelled, which the loops check
between chunks, so a cancelled backup stops within a chunk and removes its partial file.
An archive is written to a hidden `.partial` name, fsynced, then renamed (and the
directory fsynced): a crash never leaves a half archive under a backup's name.

Error handling: anything wrong with an archive (not gzip, truncated, a checksum or size
that differs from the manifest, a member outside `data/`, an absolute path, `..`, a link)
raises `BadArchive` with what and where; disk errors while extracting are `Unavailable`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import threading
import time
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from scraped import errors

FORMAT = 1
MANIFEST = "manifest.json"
DATA = "data/"
SAFETY = "pre-restore"
SIDECAR = ".verify.json"
CHUNK = 1 << 20
MAX_MANIFEST = 16 << 20
NAME_RE = re.compile(r"^backup_(\d{8})_(\d{6})(?:-(\d{1,4}))?(?:_(pre-restore))?\.tar\.gz$")
_STALE = re.compile(r"^\.(backup_.*\.partial|work-.*)$")


class BadArchive(errors.Conflict):
    """The archive cannot be trusted; a restore from it is refused and nothing changes."""


class Stopped(Exception):
    """Raised inside a worker thread whose trio caller was cancelled."""


class Stop(threading.Event):
    def check(self) -> None:
        if self.is_set():
            raise Stopped()


# ---------------------------------------------------------------- names


def check_name(name: Any) -> str:
    """A backup name from a caller: a bare file name of our pattern, nothing else."""
    if not isinstance(name, str) or not name:
        raise errors.BadRequest("a backup name is required (see `backup list`)")
    if "/" in name or "\\" in name or "\0" in name or name in (".", "..") or ".." in name:
        raise errors.BadRequest(f"{name!r} is not a backup name: no paths, only a name from `backup list`")
    if not name.endswith(".tar.gz"):
        name += ".tar.gz"  # `restore backup_20241201_120000` is what an operator types
    if NAME_RE.match(name) is None:
        raise errors.BadRequest(f"{name!r} is not a backup name (backup_YYYYMMDD_HHMMSS.tar.gz)")
    return name


def sort_key(name: str) -> tuple[str, str, int]:
    m = NAME_RE.match(name)
    assert m is not None
    return m.group(1), m.group(2), int(m.group(3) or 1)


def is_safety(name: str) -> bool:
    m = NAME_RE.match(name)
    return m is not None and m.group(4) is not None


def name_time(name: str) -> float | None:
    m = NAME_RE.match(name)
    if m is None:
        return None
    when = dt.datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    return when.timestamp()


def new_name(directory: Path, now: float, safety: bool = False) -> str:
    """A fresh name for a backup taken at `now`; later than every name of that second
    (a name freed by retention is not reused, so names keep sorting by age)."""
    stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime(now))
    suffix = f"_{SAFETY}" if safety else ""
    taken = os.listdir(directory) if directory.is_dir() else []
    seqs = [sort_key(m.group(0))[2] for n in taken
            if (m := NAME_RE.match(n.removeprefix(".").removesuffix(".partial")))
            and f"{m.group(1)}_{m.group(2)}" == stamp and bool(m.group(4)) == safety]
    seq = max(seqs, default=0) + 1
    if seq > 9999:
        raise errors.Conflict(f"too many backups in one second in {directory}")
    return f"backup_{stamp}{'' if seq == 1 else f'-{seq}'}{suffix}.tar.gz"


# ---------------------------------------------------------------- manifest


def data_files(root: Path, stop: Stop | None = None) -> list[dict[str, Any]]:
    """Every regular file under `root` with its size and sha256, sorted by path."""
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                if stop is not None:
                    stop.check()
                digest.update(chunk)
                size += len(chunk)
        out.append({"path": path.relative_to(root).as_posix(), "size": size, "sha256": digest.hexdigest()})
    return out


def build_manifest(*, name: str, kind: str, created_at: float, backend: str, schema_version: int,
                   scraped_version: str, counts: dict[str, int], files: list[dict[str, Any]],
                   integrity: list[str]) -> dict[str, Any]:
    return {"format": FORMAT, "name": name, "kind": kind, "created_at": created_at, "backend": backend,
            "schema_version": schema_version, "scraped_version": scraped_version,
            "counts": dict(sorted(counts.items())), "files": files,
            "integrity": "ok" if not integrity else integrity}


def parse_manifest(raw: bytes, where: str) -> dict[str, Any]:
    try:
        m = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadArchive(f"{where}: manifest.json is not JSON ({exc})") from None
    problems = []
    if not isinstance(m, dict):
        raise BadArchive(f"{where}: manifest.json is not an object")
    if m.get("format") != FORMAT:
        problems.append(f"format {m.get('format')!r} (this scraped reads {FORMAT})")
    for key, kind in (("backend", str), ("schema_version", int), ("counts", dict), ("files", list),
                      ("created_at", (int, float))):
        if not isinstance(m.get(key), kind):
            problems.append(f"{key} missing or of the wrong type")
    for f in m.get("files") or []:
        if not (isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("size"), int)
                and isinstance(f.get("sha256"), str)):
            problems.append(f"bad file entry {f!r:.80}")
            continue
        parts = f["path"].split("/")
        if f["path"].startswith("/") or ".." in parts or "" in parts or "\\" in f["path"]:
            problems.append(f"unsafe path {f['path']!r} in the manifest")
    if not problems and not all(isinstance(n, int) for n in m["counts"].values()):
        problems.append("counts must be integers")
    if problems:
        raise BadArchive(f"{where}: bad manifest: {'; '.join(problems)}")
    return m


# ---------------------------------------------------------------- writing


class _StoppableReader(io.RawIOBase):
    def __init__(self, f: BinaryIO, stop: Stop):
        self.f, self.stop = f, stop

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        self.stop.check()
        return self.f.read(n)


def disk_error(exc: OSError, directory: Path) -> errors.Unavailable:
    """A one-line error for a backup directory that cannot be written (a read-only
    remount, a full disk, permissions): says where, why, and that nothing was written."""
    why = {errno.EROFS: "is on a read-only filesystem", errno.ENOSPC: "has no space left",
           errno.EDQUOT: "is over its disk quota", errno.EACCES: "is not writable by the daemon",
           errno.EPERM: "is not writable by the daemon"}.get(exc.errno or 0, f"cannot be written ({exc.strerror})")
    return errors.Unavailable(f"backup directory {directory} {why}; nothing was written, the existing "
                              "backups are kept (fix it, or set [ops.backup] dir)")


def make_work_dir(directory: Path) -> Path:
    """A hidden work directory inside the backup directory (created 0700 if need be)."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return Path(tempfile.mkdtemp(prefix=".work-", dir=directory))
    except OSError as exc:
        raise disk_error(exc, directory) from None


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_archive(src: Path, dest: Path, manifest: dict[str, Any], level: int, stop: Stop) -> int:
    """Write `manifest` and every file it lists (from `src`) into the archive `dest`,
    atomically: returns its size. `dest` must not exist."""
    tmp = dest.with_name(f".{dest.name}.partial")
    mtime = int(manifest["created_at"])
    try:
        with open(tmp, "xb") as raw:
            os.fchmod(raw.fileno(), 0o600)
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=level, mtime=mtime) as gz, \
                    tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                body = json.dumps(manifest, indent=2, sort_keys=False).encode()
                tar.addfile(_info(MANIFEST, len(body), mtime), io.BytesIO(body))
                for entry in manifest["files"]:
                    with open(src / entry["path"], "rb") as f:
                        tar.addfile(_info(DATA + entry["path"], entry["size"], mtime), _StoppableReader(f, stop))
            raw.flush()
            os.fsync(raw.fileno())
        if dest.exists():
            raise errors.Conflict(f"{dest.name} appeared while it was being written")
        os.rename(tmp, dest)
        fsync_dir(dest.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):  # the work copy is in the same directory: one disk
            raise disk_error(exc, dest.parent) from None
        raise
    return dest.stat().st_size


def _info(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    return info


# ---------------------------------------------------------------- reading


def read_manifest(path: Path) -> dict[str, Any]:
    """Only the manifest (the first member): cheap, for listings. Not a verification."""
    try:
        with open(path, "rb") as raw, tarfile.open(fileobj=raw, mode="r:gz") as tar:
            return _first_manifest(tar, path.name)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BadArchive(f"{path.name}: not a readable backup archive ({exc})") from None


def _first_manifest(tar: tarfile.TarFile, where: str) -> dict[str, Any]:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise BadArchive(f"{where}: the first member is not manifest.json (not a scraped backup)")
    if first.size > MAX_MANIFEST:
        raise BadArchive(f"{where}: manifest.json is {first.size} bytes, too large")
    f = tar.extractfile(first)
    assert f is not None
    return parse_manifest(f.read(), where)


def extract_archive(path: Path, dest: Path, stop: Stop) -> dict[str, Any]:
    """Check every member of the archive against its manifest while extracting the data
    files into `dest` (which must be empty); returns the manifest. Raises BadArchive."""
    where = path.name
    try:
        with open(path, "rb") as raw, tarfile.open(fileobj=raw, mode="r:gz") as tar:
            manifest = _first_manifest(tar, where)
            expected = {f["path"]: f for f in manifest["files"]}
            seen: set[str] = set()
            while (member := tar.next()) is not None:
                stop.check()
                rel = _member_path(member, dest, expected, seen, where)
                seen.add(rel)
                _extract_checked(tar, member, dest / rel, expected[rel], where, stop)
            missing = sorted(set(expected) - seen)
            if missing:
                raise BadArchive(f"{where}: missing from the archive: {', '.join(missing)}")
            # tarfile stops at the end-of-archive blocks; read on so gzip checks its
            # trailer (CRC and length): a truncated tail is an error, not a success.
            gz = tar.fileobj
            assert gz is not None
            while gz.read(CHUNK):
                stop.check()
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise BadArchive(f"{where}: damaged or truncated archive ({type(exc).__name__}: {exc})") from None
    except gzip.BadGzipFile as exc:
        raise BadArchive(f"{where}: not a gzip archive ({exc})") from None
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        raise errors.NotFound(f"{where}: cannot open: {exc.strerror}") from None
    return manifest


def _member_path(member: tarfile.TarInfo, dest: Path, expected: dict[str, Any], seen: set[str],
                 where: str) -> str:
    try:  # the stdlib's own rules: no absolute paths, no `..`, nothing outside dest
        tarfile.data_filter(member, str(dest))
    except tarfile.FilterError as exc:
        raise BadArchive(f"{where}: unsafe member {member.name!r}: {exc}") from None
    if not member.isfile():
        raise BadArchive(f"{where}: member {member.name!r} is not a regular file")
    if not member.name.startswith(DATA):
        raise BadArchive(f"{where}: unexpected member {member.name!r}")
    rel = member.name[len(DATA):]
    if rel not in expected:
        raise BadArchive(f"{where}: member {member.name!r} is not in the manifest")
    if rel in seen:
        raise BadArchive(f"{where}: member {member.name!r} appears twice")
    return rel


def _extract_checked(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, entry: dict[str, Any],
                     where: str, stop: Stop) -> None:
    if member.size != entry["size"]:
        raise BadArchive(f"{where}: {entry['path']} is {member.size} bytes, the manifest says {entry['size']}")
    src = tar.extractfile(member)
    assert src is not None
    digest, size = hashlib.sha256(), 0
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = open(target, "xb")  # noqa: SIM115 (closed below; errors told apart from reads)
    except OSError as exc:
        raise errors.Unavailable(f"cannot extract {entry['path']}: {exc.strerror}") from None
    with out:
        while chunk := src.read(CHUNK):
            stop.check()
            size += len(chunk)
            digest.update(chunk)
            try:
                out.write(chunk)
            except OSError as exc:
                raise errors.Unavailable(f"cannot extract {entry['path']}: {exc.strerror}") from None
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        raise BadArchive(f"{where}: checksum mismatch in {entry['path']} (the archive was altered or damaged)")


# ---------------------------------------------------------------- sidecar, listing, keeping N


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR)


def write_sidecar(path: Path, record: dict[str, Any]) -> None:
    st = path.stat()
    record = {**record, "archive_size": st.st_size, "archive_mtime_ns": st.st_mtime_ns}
    tmp = path.with_name(f".{path.name}{SIDECAR}.partial")
    tmp.write_text(json.dumps(record, indent=2))
    os.chmod(tmp, 0o600)
    os.replace(tmp, sidecar(path))


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """The last verification, if the archive has not changed since."""
    try:
        record = json.loads(sidecar(path).read_text())
        st = path.stat()
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("archive_size") != st.st_size \
            or record.get("archive_mtime_ns") != st.st_mtime_ns:
        return None
    return record


def entry(path: Path) -> dict[str, Any]:
    """One row of `backup list`."""
    st = path.stat()
    row: dict[str, Any] = {"name": path.name, "kind": SAFETY if is_safety(path.name) else "backup",
                           "created_at": name_time(path.name), "size": st.st_size}
    record = read_sidecar(path)
    manifest = record.get("manifest") if record else None
    if record:
        row.update(verified=bool(record.get("verified")), verified_at=record.get("verified_at"),
                   problems=record.get("problems") or [])
    else:
        row.update(verified=None, verified_at=None, problems=[])
    if not isinstance(manifest, dict):
        try:
            manifest = read_manifest(path)
        except (BadArchive, errors.NotFound) as exc:
            row.update(verified=False, problems=[str(exc)])
            manifest = None
    if manifest:
        row["created_at"] = manifest.get("created_at", row["created_at"])
        row["kind"] = manifest.get("kind", row["kind"])
        row["backend"] = manifest.get("backend")
        row["counts"] = manifest.get("counts", {})
        row["documents"] = sum(row["counts"].values())
    return row


def backup_paths(directory: Path) -> list[Path]:
    """Archives with our name pattern, newest first (nothing else is ever touched)."""
    if not directory.is_dir():
        return []
    names = [n for n in os.listdir(directory) if NAME_RE.match(n) and (directory / n).is_file()]
    return [directory / n for n in sorted(names, key=sort_key, reverse=True)]


def prune(directory: Path, keep: int, keep_safety: int, protect: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Delete all but the `keep` newest backups and the `keep_safety` newest safety
    backups; names in `protect` (the one just written) always count among the kept, and
    archives whose last verification failed go first (a run of failed backups must not
    push the good ones out)."""
    deleted = []
    paths = backup_paths(directory)
    for group, limit in (([p for p in paths if not is_safety(p.name)], keep),
                         ([p for p in paths if is_safety(p.name)], keep_safety)):
        rest = [p for p in group if p.name not in protect]
        ordered = ([p for p in group if p.name in protect] + [p for p in rest if not _failed(p)]
                   + [p for p in rest if _failed(p)])
        for path in ordered[max(limit, 1):]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                deleted.append(path.name)
            with contextlib.suppress(FileNotFoundError):
                sidecar(path).unlink()
    if deleted:
        fsync_dir(directory)
    return sorted(deleted, key=sort_key)


def _failed(path: Path) -> bool:
    record = read_sidecar(path)
    return record is not None and record.get("verified") is False


def clean_stale(directory: Path, older_than: float) -> list[str]:
    """Partial archives and work directories left by a crash (our hidden names only)."""
    import shutil

    removed: list[str] = []
    if not directory.is_dir():
        return removed
    for name in os.listdir(directory):
        path = directory / name
        if not _STALE.match(name):
            continue
        with contextlib.suppress(OSError):
            if path.lstat().st_mtime < older_than:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed.append(name)
    return removed
