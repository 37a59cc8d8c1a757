"""MongoDB backups with the `mongodump` binary, when it is installed and configured.

`[store] mongodump = "auto"` uses the one on PATH, a path names one; empty (the default)
always uses the built-in BSON writer (scraped/store/mongo_dump.py), which needs nothing
installed. Both write the same layout (`<db>/<collection>.bson.gz` + `.metadata.json.gz`),
so verification, the manifest and `mongorestore --gzip` work the same on either. The
binary dumps with the server's own tools (all collections, views, users' indexes as the
server has them) and is the better choice for big databases.

The URI can hold a password: it goes to mongodump in a `--config` file readable only by
this user and deleted afterwards, never on the command line (visible to every user in
/proc/<pid>/cmdline).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio

from scraped.errors import BadRequest, StoreError

log = logging.getLogger(__name__)

TIMEOUT = 6 * 3600.0  # a mongodump run is stopped after this long
_DONE = re.compile(r"done dumping ([^.\s]+)\.(\S+) \((\d+) documents?\)")


def resolve(setting: str) -> str | None:
    """The mongodump binary the setting names: None for the built-in writer."""
    if not setting:
        return None
    if setting == "auto":
        return shutil.which("mongodump")
    if not (os.path.isfile(setting) and os.access(setting, os.X_OK)):
        raise BadRequest(f"store.mongodump: {setting} is not an executable file")
    return setting


def _config_file(uri: str) -> str:
    fd, path = tempfile.mkstemp(prefix="scraped-mongodump-", suffix=".yaml")
    with os.fdopen(fd, "w") as fh:  # mkstemp: mode 0600
        fh.write(f"uri: {json.dumps(uri)}\n")  # a JSON string is a valid YAML scalar
    return path


async def backup(binary: str, uri: str, database: str, dest: Path, *,
                 scrub: Callable[[str], str]) -> dict[str, Any]:
    config = await trio.to_thread.run_sync(_config_file, uri)
    argv = [binary, f"--config={config}", f"--db={database}", "--gzip", f"--out={dest}"]
    try:
        with trio.move_on_after(TIMEOUT) as scope:
            done = await trio.run_process(argv, capture_stdout=True, capture_stderr=True, check=False,
                                          stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise StoreError(f"mongodump could not start: {exc.strerror or exc}") from None
    finally:
        await trio.to_thread.run_sync(os.unlink, config)
    if scope.cancelled_caught:
        raise StoreError(f"mongodump took longer than {TIMEOUT:.0f}s and was stopped")
    out = scrub(done.stderr.decode("utf-8", "replace") + done.stdout.decode("utf-8", "replace"))
    if done.returncode != 0:
        tail = " | ".join(line.strip() for line in out.strip().splitlines()[-3:])
        raise StoreError(f"mongodump exited with {done.returncode}: {tail or 'no output'}")
    counts = {coll: int(n) for db, coll, n in _DONE.findall(out) if db == database}
    root = dest / database
    files = await trio.to_thread.run_sync(
        lambda: sorted(f"{database}/{p.name}" for p in root.iterdir()) if root.is_dir() else [])
    if not files:
        raise StoreError(f"mongodump wrote nothing under {root}")
    log.info("mongodump: %d collection(s), %d document(s)", len(counts), sum(counts.values()))
    return {"files": files, "counts": counts, "layout": "mongodump", "database": database,
            "tool": os.path.basename(binary)}
