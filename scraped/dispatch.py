"""From a decoded request to a handler's result: validation, authorization, timing.

The transport (scraped/control.py) knows frames and sockets; this module knows commands;
handlers (each area's `commands.py`) know their domain. Handlers receive a `Request` and
return a msgpack-able value, or raise a `scraped.errors` exception.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scraped.api import Command


@dataclass(frozen=True)
class Peer:
    """Who is on the other end of a control connection (from SO_PEERCRED)."""

    pid: int
    uid: int
    gid: int
    groups: frozenset[int] = frozenset()


async def _no_stream(_: Any) -> None:
    raise RuntimeError("this command does not stream")


@dataclass
class Request:
    cmd: Command
    args: dict[str, Any]
    peer: Peer
    # For streaming commands: send one partial reply ("more": true).
    send: Callable[[Any], Awaitable[None]] = field(default=_no_stream)


Handler = Callable[[Request], Awaitable[Any]]
HandlerTable = Mapping[str, Handler]
