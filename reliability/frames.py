"""Hostile control frames and the check of every reply (for reliability/fuzz.py).

Each kind of frame comes with what the daemon owes it: `reply` (one valid reply frame,
the connection may stay), `close` (a valid error reply, then the daemon may close) or
`none` (a half-sent frame: nothing is owed, the daemon must only survive). Frames of
kinds that may close the connection are sent on a fresh connection each.
"""

from __future__ import annotations

import random
import socket
import struct
from typing import Any

import msgpack

from scraped.api import all_commands

HEADER = struct.Struct(">I")
MAX_FRAME = 1 << 20  # the daemon's default daemon.max_frame_bytes
CODES = {"internal", "bad_request", "unknown_command", "not_found", "conflict", "forbidden", "rate_limited",
         "unavailable"}
COMMANDS = sorted(all_commands())
READ_COMMANDS = ("hello", "status", "health", "jobs.list", "questions.count", "questions.list", "perf",
                 "metrics", "engine.status", "queue", "capacity", "errors.stats", "security.events")


def frame(body: bytes) -> bytes:
    return HEADER.pack(len(body)) + body


def pack(obj: Any) -> bytes:
    return frame(msgpack.packb(obj, use_bin_type=True))


# ---------------------------------------------------------------- the peer's side


class Conn:
    """One client connection that reads replies frame by frame."""

    def __init__(self, path: str, timeout: float = 10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
            return True
        except OSError:  # the daemon closed first (it may, after a bad frame)
            return False

    def _fill(self, n: int) -> bool:
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                return False
            self.buf += chunk
        return True

    def reply(self) -> tuple[str, Any]:
        """("reply", obj) | ("closed", None) | ("hang", None) | ("malformed", why)."""
        try:
            if not self._fill(4):
                return ("malformed", "closed inside a reply header") if self.buf else ("closed", None)
            (n,) = HEADER.unpack(self.buf[:4])
            if n > 64 << 20:
                return "malformed", f"reply length {n}"
            if not self._fill(4 + n):
                return "malformed", "closed inside a reply body"
            body, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
        except TimeoutError:
            return "hang", None
        except ConnectionResetError:
            return "closed", None
        try:
            return "reply", msgpack.unpackb(body, raw=False, strict_map_key=False)
        except Exception as exc:
            return "malformed", f"reply is not msgpack: {type(exc).__name__}"

    def close(self) -> None:
        self.sock.close()


ANY_ID = -1  # a frame whose request id the sender does not know (random bytes may hold one)


def check_reply(obj: Any, req_id: int | None) -> str | None:
    """What is wrong with a reply, or None when it is a valid protocol-v1 reply to `req_id`
    (ANY_ID: to whatever id the frame held)."""
    if not isinstance(obj, dict):
        return "not a map"
    if obj.get("v") != 1:
        return f"v={obj.get('v')!r}"
    if req_id != ANY_ID and obj.get("id") not in (req_id, None):
        return f"id {obj.get('id')!r} for request {req_id!r}"
    if obj.get("ok") is True:
        return None if "result" in obj else "ok without result"
    if obj.get("ok") is not False:
        return "ok is not a bool"
    err = obj.get("error")
    if not isinstance(err, dict) or not isinstance(err.get("message"), str) or err.get("code") not in CODES:
        return f"bad error field {str(err)[:80]}"
    if not err["message"] or "Traceback" in err["message"]:
        return "empty message or a traceback"
    return None


# ---------------------------------------------------------------- frames by kind


def _junk(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(9 if depth < 3 else 6)
    if pick == 0:
        return rng.randrange(-(1 << 63), 1 << 64)
    if pick == 1:
        return rng.choice([float("nan"), float("inf"), -float("inf"), -0.0, 1e308, rng.random()])
    if pick == 2:
        return "".join(chr(rng.randrange(1, 0x10FFFF)) for _ in range(rng.randrange(20))
                       ).encode("utf-8", "replace").decode("utf-8", "replace")
    if pick == 3:
        return rng.randbytes(rng.randrange(30))
    if pick == 4:
        return rng.choice([None, True, False])
    if pick == 5:
        return rng.choice(["", "0", "-1", "nan", "../../etc/passwd", "%s%n", "\x00", "a" * 300])
    if pick in (6, 7):
        return [_junk(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {rng.choice(["id", "limit", "skip", "spec", "search", "x", "component"]): _junk(rng, depth + 1)
            for _ in range(rng.randrange(4))}


def wrong_types(rng: random.Random, req_id: int) -> bytes:
    """A real command with arguments of wrong types, out of range, unknown or huge."""
    cmd = rng.choice(COMMANDS)
    names = ["id", "limit", "skip", "search", "spec", "component", "name", "bank", "count", "yes", "question"]
    args = {rng.choice(names): _junk(rng) for _ in range(rng.randrange(1, 4))}
    return pack({"v": 1, "id": req_id, "cmd": cmd, "args": args})


def unknown_command(rng: random.Random, req_id: int) -> bytes:
    name = rng.choice([
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz._-") for _ in range(rng.randrange(1, 40))),
        rng.choice(COMMANDS) + rng.choice(["x", ".", " ", "\x00", "s"]),
        "\u202e" + "".join(chr(rng.randrange(0x80, 0x3000)) for _ in range(rng.randrange(1, 12))),
        "a" * rng.choice([1000, 60_000]),
    ])
    return pack({"v": 1, "id": req_id, "cmd": name, "args": {}})


def valid(rng: random.Random, req_id: int) -> bytes:
    """A well-formed read request, including near-limit (64 K) distinct search strings."""
    cmd = rng.choice(READ_COMMANDS)
    args: dict[str, Any] = {}
    if cmd == "questions.count" and rng.random() < 0.5:
        args["search"] = f"{req_id}-{rng.random()}-" + "z" * rng.choice([10, 1000, 60_000])
    elif cmd == "questions.list":
        args = {"limit": rng.randrange(1, 50), "skip": rng.randrange(0, 10_000)}
    return pack({"v": 1, "id": req_id, "cmd": cmd, "args": args})


def huge_string(rng: random.Random, req_id: int) -> bytes:
    """A string argument near the frame limit (over the per-argument limit)."""
    cmd, arg = rng.choice([("questions.count", "search"), ("questions.list", "search"),
                           ("jobs.submit", "spec"), ("jobs.show", "id"), ("health", "component")])
    return pack({"v": 1, "id": req_id, "cmd": cmd, "args": {arg: "q" * rng.randrange(70_000, MAX_FRAME - 64)}})


def deep(rng: random.Random, req_id: int) -> tuple[bytes, str]:
    """Nested arrays from 40 to 200,000 levels (msgpack's decoder stops at 1,024)."""
    depth = rng.choice([40, 100, 500, 1000, 1100, 5000, 200_000])
    body = b"\x91" * depth + b"\xc0"  # fixarray of 1, `depth` times, then nil
    env = msgpack.packb({"v": 1, "id": req_id, "cmd": "questions.count", "args": {"search": 0}})
    wrapped = env[:-1] + body  # the last value (0) replaced by the nesting
    return frame(wrapped), "reply"


def garbage(rng: random.Random) -> bytes:
    return frame(rng.randbytes(rng.randrange(1, 2000)))


def bad_length(rng: random.Random) -> tuple[bytes, str]:
    """Lengths that lie: over the limit, zero, or a frame cut short before the close."""
    pick = rng.randrange(5)
    if pick == 0:
        return HEADER.pack(rng.randrange(MAX_FRAME + 1, 1 << 32)), "close"
    if pick == 1:
        return HEADER.pack(0), "close"
    if pick == 2:
        body = msgpack.packb({"v": 1, "id": 1, "cmd": "hello"})
        return HEADER.pack(len(body) + rng.randrange(1, 5000)) + body, "none"
    if pick == 3:
        return HEADER.pack(rng.randrange(1 << 32))[: rng.randrange(1, 4)], "none"
    body = msgpack.packb({"v": 1, "id": 1, "cmd": "status"})
    return HEADER.pack(len(body) - rng.randrange(1, len(body))) + body, "close"
