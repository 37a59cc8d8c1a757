"""Hostile control frames and a bounded flood of them against a real daemon's socket.

Used by tests/test_control_fuzz.py (a few thousand frames on every `make test`) and
bench/control_fuzz.py (20,000 frames with RSS and a well-behaved client's latency).

`frames(rng, max_frame)` yields (kind, bytes, fatal): `fatal` frames make the daemon close
the connection (bad length, garbage msgpack, a half-sent frame), the others are answered
on the same connection. `flood(path, n, ...)` sends them from several threads and checks
every reply: a dict {"v": 1, "id": int|None, "ok": bool, ...} whose error code is one of
the protocol's. Standard library and msgpack only.
"""

from __future__ import annotations

import math
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import msgpack

from scraped.api import all_commands
from scraped.errors import ERROR_CODES

HEADER = struct.Struct(">I")


def _frame(obj: Any) -> bytes:
    body = msgpack.packb(obj, use_bin_type=True)
    return HEADER.pack(len(body)) + body


def _junk_text(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.choice((rng.randrange(32, 127), rng.randrange(160, 0x2FFF)))) for _ in range(n))


def _value(rng: random.Random, depth: int = 0) -> Any:
    """A random msgpack-able value: wrong types, huge and odd numbers, nesting."""
    pick = rng.randrange(14 if depth < 6 else 9)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice((True, False))
    if pick == 2:
        return rng.choice((0, -1, 1, 2**31, 2**53, 2**63 - 1, -(2**63), 2**64 - 1, rng.randrange(-999, 999)))
    if pick == 3:
        return rng.choice((math.nan, math.inf, -math.inf, 1e308, -0.0, rng.random()))
    if pick == 4:
        return _junk_text(rng, rng.randrange(0, 40))
    if pick == 5:
        return "x" * rng.choice((70_000, 200_000))  # over the argument bound
    if pick == 6:
        return rng.randbytes(rng.randrange(0, 64))
    if pick == 7:
        return rng.choice(("QUEUED", "raw", "all", "jsonl", "status", "database", "../../etc/passwd", ""))
    if pick == 8:
        nested: Any = []
        for _ in range(rng.choice((20, 100, 400))):
            nested = [nested]
        return nested
    if pick in (9, 10):
        return [_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    if pick == 11:
        return [0] * rng.choice((10, 20_000))
    return {_junk_text(rng, rng.randrange(1, 12)): _value(rng, depth + 1) for _ in range(rng.randrange(0, 4))}


# Commands a fuzzer must not run for real: they change state or take minutes. A peer
# that is root could, by design; the flood is about malformed input, not about root
# stopping the daemon. Their argument validation still runs (bad args are refused first).
AVOID = frozenset({"config.reload", "restore", "backup.run", "jobs.submit", "jobs.stop", "jobs.pause",
                   "jobs.resume", "jobs.retry-failed", "queue.clear", "db.maintenance", "db.reindex",
                   "ai.generate", "ai.enhance", "scheduler.run", "questions.export", "jobs.watch",
                   "db.kill-op", "errors.capture", "jobs.delete", "jobs.purge", "jobs.unschedule",
                   "backup.verify", "ai.feedback"})


def _request(rng: random.Random, commands: list[str], req_id: int) -> tuple[str, Any]:
    pick = rng.randrange(10)
    if pick == 0:
        return "unknown_command", {"v": 1, "id": req_id, "cmd": _junk_text(rng, rng.randrange(1, 60))}
    if pick == 1:
        return "bad_envelope", {"v": rng.choice((True, 1.0, 2, "1", None)), "id": req_id, "cmd": "hello"}
    if pick == 2:
        return "bad_envelope", {"v": 1, "id": _value(rng), "cmd": _value(rng)}
    if pick == 3:
        return "bad_envelope", {"v": 1, "id": req_id, "cmd": "hello", _junk_text(rng, 5): 1}
    if pick == 4:
        return "not_a_map", rng.choice(([1, 2, 3], "hello", 7, None, rng.randbytes(10)))
    name = rng.choice(commands)
    cmd = all_commands()[name]
    args: dict[str, Any] = {}
    for arg in cmd.args:
        if rng.random() < 0.6:
            args[arg.name] = _value(rng)
    if rng.random() < 0.2:
        args[_junk_text(rng, 6)] = _value(rng)
    if name in AVOID:  # validation only: a wrong type for each required argument
        args = {a.name: [_value(rng)] for a in cmd.args} or {"__bogus__": 1}
    return "fuzzed_args", {"v": 1, "id": req_id, "cmd": name, "args": args}


def frames(rng: random.Random, max_frame: int) -> Iterator[tuple[str, bytes, bool]]:
    commands = sorted(all_commands())
    req_id = 0
    while True:
        req_id += 1
        pick = rng.randrange(20)
        if pick == 0:
            yield "over_max_frame", HEADER.pack(rng.randrange(max_frame + 1, 2**32)), True
        elif pick == 1:
            body = rng.randbytes(rng.randrange(1, 300))
            yield "random_bytes", HEADER.pack(len(body)) + body, True
        elif pick == 2:
            yield "garbage_msgpack", HEADER.pack(5) + b"\xc1\xc1\xc1\xc1\xc1", True
        elif pick == 3:
            body = msgpack.packb({"v": 1, "id": req_id, "cmd": "hello"})
            yield "half_sent", HEADER.pack(len(body) + 50) + body, True
        elif pick == 4:
            body = msgpack.packb([1, 2]) + msgpack.packb({"a": 1})
            yield "extra_data", HEADER.pack(len(body)) + body, True
        else:
            kind, obj = _request(rng, commands, req_id)
            try:
                data = _frame(obj)
            except (ValueError, OverflowError, TypeError):  # msgpack's own limits (nesting, ints)
                continue
            if len(data) - 4 > max_frame:
                yield "over_max_frame", data, True
            else:
                yield kind, data, False


def check_reply(reply: Any) -> str | None:
    """Why `reply` is not a well-formed protocol reply, or None."""
    if not isinstance(reply, dict) or reply.get("v") != 1 or type(reply.get("ok")) is not bool:
        return f"not a reply: {str(reply)[:200]}"
    if reply.get("id") is not None and type(reply.get("id")) is not int:
        return "id is neither an integer nor nil"
    if not reply["ok"]:
        err = reply.get("error")
        if not isinstance(err, dict) or err.get("code") not in ERROR_CODES or not isinstance(err.get("message"), str):
            return f"bad error: {str(err)[:200]}"
    return None


def _read_reply(sock: socket.socket) -> Any:
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    (n,) = HEADER.unpack(head)
    body = bytearray()
    while len(body) < n:
        chunk = sock.recv(min(n - len(body), 1 << 20))
        if not chunk:
            return None
        body += chunk
    return msgpack.unpackb(bytes(body), raw=False, strict_map_key=False)


class FloodResult:
    def __init__(self) -> None:
        self.sent = 0
        self.replies = 0
        self.malformed: list[str] = []
        self.kinds: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.connections = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def add(self, other: FloodResult) -> None:
        with self._lock:
            self.sent += other.sent
            self.replies += other.replies
            self.malformed += other.malformed
            self.kinds.update(other.kinds)
            self.codes.update(other.codes)
            self.connections += other.connections
            self.errors += other.errors


def _worker(path: str, n: int, seed: int, max_frame: int, out: FloodResult) -> None:
    rng = random.Random(seed)
    mine = FloodResult()
    gen = frames(rng, max_frame)
    sock: socket.socket | None = None
    try:
        while mine.sent < n:
            kind, data, fatal = next(gen)
            if sock is None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(30)
                sock.connect(path)
                mine.connections += 1
            mine.sent += 1
            mine.kinds[kind] += 1
            try:
                sock.sendall(data)
                if kind == "half_sent":
                    sock.shutdown(socket.SHUT_WR)
                reply = _read_reply(sock)
            except (BrokenPipeError, ConnectionResetError):
                reply = None
            except TimeoutError:
                mine.errors.append(f"no reply within 30 s to a {kind} frame")
                reply = None
            if reply is not None:
                mine.replies += 1
                problem = check_reply(reply)
                if problem:
                    mine.malformed.append(f"{kind}: {problem}")
                elif not reply["ok"]:
                    mine.codes[reply["error"]["code"]] += 1
                else:
                    mine.codes["ok"] += 1
            if fatal or reply is None:
                sock.close()
                sock = None
    except OSError as exc:  # the daemon went away: that is the finding
        mine.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        if sock is not None:
            sock.close()
        out.add(mine)


def flood(path: str, n: int, *, threads: int = 4, seed: int = 0, max_frame: int = 1 << 20) -> FloodResult:
    """Send n hostile frames from `threads` threads; every reply is checked."""
    result = FloodResult()
    per = [n // threads + (1 if i < n % threads else 0) for i in range(threads)]
    workers = [threading.Thread(target=_worker, args=(path, k, seed * 1000 + i, max_frame, result))
               for i, k in enumerate(per)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return result


def main(argv: list[str]) -> None:
    """`python -m tests.control_frames SOCKET N SEED [MAX_FRAME]`: one JSON line of results
    (the benchmark runs the flood in its own process, possibly as another user)."""
    import json

    path, n, seed = argv[0], int(argv[1]), int(argv[2])
    result = flood(path, n, seed=seed, max_frame=int(argv[3]) if len(argv) > 3 else 1 << 20)
    print(json.dumps({"sent": result.sent, "replies": result.replies, "malformed": result.malformed[:20],
                      "n_malformed": len(result.malformed), "errors": result.errors[:20],
                      "kinds": result.kinds, "codes": result.codes, "connections": result.connections}))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
