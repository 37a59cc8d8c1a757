"""What one peer may take of the control server: request rate and connection slots.

Rate: a token bucket per client. Unprivileged peers share one bucket per uid (a local
user can fork as many pids as it likes); root, the daemon's uid and configured admins get
one per (uid, pid), so two root status loops do not rate-limit each other. The table of
buckets is bounded (least recently used dropped first).

Slots: `max_connections` connections are served at once. `reserved_connections` of them
are kept for privileged peers: a local user holding every slot it may (idle connections,
exports it never reads) cannot stop root's `scrapedctl status`. Each unprivileged uid may
hold at most `max_connections_per_uid` connections, served or waiting; a connection past
that is refused at once. A connection that finds its pool full waits (counted in
`waiting`) until a slot frees or `idle_timeout` passes. Every refusal is a
`connection_limit` security event.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

import trio

MAX_BUCKETS = 4096


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


class RateBuckets:
    def __init__(self) -> None:
        self._buckets: OrderedDict[tuple[int, ...], TokenBucket] = OrderedDict()

    def take(self, key: tuple[int, ...], rate: float, burst: int) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate != rate or bucket.burst != float(burst):
            bucket = self._buckets[key] = TokenBucket(rate, burst)
            if len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take()

    def __len__(self) -> int:
        return len(self._buckets)


class SlotRefused(Exception):
    """No slot for this connection; the message says why (sent to the peer)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class ConnectionSlots:
    """`max_connections` is fixed at start (the setting needs a restart); the other limits
    are read from the live config at each connection."""

    def __init__(self, max_connections: int) -> None:
        self.max = max_connections
        self.active = 0  # connections being served
        self.active_unprivileged = 0
        self.waiting = 0
        self.refused = 0
        self.waited_total = 0
        self.by_uid: dict[int, int] = {}  # unprivileged uid -> connections served or waiting
        self._lot = trio.lowlevel.ParkingLot()

    def _free(self, privileged: bool, cfg: Any) -> bool:
        if self.active >= self.max:
            return False
        if privileged:
            return True
        return self.active_unprivileged < self.max - min(cfg.reserved_connections, self.max - 1)

    async def acquire(self, uid: int, privileged: bool, cfg: Any) -> None:
        """Take a slot (waiting for one if need be); SlotRefused when none may be had."""
        if not privileged:
            held = self.by_uid.get(uid, 0)
            if held >= cfg.max_connections_per_uid:
                self.refused += 1
                raise SlotRefused(f"too many connections from uid {uid} (at most "
                                  f"{cfg.max_connections_per_uid}); close some and retry",
                                  "per-uid connection limit")
            self.by_uid[uid] = held + 1
        try:
            if not self._free(privileged, cfg):
                if self.waiting >= self.max:
                    self.refused += 1
                    raise SlotRefused(f"all {self.max} control connections are busy and "
                                      f"{self.waiting} are waiting; retry later", "connection slots full")
                self.waiting += 1
                self.waited_total += 1
                try:
                    with trio.move_on_after(cfg.idle_timeout):
                        while not self._free(privileged, cfg):
                            await self._lot.park()
                finally:
                    self.waiting -= 1
                if not self._free(privileged, cfg):
                    self.refused += 1
                    raise SlotRefused(f"no control connection slot freed within {cfg.idle_timeout:g} s; "
                                      "retry later", "waited too long for a slot")
        except BaseException:
            self._drop_uid(uid, privileged)
            raise
        self.active += 1
        if not privileged:
            self.active_unprivileged += 1

    def release(self, uid: int, privileged: bool) -> None:
        self.active -= 1
        if not privileged:
            self.active_unprivileged -= 1
        self._drop_uid(uid, privileged)
        self._lot.unpark_all()

    def _drop_uid(self, uid: int, privileged: bool) -> None:
        if privileged:
            return
        left = self.by_uid.get(uid, 1) - 1
        if left > 0:
            self.by_uid[uid] = left
        else:
            self.by_uid.pop(uid, None)

    def stats(self, cfg: Any) -> dict[str, Any]:
        top = sorted(self.by_uid.items(), key=lambda kv: -kv[1])[:5]
        return {"open": self.active, "waiting": self.waiting, "refused_total": self.refused,
                "waited_total": self.waited_total, "max": self.max,
                "reserved_for_admins": cfg.reserved_connections, "per_uid_max": cfg.max_connections_per_uid,
                "unprivileged_open": self.active_unprivileged,
                "top_uids": [{"uid": uid, "connections": n} for uid, n in top]}
