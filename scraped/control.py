"""The control server: a Unix stream socket speaking scraped.protocol.

Resource handling: the socket path is guarded by a lock file (flock) so two daemons
cannot race for it; a stale socket left by a crashed daemon is replaced, a live one is
not. Each connection is one task with its own buffer; an idle connection is closed after
`daemon.idle_timeout`. Stopping closes the listener first, then connections.

Error handling: a malformed frame, an oversized frame or a half-sent frame closes that
connection (after an error reply where one can be sent) and is recorded as a security
event; an error inside a handler becomes an error reply and never reaches other clients.
"""

from __future__ import annotations

import errno
import fcntl
import grp
import logging
import os
import socket
import stat
import struct
import time
from pathlib import Path
from typing import Any

import trio

from scraped import errors, protocol
from scraped.api import Command, get_command
from scraped.dispatch import Peer, Request
from scraped.paths import ensure_private_dir, runtime_dir

log = logging.getLogger(__name__)
_CRED = struct.Struct("3i")
_READ_CHUNK = 65536


class TokenBucket:
    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def peer_of(sock: socket.socket) -> Peer:
    pid, uid, gid = _CRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size))
    return Peer(pid=pid, uid=uid, gid=gid, groups=_groups_of(pid, gid))


def _groups_of(pid: int, gid: int) -> frozenset[int]:
    """The peer's supplementary groups, from /proc (tiny read; the peer may be gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Groups:"):
                    return frozenset({gid, *(int(g) for g in line.split()[1:])})
    except (OSError, ValueError):
        pass
    return frozenset({gid})


class SocketInUse(errors.Conflict):
    pass


def _lock_socket_path(path: Path) -> int:
    fd = os.open(str(path) + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SocketInUse(f"another scraped is running on {path} (its lock is held)") from None
    return fd


def _claim_path(path: Path) -> None:
    """Remove a stale socket file; refuse to touch a live socket or a non-socket."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise errors.Conflict(f"{path} exists and is not a socket; refusing to replace it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(str(path))
    except OSError as exc:
        if exc.errno not in (errno.ECONNREFUSED, errno.ENOENT):
            raise errors.Conflict(f"cannot probe {path}: {exc.strerror}") from None
        log.warning("replacing stale control socket %s", path)
        path.unlink(missing_ok=True)
    else:
        raise SocketInUse(f"another scraped is listening on {path}")
    finally:
        probe.close()


