"""The page as a list of text lines, each with what its markup says about it.

`auto` extraction works on lines, not on site-specific markup: one walk of the tree
turns each block-level element (p, div, li, td, br-separated text...) into a line of
cleaned text, and records the structural hints that ancestors give it: hidden, inside an
answer/explanation box, inside a question or options container, in which list item, in
which table column (by the header's text), a radio button, an option marked correct, a
data-answer value. Scripts, styles, navigation, ads and comment threads are skipped.

The walk is one pass over the elements with small constant work each (class strings are
classified once and cached), so it stays linear in the page size.
"""

from __future__ import annotations

import html
import re

from scraped.engine.extract.markup import (
    ANS,
    CHOICES,
    CODE,
    CORRECT,
    EXPL,
    HEADING,
    HEADROW,
    HIDDEN,
    INPUT,
    LISTED,
    META,
    OPTBOX,
    QBOX,
    RADIO,
    SRONLY,
    TOGGLE,
    classify,
    list_style,
    neutral,
    panel,
    question_details,
    table_roles,
)
from scraped.engine.extract.normalise import clean_text
from scraped.engine.extract.siblings import GROUPABLE, SEPARATORS, repeated, sibling_groups

__all__ = ["ANS", "CHOICES", "CODE", "CORRECT", "EXPL", "HEADING", "HEADINGS", "HEADROW", "HIDDEN", "INPUT", "LISTED",
           "META", "OPTBOX", "QBOX", "RADIO", "TOGGLE", "Line", "linearize", "walk_page"]

