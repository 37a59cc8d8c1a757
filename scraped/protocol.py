"""Control protocol v1: length-prefixed msgpack frames (shared by daemon and client).

    frame   = 4-byte big-endian length, then that many bytes of one msgpack map
    request = {"v": 1, "id": int, "cmd": "jobs.pause", "args": {...}}
    reply   = {"v": 1, "id": int, "ok": true, "result": ..., ["more": true]}
            | {"v": 1, "id": int, "ok": false, "error": {"code": str, "message": str}}

Imports only msgpack and the standard library, so scrapedctl stays light.
"""

from __future__ import annotations

import struct

import msgpack

from scraped import PROTOCOL_VERSION
from scraped.errors import BadRequest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

HEADER = struct.Struct(">I")
DEFAULT_MAX_FRAME = 1 << 20
MAX_CONTAINER_ITEMS = 1 << 16  # elements in one array or map


class FrameTooLarge(BadRequest):
    pass


def pack(obj: Any) -> bytes:
    """One frame carrying `obj`."""
    body = msgpack.packb(obj, use_bin_type=True)
    return HEADER.pack(len(body)) + body


def frame_length(header: bytes, max_bytes: int) -> int:
    (length,) = HEADER.unpack(header)
    if length > max_bytes:
        raise FrameTooLarge(f"frame of {length} bytes is over the limit of {max_bytes}")
    return length


def unpack_body(body: bytes) -> Any:
    """Decode one frame's body with explicit limits; anything malformed is a BadRequest."""
    n = len(body)
    try:
        return msgpack.unpackb(
            body, raw=False, strict_map_key=True, use_list=True,
            max_str_len=n, max_bin_len=n, max_ext_len=n,
            max_array_len=MAX_CONTAINER_ITEMS, max_map_len=MAX_CONTAINER_ITEMS,
        )
    except (ValueError, TypeError, msgpack.exceptions.UnpackException) as exc:
        # ExtraData, FormatError and StackError subclass ValueError or UnpackException.
        raise BadRequest(f"frame is not one valid msgpack value: {type(exc).__name__}") from None


def parse_request(obj: Any) -> tuple[int, str, Any]:
    """(id, cmd, args) of a request envelope; BadRequest names what is wrong."""
    if not isinstance(obj, dict):
        raise BadRequest("a request must be a map")
    version = obj.get("v")
    if type(version) is not int or version != PROTOCOL_VERSION:  # True == 1 and 1.0 == 1 in Python
        raise BadRequest(f"unsupported protocol version {obj.get('v')!r}; this server speaks {PROTOCOL_VERSION}")
    req_id = obj.get("id")
    if isinstance(req_id, bool) or not isinstance(req_id, int):
        raise BadRequest("request id must be an integer")
    cmd = obj.get("cmd")
    if not isinstance(cmd, str):
        raise BadRequest("cmd must be a string")
    extra = set(obj) - {"v", "id", "cmd", "args"}
    if extra:
        raise BadRequest(f"unknown request field(s): {', '.join(sorted(map(str, extra)))}")
    return req_id, cmd, obj.get("args")


def ok_reply(req_id: int, result: Any, more: bool = False) -> dict[str, Any]:
    reply = {"v": PROTOCOL_VERSION, "id": req_id, "ok": True, "result": result}
    if more:
        reply["more"] = True
    return reply


def error_reply(req_id: int | None, code: str, message: str) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": req_id, "ok": False,
            "error": {"code": code, "message": message}}
