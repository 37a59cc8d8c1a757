"""A page's layout: its site and a fingerprint of its template's skeleton.

Pages of one template (every question page of a site's section) share a layout; a
listing page or an article of the same site has another. The ai-schema mode learns
extraction rules once per layout, and selector drift is watched per layout.

The skeleton is the tree of block elements under <body> down to `DEPTH` levels, each
written as its tag and its id with numbers and hex runs blanked ("post-123" -> "post-#"). Siblings
with the same signature merge into one, keeping the sub-structure at least half of them
have (a page of 8 questions and a page of 12 have one skeleton; one question of ten with
a table in it changes nothing), and inline and content elements (p, span, a, pre...) are
left out, their structural children counted as their parent's. Class names
are left out too, on purpose: a site whose CSS classes are renamed (the commonest way
selectors break) keeps its layout, so that its drop in yield shows as drift of that
layout and ai-schema derives new rules for it, instead of looking like a new layout.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

__all__ = ["DEPTH", "fingerprint", "skeleton", "site_of"]

DEPTH = 4
# Elements whose presence says something about the template.
_STRUCTURE = frozenset({
    "header", "footer", "nav", "main", "aside", "section", "article", "div", "form", "ul", "ol",
    "dl", "table", "fieldset", "details", "iframe",
})
_VARYING = re.compile(r"[0-9a-f]{6,}|\d+")  # numbers and hex runs vary per page ("post-12", "q-9f8e7d6c")
_MAX_CHILDREN = 40  # a page with thousands of distinct siblings: the first ones say enough


def site_of(url: str) -> str:
    """The host (and port) of a URL, lower case: the first half of a layout's key."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return (parts.netloc or "").lower().rsplit("@", 1)[-1]


def _sig(el: Any) -> str:
    ident = el.get("id")
    return f"{el.tag}#{_VARYING.sub('#', ident.strip().lower())}" if ident else str(el.tag)


def _children(el: Any, budget: int) -> Any:
    """The structural children of an element; those inside a non-structural wrapper (a
    <p>, a <span>) count as its own (a few levels down at most)."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in _STRUCTURE:
            yield child
        elif budget > 0 and len(child):
            yield from _children(child, budget - 1)


def _shape(el: Any, depth: int) -> list[str]:
    """The pieces of an element's skeleton: one per signature of its structural children,
    in order of first appearance. Siblings of one signature merge, keeping the sub-pieces
    at least half of them have (one question of ten with a table in it changes nothing)."""
    if depth == 0:
        return []
    groups: dict[str, tuple[list[int], dict[str, int]]] = {}
    for child in _children(el, 3):
        sig = _sig(child)
        if sig not in groups:
            if len(groups) >= _MAX_CHILDREN:
                continue
            groups[sig] = ([0], {})
        count, subs = groups[sig]
        count[0] += 1
        for piece in _shape(child, depth - 1):
            subs[piece] = subs.get(piece, 0) + 1
    out = []
    for sig, (count, subs) in groups.items():
        kept = [p for p, n in subs.items() if 2 * n >= count[0]]
        out.append(sig + (f"({','.join(kept)})" if kept else ""))
    return out


def skeleton(root: Any, depth: int = DEPTH) -> str:
    """The skeleton of a parsed page (an lxml root), as text."""
    if root is None:
        return ""
    body = root.find("body") if root.tag != "body" else root
    return ",".join(_shape(body if body is not None else root, depth))


def fingerprint(root: Any, url: str) -> str:
    """The layout key of a page: "host/" and 12 hex digits of its skeleton's hash."""
    digest = hashlib.sha1(skeleton(root).encode("utf-8", "replace")).hexdigest()[:12]
    return f"{site_of(url)}/{digest}"
