"""The error tracker (`errors capture|stats|dashboard`, app.errors).

An error's fingerprint is its type, its message with the variable parts replaced
(quoted strings, UUIDs, hex, ids of 10+ letters and digits, numbers) and where it happened (the innermost frame of
our own code): "timeout after 3.2 s fetching 'a.com'" and "timeout after 9.9 s fetching
'b.org'" are one error seen twice. Each fingerprint keeps a count, first/last seen, its
latest message and a sample context; per-minute counts give the rate over the last hour.

`capture` is synchronous and cheap (it is called from exception handlers, sometimes
from worker threads): it updates memory and marks what changed. The ops service calls
`flush()` every second to write the changes to the store with `$inc` (so daemons sharing
a store add up) and `load()` at start to carry the counts across restarts.

Error handling: a failing flush keeps the changes for the next one (bounded) and is
logged; capture never raises.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import logging
import re
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from scraped.store.schema import ERROR_MINUTES, ERRORS

log = logging.getLogger(__name__)

SEVERITIES = ("low", "medium", "high", "critical")
MAX_MESSAGE = 2000
MAX_CONTEXT_ITEMS = 50
MAX_STRING = 1000
MINUTES_KEPT = 180
# Distinct message patterns one place (type, category, location) may create; past it, new
# patterns from there are one record, "varied messages". Messages that carry input (a
# peer's bytes, a page's text) cannot then grow the unique-error count without bound.
MAX_VARIANTS = 20
MAX_SITES = 10_000
_SECRET_KEY = re.compile(r"key|token|secret|passw|authorization|cookie|credential", re.I)

_NORMALISE = (
    (re.compile(r"'[^'\n]*'|\"[^\"\n]*\""), "<str>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (re.compile(r"\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.I), "<hex>"),
    (re.compile(r"\b(?=\w*\d)(?=\w*[a-z])\w{10,}\b", re.I), "<id>"),  # ULIDs, tokens, job ids
    (re.compile(r"[-+]?\d+(?:[.,]\d+)*(?:e[-+]?\d+)?", re.I), "<n>"),
)


def normalise(message: str) -> str:
    for pattern, repl in _NORMALISE:
        message = pattern.sub(repl, message)
    return message


_CACHE: dict[tuple[str, str, str], tuple[str, str]] = {}  # a flood repeats one message: skip the regexes


def fingerprint_and_pattern(error_type: str, message: str, location: str) -> tuple[str, str]:
    key = (error_type, message, location)
    hit = _CACHE.get(key)
    if hit is None:
        pattern = normalise(message)
        raw = f"{error_type}\x00{pattern}\x00{location}"
        hit = (hashlib.sha1(raw.encode("utf-8", "replace")).hexdigest()[:16], pattern)
        if len(message) <= 256:  # bounded by size as well as count
            if len(_CACHE) >= 4096:
                _CACHE.clear()
            _CACHE[key] = hit
    return hit


def fingerprint(error_type: str, message: str, location: str) -> str:
    return fingerprint_and_pattern(error_type, message, location)[0]


@functools.lru_cache(maxsize=1024)
def _is_secret(key: str) -> bool:
    return _SECRET_KEY.search(key) is not None


def clean(value: Any, depth: int = 0) -> Any:
    """A msgpack-safe, bounded copy of a context value; secret-looking keys redacted."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING else value[:MAX_STRING] + "…"
    if depth >= 4:
        return "…"
    if isinstance(value, dict):
        out = {}
        for i, (k, v) in enumerate(value.items()):
            if i >= MAX_CONTEXT_ITEMS:
                out["…"] = f"{len(value) - i} more"
                break
            key = str(k)[:100]
            out[key] = "<redacted>" if _is_secret(key) else clean(v, depth + 1)
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        return [clean(v, depth + 1) for v in items[:MAX_CONTEXT_ITEMS]]
    return clean(repr(value), depth)