BLOCK = frozenset(
    "address article aside blockquote body br caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr label legend li main "
    "menu ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
SKIP = frozenset(
    "script style noscript template svg iframe head title button select textarea object "
    "embed canvas nav video audio img input".split()
)
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_NO_GROUPS_IN = frozenset(("pre", "code", "samp", "kbd"))
_OPTION_TAGS = frozenset(("li", "label", "tr", "td", "a", "button", "option"))
_EMPTY: dict = {}
_SPECIAL = frozenset(("ul", "ol", "li", "a", "details", "summary", "table", "pre")) | HEADINGS
_PLAIN = (BLOCK | frozenset("span b strong em i u sub sup code small big font mark abbr q s kbd var "
                            "time cite dfn bdi bdo strike tt".split())) - _SPECIAL
_MAX_DEPTH = 200
_MAX_SCRIPT = 2_000_000
_INPUT_NAME = re.compile(r"answer|correct|\bans|right|solution", re.I)

# an option's letter in an element of its own, its text right after it
_QNUM_LEAF = re.compile(r"^\s*(?:q(?:uestion)?\.?\s*(?:\d{1,3}|\([a-z0-9]{1,3}\))[.:)]?|\d{1,3}[.:)])\s*$", re.I)
_LABEL_CHARS = frozenset("ABCDEFGH\u0410\u0411\u0412\u0413\u0414\u0415")
_TAG = re.compile(r"<[^>]*>")
_NONE_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_ANSWER_ATTRS = ("data-answer", "data-correct-answer", "data-ans", "data-a", "data-correct-option", "data-key")
_CORRECT_ATTRS = ("data-correct", "data-is-correct", "data-right", "correct")  # mkdocs-quiz: <input correct>
_TRUE = frozenset(("", "true", "1", "yes", "correct", "y"))


class Line:
    __slots__ = ("text", "owner", "flags", "box", "data_answer", "item", "links", "meta", "kind")

    def __init__(self, text, owner, flags, box, data_answer, item, links, meta):
        self.kind = 0  # what the text says it is, filled in by auto.kind() when needed
        self.text = text
        self.owner = owner  # the block element the line started in
        self.flags = flags
        self.box = box  # id of the nearest answer/explanation/hidden box, 0 if none
        self.data_answer = data_answer  # nearest data-answer value above the line
        self.item = item  # (list id, item index, label style) inside a list item
        self.links = links  # characters of the line inside <a>
        self.meta = meta  # (category, difficulty) from data- attributes above the line

    def __repr__(self) -> str:
        return f"<Line {self.flags:#x} {self.text[:60]!r}>"


class _Ctx:
    __slots__ = ("flags", "box", "data_answer", "item", "link", "list", "roles", "meta")

    def __init__(self, flags=0, box=0, data_answer=None, item=None, link=False, lst=None,
                 roles=None, meta=(None, None)):
        self.flags = flags
        self.box = box
        self.data_answer = data_answer
        self.item = item
        self.link = link
        self.list = lst  # (list id, style) of the nearest ul/ol
        self.roles = roles  # column index -> ANS/EXPL flag, for a table with a header row
        self.meta = meta

    def copy(self) -> _Ctx:
        return _Ctx(self.flags, self.box, self.data_answer, self.item, self.link, self.list,
                    self.roles, self.meta)


_MAX_ANSWER_BOX = 6000  # characters: an answer with its explanation is shorter than that


def _larger_than(el, limit: int) -> bool:
    """Does the element hold more than `limit` characters of text (counted until then)?"""
    n = 0
    for text in el.itertext():
        n += len(text)
        if n > limit:
            return True
    return False


def _short_text(el, most: int) -> bool:
    """Does the element hold some text, at most `most` characters of it?"""
    text = "".join(el.itertext()).strip()
    return 0 < len(text) <= most


# a form's prompt over its options ("Select one:", "Choose one or more"): chrome, not the question
_CHROME = re.compile(r"^(?:(?:select|choose|pick|tick|mark|check)\b.{0,30}|.{0,38}:)$", re.I | re.S)


def _asking(text: str) -> bool:
    """A prompt box's text that is the question ("The goals of CSC212 are...", a sentence),
    not a form's "Select one:" or a screen reader's "Question 1 Answer"."""
    return (len(text) > 40 or text.endswith(("?", "...", "\u2026"))) and _CHROME.match(text) is None


def _after_leaf(leaf) -> str:
    """The text right after an inline leaf: its tail, else its next sibling's first text."""
    tail = (leaf.tail or "").lstrip()
    if tail:
        return tail
    nxt = leaf.getnext()
    if nxt is None or not isinstance(nxt.tag, str) or classify(nxt.get("class") or "")[0] & (HIDDEN | SRONLY):
        return ""  # (a screen-reader "correct" after a letter that is the whole option)
    return (nxt.text or "").lstrip()


class _Walker:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.buf: list[str] = []
        self.ctx = _Ctx()  # replaced by the context of the first text of each line
        self.owner = None
        self.links = 0
        self.extra = 0
        self.carried = False  # the radio mark passed over one hidden line already
        self.next_id = 1
        self.list_sizes: dict[int, int] = {}
        self.breadcrumb = None  # the breadcrumb trail element, a category hint
        self.scripts: list[tuple[str, str]] = []  # (type, text) of scripts that may hold questions
        self.qa_tables: list[tuple] = []  # (table, roles) of "Question | Answer" tables
        self.reveals: list[tuple] = []  # (element, code) of handlers holding a "correct" element's HTML
        self.keyed: list = []  # (form control, key, the card's?): a control that carries its key, or its card (keyed.py)

    def add(self, text: str, ctx: _Ctx, owner) -> None:
        if not self.buf:
            if text.isspace():
                return
            self.ctx = ctx
            self.owner = owner
        self.buf.append(text)
        if ctx.link:
            self.links += len(text.strip())

    def flush(self) -> None:
        if not self.buf:
            return
        text = clean_text("".join(self.buf))
        self.buf.clear()
        if text:
            c = self.ctx
            if self.extra and c.flags & HIDDEN and not self.carried:
                # a radio's hidden copy of its label (Canvas: answer_text hidden, answer_html
                # shown): the mark goes to the visible text after it, once
                self.lines.append(Line(text, self.owner, c.flags, c.box, c.data_answer,
                                       c.item, self.links, c.meta))
                self.carried = True
            else:
                self.lines.append(Line(text, self.owner, c.flags | self.extra, c.box, c.data_answer,
                                       c.item, self.links, c.meta))
                self.extra = 0
                self.carried = False
        self.links = 0

    def hidden_input(self, el, ctx: _Ctx) -> None:
        """A hidden input named like an answer ("correct_answer", "ans3") becomes a hidden
        answer line where it stands: the value a quiz's script checks the choice against;
        one an iframe shows becomes a line of text."""
        name = el.get("name") or el.get("id") or ""
        value = (el.get("value") or "").strip()
        nxt = el.getnext()
        if value and nxt is not None and nxt.tag == "iframe":
            # the rich text an iframe shows from the input before it (THEOL's "31_content"
            # beside iframe "_rtf_content31"): the page's text, as if it stood there
            if text := clean_text(html.unescape(_TAG.sub(" ", value))):
                if self.buf:
                    self.flush()
                self.lines.append(Line(text, el, ctx.flags, ctx.box, ctx.data_answer, ctx.item, 0, ctx.meta))
            return
        if not value or len(value) > 80 or not _INPUT_NAME.search(name) or not value.strip("0"):
            return  # no value, or "0000...": a form's state, not an answer
        if self.buf:
            self.flush()
        self.lines.append(Line(value, el, ctx.flags | HIDDEN | ANS | INPUT, self.new_id(), ctx.data_answer,
                               ctx.item, 0, ctx.meta))

    def script(self, el) -> None:
        """Keep the text of JSON scripts (schema.org JSON-LD, a framework's state) that may
        hold the questions, for scripts.py."""
        kind = (el.get("type") or "").lower()
        text = el.text
        if not text or len(text) > _MAX_SCRIPT:
            return
        if (("uestion" in text or "definition" in text) and "{" in text
                and ("json" in kind or not kind or "javascript" in kind)):
            self.scripts.append((kind, text))

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _groups_from(self, el, child) -> dict | None:
        """Repeated siblings of `el` (siblings.py) once `child` could start a group; None
        (look again at the next child) before that."""
        nxt = child.getnext()
        if nxt is None or (nxt.tag != child.tag and nxt.tag not in SEPARATORS and isinstance(nxt.tag, str)):
            return None
        return sibling_groups(el, self.new_id)

    def child_ctx(self, el, tag: str, ctx: _Ctx, items: list, grouped: tuple | None = None) -> _Ctx | None:
        """The context inside `el` (whose attributes are `items`), or None to skip it.
        `grouped` is (group id, index) when `el` is one of repeated siblings (options)."""
        new = None
        if items:
            flags = 0
            cls = ident = None
            data = None
            choice = False
            for attr, value in items:  # one pass over the attributes
                if attr == "class":
                    cls = value
                elif attr == "id":
                    ident = value
                elif attr == "hidden":
                    flags |= HIDDEN
                elif attr == "aria-hidden":
                    if value == "true":
                        flags |= HIDDEN
                elif attr == "role" and (value == "radio" or value == "checkbox"):
                    self.extra |= RADIO  # a script's own radio button (Google Forms): the text after it is a choice
                elif attr == "style":
                    if ("none" in value or "hidden" in value) and _NONE_STYLE.search(value) and not panel(el):
                        flags |= HIDDEN
                elif attr.startswith("data-"):
                    if data is None:
                        data = []
                    data.append((attr, value))
                elif (attr == "onmouseover" or attr == "onclick") and "<" in value and "correct" in value:
                    self.reveals.append((el, value))
            if ident and (len(ident) > 48 or ident.count("-") + ident.count("_") > 5):
                ident = None  # an id made from a heading's words ("q1.-you-are-part-of-a-team-working-for"): text, not a role
            for value in (cls, ident):
                if value:
                    f, skip = classify(value)
                    if skip:
                        if self.breadcrumb is None and "breadcrumb" in value.lower():
                            self.breadcrumb = el
                        return None
                    flags |= f
            if flags & SRONLY:
                if (tag not in BLOCK and any(not t.isspace() for t in self.buf)) or (tag == "label" and el.get("for")):
                    # a screen reader's words after the line's own: "Answer: <span class='accesshide'>
                    # Question 6</span>", "E<span class='watupro-screen-reader'>correct</span>"; a
                    # radio's hidden name ("Opción 1"), its visible text elsewhere
                    return None
                flags &= ~SRONLY
                if tag in HEADINGS:
                    flags |= HIDDEN  # a heading for screen readers ("Pregunta", "Respuestas"): a label
            if flags & OPTBOX and not flags & QBOX and len(el) and isinstance(el[0].tag, str) and classify(
                    el[0].get("class") or "")[0] & QBOX:
                flags &= ~OPTBOX  # "<div class='q choice'><p class='qtext'>": a choice question's card, not its options
            if flags & TOGGLE and tag in BLOCK and cls and ("prompt" in cls or "instruction" in cls) and _asking(
                    "".join(el.itertext()).strip()):
                flags &= ~TOGGLE  # div.prompt holding the question itself, not Moodle's "Select one:"
            if flags & META:
                text = "".join(el.itertext())
                if len(text) > 60:  # a wrapper named "level-2", not a badge
                    flags &= ~META
            if flags & ANS and len(el) >= 3 and _larger_than(el, _MAX_ANSWER_BOX):
                flags &= ~ANS  # "mark_item ans-cc" around a whole exam: a page section, not an answer box
            if flags & CORRECT and _larger_than(el, _MAX_ANSWER_BOX):
                flags &= ~CORRECT  # a page column classed "right" around a whole exam: not the one right option
            if flags & ANS and not flags & CORRECT and panel(el):
                flags = (flags & ~ANS) | OPTBOX | CHOICES  # Moodle's, Canvas's div.answer: radio buttons, the options
            elif flags & ANS and not flags & CORRECT and ctx.flags & (CHOICES | CORRECT):
                flags &= ~ANS  # Canvas's "answer_text" inside such a div, or in the option marked right: its text
            elif flags & ANS and not flags & (CORRECT | HIDDEN) and ctx.flags & OPTBOX and repeated(el, cls):
                flags = (flags & ~ANS) | CHOICES  # div.answer repeated in an options box: the options
                choice = True
            if flags & CORRECT:
                if grouped is not None or tag in _OPTION_TAGS or (flags | ctx.flags) & (OPTBOX | LISTED):
                    flags &= ~(ANS | EXPL | HIDDEN)  # "correct-answer" on an option marks that option
                elif flags & QBOX and (panel(el) or not flags & ANS):
                    flags &= ~CORRECT  # Moodle's "que ... correct": how the attempt was graded
                else:  # a box that holds the right answer
                    flags = (flags & ~CORRECT) | ANS
            if tag == "a" and flags & (ANS | EXPL):  # a "show answer" link, not an answer
                flags = (flags & ~(ANS | EXPL)) | TOGGLE
            if flags:
                new = ctx.copy()
                if flags & (HIDDEN | ANS | EXPL):
                    new.box = self.new_id()
                new.flags |= flags
                if choice:  # not inside an answer box either ("answer_group" around them)
                    new.flags &= ~ANS
                elif flags & QBOX and not flags & (ANS | EXPL) and ctx.flags & ANS and tag in BLOCK:
                    new.flags &= ~ANS  # "<div class=answer><p class=question>1. ...?</p><p>...": a Q&A pair's question
            if data is not None:
                new = self._data_ctx(data, new, ctx, el)
        if tag in _SPECIAL:
            new = new or ctx.copy()
            if tag == "li":
                if ctx.list is not None:
                    lid, style = ctx.list
                    n = self.list_sizes.get(lid, 0)
                    self.list_sizes[lid] = n + 1
                    new.item = (lid, n, style)
                    new.flags |= LISTED
            elif tag in ("ul", "ol"):
                new.list = (self.new_id(), list_style(el, tag))
                new.item = None
            elif tag == "a":
                # an anchor that goes nowhere is a control (an option to click), not a link
                href = el.get("href")
                new.link = bool(href) and href != "#" and not href.startswith("javascript:")
                if not new.link and grouped is None and el.get("onclick") and _short_text(el, 6):
                    return None  # a lone script button in a question's header ("收藏", "Save"), not its text
            elif tag == "details":
                if question_details(el):
                    new.flags |= QBOX  # a question card: shown when opened, its summary the question
                else:
                    new.flags |= HIDDEN
                    new.box = self.new_id()
            elif tag == "summary":
                if not ctx.flags & QBOX or ctx.flags & HIDDEN:
                    new.flags |= TOGGLE
            elif tag == "table":
                new.roles = table_roles(el)
                if new.roles is not None and new.roles[2] is not None:
                    self.qa_tables.append((el, new.roles))
            elif tag == "pre":
                new.flags |= CODE
            else:
                new.flags |= HEADING
        if grouped is not None:
            new = new or ctx.copy()
            new.item = (grouped[0], grouped[1], None)
            new.flags |= LISTED
        return new or ctx

    @staticmethod
    def _data_ctx(data: list, new: _Ctx | None, ctx: _Ctx, el) -> _Ctx | None:
        """The context after an element's data- attributes (answer, correct, hints)."""
        for attr, value in data:
            value = value.strip()
            if attr in _ANSWER_ATTRS and value:
                new = new or ctx.copy()
                new.data_answer = value
            elif attr in _CORRECT_ATTRS:
                if value.isdigit() and len(el) >= 2:
                    new = new or ctx.copy()  # <article data-correct="0"> around question and options: an index
                    new.data_answer = value
                elif value.lower() in _TRUE:
                    new = new or ctx.copy()
                    new.flags |= CORRECT
                elif value.lower() not in ("false", "0", "no", "n"):
                    new = new or ctx.copy()
                    new.data_answer = value
            elif attr == "data-component" and value == "feedback":
                new = new or ctx.copy()  # Runestone's per-option feedback, shown once an option is picked
                new.flags |= EXPL | HIDDEN
            elif attr in ("data-category", "data-topic", "data-subject") and value:
                new = new or ctx.copy()
                new.meta = (value, new.meta[1])
            elif attr in ("data-difficulty", "data-level") and value:
                new = new or ctx.copy()
                new.meta = (new.meta[0], value)
        return new

    def walk(self, el, ctx: _Ctx, owner, depth: int = 0, tag: str = "") -> None:
        """Add the text inside `el` (its `tag`) to the lines: the hot loop of extraction,
        hence `add` written out inline for the element's text and each child's tail."""
        buf = self.buf
        text = el.text
        if text:
            if buf:
                buf.append(text)
                if ctx.link:
                    self.links += len(text.strip())
            elif not text.isspace():
                self.add(text, ctx, owner)
        roles = ctx.roles if tag == "tr" else None
        col = 0
        groups = None if tag not in _NO_GROUPS_IN and len(el) > 1 else _EMPTY
        for child in el:
            tag = child.tag
            grouped = None
            if type(tag) is not str:  # a comment or processing instruction
                pass
            elif tag in GROUPABLE and (groups := groups if groups is not None else self._groups_from(el, child)) and (
                    grouped := groups.get(child)) is not None:
                cctx = self.child_ctx(child, tag, ctx, child.items(), grouped)
                if cctx is not None:  # one of repeated siblings: a line (an item) of its own
                    if buf:
                        self.flush()
                    self.walk(child, cctx, child, depth + 1, tag)
                    if buf:
                        self.flush()
            elif tag in SKIP:
                if tag == "nav" and self.breadcrumb is None and "breadcrumb" in (
                        (child.get("class") or "") + (child.get("aria-label") or "")).lower():
                    self.breadcrumb = child
                elif (tag == "select" or tag == "input") and child.get("data-answer") is not None:
                    self.keyed.append((child, child.get("data-answer"), False))  # webexercises' <select data-answer='["1"]'>
                elif tag == "input" and ctx.data_answer and (child.get("type") or "text") == "text":
                    self.keyed.append((child, ctx.data_answer, True))  # a text box in a card keyed data-a="water"
                elif tag == "input":
                    kind = child.get("type")
                    if kind in ("radio", "checkbox"):
                        last = self.lines[-1] if self.lines and not buf else None
                        if last is not None and last.owner.tag == "label" and not last.flags & RADIO and child.get("id") and (
                                last.owner.get("for") == child.get("id")):
                            last.flags |= RADIO  # "<label for=x>Yes</label><input id=x>": the button after its label
                        else:
                            self.extra |= RADIO
                        if any(child.get(a) is not None and (child.get(a) or "").lower() in _TRUE
                               for a in _CORRECT_ATTRS):
                            self.extra |= CORRECT
                    elif kind == "hidden":
                        self.hidden_input(child, ctx)
                elif tag == "script":
                    self.script(child)
            else:
                items = child.items()
                if tag in _PLAIN:
                    # the common cases: no attributes, or only a class/id known to say nothing
                    cctx = ctx
                    for attr, value in items:
                        if (attr != "class" and attr != "id") or value not in neutral:
                            cctx = self.child_ctx(child, tag, ctx, items)
                            break
                else:
                    cctx = self.child_ctx(child, tag, ctx, items)
                if cctx is not None:
                    if roles is not None and tag in ("td", "th"):
                        cctx = _cell_ctx(self, cctx, roles, col, child)
                        col += int(child.get("colspan") or 1) if (child.get("colspan") or "1").isdigit() else 1
                    if depth > _MAX_DEPTH:  # pathological nesting: keep the text, not the shape
                        self.add(" ".join(child.itertext()), cctx, owner)
                    elif tag in BLOCK or (cctx.flags & META and not ctx.flags & META):
                        # a block, or a badge ("Easy") that must not run into the text beside it
                        if buf:
                            self.flush()
                        if len(child):
                            self.walk(child, cctx, child, depth + 1, tag)
                        elif (text := child.text) and not text.isspace():  # a leaf: its text
                            self.add(text, cctx, child)
                        if buf:
                            self.flush()
                    elif len(child):
                        self.walk(child, cctx, owner, depth + 1, tag)
                    elif text := child.text:  # an inline leaf: its text, as walk() would add it
                        if buf:
                            buf.append(text)
                            if cctx.link:
                                self.links += len(text.strip())
                        elif not text.isspace():
                            if (cctx.flags & (OPTBOX | CHOICES | LISTED) and text.strip() in _LABEL_CHARS
                                    and (after := _after_leaf(child)) and (after[0].isalnum() or after[0] in "\u00ab\u201c\"")):
                                # "<span class=marker>Б</span>колесо", "<span class=opt-label>A</span>
                                # <span class=opt-text>Tamil Nadu</span>": a label, styled apart
                                text = text.strip() + ". "
                            elif _QNUM_LEAF.match(text) and (after := _after_leaf(child)) and after[0].isalpha():
                                text = text.strip() + " "  # "<span class=qnum>Q.1</span><span>According...": its number
                            self.add(text, cctx, owner)
            tail = child.tail
            if tail:
                if buf:
                    buf.append(tail)
                    if ctx.link:
                        self.links += len(tail.strip())
                elif not tail.isspace():
                    self.add(tail, ctx, owner)


def _cell_ctx(walker: _Walker, ctx: _Ctx, roles: tuple, col: int, cell) -> _Ctx:
    header, cols, _ = roles
    row = cell.getparent()
    if row is header:
        ctx = ctx.copy()
        ctx.flags |= HEADROW
        return ctx
    flag = cols.get(col)
    if flag:
        ctx = ctx.copy()
        ctx.flags |= flag
        ctx.box = walker.new_id()
    return ctx


def linearize(root) -> list[Line]:
    """The lines of a parsed page, in document order."""
    return walk_page(root)[0]


def walk_page(root) -> tuple[list[Line], object, list[tuple[str, str]], list[tuple], list[tuple], list]:
    """(lines, breadcrumb element or None, JSON scripts, question/answer tables, handlers
    that reveal an answer: reveals.py, keyed form controls: keyed.py) of a page."""
    if root is None:
        return [], None, [], [], [], []
    body = root.find("body")
    start = body if body is not None else root
    walker = _Walker()
    if body is not None:
        head = root.find("head")
        if head is not None:  # JSON-LD often sits in <head>
            for el in head.iter("script"):
                walker.script(el)
    if isinstance(start.tag, str):
        walker.walk(start, _Ctx(), start, 0, start.tag)
    walker.flush()
    return walker.lines, walker.breadcrumb, walker.scripts, walker.qa_tables, walker.reveals, walker.keyed
