"""Security events on the control socket (`security events`, app.security).

The control server calls `record(kind, peer, command=..., detail=...)` for refused
requests (auth_failure), rate-limit violations and bad frames. Each event is counted,
kept in a short in-memory list, queued for the `security_events` collection, logged to
the journal with the peer's uid/pid and captured into the error tracker (category
"rate_limiting" for rate limits, as the runbook's dashboard query expects, "security"
otherwise), where it is one fingerprint however many times it happens.

A hostile peer can make thousands of events a second, so nothing here grows without
bound: the journal gets at most `log_per_minute` lines per (kind, peer uid) and a
summary of the rest, the write queue is capped (overflow is counted as dropped), and
the error tracker only counts.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections import deque
from typing import Any

log = logging.getLogger(__name__)

KINDS = ("auth_failure", "rate_limit_violation", "bad_frame")
MAX_PENDING = 10_000
RECENT = 500


class SecurityLog:
    def __init__(self, errors: Any = None, *, log_per_minute: int = 20, clock: Any = time.time):
        self.errors = errors
        self.log_per_minute = log_per_minute
        self.clock = clock
        self.counts: dict[str, int] = {}
        self.by_uid: dict[int, int] = {}
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)
        self.dropped = 0
        self._pending: list[dict[str, Any]] = []
        self._logged: dict[tuple[str, int], list[float]] = {}  # key -> [window start, lines, suppressed]
        self._seq = itertools.count()
        self._tag = f"{os.getpid() & 0xFFFF:04x}"

    def record(self, kind: str, peer: Any, command: str | None = None, detail: str | None = None) -> None:
        now = self.clock()
        uid, pid = getattr(peer, "uid", -1), getattr(peer, "pid", -1)
        event = {"_id": f"{int(now * 1e6):015x}{self._tag}{next(self._seq) & 0xFFFFFF:06x}", "at": now,
                 "kind": str(kind), "peer_uid": uid, "peer_pid": pid, "peer_gid": getattr(peer, "gid", -1),
                 "command": command, "detail": (detail or "")[:500]}
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if len(self.by_uid) < 10_000 or uid in self.by_uid:
            self.by_uid[uid] = self.by_uid.get(uid, 0) + 1
        self.recent.append(event)
        if len(self._pending) < MAX_PENDING:
            self._pending.append(event)
        else:
            self.dropped += 1
        self._log(event, now)
        if self.errors is not None:
            category = "rate_limiting" if kind == "rate_limit_violation" else "security"
            self.errors.capture(f"{kind.replace('_', ' ')}: {detail or command or ''}".strip(": "),
                                category, "high" if kind == "auth_failure" else "medium",
                                {"peer_uid": uid, "peer_pid": pid, "command": command},
                                error_type="SecurityEvent")

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
        if not self._pending:
            return 0
        batch, self._pending = self._pending, []
        try:
            await store.insert_many("security_events", batch, ignore_duplicates=True)
        except Exception:
            self._pending = (batch + self._pending)[:MAX_PENDING]
            raise
        return len(batch)

    async def events(self, store: Any, limit: int = 50, kind: str | None = None) -> dict[str, Any]:
        """Newest first, from the store (after a flush), with counters since start."""
        filter_ = {"kind": kind} if kind else {}
        try:
            await self.flush(store)
            rows = await store.find("security_events", filter_, sort=[("at", -1)], limit=limit)
            total = await store.count("security_events", filter_)
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
                "dropped": self.dropped}

    async def prune(self, store: Any, older_than: float) -> int:
        return await store.delete_many("security_events", {"at": {"$lt": older_than}})
