"""The SQLite store's file, checked: created atomically, kept private, refused when damaged.

- An existing file of 0 bytes is refused: SQLite takes it for a new database, so the
  daemon used to start on an empty store and say nothing (a truncating copy, a full
  disk during a restore by hand). A new store is built under a hidden temporary name
  and renamed into place, so scraped itself never leaves a 0-byte store behind a crash.
- `PRAGMA quick_check` (the B-tree and page checks of integrity_check without the index
  cross-checks: linear in the file's size) runs at open and on a schedule.
- The file and its -wal/-shm (SQLite gives them the main file's mode) are 0600.

`StoreCorrupt` carries `exit_status = 1`: the daemon's start-up failure prints its one
line (which file, what is wrong, the commands to restore) and exits 1.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import time
from pathlib import Path

from scraped.errors import StoreError

log = logging.getLogger(__name__)
PROBLEMS_KEPT = 20  # rows of quick_check output kept


class StoreCorrupt(StoreError):
    """The database file is empty or damaged: the daemon stops with exit status 1."""

    exit_status = 1


def restore_hint(path: Path) -> str:
    return (f"move {path} (and any {path.name}-wal and {path.name}-shm) aside, start scraped, then "
            "restore the newest good backup: `scrapedctl backup list`, `scrapedctl restore NAME --yes`")


def create(path: Path) -> None:
    """A new, valid, 0600 store file, written under a temporary name and renamed into place."""
    tmp = path.with_name(f".{path.name}.new")
    for stale in (tmp, tmp.with_name(tmp.name + "-journal")):
        stale.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        # Any table makes SQLite write its header page; the store's migration creates the rest.
        conn.execute("CREATE TABLE IF NOT EXISTS meta (_id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL)")
    finally:
        conn.close()
    os.rename(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def refuse_empty(path: Path) -> None:
    if path.stat().st_size == 0:
        raise StoreCorrupt(f"{path} is empty (0 bytes), not a store scraped wrote; {restore_hint(path)}")


def refuse_damaged(path: Path, problems: list[str]) -> None:
    if problems:
        more = f"; {len(problems) - 1} more problem(s)" if len(problems) > 1 else ""
        raise StoreCorrupt(f"{path} is damaged (quick_check: {problems[0]}{more}); {restore_hint(path)}")


def secure(path: Path) -> None:
    """0600 for the store and its WAL files when they are ours and wider (an older scraped
    left them 0644: every question, error context and job spec readable by any local user);
    outside systemd (which sets StateDirectoryMode) the directory loses its "other" bits
    too, unless it is a shared sticky directory such as /tmp."""
    if not os.environ.get("STATE_DIRECTORY"):
        try:
            st = path.parent.stat()
            if st.st_uid == os.geteuid() and st.st_mode & 0o007 and not st.st_mode & stat.S_ISVTX:
                os.chmod(path.parent, stat.S_IMODE(st.st_mode) & 0o750)
                log.warning("state directory %s was open to every local user; now %o", path.parent,
                            stat.S_IMODE(st.st_mode) & 0o750)
        except OSError:
            pass
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            st = p.stat()
            if st.st_uid == os.geteuid() and st.st_mode & 0o077:
                os.chmod(p, st.st_mode & 0o600)
        except OSError:
            continue


def quick_check(path: Path) -> tuple[list[str], float]:
    """(problems, seconds) of `PRAGMA quick_check` on its own connection; [] when ok."""
    start = time.perf_counter()
    conn = sqlite3.connect(path, timeout=30)
    try:
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA quick_check({PROBLEMS_KEPT})")]
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        rows = [str(exc)]
    finally:
        conn.close()
    return ([] if rows == ["ok"] else rows), round(time.perf_counter() - start, 3)
