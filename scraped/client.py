"""A small synchronous client of the control socket (used by scrapedctl and tests).

Imports only msgpack and the standard library.
"""

from __future__ import annotations

import errno
import itertools
import os
import socket

from scraped import PROTOCOL_VERSION, errors
from scraped.paths import default_socket_path, demo_socket_path
from scraped.protocol import HEADER, pack, unpack_body

TYPE_CHECKING = False  # no `typing`/`pathlib` at run time: scrapedctl starts in ~60 ms
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

_BY_CODE = {
    "bad_request": errors.BadRequest,
    "unknown_command": errors.UnknownCommand,
    "not_found": errors.NotFound,
    "conflict": errors.Conflict,
    "forbidden": errors.Forbidden,
    "rate_limited": errors.RateLimited,
    "unavailable": errors.Unavailable,
    "internal": errors.Internal,
}


class DaemonUnreachable(errors.Unavailable):
    """The socket is missing, refuses connections, or may not be opened by this user."""

    def __init__(self, message: str, *, permission: bool = False):
        super().__init__(message)
        self.permission = permission


def resolve_socket(explicit: str | None = None) -> str:
    """--socket, then $SCRAPED_SOCKET, then var/control.sock of the `make run` checkout this
    folder is in (scraped.paths.demo_socket_path), then the default path the daemon computes too."""
    return (explicit or os.environ.get("SCRAPED_SOCKET") or demo_socket_path()
            or default_socket_path())


class Client:
    def __init__(self, socket_path: str | os.PathLike[str] | None = None, *, timeout: float | None = 30.0,
                 max_frame: int = 64 << 20):
        self.path = resolve_socket(str(socket_path) if socket_path else None)
        self.timeout = timeout
        self.max_frame = max_frame
        self._sock: socket.socket | None = None
        self._ids = itertools.count(1)

    def connect(self) -> Client:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            self._connect(sock)
        except FileNotFoundError:
            sock.close()
            raise DaemonUnreachable(f"scraped is not running: no socket at {self.path}") from None
        except PermissionError:
            sock.close()
            raise DaemonUnreachable(
                f"permission denied on {self.path}: join the socket's group or use sudo",
                permission=True) from None
        except OSError as exc:
            sock.close()
            if exc.errno in (errno.ECONNREFUSED, errno.ENOTSOCK):
                raise DaemonUnreachable(f"scraped is not running: {self.path} refuses connections") from None
            raise DaemonUnreachable(f"cannot connect to {self.path}: {exc.strerror}") from None
        self._sock = sock
        return self

    def _connect(self, sock: socket.socket) -> None:
        """connect(), retried while the listen backlog is full: a Unix socket answers EAGAIN
        at once then (a local connection flood fills it), which is not "unreachable"."""
        import time

        deadline = time.monotonic() + (self.timeout if self.timeout is not None else 30.0)  # None: still bounded
        pause = 0.005
        while True:
            try:
                sock.connect(str(self.path))
                return
            except BlockingIOError:
                if time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.1)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Client:
        return self.connect() if self._sock is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _recv_exact(self, n: int) -> bytes:
        assert self._sock is not None
        chunks = bytearray()
        while len(chunks) < n:
            try:
                chunk = self._sock.recv(min(n - len(chunks), 1 << 20))
            except TimeoutError:
                raise errors.Unavailable("timed out waiting for the daemon's reply") from None
            if not chunk:
                raise errors.Unavailable("the daemon closed the connection")
            chunks += chunk
        return bytes(chunks)

    def _read_reply(self) -> dict[str, Any]:
        (length,) = HEADER.unpack(self._recv_exact(HEADER.size))
        if length > self.max_frame:
            raise errors.Internal(f"reply of {length} bytes is over the client's limit")
        return unpack_body(self._recv_exact(length))

    def stream(self, cmd: str, **args: Any) -> Iterator[Any]:
        """Send one request; yield each result (one, or several for streaming commands)."""
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        req_id = next(self._ids)
        clean = {k: v for k, v in args.items() if v is not None}
        try:
            self._sock.sendall(pack({"v": PROTOCOL_VERSION, "id": req_id, "cmd": cmd, "args": clean}))
        except (BrokenPipeError, ConnectionResetError):
            # The daemon stopped reading mid-request: it refused it (a frame over its
            # max_frame_bytes) and said why before closing. This is not a closed stdout.
            self._raise_refusal()
        while True:
            reply = self._read_reply()
            if not reply.get("ok"):
                err = reply.get("error") or {}
                raise _BY_CODE.get(str(err.get("code")), errors.Internal)(err.get("message", "unknown error"))
            yield reply.get("result")
            if not reply.get("more"):
                return

    def _raise_refusal(self) -> None:
        try:
            reply = self._read_reply()
        except (errors.ScrapedError, OSError):
            reply = {}
        err = reply.get("error") if isinstance(reply, dict) else None
        self.close()
        if isinstance(err, dict):
            raise _BY_CODE.get(str(err.get("code")), errors.Internal)(err.get("message", "unknown error"))
        raise errors.Unavailable("the daemon closed the connection before the whole request was sent")

    def call(self, cmd: str, **args: Any) -> Any:
        """One request, one result (the last one, for a streaming command)."""
        results = list(self.stream(cmd, **args))
        return results[-1] if results else None
