"""The bank's canonical vocabularies: categories and difficulties, with the spellings sites use.

Pages say "Quantitative Aptitude", "Quant", "Aptitude", "Logical Reasoning", "Easy",
"Beginner"...; the bank says `quantitative` and `easy`. Raw questions keep the page's
word (`category_page`, `difficulty_page`) beside the canonical one, so nothing a page said
is lost and every filter works on one vocabulary. Filters accept any alias, in any case;
an unknown word is a one-line error that lists the known ones (not a silent 0).
Standard library only: scrapedctl's help text is built from these tuples.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CATEGORIES = ("quantitative", "logical", "verbal", "technical", "general")
DIFFICULTIES = ("easy", "medium", "hard")

_CATEGORY_ALIASES: dict[str, tuple[str, ...]] = {
    "quantitative": ("quant", "quants", "quantitative aptitude", "aptitude", "quantitative ability",
                     "numerical ability", "numerical aptitude", "arithmetic", "arithmetic aptitude",
                     "maths", "math", "mathematics", "numerical reasoning", "data interpretation", "di",
                     "quantitative reasoning", "qa"),
    "logical": ("logical reasoning", "reasoning", "logic", "logical ability", "analytical reasoning",
                "verbal reasoning", "non verbal reasoning", "non-verbal reasoning", "puzzles", "puzzle",
                "lr", "critical reasoning"),
    "verbal": ("verbal ability", "english", "verbal english", "english language", "grammar",
               "vocabulary", "reading comprehension", "va", "verbal aptitude", "english usage"),
    "technical": ("tech", "programming", "coding", "computer science", "cs", "technical mcq",
                  "technical aptitude", "it", "software"),
    "general": ("general knowledge", "gk", "general awareness", "current affairs", "misc",
                "miscellaneous", "other"),
}
_DIFFICULTY_ALIASES: dict[str, tuple[str, ...]] = {
    "easy": ("simple", "beginner", "basic", "low", "level 1", "l1", "1"),
    "medium": ("moderate", "intermediate", "average", "normal", "mid", "level 2", "l2", "2"),
    "hard": ("difficult", "tough", "advanced", "expert", "high", "level 3", "l3", "3"),
}


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[_/]+", " ", text).casefold().replace("&", " and ").split())


def _lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, aliases in table.items():
        out[canonical] = canonical
        for alias in aliases:
            out[_folded(alias)] = canonical
    return out


_CATEGORY = _lookup(_CATEGORY_ALIASES)
_DIFFICULTY = _lookup(_DIFFICULTY_ALIASES)


def category(text: Any) -> str | None:
    """The canonical category of a page's word, or None when it is not one we know."""
    return _CATEGORY.get(_folded(text)) if isinstance(text, str) and text.strip() else None


def difficulty(text: Any) -> str | None:
    """The canonical difficulty of a page's word, or None when it is not one we know."""
    return _DIFFICULTY.get(_folded(text)) if isinstance(text, str) and text.strip() else None


def _spellings(table: dict[str, tuple[str, ...]], canonical: str) -> list[str]:
    return [canonical, *table[canonical]]


def filter_value(kind: str, text: str) -> tuple[str, str]:
    """(canonical word, regex that matches every stored spelling of it, case-insensitively),
    for a filter; ValueError with the known words when `text` is none of them."""
    table, lookup = (_CATEGORY_ALIASES, _CATEGORY) if kind == "category" else (_DIFFICULTY_ALIASES, _DIFFICULTY)
    canonical = lookup.get(_folded(text))
    if canonical is None:
        raise ValueError(f"unknown {kind} {text!r}: one of {', '.join(table)} "
                         f"(or a site's spelling of one, e.g. {table[next(iter(table))][1]!r})")
    # Raw questions stored before the bank canonicalised them hold the page's word.
    words = sorted({_folded(s) for s in _spellings(table, canonical)}, key=len, reverse=True)
    pattern = "^\\s*(" + "|".join(r"[\s_/]+".join(re.escape(p) for p in w.split()) for w in words) + ")\\s*$"
    return canonical, pattern
