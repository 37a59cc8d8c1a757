"""From a decoded request to a handler's result: validation, authorization, timing.

The transport (scraped/control.py) knows frames and sockets; this module knows commands;
handlers (each area's `commands.py`) know their domain. Handlers receive a `Request` and
return a msgpack-able value, or raise a `scraped.errors` exception.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scraped.api import Command
from scraped.errors import BadRequest

# Bounds on what a peer may send as arguments, whatever the command declares: a request
# is at most max_frame_bytes, but one frame can still hold a 1 MB search string (compiled,
# cached, matched against every row), 5,000 nested lists (recursion in every consumer) or
# 2**64 as a skip (an OverflowError in SQLite). Files (`Arg.file`, a job spec's text) are
# bounded by the frame alone.
MAX_STRING = 65_536  # characters in one string argument (or a string inside one)
MAX_KEY = 256  # characters in a map key
MAX_ITEMS = 10_000  # elements of one list or map
MAX_NODES = 100_000  # values in one argument, all levels together
MAX_DEPTH = 16  # lists and maps inside each other
MAX_INT = 2**53 - 1  # integers: what a JSON/JavaScript consumer and SQLite both hold exactly


@dataclass(frozen=True)
class Peer:
    """Who is on the other end of a control connection (from SO_PEERCRED)."""

    pid: int
    uid: int
    gid: int
    groups: frozenset[int] = frozenset()
    # Root, the daemon's uid or a configured admin when the connection was accepted:
    # reserved connection slots and a rate bucket per pid (scraped/control_limits.py).
    privileged: bool = False


async def _no_stream(_: Any) -> None:
    raise RuntimeError("this command does not stream")


@dataclass
class Request:
    cmd: Command
    args: dict[str, Any]
    peer: Peer
    # For streaming commands: send one partial reply ("more": true).
    send: Callable[[Any], Awaitable[None]] = field(default=_no_stream)


def bound_args(cmd: Command, args: Any) -> None:
    """Refuse (BadRequest naming the argument) any argument over the size, depth or range
    bounds above, before the command's own validation sees it."""
    if not isinstance(args, dict):
        return  # check_args says what is wrong with that
    declared = {a.name: a for a in cmd.args}
    for name, value in args.items():
        arg = declared.get(name)
        if arg is None:
            continue  # check_args refuses unknown names
        _bound(value, str(name), 0, [0], math.inf if arg.file else MAX_STRING)


def _bound(value: Any, path: str, depth: int, nodes: list[int], max_string: float) -> None:
    nodes[0] += 1
    if nodes[0] > MAX_NODES:
        raise BadRequest(f"argument {path.split('[')[0].split('.')[0]!r}: more than {MAX_NODES} values")
    if isinstance(value, str):
        if len(value) > max_string:
            raise BadRequest(f"argument {path!r}: a string of {len(value)} characters is over the "
                             f"limit of {MAX_STRING}")
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise BadRequest(f"argument {path!r}: {value} is out of range (at most 2**53 - 1 either way)")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BadRequest(f"argument {path!r}: must be a finite number, got {value!r}")
    elif isinstance(value, (list, tuple, dict)):
        if depth >= MAX_DEPTH:
            raise BadRequest(f"argument {path!r}: nested more than {MAX_DEPTH} levels deep")
        if len(value) > MAX_ITEMS:
            raise BadRequest(f"argument {path!r}: {len(value)} elements is over the limit of {MAX_ITEMS}")
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and len(key) > MAX_KEY:
                    raise BadRequest(f"argument {path!r}: a key of {len(key)} characters is over the "
                                     f"limit of {MAX_KEY}")
                _bound(item, f"{path}.{str(key)[:40]}", depth + 1, nodes, MAX_STRING)
        else:
            for i, item in enumerate(value):
                _bound(item, f"{path}[{i}]", depth + 1, nodes, MAX_STRING)
    elif isinstance(value, (bytes, bytearray)):
        if len(value) > MAX_STRING:
            raise BadRequest(f"argument {path!r}: {len(value)} bytes is over the limit of {MAX_STRING}")


Handler = Callable[[Request], Awaitable[Any]]
HandlerTable = Mapping[str, Handler]
