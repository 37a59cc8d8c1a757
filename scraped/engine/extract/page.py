"""A fetched page, parsed once and shared by question and link extraction."""

from __future__ import annotations

import logging
import re

from lxml import etree
from parsel import Selector
from w3lib.encoding import html_to_unicode

from scraped.engine.extract.lines import Line, walk_page
from scraped.engine.fetch.urls import canonicalize

__all__ = ["Page", "decode_html", "MAX_PAGE_CHARS"]

log = logging.getLogger(__name__)

# The fetcher caps bodies well below this; it bounds the work of the one-shot tool and of
# any caller that hands in something enormous.
MAX_PAGE_CHARS = 8_000_000


def _detect(body: bytes) -> str | None:
    from charset_normalizer import from_bytes  # only for pages that declare no charset

    best = from_bytes(body[:65536]).best()
    return best.encoding if best is not None else None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Text of an HTML body: BOM, then the Content-Type charset, then <meta charset>,
    then detection (charset-normalizer), then UTF-8 with replacement characters."""
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_detect)
    return text


# end tags of the document that some pages write before their content
_EARLY_END = re.compile(rb"</(?:html|body)\s*>", re.I)
_CONTENT_TAG = re.compile(rb"<(?:div|p|h[1-6]|ul|ol|table|form|section|article|main|body|html|li)\b", re.I)


class Page:
    """One HTML page: a parsel Selector over its tree, its URL and its base URL.

    Malformed markup, empty text, NUL bytes, lone surrogates and binary junk decoded as
    text all give a (possibly empty) tree instead of an error. `base_url` honours
    <base href> for resolving links.
    """

    __slots__ = ("url", "base_url", "selector", "_lines", "_breadcrumb", "_scripts", "_tables", "_reveals", "_keyed")

    def __init__(self, html: str, url: str, *, max_chars: int = MAX_PAGE_CHARS):
        if isinstance(html, (bytes, bytearray)):
            html = decode_html(bytes(html))
        elif not isinstance(html, str):
            raise TypeError(f"Page needs the HTML as str, not {type(html).__name__}")
        if len(html) > max_chars:
            log.debug("page %s truncated from %d characters", url, len(html))
            html = html[:max_chars]
        self.url = url
        self.selector = self._parse(html, url)
        self.base_url = self._base(url)
        self._lines: list[Line] | None = None
        self._breadcrumb: object = None
        self._scripts: list[tuple[str, str]] = []
        self._tables: list[tuple] = []
        self._reveals: list[tuple] = []
        self._keyed: list = []

    @classmethod
    def from_bytes(cls, body: bytes, url: str, content_type: str | None = None) -> Page:
        return cls(decode_html(body, content_type), url)

    @staticmethod
    def _parse(html: str, url: str) -> Selector:
        # A plain libxml2 HTML parser, not lxml.html's: its elements need no Python class
        # lookup, which makes walking the tree about three times faster.
        body = html.strip().encode("utf-8", "replace").replace(b"\x00", b"") or b"<html/>"
        root = Page._parse_bytes(body, url)
        if (end := _EARLY_END.search(body)) is not None and _CONTENT_TAG.search(body, end.end()) is not None:
            # markup after the document's end ("<html lang=pt-br></html>" before the head, a
            # second page pasted after the first): libxml2 stops where browsers go on
            root = Page._parse_bytes(_EARLY_END.sub(b"", body), url)
        if root is None:
            root = etree.fromstring(b"<html/>", etree.HTMLParser())
        return Selector(root=root, type="html", base_url=url)

    @staticmethod
    def _parse_bytes(body: bytes, url: str):
        try:
            return etree.fromstring(body, etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True),
                                    base_url=url)
        except (etree.LxmlError, ValueError) as exc:
            log.debug("page %s did not parse (%s); treating it as empty", url, exc)
            return None

    def _base(self, url: str) -> str:
        root = self.selector.root
        if root is None:
            return url
        for el in root.iter("base"):  # the first <base href>, as "//base/@href" finds it
            href = el.get("href")
            if href is not None:
                base = canonicalize(href, url)
                return base if base is not None else url
        return url

    @property
    def root(self):
        """The lxml root element."""
        return self.selector.root

    def lines(self):
        """The page's text as block-level lines (computed once; see lines.py)."""
        if self._lines is None:
            (self._lines, self._breadcrumb, self._scripts, self._tables, self._reveals,
             self._keyed) = walk_page(self.selector.root)
        return self._lines

    def scripts(self) -> list[tuple[str, str]]:
        """(type, text) of the page's scripts that may hold questions as JSON (found by `lines()`)."""
        self.lines()
        return self._scripts

    def qa_tables(self) -> list[tuple]:
        """(table, roles) of the page's "Question | Answer" tables (found by `lines()`)."""
        self.lines()
        return self._tables

    def reveals(self) -> list[tuple]:
        """(element, code) of the page's handlers that reveal an answer (found by `lines()`)."""
        self.lines()
        return self._reveals

    def keyed_controls(self) -> list:
        """The page's form controls that carry their own key (found by `lines()`)."""
        self.lines()
        return self._keyed

    def breadcrumb_element(self):
        """The breadcrumb trail's element, if the page has one (found by `lines()`)."""
        self.lines()
        return self._breadcrumb

    def __repr__(self) -> str:
        return f"<Page {self.url}>"
