"""Filters of the `questions` commands, per bank, on the canonical vocabulary.

`--bank enhanced` (the default) reads the verified bank, `raw` what the engine scraped,
`all` both without counting a question twice: every enhanced question, and the raw
questions that have none yet (pending, in progress, failed). Category and difficulty
match any spelling of the canonical word in any case (scraped/bank/vocab.py); company
tags match case-insensitively. The enhanced bank's default view leaves out quarantined
(disputed) questions; `--quarantined` lists only them, `--verified` only questions whose
answer an independent check chose (recomputed, solved-and-agrees).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scraped.bank import lifecycle as lc
from scraped.bank import vocab
from scraped.errors import BadRequest
from scraped.store.base import Filter


@dataclass(frozen=True)
class Part:
    """One collection's share of a bank: its name, filter and newest-first sort."""

    bank: str  # "enhanced" or "raw"
    collection: str
    filter: Filter
    sort: list[tuple[str, int]]


def _ci_exact(text: str) -> dict[str, Any]:
    return {"$regex": "^\\s*" + re.escape(text.strip()) + "\\s*$", "$options": "i"}


def _common(args: dict[str, Any], *, job_field: str) -> Filter:
    flt: Filter = {}
    for kind in ("category", "difficulty"):
        if args.get(kind):
            try:
                _, pattern = vocab.filter_value(kind, args[kind])
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
            flt[kind] = {"$regex": pattern, "$options": "i"}
    if args.get("company"):
        flt["company_tags"] = _ci_exact(args["company"])
    if args.get("job"):
        flt[job_field] = args["job"]
    if args.get("search"):
        flt["question"] = {"$regex": re.escape(args["search"]), "$options": "i"}
    return flt


def _enhanced(args: dict[str, Any]) -> Filter:
    flt = _common(args, job_field="job_ids")
    level = args.get("level")
    if args.get("quarantined"):
        if level and level != lc.DISPUTED:
            raise BadRequest("--quarantined lists disputed questions: it takes no other --level")
        flt["verification.level"] = lc.DISPUTED
    elif level:
        if args.get("verified") and level not in lc.VERIFIED:
            raise BadRequest(f"--verified means {' or '.join(lc.VERIFIED)}: not --level {level}")
        flt["verification.level"] = level
    elif args.get("verified"):
        flt["verification.level"] = {"$in": list(lc.VERIFIED)}
    else:
        flt["verification.level"] = {"$ne": lc.DISPUTED}
    if args.get("provisional") is not None:
        flt["provisional"] = True if args["provisional"] else {"$ne": True}
    if args.get("origin"):
        flt["origin"] = args["origin"]
    return flt


def _raw(args: dict[str, Any], *, unenhanced_only: bool) -> Filter:
    # Every job that found the question, not only the first (`job_id`): its sources name them.
    flt = _common(args, job_field="sources.job_id")
    if args.get("enhancement"):
        flt["enhancement.state"] = args["enhancement"]
    elif unenhanced_only:
        flt["enhancement.state"] = {"$in": [lc.PENDING, lc.IN_PROGRESS, lc.FAILED]}
    return flt


def parts(args: dict[str, Any]) -> list[Part]:
    """The collections (and filters) a questions command reads, for its `--bank`."""
    bank = args.get("bank") or lc.DEFAULT_BANK
    checked = args.get("verified") or args.get("quarantined") or args.get("level") or \
        args.get("provisional") is not None
    if bank == "raw" and checked:
        raise BadRequest("raw questions carry no verification: --verified, --quarantined, --level and "
                         "--provisional need --bank enhanced (or all)")
    if bank != "raw" and args.get("enhancement"):
        raise BadRequest("--enhancement is a raw question's state: use it with --bank raw")
    if bank == "raw" and args.get("origin"):
        raise BadRequest("--origin is an enhanced question's: use it with --bank enhanced (or all)")
    out: list[Part] = []
    if bank in ("enhanced", "all"):
        out.append(Part("enhanced", lc.ENHANCED, _enhanced(args), [("enhanced_at", -1)]))
    if bank == "raw" or (bank == "all" and not checked and not args.get("origin")):
        out.append(Part("raw", lc.RAW, _raw(args, unenhanced_only=bank == "all"), [("extracted_at", -1)]))
    return out
