"""The "ai" extraction mode: a model reads a page's text and returns its questions.

The text is what a reader sees of the page, one line per block (`page_text`: scripts,
styles and the head left out; a dropdown's options and a button's label kept). A
page longer than `[ai] extract_max_chars` is cut into chunks of at most that size at line
ends, consecutive chunks sharing `[engine.extraction] chunk_overlap` characters, so that
a question cut at one chunk's end is whole in the next; at most `max_chunks` chunks are
sent and the characters past them are counted (`text_cut`), never silently dropped.

Each chunk's reply is checked against the chunk: a question whose words are not in the
chunk's text (at least 80 % of them), or whose options are not (half of them), was not
read from the page; it is dropped and counted as `invented`. Answers are an option's
index, or the answer as written resolved against the options.

The chunks' questions are merged: the same question (by its words) seen in two chunks'
overlap is kept once, the copy with the most options, then with an answer and an
explanation; a copy cut at a chunk's edge (its text part of another's) is dropped.

A page's chunks are asked `CHUNKS_AT_ONCE` at a time. `extract_text` raises
scraped.errors.Unavailable when no configured provider answered a chunk: the engine tries
the page again later, whole (a replayed chunk comes from the router's cache).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import trio

from scraped.ai.schema import EXTRACT
from scraped.ai.task import Task
from scraped.engine.extract.lines import BLOCK
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import (
    clean_text,
    normalise_options,
    resolve_answer,
    strip_question_number,
)
from scraped.errors import Unavailable

__all__ = ["TextExtraction", "chunks", "extract_text", "merge", "page_text", "spans"]

log = logging.getLogger(__name__)

SYSTEM = ("You extract the questions of a web page from its text (task: extract). The text may be one "
          "chunk of a longer page: return only questions whose text is in it, skipping one cut off at "
          "the chunk's start or end. For each: the question as written (without its number), its options "
          "in order without their labels, the 0-based index of the answer if the page gives one (else "
          "null), the answer as written, the explanation if any. Return an empty list when there is no "
          "question. Copy text; never invent a question, an option or an answer.")
_ANSWER_PREFIX = re.compile(r"^\s*(?:correct\s+)?(?:answer|ans)\s*(?:is)?\s*[:.\-]?\s*", re.I)
_WORD = re.compile(r"\w+")
CHUNKS_AT_ONCE = 4  # a page's chunks asked in parallel (the router's rpm/tpm buckets still pace them)


@dataclass
class TextExtraction:
    questions: list[ExtractedQuestion]
    chunks: int = 0
    text_chars: int = 0
    text_cut: int = 0  # characters past max_chunks, not sent
    invented: int = 0  # questions dropped: not in the text
    merged: int = 0  # copies from chunk overlaps merged
    providers: list[str] = field(default_factory=list)


def spans(text: str, size: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) of `text`'s chunks: at most `size` characters, cut at line ends where
    it can be, consecutive ones sharing about `overlap` characters (at most half a chunk)."""
    overlap = max(0, min(overlap, size // 2))
    out: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            cut = text.rfind("\n", start + size // 2, end)
            if cut > start:
                end = cut + 1
        out.append((start, end))
        if end >= n:
            break
        nxt = end - overlap
        line = text.find("\n", nxt, end)
        nxt = line + 1 if overlap and line != -1 else nxt
        start = max(nxt, start + 1)
    return out


def chunks(text: str, size: int, overlap: int) -> list[str]:
    return [text[a:b] for a, b in spans(text, size, overlap)]


_NOT_TEXT = frozenset("script style noscript template svg head title object embed canvas video audio".split())
_LINE_TAGS = BLOCK | {"option", "button"}


def page_text(root: Any) -> str:
    """What a reader sees of a page, one line per block: unlike the auto extractor's lines,
    form controls keep their text (a dropdown's options, a button's label)."""
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _NOT_TEXT:
            return
        line = tag in _LINE_TAGS
        if line:
            parts.append("\n")
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if line:
            parts.append("\n")

    if root is not None:
        walk(root)
    lines = (" ".join(x.split()) for x in "".join(parts).split("\n"))
    return "\n".join(x for x in lines if x)


def _words(text: str | None) -> list[str]:
    return _WORD.findall(clean_text(text or "").casefold())


def _read_from(text_words: set[str], q: ExtractedQuestion) -> bool:
    """Are the question's words (and half of its options') in the text it came from?"""
    words = _words(q.question)
    if not words or sum(w in text_words for w in words) < 0.8 * len(words):
        return False
    if q.options:
        found = sum(all(w in text_words for w in _words(o)) for o in q.options)
        if found < 0.5 * len(q.options):
            return False
    return True


def _shape(item: dict[str, Any]) -> ExtractedQuestion | None:
    question = strip_question_number(clean_text(item.get("question")))
    if not question:
        return None
    opts = normalise_options([o for o in item.get("options") or [] if isinstance(o, str)])
    answer = item.get("answer")
    idx = answer if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(opts) else None
    text = clean_text(item.get("answer_text")) or None
    if idx is None and text:
        idx, text = resolve_answer(_ANSWER_PREFIX.sub("", text), opts)
    elif idx is not None:
        text = opts[idx]
    return ExtractedQuestion(question=question, options=tuple(opts), answer=idx, answer_text=text,
                             explanation=clean_text(item.get("explanation")) or None)


def _richness(q: ExtractedQuestion) -> tuple[int, int, int, int]:
    return (len(q.options), q.answer is not None or bool(q.answer_text), bool(q.explanation), len(q.question))


def _copies(norm: str, chunk: int, other: str, other_chunk: int) -> bool:
    if norm == other:
        return True
    # a copy cut at a chunk's edge is part of the whole one, from a neighbouring chunk
    return abs(chunk - other_chunk) == 1 and len(min(norm, other, key=len)) >= 12 and (
        norm in other or other in norm)


def merge(found: list[tuple[int, ExtractedQuestion]]) -> tuple[list[ExtractedQuestion], int]:
    """(chunk number, question) pairs merged: one per question, in page order; the count
    of copies merged away. A question matches a kept one when it is a copy of any of the
    copies merged into it."""
    kept: list[tuple[list[tuple[int, str]], ExtractedQuestion]] = []
    merged = 0
    for chunk, q in found:
        norm = " ".join(_words(q.question))
        for i, (members, best) in enumerate(kept):
            if any(_copies(norm, chunk, other, other_chunk) for other_chunk, other in members):
                merged += 1
                members.append((chunk, norm))
                if _richness(q) > _richness(best):
                    kept[i] = (members, q)
                break
        else:
            kept.append(([(chunk, norm)], q))
    return [q for _, q in kept], merged


async def extract_text(service: Any, text: str, url: str, *, overlap: int, max_chunks: int) -> TextExtraction:
    """The questions a model reads in a page's text (see the module's doc)."""
    cuts = spans(text, service.config.extract_max_chars, overlap)
    sent = [text[a:b] for a, b in cuts[:max_chunks]]
    out = TextExtraction([], chunks=len(sent), text_chars=len(text))
    if len(cuts) > max_chunks:
        out.text_cut = len(text) - cuts[max_chunks - 1][1]
        log.warning("page %s: %d characters past %d chunks not sent for AI extraction", url, out.text_cut,
                    max_chunks)
    replies: list[Any] = [None] * len(sent)
    failed: list[Unavailable] = []
    limit = trio.Semaphore(CHUNKS_AT_ONCE)

    async def ask(number: int, piece: str) -> None:
        user = "INPUT JSON:" + json.dumps({"url": url, "chunk": f"{number + 1} of {len(sent)}", "text": piece},
                                          ensure_ascii=False, separators=(",", ":"))
        async with limit:
            if failed:
                return  # a chunk found no provider: the page is tried again later, whole
            try:
                replies[number] = await service.router.run(Task("extract", SYSTEM, user, EXTRACT, "extract.v2"))
            except Unavailable as exc:
                failed.append(exc)

    async with trio.open_nursery() as nursery:
        for number, piece in enumerate(sent):
            nursery.start_soon(ask, number, piece)
    if failed:
        raise failed[0]
    found: list[tuple[int, ExtractedQuestion]] = []
    for number, (piece, result) in enumerate(zip(sent, replies, strict=True)):
        out.providers.append(result.provider)
        words = set(_words(piece))
        for item in result.data["questions"]:
            q = _shape(item)
            if q is None:
                continue
            if not _read_from(words, q):
                out.invented += 1
                continue
            found.append((number, q))
    out.questions, out.merged = merge(found)
    if out.invented:
        log.info("page %s: %d question(s) from the model not found in the page's text, dropped", url, out.invented)
    return out
