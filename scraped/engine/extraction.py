"""A job's extraction, by its mode: the call the runner makes for every fetched page.

    auto        the structural extractor; with [engine.extraction] ai_fallback and a model
                configured, a page that looks like a quiz page but gives nothing is read
                by the model (extractor "auto+ai")
    css         the job's selectors; yield watched per layout (selector drift)
    ai          the model reads the page's text, in overlapping chunks (scraped.ai.extract)
    ai-schema   a model writes each layout's rules once, checked on sample pages, then
                parsel applies them (scraped.ai.layout_rules); pages of a layout without
                usable rules, or where the rules find nothing, are extracted by auto
                ("ai-schema:auto"); yield watched per layout (the rules' own), and rules
                that drift are derived again

A spec in mode ai or ai-schema is refused by `jobs submit` when no model provider is
configured; a queued job that finds none when it starts (a key removed by a reload, a
jobs_dir file) fails at its start with that reason (nothing is fetched). A page whose model call found no provider able to
answer fails with kind "ai", retried later (ExtractionDeferred).

Counters (runner stats, saved on the job): extract_ai_pages, extract_ai_chunks,
extract_text_cut (characters past max_chunks), extract_invented (model questions not in
the page's text, dropped), extract_merged (copies from chunk overlaps), extract_fallback
(auto pages the model was asked about), extract_rules_pages / extract_auto_pages
(ai-schema), extract_drifts, extract_untracked (pages of layouts past drift.MAX_LAYOUTS).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import trio

from scraped.engine.drift import YIELD, Tracker
from scraped.engine.extract import ExtractedQuestion, ExtractRules, Page, extract_questions
from scraped.engine.layouts import fingerprint
from scraped.errors import ConfigError, ScrapedError, StoreError, Unavailable

if TYPE_CHECKING:
    from scraped.ai.ai_service import AIService

__all__ = ["Extraction", "ExtractionDeferred", "looks_like_quiz"]

log = logging.getLogger(__name__)
_AUTO = ExtractRules()
_FLUSH_EVERY = 2.0  # seconds between writes of the layouts' yield counters
_ANSWER = re.compile(r"\b(?:correct\s+answer|answer|ans|solution|explanation)\b", re.I)
_OPTION = re.compile(r"^\s*(?:\(?[a-dA-D][).:]|\(?[1-4]\)|option\s+[a-dA-D1-4]\b)\s*\S")
_INLINE_OPTION = re.compile(r"(?:^|\s)\([a-dA-D]\)\s*\S")  # "(a) 42 (b) 36" on one line
_QUESTION = re.compile(r"\?\s*$|^\s*(?:q(?:uestion)?\.?\s*\d+|\d+\s*[.)])\s+\S", re.I)


class ExtractionDeferred(ScrapedError):
    """The page needs a model and none answered now: fail it retryably."""


def looks_like_quiz(page: Page) -> str | None:
    """Why the page looks like a quiz page (answer and option markers), or None."""
    lines = [line.text for line in page.lines()]
    answers = sum(1 for t in lines if _ANSWER.search(t))
    options = sum(max(1 if _OPTION.match(t) else 0, len(_INLINE_OPTION.findall(t))) for t in lines)
    questions = sum(1 for t in lines if _QUESTION.search(t))
    root = page.root
    # radio buttons and checkboxes, and a dropdown of options counting as two
    radios = (len(root.xpath("//input[@type='radio' or @type='checkbox']"))
              + 2 * len(root.xpath("//select[count(option) > 1]"))) if root is not None else 0
    if questions and (options >= 2 or radios >= 2) and (answers or radios >= 2):
        return f"{questions} question line(s), {options} option line(s), {radios} choice input(s), {answers} answer marker(s)"
    return None


def has_model(ai: AIService | None) -> bool:
    return ai is not None and ai.has_model("extract")


def missing_model(ai: AIService | None, mode: str) -> str | None:
    """Why a job in this mode cannot run here (it needs a model and none is configured)."""
    if mode in ("ai", "ai-schema") and not has_model(ai):
        return (f'extract.mode = "{mode}" needs a model: no provider of [ai] extract_order is configured '
                "(set one's API key, or openai_compat.base_url)")
    return None


class Extraction:
    def __init__(self, app: Any, job: dict[str, Any], spec: Any, stats: Callable[[], Counter[str]],
                 ai: AIService | None = None):
        self.app = app
        self.ai = ai  # the AI service (the engine's, from the composition root); None: no model
        self.job_id: str = job["_id"]
        self.rules: ExtractRules = spec.extract or _AUTO
        self.mode = self.rules.mode
        self._stats = stats  # the runner's counters of the current save interval
        problem = missing_model(ai, self.mode)  # (submit refuses such a spec; a reload may remove a key)
        if problem:
            raise ConfigError([problem])
        self.tracker = Tracker(self.job_id, job.get("name", ""), self.config) if self.mode in (
            "css", "ai-schema") else None
        self.layouts: Any = None
        if self.mode == "ai-schema":
            from scraped.ai.layout_rules import SchemaLayouts

            self.layouts = SchemaLayouts(app, ai, self.job_id, self.config)
        self._loaded = False  # the stored yields read (once, before the first page counts)
        self._loading: trio.Event | None = None  # set when the load under way ends
        self._flushed_at = time.monotonic()

    def config(self) -> Any:
        return self.app.config.engine.extraction

    def _count(self, key: str, n: int = 1) -> None:
        if n:
            self._stats()[key] += n

    async def questions(self, page: Page, html: str, url: str) -> tuple[list[ExtractedQuestion], str]:
        """The page's questions and the extractor that found them."""
        while not self._loaded:
            await self._load()
        if self.mode == "css":
            found = extract_questions(page, self.rules)
            await self._track(fingerprint(page.root, url), url, len(found))
            return found, "css"
        if self.mode == "ai":
            return await self._by_model(page, url), "ai"
        if self.mode == "ai-schema":
            layout = fingerprint(page.root, url)
            try:
                found, by_rules = await self.layouts.extract(
                    layout, url, html, page.root, lambda: extract_questions(page, _AUTO),
                    lambda: looks_like_quiz(page))
            except StoreError as exc:  # the layout's rules cannot be read or saved now: auto, this page
                log.warning("job %s: layout %s unreadable (%s); auto extracts %s", self.job_id, layout, exc, url)
                found, by_rules = extract_questions(page, _AUTO), False
            self._count("extract_rules_pages" if by_rules else "extract_auto_pages")
            if by_rules:
                await self._track(layout, url, len(found))
                if found:
                    return found, "ai-schema"
                found = extract_questions(page, _AUTO)  # the rules found nothing: auto's, if any
            else:
                await self._maybe_flush()
            return found, "ai-schema:auto"
        found = extract_questions(page, self.rules)
        if not found and self.config().ai_fallback and has_model(self.ai) and looks_like_quiz(page):
            self._count("extract_fallback")
            return await self._by_model(page, url), "auto+ai"
        return found, "auto"

    async def _by_model(self, page: Page, url: str) -> list[ExtractedQuestion]:
        from scraped.ai.extract import extract_text, page_text

        cfg = self.config()
        text = page_text(page.root)
        if not text.strip():
            return []
        try:
            out = await extract_text(self.ai, text, url, overlap=cfg.chunk_overlap, max_chunks=cfg.max_chunks)
        except Unavailable as exc:
            raise ExtractionDeferred(f"AI extraction: {exc}") from None
        for key, n in (("extract_ai_pages", 1), ("extract_ai_chunks", out.chunks), ("extract_text_cut", out.text_cut),
                       ("extract_invented", out.invented), ("extract_merged", out.merged)):
            self._count(key, n)
        return out.questions

    # ------------------------------------------------------------ drift
    async def _track(self, layout: str, url: str, found: int) -> None:
        assert self.tracker is not None
        untracked = self.tracker.untracked
        drift = self.tracker.record(layout, url, found)
        self._count("extract_untracked", self.tracker.untracked - untracked)  # past drift.MAX_LAYOUTS
        if drift is not None:
            self._count("extract_drifts")
            self._report(drift)
            if self.layouts is not None:
                await self.layouts.stale(layout, drift)
            await self.flush()
        else:
            await self._maybe_flush()

    def _report(self, drift: dict[str, Any]) -> None:
        name = self.tracker.job_name if self.tracker else ""
        log.warning("job %s (%s): selector drift: %s; e.g. %s", self.job_id, name, drift["reason"],
                    ", ".join(drift["sample_urls"][:3]))
        tracker = getattr(self.app, "errors", None)
        if tracker is not None:
            tracker.capture(f"job {name} ({self.job_id}): selector drift on layout {drift['layout']}: "
                            f"{drift['reason']}", "extraction", "medium",
                            {"job_id": self.job_id, "job": name, "layout": drift["layout"], "mode": self.mode,
                             "sample_urls": drift["sample_urls"]},
                            error_type="SelectorDrift", location=f"extract:{drift['layout']}")

    async def _load(self) -> None:
        """The job's stored layout yields (a resumed job goes on counting); the other
        workers' first pages wait for them. A store that cannot be read now leaves the
        counting to start afresh in memory (the stored counters are added to, not replaced)."""
        if self._loading is not None:
            await self._loading.wait()
            return
        self._loading = attempt = trio.Event()
        try:
            if self.tracker is not None:
                async for doc in self.app.store.iterate(YIELD, {"job_id": self.job_id}):
                    self.tracker.load(doc)
            self._loaded = True
        except StoreError as exc:
            log.warning("job %s: stored layout yields not read (%s); counting from here", self.job_id, exc)
            self._loaded = True
        finally:
            self._loading = None
            attempt.set()

    async def _maybe_flush(self) -> None:
        if time.monotonic() - self._flushed_at >= _FLUSH_EVERY:
            await self.flush()

    async def flush(self) -> None:
        """Write the layouts' yield counters changed since the last flush."""
        self._flushed_at = time.monotonic()
        if self.tracker is None:
            return
        pending = self.tracker.pending()
        for i, (_id, update) in enumerate(pending):
            try:
                await self.app.store.update_one(YIELD, {"_id": _id}, update, upsert=True)
            except StoreError as exc:
                log.warning("job %s: layout yield not saved (%s); kept for the next save", self.job_id, exc)
                self.tracker.restore(pending[i:])
                return
