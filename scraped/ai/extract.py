"""AI extraction for pages the `auto` extractor misses: the engine's `extract = "ai"` and
`extract = "ai-schema"` jobs call `ai_extract`.

- "ai": the page's cleaned text goes to a model, which returns the questions (EXTRACT).
- "ai-schema": for a layout seen for the first time, a model writes CSS rules (block,
  question, options, answer, explanation selectors) from the page's HTML; the rules are
  checked on that page with parsel (they must find at least one question with two or more
  options) and stored in `layouts`; every later page of the layout is extracted by parsel
  with the stored rules, without a model call. Rules that fail are retried after
  `layout_retry` seconds; meanwhile pages fall back to "ai" text extraction.

Returns dicts shaped like the auto extractor's `to_dict()`: question, options, answer
(index or None), answer_text, explanation. With no model provider configured it returns
[] (there is nothing to retry); when configured providers all fail it raises Unavailable.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

import parsel
import trio

from scraped.ai.errors import InvalidReply
from scraped.ai.router import Task
from scraped.ai.schema import EXTRACT, LAYOUT
from scraped.engine.extract.normalise import clean_text, normalise_options, resolve_answer

log = logging.getLogger(__name__)
LAYOUTS = "layouts"

SYSTEM_TEXT = ("You extract multiple-choice questions from a web page's text (task: extract). Return each "
               "question with its options in order, the 0-based index of the answer if the page gives one "
               "(else null), the answer as written, and the explanation if any. Return an empty list if "
               "the page has no questions. Copy text; do not invent questions or answers.")
SYSTEM_LAYOUT = ("You write CSS selectors for a question page layout (task: layout). Given the HTML, return "
                 "`block`: a selector matching each question's container, and, relative to a block, "
                 "`question`, `options` (matching each option element), `answer` and `explanation` "
                 "(null if absent). Plain CSS only (no :contains, no XPath).")
_ANSWER_PREFIX = re.compile(r"^\s*(?:correct\s+)?(?:answer|ans)\s*(?:is)?\s*[:.\-]?\s*", re.I)
_NOISE = re.compile(r"<(script|style|svg|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)


async def ai_extract(app: Any, page_text: str, html: str, url: str, layout_key: str, *,
                     mode: str = "ai") -> list[dict[str, Any]]:
    service = app.ai
    if not service.has_model("extract"):
        log.debug("AI extraction of %s skipped: no model provider is configured", url)
        return []
    if mode == "ai-schema":
        found = await _by_layout(service, html, url, layout_key)
        if found is not None:
            return found
    return await _by_text(service, page_text, url)


async def ai_schema_extract(app: Any, page_text: str, html: str, url: str, layout_key: str) -> list[dict[str, Any]]:
    return await ai_extract(app, page_text, html, url, layout_key, mode="ai-schema")


def _shape(question: str, options: list[str], answer: Any, answer_text: str | None,
           explanation: str | None) -> dict[str, Any] | None:
    question = clean_text(question)
    opts = normalise_options(options or [])
    if not question:
        return None
    idx = answer if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(opts) else None
    text = clean_text(answer_text) or None
    if idx is None and text:
        idx, text = resolve_answer(_ANSWER_PREFIX.sub("", text), opts)
    elif idx is not None:
        text = opts[idx]
    return {"question": question, "options": opts, "answer": idx, "answer_text": text,
            "explanation": clean_text(explanation) or None}


async def _by_text(service: Any, page_text: str, url: str) -> list[dict[str, Any]]:
    body = clean_text(page_text)[: service.config.extract_max_chars]
    user = "INPUT JSON:" + json.dumps({"url": url, "text": body}, ensure_ascii=False, separators=(",", ":"))
    result = await service.router.run(Task("extract", SYSTEM_TEXT, user, EXTRACT, "extract.v1"))
    out = [_shape(q["question"], q.get("options") or [], q.get("answer"), q.get("answer_text"),
                  q.get("explanation")) for q in result.data["questions"]]
    return [q for q in out if q is not None]


# ---------------------------------------------------------------- ai-schema

def _text(sel: parsel.SelectorList) -> str:
    return " ".join(" ".join(s.xpath("string()").get("").split()) for s in sel[:1])


def apply_rules(rules: dict[str, Any], html: str) -> list[dict[str, Any]]:
    """The questions the CSS rules find on a page (pure; raises ValueError for bad CSS)."""
    page = parsel.Selector(text=html)
    out = []
    for block in page.css(rules["block"]):
        options = [" ".join(o.xpath("string()").get("").split()) for o in block.css(rules["options"])]
        answer = _text(block.css(rules["answer"])) if rules.get("answer") else ""
        explanation = _text(block.css(rules["explanation"])) if rules.get("explanation") else ""
        shaped = _shape(_text(block.css(rules["question"])), [o for o in options if o], None, answer or None,
                        explanation or None)
        if shaped is not None:
            out.append(shaped)
    return out


def _check_rules(html: str) -> Any:
    def check(rules: dict[str, Any]) -> None:
        try:
            found = apply_rules(rules, html)
        except Exception as exc:  # cssselect raises several kinds for bad selectors
            raise InvalidReply(f"layout rules are not valid CSS ({type(exc).__name__})") from None
        if not any(len(q["options"]) >= 2 for q in found):
            raise InvalidReply("layout rules find no question with two or more options on the page")
    return check


def skeleton(html: str, limit: int) -> str:
    """The HTML without scripts, styles and comments, whitespace collapsed, cut to `limit`."""
    return " ".join(_NOISE.sub(" ", html).split())[:limit]


async def _by_layout(service: Any, html: str, url: str, layout_key: str) -> list[dict[str, Any]] | None:
    """Questions by the layout's stored rules (asking for rules once); None: use text extraction."""
    store = service.app.store
    async with service.layout_lock(layout_key):
        doc = await store.get(LAYOUTS, layout_key)
        if doc is None or (doc.get("state") == "failed" and time.time() >= doc.get("retry_at", 0)):
            doc = await _learn(service, html, url, layout_key)
    if doc.get("state") != "ok":
        return None
    found = apply_rules(doc["rules"], html)
    await store.update_one(LAYOUTS, {"_id": layout_key},
                           {"$inc": {"pages": 1, "misses": 0 if found else 1}, "$set": {"used_at": time.time()}})
    return found or None


async def _learn(service: Any, html: str, url: str, layout_key: str) -> dict[str, Any]:
    from scraped.errors import Unavailable

    user = "INPUT JSON:" + json.dumps({"url": url, "html": skeleton(html, service.config.extract_max_chars)},
                                      ensure_ascii=False, separators=(",", ":"))
    now = time.time()
    try:
        result = await service.router.run(Task("extract", SYSTEM_LAYOUT, user, LAYOUT, "layout.v1",
                                               check=_check_rules(html), max_tokens=600))
        rules = {k: result.data.get(k) for k in ("block", "question", "options", "answer", "explanation")}
        doc = {"state": "ok", "rules": rules, "provider": result.provider, "model": result.model,
               "sample_url": url, "created_at": now, "pages": 0, "misses": 0}
        log.info("layout %s: CSS rules learned from %s (%s)", layout_key, url, result.provider)
    except Unavailable as exc:
        doc = {"state": "failed", "last_error": str(exc)[:500], "sample_url": url, "created_at": now,
               "retry_at": now + service.config.layout_retry}
        log.warning("layout %s: no usable CSS rules (%s); using text extraction", layout_key, exc)
    with trio.CancelScope(shield=True):
        await service.app.store.update_one(LAYOUTS, {"_id": layout_key}, {"$set": doc}, upsert=True)
    return doc
