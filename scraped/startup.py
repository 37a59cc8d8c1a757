"""Start-up of the daemon: one per state directory, and what a failure tells the operator.

`lock_state_dir` is the first thing `Daemon.run` does, before the store opens: a second
`scraped` on the same config would otherwise run the engine's recover() and take the
live daemon's RUNNING jobs (same host, same state dir) for crashed ones.

`start_failure` turns the error that stopped the daemon (unwrapped from the root
nursery's ExceptionGroup by the caller, `leaves`) into a sysexits(3) status, an errno for
systemd's ERRNO= and a one-line reason.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from scraped import errors

LOCK_NAME = "scraped.lock"

# sysexits(3) statuses of a daemon that cannot start (or stops on an error).
EX_USAGE, EX_UNAVAILABLE, EX_SOFTWARE, EX_OSERR, EX_CANTCREAT = 64, 69, 70, 71, 73
EX_TEMPFAIL, EX_NOPERM, EX_CONFIG = 75, 77, 78


class StateDirInUse(errors.Conflict):
    """Another scraped holds the state directory's lock."""


def lock_state_dir(state_dir: Path) -> int:
    """flock STATE_DIR/scraped.lock for the daemon's lifetime (the kernel drops it when the
    process dies, kill -9 included); the holder's pid is written in it for the message."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # outside systemd nobody else sets it
    fd = os.open(state_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        who = f"pid {holder}" if holder.isdigit() else "another process"
        raise StateDirInUse(f"another scraped ({who}) is running on state directory {state_dir}") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def start_failure(exc: BaseException) -> tuple[int, int, str]:
    """(exit status, errno for systemd, one-line reason) of an error that stopped the daemon."""
    from scraped.control import SocketInUse

    reason = " ".join(str(exc).split()) or type(exc).__name__
    own = getattr(exc, "exit_status", None)  # e.g. a damaged store file: 1 (scraped/store/sqlite_check.py)
    if isinstance(exc, errors.ScrapedError) and isinstance(own, int):
        return own, errno.EIO, reason
    if isinstance(exc, (StateDirInUse, SocketInUse)):
        return EX_TEMPFAIL, errno.EBUSY, reason
    if isinstance(exc, errors.ConfigError):
        return EX_CONFIG, errno.EINVAL, reason
    if isinstance(exc, errors.Forbidden):
        return EX_NOPERM, errno.EACCES, reason
    if isinstance(exc, errors.Unavailable):
        return EX_UNAVAILABLE, errno.EHOSTUNREACH, reason
    if isinstance(exc, errors.Conflict):
        return EX_CANTCREAT, errno.EEXIST, reason
    if isinstance(exc, PermissionError):
        return EX_NOPERM, exc.errno or errno.EACCES, f"{exc.strerror}: {exc.filename}"
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return EX_OSERR, exc.errno or errno.EIO, f"{exc.strerror or reason}{where}"
    return EX_SOFTWARE, errno.EIO, f"internal error: {type(exc).__name__}: {reason}"


def leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in leaves(sub)]
    return [exc]