def location_of(exc: BaseException) -> tuple[str, str]:
    """(module:function for the fingerprint, file:line for people) of the innermost frame
    in our own package, else the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    if not frames:
        return "", ""
    ours = [f for f in frames if "/scraped/" in f.filename.replace("\\", "/")]
    frame = (ours or frames)[-1]
    path = frame.filename.replace("\\", "/")
    module = path.rsplit("/scraped/", 1)[-1] if "/scraped/" in path else path.rsplit("/", 1)[-1]
    return f"{module}:{frame.name}", f"{module}:{frame.lineno}"


@dataclass
class ErrorRecord:
    fingerprint: str
    type: str
    pattern: str
    message: str
    category: str
    severity: str
    location: str
    first_seen: float
    last_seen: float
    count: int = 0
    context: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "message": self.message, "category": self.category,
                "severity": self.severity, "count": self.count, "first_seen": self.first_seen,
                "last_seen": self.last_seen, "type": self.type, "location": self.location,
                "context": self.context}


class ErrorTracker:
    def __init__(self, max_tracked: int = 5000, clock: Any = time.time):
        self.max_tracked = max_tracked
        self.clock = clock
        self._records: OrderedDict[str, ErrorRecord] = OrderedDict()  # least recently seen first
        self._minutes: dict[int, int] = {}  # minute start (epoch s) -> occurrences
        self._by_severity: dict[str, int] = {}
        self._by_category: dict[str, int] = {}
        self._occurrences = 0
        self._dirty: dict[str, int] = {}  # fingerprint -> count not yet written
        self._dirty_minutes: dict[int, int] = {}
        self._variants: dict[tuple[str, str, str], int] = {}  # (type, category, location) -> patterns
        self.dropped_writes = 0

    # ------------------------------------------------------------ capture
    def capture(self, message: str, category: str = "application", severity: str = "medium",
                context: dict[str, Any] | None = None, *, error_type: str = "Message",
                location: str = "") -> dict[str, Any]:
        """Count one occurrence; returns {fingerprint, count, new}."""
        message = str(message)[:MAX_MESSAGE]
        severity = severity if severity in SEVERITIES else "medium"
        category = str(category)[:100] or "application"
        now = self.clock()
        fp, pattern = fingerprint_and_pattern(error_type, message, location)
        record = self._records.get(fp)
        if record is None:
            fp, pattern = self._site_variant(fp, pattern, error_type, category, location)
            record = self._records.get(fp)
        new = record is None
        if record is None:
            record = ErrorRecord(fp, error_type, pattern, message, category, severity, location, now, now)
            self._records[fp] = record
            if len(self._records) > self.max_tracked:
                self._records.popitem(last=False)
        else:
            self._records.move_to_end(fp)
        record.count += 1
        record.last_seen, record.message, record.severity, record.category = now, message, severity, category
        if context:
            record.context = clean(context)
        minute = int(now // 60 * 60)
        self._minutes[minute] = self._minutes.get(minute, 0) + 1
        self._by_severity[severity] = self._by_severity.get(severity, 0) + 1
        self._by_category[category] = self._by_category.get(category, 0) + 1
        self._occurrences += 1
        if len(self._dirty) < 10 * self.max_tracked:
            self._dirty[fp] = self._dirty.get(fp, 0) + 1
            self._dirty_minutes[minute] = self._dirty_minutes.get(minute, 0) + 1
        else:
            self.dropped_writes += 1
        if len(self._minutes) > MINUTES_KEPT:
            for m in sorted(self._minutes)[:-MINUTES_KEPT]:
                del self._minutes[m]
        return {"fingerprint": fp, "count": record.count, "new": new}

    def _site_variant(self, fp: str, pattern: str, error_type: str, category: str,
                      location: str) -> tuple[str, str]:
        """(fingerprint, pattern) for a pattern not seen before: its own while its place has
        made fewer than MAX_VARIANTS, else the place's one "varied messages" record."""
        site = (error_type, category, location)
        seen = self._variants.get(site, 0)
        if seen < MAX_VARIANTS:
            if len(self._variants) < MAX_SITES or site in self._variants:
                self._variants[site] = seen + 1
            return fp, pattern
        varied = f"<varied messages from {location or category}>"
        return fingerprint_and_pattern(error_type, varied, f"{location}\x00{category}")[0], varied

    def capture_exception(self, exc: BaseException, *, category: str = "application",
                          severity: str = "high", context: dict[str, Any] | None = None) -> dict[str, Any]:
        where, line = location_of(exc)
        ctx = dict(context or {})
        if line:
            ctx.setdefault("where", line)
        name = type(exc).__name__
        return self.capture(f"{name}: {exc}" if str(exc) else name, category, severity, ctx,
                            error_type=name, location=where)

    # ------------------------------------------------------------ reading
    def rate_per_minute(self, minutes: int = 60) -> float:
        since = self.clock() - minutes * 60
        return sum(n for m, n in self._minutes.items() if m + 60 > since) / minutes

    def stats(self) -> dict[str, Any]:
        """The runbook's `errors/stats` fields (breakdowns count occurrences)."""
        now = self.clock()
        last_hour = sum(n for m, n in self._minutes.items() if m + 60 > now - 3600)
        return {
            "total_unique_errors": len(self._records),
            "total_occurrences": self._occurrences,
            "error_rate_1h": round(last_hour / 60, 4),
            "errors_last_hour": last_hour,
            "severity_breakdown": dict(sorted(self._by_severity.items())),
            "category_breakdown": dict(sorted(self._by_category.items())),
        }

    def minute_count(self, minute: int) -> int:
        return self._minutes.get(int(minute), 0)

    def trend(self, minutes: int = 60) -> list[int]:
        """Occurrences per minute, oldest first, ending with the current minute."""
        current = int(self.clock() // 60 * 60)
        return [self._minutes.get(current - 60 * i, 0) for i in range(minutes - 1, -1, -1)]

    def dashboard(self, limit: int = 10) -> dict[str, Any]:
        top = heapq.nlargest(limit, self._records.values(), key=lambda r: (r.count, r.last_seen))
        recent = list(self._records.values())[-limit:][::-1]
        return {"top_errors": [r.public() for r in top], "recent_errors": [r.public() for r in recent],
                "statistics": self.stats(), "error_trend": self.trend(60)}

    def get(self, fp: str) -> dict[str, Any] | None:
        record = self._records.get(fp)
        return record.public() if record else None

    # ------------------------------------------------------------ persistence
    async def load(self, store: Any) -> int:
        """Counts and records from the store (most recently seen first), before any flush."""
        docs = await store.find(ERRORS, {}, sort=[("last_seen", -1)], limit=self.max_tracked)
        for doc in reversed(docs):
            fp = doc["_id"]
            if fp in self._records:
                continue
            record = ErrorRecord(fp, doc.get("type", "Message"), doc.get("pattern", ""),
                                 doc.get("message", ""), doc.get("category", "application"),
                                 doc.get("severity", "medium"), doc.get("location", ""),
                                 doc.get("first_seen", 0.0), doc.get("last_seen", 0.0),
                                 int(doc.get("count", 0)), doc.get("context") or {})
            self._records[fp] = record
            self._records.move_to_end(fp, last=False)
            site = (record.type, record.category, record.location)
            if not record.pattern.startswith("<varied messages"):
                self._variants[site] = self._variants.get(site, 0) + 1
            self._occurrences += record.count
            self._by_severity[record.severity] = self._by_severity.get(record.severity, 0) + record.count
            self._by_category[record.category] = self._by_category.get(record.category, 0) + record.count
        since = self.clock() - MINUTES_KEPT * 60
        for doc in await store.find(ERROR_MINUTES, {"minute": {"$gte": since}}):
            minute = int(doc["minute"])
            self._minutes[minute] = self._minutes.get(minute, 0) + int(doc.get("count", 0))
        return len(docs)

    async def flush(self, store: Any) -> int:
        """Write what changed since the last flush; returns the occurrences written."""
        if not self._dirty and not self._dirty_minutes:
            return 0
        dirty, minutes = self._dirty, self._dirty_minutes
        self._dirty, self._dirty_minutes = {}, {}
        ops = []
        for fp, n in dirty.items():
            r = self._records.get(fp)
            if r is None:
                continue  # evicted from memory between capture and flush; its count is lost here
            ops.append((fp, {"$inc": {"count": n},
                             "$set": {"message": r.message, "category": r.category, "severity": r.severity,
                                      "last_seen": r.last_seen, "context": r.context},
                             "$setOnInsert": {"type": r.type, "pattern": r.pattern, "location": r.location,
                                              "first_seen": r.first_seen}}))
        minute_ops = [(str(m), {"$inc": {"count": n}, "$set": {"minute": float(m)}}) for m, n in minutes.items()]
        try:
            await store.bulk_upsert(ERRORS, ops)
        except Exception:
            self._requeue(dirty, minutes)  # nothing was written: all of it goes again
            raise
        try:
            await store.bulk_upsert(ERROR_MINUTES, minute_ops)
        except Exception:
            self._requeue({}, minutes)
            raise
        return sum(dirty.values())

    def _requeue(self, dirty: dict[str, int], minutes: dict[int, int]) -> None:
        for fp, n in dirty.items():
            self._dirty[fp] = self._dirty.get(fp, 0) + n
        for m, n in minutes.items():
            self._dirty_minutes[m] = self._dirty_minutes.get(m, 0) + n

    async def prune(self, store: Any, older_than: float) -> int:
        return await store.delete_many(ERROR_MINUTES, {"minute": {"$lt": older_than}})
