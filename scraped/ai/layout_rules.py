"""ai-schema layouts of one job: samples, the rules a model derived, their reuse and refusal.

A layout's rules are a document of the `layouts` collection (`_id`: the layout key, so
every job crawling that site's template reuses them):

    state "ok"        rules, provider, model, derived_at, validated_on (the samples' check)
    state "refused"   reason (each provider's refusal), retry_at: auto until then
    state "stale"     reason (a selector drift): new samples are gathered, rules derived again
    state "learning"  samples_seen: sample pages gathered so far (kept in memory by the job)

Pages of a layout with no usable rules are extracted by auto; the first
`validate_pages` of them that hold questions (auto finds some, or they look like quiz
pages) are kept as samples; once there are enough, one model call derives the rules under
the layout's lock (scraped.ai.rules_writer checks them on every sample). Pages that
arrive while the rules are derived wait for them. See rules_writer for the checks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import trio

from scraped.ai.rules_writer import Sample, derive_task, rules_table
from scraped.engine.extract.css import extract_css
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.rules import ExtractRules
from scraped.errors import ConfigError, Unavailable
from scraped.store.schema import LAYOUTS

__all__ = ["LAYOUTS", "SchemaLayouts"]

log = logging.getLogger(__name__)
_REFRESH = 5.0  # seconds a cached layout without usable rules is trusted before reading it again
_LEARNING_MAX = 50  # layouts gathering samples at once (each keeps a few parsed pages)


class SchemaLayouts:
    def __init__(self, app: Any, ai: Any, job_id: str, config: Callable[[], Any]):
        self.app = app
        self.ai = ai  # the AI service: its router derives the rules, its locks serialise that
        self.job_id = job_id
        self._config = config  # the live [engine.extraction] section
        self.samples: dict[str, list[Sample]] = {}
        self._docs: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._rules: dict[str, ExtractRules] = {}

    @property
    def store(self) -> Any:
        return self.app.store

    async def _doc(self, layout: str, fresh: bool = False) -> dict[str, Any] | None:
        cached = self._docs.get(layout)
        if cached is not None and not fresh:
            at, doc = cached
            if (doc is not None and doc.get("state") == "ok") or time.monotonic() - at < _REFRESH:
                return doc
        doc = await self.store.get(LAYOUTS, layout)
        self._docs[layout] = (time.monotonic(), doc)
        return doc

    def _compiled(self, layout: str, doc: dict[str, Any]) -> ExtractRules | None:
        rules = self._rules.get(layout)
        if rules is None or {k: getattr(rules, k) for k in doc["rules"]} != doc["rules"]:
            try:
                rules = ExtractRules.from_dict({"mode": "css", **{k: v for k, v in doc["rules"].items() if v}})
            except ConfigError as exc:  # stored by an older version, or edited by hand
                log.warning("layout %s: stored rules do not compile (%s); using auto", layout, exc)
                return None
            self._rules[layout] = rules
        return rules

    async def extract(self, layout: str, url: str, html: str, root: Any, auto: Callable[[], list[ExtractedQuestion]],
                      quiz_like: Callable[[], str | None]) -> tuple[list[ExtractedQuestion], bool]:
        """(questions, by_rules): the layout's rules applied, or auto's questions while the
        layout has none (gathering samples, deriving when there are enough)."""
        doc = await self._doc(layout)
        if doc is not None and doc.get("state") == "ok":
            rules = self._compiled(layout, doc)
            if rules is not None:
                return extract_css(root, rules), True
        found = auto()
        if doc is not None and doc.get("state") == "refused" and time.time() < float(doc.get("retry_at") or 0):
            return found, False
        samples = self.samples.get(layout)
        if samples is None and len(self.samples) >= _LEARNING_MAX:
            return found, False
        samples = self.samples.setdefault(layout, [])
        if url not in {s.url for s in samples} and (found or quiz_like()):
            samples.append(Sample(url, html, root, found))
            if doc is None or doc.get("state") == "learning":
                await self._learning(layout, len(samples))
        if len(samples) < self._config().validate_pages:
            return found, False
        doc = await self._derive(layout)
        if doc is not None and doc.get("state") == "ok":
            rules = self._compiled(layout, doc)
            if rules is not None:
                return extract_css(root, rules), True
        return found, False

    async def _learning(self, layout: str, samples: int) -> None:
        """A layout gathering samples is on record (jobs show lists it after the job ends:
        a layout with too few pages holding questions never gets rules)."""
        now = time.time()
        await self.store.update_one(LAYOUTS, {"_id": layout}, {
            "$setOnInsert": {"state": "learning", "job_id": self.job_id, "created_at": now},
            "$max": {"samples_seen": samples}}, upsert=True)
        self._docs.pop(layout, None)

    async def _derive(self, layout: str) -> dict[str, Any] | None:
        async with self.ai.layout_lock(layout):
            doc = await self._doc(layout, fresh=True)
            samples = self.samples.get(layout) or []
            if (doc is not None and doc.get("state") == "ok") or len(samples) < self._config().validate_pages:
                return doc  # derived meanwhile (another worker or job)
            reasons: list[str] = []
            task, accepted = derive_task(samples, self.app.config.ai.extract_max_chars, reasons)
            now = time.time()
            update: dict[str, Any]
            try:
                result = await self.ai.router.run(task)
            except Unavailable as exc:
                why = "; ".join(reasons[-3:]) if reasons else str(exc)
                update = {"state": "refused", "reason": f"rules refused: {why}"[:1500], "refused_at": now,
                          "retry_at": now + self.app.config.ai.layout_retry, "job_id": self.job_id,
                          "samples": [s.url for s in samples]}
                log.warning("layout %s: no acceptable rules (%s); auto extracts its pages", layout, why)
            else:
                rules, report = accepted
                update = {"state": "ok", "rules": rules_table(rules), "provider": result.provider,
                          "model": result.model, "derived_at": now, "job_id": self.job_id,
                          "validated_on": report, "reason": None, "refusals": reasons[-3:]}
                log.info("layout %s: rules derived by %s and checked on %d pages", layout, result.provider,
                         len(report))
            self.samples.pop(layout, None)  # a refused layout gathers new samples after retry_at
            with trio.CancelScope(shield=True):
                await self.store.update_one(LAYOUTS, {"_id": layout}, {
                    "$set": update, "$inc": {"derivations" if update["state"] == "ok" else "refusals_n": 1},
                    "$setOnInsert": {"created_at": now}}, upsert=True)
            return await self._doc(layout, fresh=True)

    async def stale(self, layout: str, drift: dict[str, Any]) -> None:
        """The layout's rules drifted: derive them again from new samples."""
        now = time.time()
        await self.store.update_one(LAYOUTS, {"_id": layout, "state": "ok"}, {"$set": {
            "state": "stale", "reason": f"selector drift: {drift['reason']}", "stale_at": now}})
        self._rules.pop(layout, None)
        self.samples.pop(layout, None)
        await self._doc(layout, fresh=True)
        log.warning("layout %s: rules drifted (%s); deriving them again from new samples", layout, drift["reason"])
