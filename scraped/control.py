"""The control server: a Unix stream socket speaking scraped.protocol.

Resource handling: the socket path is guarded by a lock file (flock) so two daemons
cannot race for it; a stale socket left by a crashed daemon is replaced, a live one is
not. Each connection is one task with its own buffer; an idle connection is closed after
`daemon.idle_timeout`. Stopping closes the listener first, then connections.

Limits (scraped/control_limits.py): connection slots with some kept for root and admins
and a cap per local uid, waiting connections counted, a token bucket per client; a reply
(or one part of a stream) must be taken by the peer within `daemon.send_timeout`;
arguments are bounded in size, depth and range (scraped/dispatch.bound_args).

Error handling: a malformed frame, an oversized frame or a half-sent frame closes that
connection (after an error reply where one can be sent) and is recorded as a security
event with a fixed reason (never the peer's bytes, which would make every fuzzed frame
a new "unique" error); an error inside a handler becomes an error reply and never
reaches other clients.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import grp
import logging
import math
import os
import socket
import stat
import struct
import time
from pathlib import Path
from typing import Any

import trio

from scraped import errors, protocol
from scraped.api import Command, all_commands, get_command
from scraped.control_limits import ConnectionSlots, RateBuckets, SlotRefused, TokenBucket
from scraped.dispatch import Peer, Request, bound_args
from scraped.paths import ensure_private_dir, runtime_dir
from scraped.wire import ConnectionClosed, FramedSocket

log = logging.getLogger(__name__)
_CRED = struct.Struct("3i")
UNKNOWN_OP = "cmd:<unknown>"  # perf: names from peers that are no command share one row

__all__ = ["ControlServer", "SocketInUse", "TokenBucket", "peer_of"]


def peer_of(sock: socket.socket) -> Peer:
    pid, uid, gid = _CRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size))
    return Peer(pid=pid, uid=uid, gid=gid, groups=_groups_of(sock, pid, gid))


_SO_PEERGROUPS = getattr(socket, "SO_PEERGROUPS", 59)  # Linux >= 4.13; Python may not name it


def _groups_of(sock: socket.socket, pid: int, gid: int) -> frozenset[int]:
    """The peer's supplementary groups: SO_PEERGROUPS from the kernel (works under
    systemd's ProtectProc=invisible), else /proc/<pid>/status; the peer may be gone."""
    try:
        # 1024 bytes (256 groups) is the most Python's getsockopt accepts; a peer in more
        # groups gets ERANGE and the /proc fallback.
        raw = sock.getsockopt(socket.SOL_SOCKET, _SO_PEERGROUPS, 1024)
        return frozenset({gid, *struct.unpack(f"{len(raw) // 4}I", raw)})
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Groups:"):
                    return frozenset({gid, *(int(g) for g in line.split()[1:])})
    except (OSError, ValueError):
        pass
    return frozenset({gid})


