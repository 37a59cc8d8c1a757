"""Sortable ids (ULID-like): 48-bit millisecond time + 80 random bits, Crockford base32.

Ids made by one process sort in creation order, even within one millisecond (the random
part is incremented instead of redrawn), so `jobs list` can sort by `_id`.
"""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last_ms = -1
_last_rand = 0


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        out.append(_ALPHABET[digit])
    return "".join(reversed(out))


def new_id(now: float | None = None) -> str:
    """A 26-character id, greater than every id this process made before."""
    global _last_ms, _last_rand
    ms = int((time.time() if now is None else now) * 1000)
    with _lock:
        if ms <= _last_ms:
            ms, rand = _last_ms, (_last_rand + 1) & ((1 << 80) - 1)
        else:
            rand = int.from_bytes(os.urandom(10), "big")
        _last_ms, _last_rand = ms, rand
    return _encode(ms, 10) + _encode(rand, 16)


def id_time(ulid: str) -> float:
    """The creation time (epoch seconds) encoded in an id."""
    ms = 0
    for ch in ulid[:10]:
        ms = ms * 32 + _ALPHABET.index(ch)
    return ms / 1000