class ControlServer:
    name = "control"

    def __init__(self, app: Any):
        self.app = app
        cfg = app.config.daemon
        self.path = cfg.socket_path()
        self._lock_fd: int | None = None
        self._buckets: dict[int, TokenBucket] = {}
        self._accepting = trio.CancelScope()
        self._connections = trio.CapacityLimiter(cfg.max_connections)
        self._daemon_uid = os.geteuid()
        self._socket_gid = os.getegid()
        self.connections_open = 0
        self.requests_total = 0

    # ------------------------------------------------------------ socket setup
    def _bind(self) -> trio.SocketListener:
        cfg = self.app.config.daemon
        parent = self.path.parent
        if not parent.exists():
            if parent == runtime_dir() and not cfg.socket:
                ensure_private_dir(parent, 0o750 if os.geteuid() == 0 else 0o700)
            else:
                parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd = _lock_socket_path(self.path)
        _claim_path(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        old_umask = os.umask(0o177)  # no window in which the socket is wider than 0600
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old_umask)
        if cfg.socket_group:
            try:
                self._socket_gid = grp.getgrnam(cfg.socket_group).gr_gid
            except KeyError:
                sock.close()
                raise errors.ConfigError([f"daemon.socket_group: no group {cfg.socket_group!r}"]) from None
            os.chown(self.path, -1, self._socket_gid)
        os.chmod(self.path, cfg.socket_mode)
        sock.listen(128)
        return trio.SocketListener(trio.socket.from_stdlib_socket(sock))

    def _cleanup(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        listener = self._bind()
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._accept_loop, listener, nursery)
                task_status.started(self)
        finally:
            self._cleanup()

    async def _accept_loop(self, listener: trio.SocketListener, nursery: trio.Nursery) -> None:
        with self._accepting:
            async with listener:
                while True:
                    try:
                        stream = await listener.accept()
                    except OSError as exc:  # EMFILE and friends: back off, keep serving
                        log.error("accept failed: %s", exc)
                        await trio.sleep(0.1)
                        continue
                    nursery.start_soon(self._serve_connection, stream)

    def stop_accepting(self) -> None:
        self._accepting.cancel()
        self._cleanup()

    # ------------------------------------------------------------ connections
    async def _serve_connection(self, stream: trio.SocketStream) -> None:
        async with self._connections, stream:
            self.connections_open += 1
            try:
                peer = peer_of(stream.socket)  # type: ignore[arg-type]
                await self._conversation(stream, peer)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass
            finally:
                self.connections_open -= 1

    async def _conversation(self, stream: trio.SocketStream, peer: Peer) -> None:
        buf = bytearray()
        max_frame = self.app.config.daemon.max_frame_bytes
        while True:
            with trio.move_on_after(self.app.config.daemon.idle_timeout) as idle:
                while True:
                    if len(buf) >= 4:
                        try:
                            length = protocol.frame_length(bytes(buf[:4]), max_frame)
                        except protocol.FrameTooLarge as exc:
                            await self._refuse(stream, peer, "bad_frame", str(exc))
                            return
                        if len(buf) >= 4 + length:
                            break
                    data = await stream.receive_some(_READ_CHUNK)
                    if not data:
                        if buf:
                            self._security(peer, "bad_frame", None, "connection closed mid-frame")
                        return
                    buf += data
            if idle.cancelled_caught:
                return
            body, buf = bytes(buf[4:4 + length]), buf[4 + length:]
            try:
                obj = protocol.unpack_body(body)
            except errors.BadRequest as exc:  # framing can no longer be trusted: close
                await self._refuse(stream, peer, "bad_frame", str(exc))
                return
            try:
                req_id, cmd_name, args = protocol.parse_request(obj)
            except errors.BadRequest as exc:  # a well-framed value of the wrong shape: keep going
                rid = obj.get("id") if isinstance(obj, dict) else None
                await self._refuse(stream, peer, "bad_frame", str(exc),
                                   req_id=rid if isinstance(rid, int) and not isinstance(rid, bool) else None)
                continue
            await self._handle(stream, peer, req_id, cmd_name, args)

    async def _refuse(self, stream: trio.SocketStream, peer: Peer, kind: str, message: str,
                      req_id: int | None = None) -> None:
        self._security(peer, kind, None, message)
        try:
            await stream.send_all(protocol.pack(protocol.error_reply(req_id, "bad_request", message)))
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass

    # ------------------------------------------------------------ dispatch
    async def _handle(self, stream: trio.SocketStream, peer: Peer, req_id: int, name: str,
                      args: Any) -> None:
        start = time.perf_counter()
        ok = True
        self.requests_total += 1

        async def send_more(partial: Any) -> None:
            await stream.send_all(protocol.pack(protocol.ok_reply(req_id, partial, more=True)))

        try:
            cmd = get_command(name)
            self._authorize(peer, cmd)
            request = Request(cmd, cmd.check_args(args), peer, send_more)
            handler = self.app.handlers.get(cmd.name)
            if handler is None:
                raise errors.Unavailable(f"{cmd.name} is not served by this daemon yet")
            if cmd.timeout is not None and not cmd.stream:
                with trio.fail_after(cmd.timeout):
                    result = await handler(request)
            else:
                result = await handler(request)
            reply = protocol.ok_reply(req_id, result)
        except errors.ScrapedError as exc:
            ok = not isinstance(exc, (errors.Internal, errors.Unavailable))
            reply = protocol.error_reply(req_id, exc.code, str(exc))
        except trio.TooSlowError:
            ok = False
            reply = protocol.error_reply(req_id, "unavailable", f"{name} timed out")
        except Exception as exc:  # a bug in a handler: report it, keep serving
            ok = False
            self.app.capture_exception(exc, category="control", context={"command": name})
            reply = protocol.error_reply(req_id, "internal", f"{type(exc).__name__} in {name}; see the journal")
        try:
            data = protocol.pack(reply)
        except (TypeError, ValueError, OverflowError) as exc:
            data = protocol.pack(protocol.error_reply(req_id, "internal", f"unencodable reply: {exc}"))
        await stream.send_all(data)
        self.app.observe(f"cmd:{name}", time.perf_counter() - start, ok)

    def _authorize(self, peer: Peer, cmd: Command) -> None:
        cfg = self.app.config.daemon
        bucket = self._buckets.get(peer.uid)
        if bucket is None or bucket.rate != cfg.requests_per_second:
            bucket = self._buckets[peer.uid] = TokenBucket(cfg.requests_per_second, cfg.request_burst)
        if not bucket.take():
            self._security(peer, "rate_limit_violation", cmd.name, "request rate over the limit")
            raise errors.RateLimited(f"too many requests from uid {peer.uid}; slow down")
        if peer.uid in (0, self._daemon_uid):
            return
        if cmd.admin:
            if peer.uid in cfg.admin_uids or self._in_groups(peer, cfg.admin_groups):
                return
            self._security(peer, "auth_failure", cmd.name, "not an admin")
            raise errors.Forbidden(f"{cmd.name} changes state: only root, the daemon's user or "
                                   "configured admins may run it")
        if self._socket_gid in peer.groups or peer.uid in cfg.admin_uids \
                or self._in_groups(peer, cfg.admin_groups):
            return
        self._security(peer, "auth_failure", cmd.name, "not in the socket's group")
        raise errors.Forbidden("not a member of the control socket's group")

    @staticmethod
    def _in_groups(peer: Peer, names: tuple[str, ...]) -> bool:
        for name in names:
            try:
                if grp.getgrnam(name).gr_gid in peer.groups:
                    return True
            except KeyError:
                continue
        return False

    def _security(self, peer: Peer, kind: str, command: str | None, detail: str) -> None:
        log.warning("security event %s from uid %d pid %d: %s", kind, peer.uid, peer.pid, detail,
                    extra={"event": kind, "peer_uid": peer.uid, "peer_pid": peer.pid,
                           "command": command or ""})
        if self.app.security is not None:
            self.app.security.record(kind, peer, command=command, detail=detail)
