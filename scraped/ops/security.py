"""Security events on the control socket (`security events`, app.security).

The control server calls `record(kind, peer, command=..., detail=..., reason=...)` for
refused requests (auth_failure), rate-limit violations, bad frames and refused
connections. Each event is counted, kept in a short in-memory list, logged to the journal
with the peer's uid/pid and captured into the error tracker (category "rate_limiting" for
rate limits, as the runbook's dashboard query expects, "security" otherwise).

A hostile local peer can make thousands of events a second (a fuzzing harness made
153,857 stored rows and 1,363 "unique" errors in one run when each event was a row and
its free-text detail a fingerprint), so nothing here grows with the event rate:

- the store gets one row per (minute, peer uid, kind) with a `count`, the first and last
  time and the latest command, detail and pid: at most 1 row per peer per kind per minute
  however fast the events come, written with `$inc` so daemons sharing a store add up;
  the collection is capped at `max_rows` (oldest windows deleted first) besides the
  `keep_days` age limit;
- the error tracker sees `kind: reason`, where `reason` is a fixed phrase chosen by the
  control server ("not valid msgpack", "frame over the size limit"), never the peer's own
  bytes: random input cannot make new fingerprints;
- the journal gets at most `log_per_minute` lines per (kind, peer uid) and a summary.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

from scraped.store.schema import SECURITY_EVENTS

log = logging.getLogger(__name__)

KINDS = ("auth_failure", "rate_limit_violation", "bad_frame", "connection_limit")
MAX_PENDING = 10_000  # windows waiting for the next flush; past it, events are counted as dropped
RECENT = 500
WINDOW = 60  # seconds per stored row
MAX_ROWS = 100_000
_CAP_EVERY = 60.0  # seconds between two checks of the collection's size


def window_id(minute: int, uid: int, kind: str) -> str:
    return f"{minute:010x}-{uid & 0xFFFFFFFF:08x}-{kind}"


class SecurityLog:
    def __init__(self, errors: Any = None, *, log_per_minute: int = 20, max_rows: int = MAX_ROWS,
                 clock: Any = time.time):
        self.errors = errors
        self.log_per_minute = log_per_minute
        self.max_rows = max_rows
        self.clock = clock
        self.counts: dict[str, int] = {}
        self.by_uid: dict[int, int] = {}
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)
        self.dropped = 0
        self.capped = 0  # rows deleted to keep the collection under max_rows
        self._pending: dict[str, dict[str, Any]] = {}  # window id -> what to add to it
        self._logged: dict[tuple[str, int], list[float]] = {}  # key -> [window start, lines, suppressed]
        self._capped_at = 0.0

    def record(self, kind: str, peer: Any, command: str | None = None, detail: str | None = None,
               reason: str | None = None) -> None:
        now = self.clock()
        kind = str(kind)
        uid, pid = getattr(peer, "uid", -1), getattr(peer, "pid", -1)
        detail = (detail or "")[:500]
        reason = (reason or detail or command or "")[:100]
        event = {"at": now, "kind": kind, "peer_uid": uid, "peer_pid": pid, "peer_gid": getattr(peer, "gid", -1),
                 "command": command, "detail": detail, "reason": reason, "count": 1}
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if len(self.by_uid) < 10_000 or uid in self.by_uid:
            self.by_uid[uid] = self.by_uid.get(uid, 0) + 1
        self.recent.append(event)
        self._aggregate(event, now)
        self._log(event, now)
        if self.errors is not None:
            category = "rate_limiting" if kind == "rate_limit_violation" else "security"
            self.errors.capture(f"{kind.replace('_', ' ')}: {reason}".strip(": "),
                                category, "high" if kind == "auth_failure" else "medium",
                                {"peer_uid": uid, "peer_pid": pid, "command": command, "detail": detail},
                                error_type="SecurityEvent")

    def _aggregate(self, event: dict[str, Any], now: float) -> None:
        minute = int(now // WINDOW * WINDOW)
        wid = window_id(minute, event["peer_uid"], event["kind"])
        row = self._pending.get(wid)
        if row is None:
            if len(self._pending) >= MAX_PENDING:
                self.dropped += 1
                return
            row = self._pending[wid] = {**event, "minute": float(minute), "first_at": now, "count": 0}
        row["count"] += 1
        row.update(at=now, peer_pid=event["peer_pid"], command=event["command"], detail=event["detail"],
                   reason=event["reason"])

    def _log(self, event: dict[str, Any], now: float) -> None:
        key = (event["kind"], event["peer_uid"])
        state = self._logged.get(key)
        if state is None or now - state[0] >= 60:
            if state is not None and state[2]:
                log.warning("%d more %s events from uid %d in the last minute were not logged",
                            state[2], key[0], key[1],
                            extra={"event": key[0], "peer_uid": key[1], "suppressed": int(state[2])})
            if len(self._logged) > 10_000:
                self._logged.clear()
            state = self._logged[key] = [now, 0, 0]
        if state[1] < self.log_per_minute:
            state[1] += 1
            log.warning("security event %s from uid %d pid %d: %s", event["kind"], event["peer_uid"],
                        event["peer_pid"], event["detail"] or event["command"] or "",
                        extra={"event": event["kind"], "peer_uid": event["peer_uid"],
                               "peer_pid": event["peer_pid"], "command": event["command"] or ""})
        else:
            state[2] += 1

    # ------------------------------------------------------------ store
    async def flush(self, store: Any) -> int:
        """Write the pending windows (one upsert each); returns the events written."""
        if not self._pending:
            return 0
        batch, self._pending = self._pending, {}
        ops = []
        for wid, row in batch.items():
            ops.append((wid, {
                "$inc": {"count": row["count"]},
                "$max": {"at": row["at"]},
                "$min": {"first_at": row["first_at"]},
                "$set": {"peer_pid": row["peer_pid"], "command": row["command"], "detail": row["detail"],
                         "reason": row["reason"]},
                "$setOnInsert": {"minute": row["minute"], "kind": row["kind"], "peer_uid": row["peer_uid"],
                                 "peer_gid": row["peer_gid"]},
            }))
        try:
            await store.bulk_upsert(SECURITY_EVENTS, ops)
        except Exception:
            self._requeue(batch)
            raise
        now = self.clock()
        if now - self._capped_at >= _CAP_EVERY:
            self._capped_at = now
            self.capped += await self.cap(store)
        return sum(row["count"] for row in batch.values())

    def _requeue(self, batch: dict[str, dict[str, Any]]) -> None:
        for wid, row in batch.items():
            mine = self._pending.get(wid)
            if mine is None:
                if len(self._pending) >= MAX_PENDING:
                    self.dropped += row["count"]
                    continue
                self._pending[wid] = row
            else:  # new events of the same window arrived meanwhile: add the old ones in
                mine["count"] += row["count"]
                mine["first_at"] = min(mine["first_at"], row["first_at"])

    async def cap(self, store: Any) -> int:
        """Delete the oldest windows while the collection holds more than max_rows."""
        total = await store.count(SECURITY_EVENTS)
        excess = total - self.max_rows
        if excess <= 0:
            return 0
        oldest = await store.find(SECURITY_EVENTS, {}, sort=[("at", 1)], skip=excess - 1, limit=1)
        if not oldest:
            return 0
        deleted = int(await store.delete_many(SECURITY_EVENTS, {"at": {"$lte": oldest[0]["at"]}}))
        log.warning("security events: %d oldest rows deleted to keep the collection at %d rows",
                    deleted, self.max_rows)
        return deleted

    async def events(self, store: Any, limit: int = 50, kind: str | None = None) -> dict[str, Any]:
        """Newest windows first, from the store (after a flush), with counters since start."""
        filter_ = {"kind": kind} if kind else {}
        try:
            await self.flush(store)
            rows = await store.find(SECURITY_EVENTS, filter_, sort=[("at", -1)], limit=limit)
            total = await store.count(SECURITY_EVENTS, filter_)
            source = "store"
        except Exception as exc:  # the store is down: what memory holds is still worth showing
            log.warning("security events from memory only: %s", exc)
            rows = [e for e in reversed(self.recent) if not kind or e["kind"] == kind][:limit]
            total, source = len(rows), "memory"
        rows = [{k: v for k, v in row.items() if k != "_id"} for row in rows]  # copies: memory's stay whole
        top = sorted(self.by_uid.items(), key=lambda kv: -kv[1])[:10]
        return {"events": rows, "total_stored": total, "source": source,
                "counts_since_start": dict(sorted(self.counts.items())),
                "top_peers": [{"uid": uid, "events": n} for uid, n in top],
                "dropped": self.dropped, "window_s": WINDOW, "max_rows": self.max_rows}

    async def prune(self, store: Any, older_than: float) -> int:
        return await store.delete_many(SECURITY_EVENTS, {"at": {"$lt": older_than}})
