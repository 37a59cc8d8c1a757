"""The raw -> enhanced lifecycle: collection names, enhancement states, verification levels.

A scraped question is stored raw (`raw_extracted_questions`, keyed by its content hash)
with `enhancement.state`:

    pending ──claim──> in_progress ──model──────> done
       ^                   │  └────offline rules──> provisional ──(a model is back)──> in_progress
       └──retry (bounded)──┘──────────────────────> failed (with the reason)

An enhanced question (`enhanced_questions`) carries its `verification.level`, earned by
what was actually checked, never by who answered:

    recomputed         the arithmetic was recomputed (or a template computed it) and names one option
    solved-and-agrees  a model solved the question without seeing the key, in its own call,
                       and chose the key's option
    page-only          the page's key, nothing checked it
    model-only         no page key: the enhancing model's answer, nothing checked it
    disputed           the page's key and the independent solve disagree: quarantined
                       (out of the default export, listed by `questions list --quarantined`)

`quality_score` follows the level (QUALITY), minus small deductions for what is missing.
Standard library only (imported by scrapedctl's renderers too); the collection names are
scraped/store/schema.py's.
"""

from __future__ import annotations

# The bank's collections, re-exported under the names bank code uses (declared in schema.py).
from scraped.store.schema import ARCHIVED as ARCHIVED
from scraped.store.schema import ENHANCED as ENHANCED
from scraped.store.schema import RAW as RAW

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

BANKS = ("enhanced", "raw", "all")
DEFAULT_BANK = "enhanced"

# enhancement.state of a raw question
PENDING, IN_PROGRESS, DONE, PROVISIONAL, FAILED = "pending", "in_progress", "done", "provisional", "failed"
STATES = (PENDING, IN_PROGRESS, DONE, PROVISIONAL, FAILED)

# verification.level of an enhanced question
RECOMPUTED, SOLVED, PAGE_ONLY, MODEL_ONLY, DISPUTED = (
    "recomputed", "solved-and-agrees", "page-only", "model-only", "disputed")
LEVELS = (RECOMPUTED, SOLVED, PAGE_ONLY, MODEL_ONLY, DISPUTED)
VERIFIED = (RECOMPUTED, SOLVED)  # `--verified`: an independent check chose the stored answer
QUALITY = {RECOMPUTED: 1.0, SOLVED: 0.9, PAGE_ONLY: 0.6, MODEL_ONLY: 0.5, DISPUTED: 0.2}


def quality(level: str, *, explanation: bool, options: int, provisional: bool) -> float:
    """The quality score of a question verified to `level`."""
    score = QUALITY[level]
    if not explanation:
        score -= 0.1
    if options < 4:
        score -= 0.05
    if provisional:
        score -= 0.05  # offline rules cleaned it; a model has not looked at it yet
    return round(max(0.0, min(1.0, score)), 3)


def level_of(doc: dict[str, Any]) -> str:
    """The level of an enhanced document; documents written before levels existed are
    read as what their checks show (a template's answer: recomputed; else page-only)."""
    level = (doc.get("verification") or {}).get("level")
    if level in LEVELS:
        return str(level)
    checks = doc.get("checks") or {}
    if isinstance(checks, dict) and checks.get("recomputed") in ("by_construction", "recomputed", "agrees"):
        return RECOMPUTED
    return PAGE_ONLY


def quarantined(doc: dict[str, Any]) -> bool:
    return level_of(doc) == DISPUTED


def archivable_filter(cutoff: float) -> dict[str, Any]:
    """Raw questions retention may archive: extracted before `cutoff` and not mid-enhancement
    (a pending or claimed one would lose its place in the enhancement queue)."""
    return {"extracted_at": {"$lt": cutoff},
            "enhancement.state": {"$in": [DONE, PROVISIONAL, FAILED]}}
