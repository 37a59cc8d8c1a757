"""Selectors of css extraction, run without XPath when they are simple.

A job's field selectors run once per question block. An XPath evaluation costs a few
microseconds before it looks at a node, more than walking a block's dozen elements, so
the common CSS forms (descendant chains of compounds made of a tag, ``#id`` and
``.class``: "div.answer p.ans", "ul.choices li", ".q") are matched here in Python, with
the same result as parsel's XPath translation: the same nodes in document order; the
first compound may be the context element itself, the others lie inside it; a class
matches a whole token of the attribute split on XML whitespace. Anything else (XPath,
``::text``, ``::attr()``, ``>``, ``+``, attributes, pseudo-classes, lists) runs the
compiled XPath.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from scraped.engine.extract.rules import compiled, is_xpath

__all__ = ["selector"]

_IDENT = r"-?[A-Za-z_][A-Za-z0-9_-]*"
_COMPOUND = re.compile(rf"(?P<tag>[A-Za-z][A-Za-z0-9]*|\*)?(?P<rest>(?:[.#]{_IDENT})*)")
_PART = re.compile(rf"([.#])({_IDENT})")
_XML_SPACE = re.compile("[ \t\r\n]+")
_SIMPLE_CHARS = re.compile(r"[A-Za-z0-9_.#* \t\r\n-]+")  # cssselect's whitespace, no escapes

# A compound: (tag or None, id or None, frozenset of classes)
Compound = tuple[str | None, str | None, frozenset]


def _parse(css: str) -> tuple[Compound, ...] | None:
    """The compounds of a descendant chain, or None when the selector is not that simple."""
    if not _SIMPLE_CHARS.fullmatch(css):
        return None
    chain = []
    for word in css.split():
        m = _COMPOUND.fullmatch(word)
        if m is None or not word:
            return None
        tag = m.group("tag")
        ident = None
        classes = []
        for kind, name in _PART.findall(m.group("rest")):
            if kind == "#":
                if ident is not None and ident != name:
                    return None  # "#a#b" matches nothing; leave the oddity to XPath
                ident = name
            else:
                classes.append(name)
        chain.append((None if tag in (None, "*") else tag.lower(), ident, frozenset(classes)))
    return tuple(chain) or None


_tokens: dict[str, frozenset] = {}


def _classes(value: str) -> frozenset:
    hit = _tokens.get(value)
    if hit is None:
        if len(_tokens) > 4096:
            _tokens.clear()
        hit = _tokens[value] = frozenset(t for t in _XML_SPACE.split(value) if t)
    return hit


def _matches(el, compound: Compound) -> bool:
    tag, ident, classes = compound
    if tag is not None and el.tag != tag:
        return False
    if ident is not None and el.get("id") != ident:
        return False
    if classes:
        value = el.get("class")
        if not value or not classes <= _classes(value):
            return False
    return True


def _inside(el, ancestors: tuple[Compound, ...], ctx) -> bool:
    """Do `ancestors` (outermost first) match elements above `el`, the outermost at
    `ctx` or inside it? Nearest matches first, which is enough for descendant chains."""
    k = len(ancestors) - 1
    node = el
    while node is not ctx:
        node = node.getparent()
        if node is None:
            return False
        if _matches(node, ancestors[k]):
            k -= 1
            if k < 0:
                return True
    return False


def _compile(chain: tuple[Compound, ...]):
    """The function running a descendant chain (its parts bound once, not per call)."""
    tag, ident, classes = chain[-1]
    ancestors = chain[:-1]
    what = tag or etree.Element
    classes_of = _classes

    def run(ctx) -> list:
        found = []
        for el in ctx.iter(what):  # iter has checked the tag
            if ident is not None and el.get("id") != ident:
                continue
            if classes:
                value = el.get("class")
                if not value or not classes <= classes_of(value):
                    continue
            if ancestors and (el is ctx or not _inside(el, ancestors, ctx)):
                continue
            found.append(el)
        return found

    return run


@lru_cache(maxsize=1024)
def selector(css: str, relative: bool = False):
    """A function of a context element giving what `css` selects there (a list).

    Raises ValueError for an invalid selector, as `to_xpath` does."""
    xpath = compiled(css, relative)
    chain = None if is_xpath(css) else _parse(css.strip())
    return xpath if chain is None else _compile(chain)