class _ConnState:
    """What one connection is doing and until when it may (checked by the janitor)."""

    __slots__ = ("scope", "phase", "since", "limit", "expired")

    def __init__(self, scope: trio.CancelScope, limit: float):
        self.scope, self.phase, self.limit = scope, "reading", limit
        self.since, self.expired = time.monotonic(), False

    def enter(self, phase: str, limit: float) -> None:
        self.phase, self.limit, self.since = phase, limit, time.monotonic()


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
        self.path = app.socket_path
        self._lock_fd: int | None = None
        self._buckets = RateBuckets()
        self._accepting = trio.CancelScope()
        self.slots = ConnectionSlots(cfg.max_connections)
        self._daemon_uid = os.geteuid()
        self._socket_gid = os.getegid()
        self._live: set[_ConnState] = set()
        self._listener: socket.socket | None = None
        self.connections_open = 0
        self.requests_total = 0

    # ------------------------------------------------------------ socket setup
    def _bind(self) -> socket.socket:
        cfg = self.app.config.daemon
        parent = self.path.parent
        if not parent.exists():
            if str(parent) == runtime_dir() and not cfg.socket:
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
        sock.listen(4096)  # the kernel caps it at net.core.somaxconn; a connection flood must not fill it
        sock.setblocking(False)
        return sock

    def _cleanup(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def bind(self) -> None:
        """Take the socket's lock and bind it (idempotent). The daemon calls this before any
        service starts, so a socket that cannot be used fails the start before the engine's
        recovery touches a job; connections wait in the backlog until `run` accepts."""
        if self._listener is None:
            self._listener = self._bind()

    def close(self) -> None:
        """Close the listener and remove the socket and its lock (idempotent)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
            self._cleanup()

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        self.bind()
        assert self._listener is not None
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._accept_loop, self._listener, nursery)
                nursery.start_soon(self._janitor)
                task_status.started(self)
        finally:
            self.close()

    async def _accept_loop(self, listener: socket.socket, nursery: trio.Nursery) -> None:
        with self._accepting:
            while True:
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    await trio.lowlevel.wait_readable(listener)
                    continue
                except OSError as exc:  # EMFILE and friends: back off, keep serving
                    log.error("accept failed: %s", exc)
                    await trio.sleep(0.1)
                    continue
                nursery.start_soon(self._serve_connection, conn)

    def stop_accepting(self) -> None:
        self._accepting.cancel()
        self._cleanup()

    # ------------------------------------------------------------ connections
    async def _serve_connection(self, conn: socket.socket) -> None:
        cfg = self.app.config.daemon
        wire = FramedSocket(conn, cfg.max_frame_bytes)
        try:
            try:
                peer = peer_of(conn)
            except OSError:  # the peer vanished before we could read its credentials
                return
            privileged = self._privileged(peer)
            peer = dataclasses.replace(peer, privileged=privileged)
            try:
                await self.slots.acquire(peer.uid, privileged, cfg)
            except SlotRefused as exc:
                self._security(peer, "connection_limit", None, str(exc), reason=exc.reason)
                with trio.move_on_after(1.0):  # a courtesy: the peer learns why, if it reads
                    await wire.write(protocol.pack(protocol.error_reply(None, "unavailable", str(exc))))
                return
            self.connections_open += 1
            try:
                await self._conversation(wire, peer)
            except ConnectionClosed as exc:
                if exc.partial:
                    self._security(peer, "bad_frame", None, str(exc), reason="connection closed mid-frame")
            finally:
                self.connections_open -= 1
                self.slots.release(peer.uid, privileged)
        except ConnectionClosed:
            pass
        finally:
            wire.close()

    def _privileged(self, peer: Peer) -> bool:
        """Root, the daemon's uid and configured admins: reserved slots, a rate bucket per pid."""
        cfg = self.app.config.daemon
        return peer.uid in (0, self._daemon_uid) or peer.uid in cfg.admin_uids \
            or self._in_groups(peer, cfg.admin_groups)

    async def _janitor(self) -> None:
        """Enforce idle and command time limits for every connection, once a second.

        Moving a cancel scope's deadline on every request would cost trio a deadline-heap
        update each time (measured: it halves a bare server's request rate); a sweep over
        the open connections costs nothing per request and a second of resolution.
        """
        while True:
            await trio.sleep(1.0)
            now = time.monotonic()
            for state in list(self._live):
                if now - state.since > state.limit:
                    state.expired = True
                    state.scope.cancel()

    async def _conversation(self, wire: FramedSocket, peer: Peer) -> None:
        """Read frames and answer them in order until EOF, an idle timeout or a bad frame.

        A command that runs out of time gets a timeout reply and the connection goes on;
        running out of time while reading (idle) or writing (a peer that does not read)
        closes it.
        """
        cfg = self.app.config.daemon
        while True:
            state = _ConnState(trio.CancelScope(), cfg.idle_timeout)
            req_id, name, start = 0, "", 0.0
            self._live.add(state)
            try:
                with state.scope:
                    while True:
                        state.enter("reading", cfg.idle_timeout)
                        try:
                            body = await wire.read_frame()
                        except protocol.FrameTooLarge as exc:
                            await self._refuse(wire, peer, str(exc), "frame over the size limit")
                            return
                        try:
                            obj = protocol.unpack_body(body)
                        except errors.BadRequest as exc:  # framing can no longer be trusted
                            await self._refuse(wire, peer, str(exc), "not valid msgpack")
                            return
                        try:
                            req_id, name, args = protocol.parse_request(obj)
                        except errors.BadRequest as exc:  # well-framed, wrong shape: go on
                            rid = obj.get("id") if isinstance(obj, dict) else None
                            await self._refuse(wire, peer, str(exc), "not a request envelope",
                                               req_id=rid if type(rid) is int else None)
                            continue
                        start = time.perf_counter()
                        reply, ok = await self._dispatch(wire, peer, req_id, name, args, state)
                        state.enter("sending", cfg.send_timeout)
                        await wire.write(self._encode(req_id, reply))
                        self.app.observe(self._op(name), time.perf_counter() - start, ok)
            finally:
                self._live.discard(state)
            if not state.expired or state.phase != "handling":
                return  # idle, or a peer that stopped reading our replies
            self.app.observe(self._op(name), time.perf_counter() - start, False)
            with trio.move_on_after(cfg.send_timeout):
                await wire.write(self._encode(
                    req_id, protocol.error_reply(req_id, "unavailable", f"{name} timed out")))

    @staticmethod
    def _op(name: str) -> str:
        """The perf row of a command: names from peers that are no command share one."""
        return f"cmd:{name}" if name in all_commands() else UNKNOWN_OP

    async def _refuse(self, wire: FramedSocket, peer: Peer, message: str, reason: str,
                      req_id: int | None = None) -> None:
        self._security(peer, "bad_frame", None, message, reason=reason)
        with trio.move_on_after(self.app.config.daemon.send_timeout):
            await wire.write(protocol.pack(protocol.error_reply(req_id, "bad_request", message)))

    @staticmethod
    def _encode(req_id: int, reply: dict[str, Any]) -> bytes:
        try:
            return protocol.pack(reply)
        except (TypeError, ValueError, OverflowError) as exc:
            return protocol.pack(protocol.error_reply(req_id, "internal", f"unencodable reply: {exc}"))

    # ------------------------------------------------------------ dispatch
    async def _dispatch(self, wire: FramedSocket, peer: Peer, req_id: int, name: str,
                        args: Any, state: _ConnState) -> tuple[dict[str, Any], bool]:
        """Run one command; (reply, ok). The janitor bounds it by the command's timeout."""
        self.requests_total += 1
        send_timeout = self.app.config.daemon.send_timeout

        async def send_more(partial: Any) -> None:
            # The janitor bounds each part's write: an export the peer never reads must not
            # hold its slot (and the handler's memory) until the peer goes away.
            state.enter("sending", send_timeout)
            await wire.write(protocol.pack(protocol.ok_reply(req_id, partial, more=True)))
            state.enter("handling", math.inf)

        try:
            cmd = get_command(name)
            self._authorize(peer, cmd)
            bound_args(cmd, args)
            request = Request(cmd, cmd.check_args(args), peer, send_more)
            handler = self.app.handlers.get(cmd.name)
            if handler is None:
                raise errors.Unavailable(f"{cmd.name} is not served by this daemon yet")
            timeout = None if cmd.stream else cmd.timeout
            state.enter("handling", math.inf if timeout is None else timeout)
            return protocol.ok_reply(req_id, await handler(request)), True
        except errors.ScrapedError as exc:
            ok = not isinstance(exc, (errors.Internal, errors.Unavailable))
            return protocol.error_reply(req_id, exc.code, str(exc)), ok
        except ConnectionClosed:
            raise  # the peer left mid-stream (`jobs watch | head`, Ctrl-C): not a bug to report
        except Exception as exc:  # a bug in a handler: report it, keep serving
            self.app.capture_exception(exc, category="control", context={"command": name})
            return protocol.error_reply(req_id, "internal", f"{type(exc).__name__} in {name}; "
                                        "see the journal"), False

    def _authorize(self, peer: Peer, cmd: Command) -> None:
        cfg = self.app.config.daemon
        key = (peer.uid, peer.pid) if peer.privileged else (peer.uid,)
        if not self._buckets.take(key, cfg.requests_per_second, cfg.request_burst):
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

    def _security(self, peer: Peer, kind: str, command: str | None, detail: str,
                  reason: str | None = None) -> None:
        """Record a security event: the security log (scraped/ops/security.py) stores,
        counts and logs it, aggregated per peer, kind and minute, so a flood cannot flood
        the journal too."""
        self.app.security.record(kind, peer, command=command, detail=detail, reason=reason)
