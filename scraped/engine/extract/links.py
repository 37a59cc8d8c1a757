"""Links to follow from a page: canonical, de-duplicated, in page order."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from scraped.engine.extract.page import Page
from scraped.engine.extract.rules import FollowRules, compiled
from scraped.engine.fetch.urls import canonicalize

__all__ = ["Links", "extract_links", "extract_link_sets"]

_DEFAULT = FollowRules()


def _anchors(root):
    """<a href>, <area href> and <link rel href> in document order (what the XPath
    "//a[@href] | //area[@href] | //link[@rel][@href]" selects, without compiling or
    evaluating one)."""
    for el in root.iter("a", "area", "link"):
        if el.get("href") is not None and (el.tag != "link" or el.get("rel") is not None):
            yield el


class Links(NamedTuple):
    follow: list[str]  # ordinary links (one level deeper)
    pagination: list[str]  # "next page" links (the same level)



@lru_cache(maxsize=256)
def _patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


@lru_cache(maxsize=64)
def _extensions(exts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(e.lower() for e in exts)


def _extension(url: str) -> str:
    path = url.split("?", 1)[0]
    dot = path.rfind(".")
    return path[dot + 1:].lower() if dot > path.rfind("/") else ""


def _selected(root, selectors: tuple[str, ...]) -> set:
    """The <a>/<area> elements picked by selectors (an href attribute picks its element;
    a container picks every link inside it)."""
    out: set = set()
    for sel in selectors:
        for node in compiled(sel)(root):
            el = node.getparent() if isinstance(node, etree._ElementUnicodeResult) else node
            if el is None or not isinstance(getattr(el, "tag", None), str):
                continue
            if el.tag in ("a", "area", "link"):
                out.add(el)
            else:
                out.update(a for a in el.iter("a", "area") if a is not el and a.get("href") is not None)
    return out


def _scan(page: Page, follow: FollowRules | None) -> dict[str, bool]:
    """{canonical url: is pagination} in page order."""
    follow = follow or _DEFAULT
    root = page.root
    if root is None:
        return {}
    picked = _selected(root, follow.selectors) if follow.selectors else None
    pages = _selected(root, follow.pagination) if follow.pagination else set()
    allow = _patterns(follow.allow)
    deny = _patterns(follow.deny)
    denied_ext = _extensions(follow.deny_extensions)
    base = page.base_url
    here = canonicalize(page.url)
    seen: dict[str, bool] = {}  # url -> is pagination
    for el in _anchors(root):
        rel = el.get("rel")
        is_page = el in pages or (rel is not None and "next" in rel.lower().split())
        if not is_page and (el.tag == "link" or (picked is not None and el not in picked)):
            continue
        url = canonicalize(el.get("href") or "", base)
        if url is None or url == here:
            continue
        if url in seen:
            if is_page:
                seen[url] = True
            continue
        if denied_ext and _extension(url) in denied_ext:
            continue
        if deny and any(p.search(url) for p in deny):
            continue
        if not is_page and allow and not any(p.search(url) for p in allow):
            continue
        seen[url] = is_page
    return seen


def extract_link_sets(page: Page, follow: FollowRules | None = None) -> Links:
    """Follow and pagination links of a page; see FollowRules for the rules."""
    seen = _scan(page, follow)
    return Links([u for u, p in seen.items() if not p], [u for u, p in seen.items() if p])


def extract_links(page: Page, follow: FollowRules | None = None) -> list[str]:
    """Absolute canonical URLs to follow, de-duplicated, in page order, honouring <base href>.

    Pagination links are included (see `extract_link_sets` to tell them apart); a page's
    links to itself, non-http(s) links and links to files (images, archives...) are not.
    """
    return list(_scan(page, follow))
