"""Every collection, its indexes and its array fields: declared once for both backends.

Indexes follow the queries the commands make. Field names are document paths; both
backends create them idempotently when the store opens. A unique index other than `_id`
makes inserts that collide raise DuplicateKey.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1


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
        Collection("scraping_jobs", (
            _ix("status_created", "status", "-created_at"),
            _ix("created_at", "-created_at"),
            _ix("lease_until", "lease.until"),
        )),
        Collection("frontier", (
            _ix("job_state_next", "job_id", "state", "next_attempt_at"),
        )),
        Collection("raw_extracted_questions", (
            _ix("category_difficulty", "category", "difficulty"),
            _ix("enhancement_state", "enhancement.state"),
            _ix("extracted_at", "extracted_at"),
            _ix("job_id", "job_id"),
        ), _QUESTION_ARRAYS),
        Collection("enhanced_questions", (
            _ix("category_difficulty", "category", "difficulty"),
            _ix("origin", "origin"),
            _ix("enhanced_at", "enhanced_at"),
            # the default view (not disputed), --verified and --quarantined
            _ix("level_enhanced_at", "verification.level", "-enhanced_at"),
            _ix("provisional", "provisional"),
        ), _ENHANCED_ARRAYS),
        Collection("archived_raw_questions", (
            _ix("archived_at", "archived_at"),
        ), _QUESTION_ARRAYS),
        Collection("errors", (
            _ix("last_seen", "-last_seen"),
            _ix("severity", "severity"),
        )),
        Collection("error_minutes", (_ix("minute", "minute"),)),
        Collection("metrics", (_ix("at", "at"),)),
        Collection("security_events", (_ix("at", "-at"), _ix("kind", "kind"))),
        Collection("ai_cache", (_ix("created_at", "created_at"),)),
        Collection("ai_usage", (_ix("day", "day"),)),
        Collection("layouts", ()),
        Collection("layout_yield", (_ix("job_id", "job_id"),)),  # per job and layout: drift
        Collection("daemons", (_ix("heartbeat_at", "heartbeat_at"),)),
        Collection("meta", ()),
    )
}


def collection(name: str) -> Collection:
    try:
        return COLLECTIONS[name]
    except KeyError:
        raise KeyError(f"unknown collection {name!r}: declare it in scraped/store/schema.py") from None
