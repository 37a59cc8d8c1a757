"""Repeated sibling structures: options written as links, labels, buttons or spans.

The record-mining idea of MDR/DEPTA at the scale of one record: 2-12 adjacent children of
one element with the same tag (spans: the same first class too), with nothing between them
but separators (<br>, radio inputs, "|", ","), and no words around them (links inside
prose are no group). lines.py makes each member a line of its own, numbered as the items
of a list, so runs.py reads them like <li> options.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["GROUPABLE", "SEPARATORS", "repeated", "sibling_groups"]

GROUPABLE = frozenset(("a", "label", "button", "span"))  # inline tags that can hold an option
SEPARATORS = frozenset(("br", "wbr", "input", "img", "i"))  # may sit between repeated options


def sibling_groups(el, new_id: Callable[[], int]) -> dict:
    """{child: (group id, index)} for repeated siblings of `el`: 2-12 adjacent a/label/
    button children (or spans with one class) of one tag, with nothing between them but
    separators (<br>, radio inputs, "|"): options written as links, labels, buttons or
    spans in one block (the record-mining idea of MDR: a repeated sibling structure)."""
    out: dict = {}
    tags = [c.tag for c in el]
    if not any(tags.count(t) > 1 for t in GROUPABLE):
        return out  # fewer than two links, labels, buttons or spans: no group (the common case)
    run: list = []
    sig = None
    # words right before a run, or after one of its members: links inside prose
    words = bool(el.text and len(el.text.strip()) > 2)
    prose = False
    for c in el:
        t = c.tag
        tail = c.tail
        if t in GROUPABLE:
            cls = c.get("class")
            # links/labels/buttons by tag alone (a class may mark one: "true" / "false");
            # spans by class too, so a letter's span and its text's span are no group
            s = (t, cls.split(None, 1)[0]) if t == "span" and cls and cls.strip() else t
            if t == "span" and s == t:
                s = None  # a bare span: formatting, not an option
            if s != sig:
                _close(run, out, prose, new_id)
                run, sig, prose = [], s, words
            if s is not None:
                run.append(c)
            words = bool(tail and len(tail.strip()) > (0 if t == "span" else 2))
            prose = prose or words
        elif t in SEPARATORS or not isinstance(t, str):
            words = bool(tail and len(tail.strip()) > 2)
            if words:
                _close(run, out, prose, new_id)
                run, sig = [], None
        else:
            _close(run, out, prose, new_id)
            run, sig = [], None
            words = bool(tail and len(tail.strip()) > 2)
    _close(run, out, prose, new_id)
    return out


def _close(run: list, out: dict, prose: bool, new_id: Callable[[], int]) -> None:
    if 2 <= len(run) <= 12 and not prose:
        gid = new_id()
        for i, c in enumerate(run):
            out[c] = (gid, i)


def repeated(el, cls: str | None) -> bool:
    """Does `el` have a sibling with its class (options repeat; an answer box does not)?"""
    parent = el.getparent()
    if parent is None or not cls or not cls.split():
        return False
    first = cls.split()[0]
    for n, sib in enumerate(parent):
        if n > 30:
            break
        if sib is not el and isinstance(sib.tag, str) and (sib.get("class") or "").split()[:1] == [first]:
            return True
    return False
