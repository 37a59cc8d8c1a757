"""Every collection, its indexes and its array fields: declared once for both backends.

Indexes follow the queries the commands make. Field names are document paths; both
backends create them idempotently when the store opens. A unique index other than `_id`
makes inserts that collide raise DuplicateKey.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1

# Every collection's name, for every module that reads or writes it (import from here).
JOBS = "scraping_jobs"
FRONTIER = "frontier"
RAW = "raw_extracted_questions"
ENHANCED = "enhanced_questions"
ARCHIVED = "archived_raw_questions"
ERRORS = "errors"
ERROR_MINUTES = "error_minutes"
METRICS = "metrics"
SECURITY_EVENTS = "security_events"
AI_CACHE = "ai_cache"
AI_USAGE = "ai_usage"
LAYOUTS = "layouts"
LAYOUT_YIELD = "layout_yield"  # per job and layout: selector drift
DAEMONS = "daemons"
META = "meta"  # small documents by _id: schedules, totals, probes


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[tuple[str, int], ...]
    unique: bool = False


@dataclass(frozen=True)
class Collection:
    name: str
    indexes: tuple[Index, ...] = ()
    array_fields: frozenset[str] = frozenset()


def _ix(name: str, *keys: str, unique: bool = False) -> Index:
    parsed = tuple((k.lstrip("-"), -1 if k.startswith("-") else 1) for k in keys)
    return Index(name, parsed, unique)


_QUESTION_ARRAYS = frozenset({"options", "company_tags", "topics", "sources"})
# An enhanced question also lists the raw questions, jobs and pages it came from.
_ENHANCED_ARRAYS = _QUESTION_ARRAYS | {"raw_hashes", "job_ids", "source_urls"}

COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in (
        Collection(JOBS, (
            _ix("status_created", "status", "-created_at"),
            _ix("created_at", "-created_at"),
            _ix("lease_until", "lease.until"),
        )),
        Collection(FRONTIER, (
            _ix("job_state_next", "job_id", "state", "next_attempt_at"),
        )),
        Collection(RAW, (
            _ix("category_difficulty", "category", "difficulty"),
            _ix("enhancement_state", "enhancement.state"),
            _ix("extracted_at", "extracted_at"),
            _ix("job_id", "job_id"),
        ), _QUESTION_ARRAYS),
        Collection(ENHANCED, (
            _ix("category_difficulty", "category", "difficulty"),
            _ix("origin", "origin"),
            _ix("enhanced_at", "enhanced_at"),
            # the default view (not disputed), --verified and --quarantined
            _ix("level_enhanced_at", "verification.level", "-enhanced_at"),
            _ix("provisional", "provisional"),
        ), _ENHANCED_ARRAYS),
        Collection(ARCHIVED, (
            _ix("archived_at", "archived_at"),
        ), _QUESTION_ARRAYS),
        Collection(ERRORS, (
            _ix("last_seen", "-last_seen"),
            _ix("severity", "severity"),
        )),
        Collection(ERROR_MINUTES, (_ix("minute", "minute"),)),
        Collection(METRICS, (_ix("at", "at"),)),
        Collection(SECURITY_EVENTS, (_ix("at", "-at"), _ix("kind", "kind"))),
        Collection(AI_CACHE, (_ix("created_at", "created_at"),)),
        Collection(AI_USAGE, (_ix("day", "day"),)),
        Collection(LAYOUTS, ()),
        Collection(LAYOUT_YIELD, (_ix("job_id", "job_id"),)),
        Collection(DAEMONS, (_ix("heartbeat_at", "heartbeat_at"),)),
        Collection(META, ()),
    )
}


def collection(name: str) -> Collection:
    try:
        return COLLECTIONS[name]
    except KeyError:
        raise KeyError(f"unknown collection {name!r}: declare it in scraped/store/schema.py") from None
