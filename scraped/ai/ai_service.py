"""AIService: the AI area's long-lived part of the daemon.

Owns the router (and through it the provider clients), the enhancement workers, the
near-duplicate index and the per-layout locks of ai-schema extraction.

Resource handling: provider clients are built when the service starts and closed when it
stops (after its nursery has ended, so no call is in flight). A reload (SIGHUP, with
`app.secrets` already re-read) rebuilds the clients whose key or endpoint changed — key
rotation without a restart — and closes the replaced ones once their calls end.
Error handling: a failing batch never stops a worker: store errors are logged and the
batch's lease lets it be claimed again; anything unexpected goes to the error tracker.
"""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import trio

from scraped.ai import catalogue
from scraped.ai.enhance import ENHANCED, Enhancer
from scraped.ai.neardup import NearDupIndex
from scraped.ai.providers import offline
from scraped.ai.router import Router
from scraped.errors import Conflict, StoreError
from scraped.service import DEGRADED, HEALTHY

log = logging.getLogger(__name__)


class AIService:
    name = "ai"

    def __init__(self, app: Any):
        self.app = app
        self.router = Router(lambda: self.app.config.ai, app.store, observe=app.observe,
                             threads=app.config.ai.threads)
        self.enhancer = Enhancer(self)
        self.index = NearDupIndex()
        self._index_lock = trio.Lock()
        self._layout_locks: dict[str, trio.Lock] = defaultdict(trio.Lock)
        self._wake = trio.Event()
        self._stopping = False
        self._paused = 0  # quiesce() holders
        self._active = 0  # batches being enhanced right now
        self._idle = trio.Event()  # set while no batch runs
        self._idle.set()
        self._nursery: trio.Nursery | None = None
        self.batches = {"batches": 0, "enhanced": 0, "failed": 0, "retry": 0}

    @property
    def config(self) -> Any:
        return self.app.config.ai

    # ------------------------------------------------------------ lifecycle
    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            self.router.configure(self.app.secrets)
            await self.router.usage.load()
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                for i in range(self.config.enhance.workers):
                    nursery.start_soon(self._worker, i)
                nursery.start_soon(self.router.warm)
                nursery.start_soon(self.router.usage.run_flusher)
                task_status.started(self)
                await trio.sleep_forever()
        finally:
            self._nursery = None
            await self.router.aclose()

    def handlers(self) -> dict[str, Any]:
        from scraped.ai.commands import handlers

        return handlers(self)

    async def reload(self, old: Any, new: Any) -> None:
        for client in self.router.configure(self.app.secrets):
            grace = client.config.timeout + 5.0
            if self._nursery is not None:
                self._nursery.start_soon(client.drain_and_close, grace)
            else:
                await client.drain_and_close(grace)
        if self._nursery is not None:
            self._nursery.start_soon(self.router.warm)
        self.wake()
        log.info("AI providers after reload: %s", ", ".join(self.router.configured_names()) or "offline only")

    async def checkpoint(self) -> None:
        # Claimed batches need no saving: their leases expire and they are claimed again.
        self._stopping = True

    @contextlib.asynccontextmanager
    async def quiesce(self, wait: float = 120.0) -> AsyncIterator[None]:
        """No enhancement batch runs or writes inside (a restore replaces the data under
        us). Waits for running batches to finish, at most `wait` seconds."""
        self._paused += 1
        try:
            with trio.move_on_after(wait):
                await self._idle.wait()
            if self._active:
                raise Conflict(f"{self._active} AI enhancement batch(es) still running after {wait:.0f} s")
            yield
        finally:
            self._paused -= 1
            self.wake()

    def _batch_started(self) -> None:
        self._active += 1
        if self._idle.is_set():
            self._idle = trio.Event()

    def _batch_done(self) -> None:
        self._active -= 1
        if not self._active:
            self._idle.set()

    def wake(self) -> None:
        """New raw questions (or a command) want the workers now, not at the next poll."""
        self._wake.set()

    notify_new_questions = wake

    # ------------------------------------------------------------ worker
    async def _worker(self, number: int) -> None:
        while True:
            claimed = 0
            if self.config.enabled and not self._stopping and not self._paused:
                try:
                    self._batch_started()
                    try:
                        summary = await self.enhancer.run_batch()
                        if not summary["claimed"] and self.has_model("enhance"):
                            # Idle: redo what the offline rules enhanced, now that a model may answer.
                            summary = await self.enhancer.run_batch(upgrade=True)
                    finally:
                        self._batch_done()
                    claimed = summary["claimed"]
                    self._count(summary)
                except StoreError as exc:
                    log.warning("enhancement worker %d: store error: %s", number, exc)
                except Exception as exc:
                    self.app.capture_exception(exc, category="ai", context={"worker": number})
                    await trio.sleep(self.config.enhance.poll_interval)
            if not claimed:
                with trio.move_on_after(self.config.enhance.poll_interval):
                    await self._wake.wait()
                if self._wake.is_set():
                    self._wake = trio.Event()

    def _count(self, summary: dict[str, Any]) -> None:
        if summary["claimed"]:
            self.batches["batches"] += 1
            for k in ("enhanced", "failed", "retry", "provisional"):
                self.batches[k] = self.batches.get(k, 0) + summary.get(k, 0)

    # ------------------------------------------------------------ helpers for the tasks
    def has_model(self, task: str) -> bool:
        return any(self.router.configured(n) for n, _ in self.config.order(task) if n != offline.NAME)

    def layout_lock(self, key: str) -> trio.Lock:
        return self._layout_locks[key]

    async def ensure_index(self) -> None:
        """Load the bank into the near-duplicate index once (in pages, yielding between them)."""
        if self.index.ready:
            return
        async with self._index_lock:
            if self.index.ready:
                return
            async for doc in self.app.store.iterate(ENHANCED, {}):
                self.index.add(doc["_id"], doc.get("question") or "")
            self.index.ready = True
            log.info("near-duplicate index: %d questions", len(self.index))

    def index_add(self, _id: str, question: str) -> None:
        if self.index.ready:
            self.index.add(_id, question)

    def near_duplicates(self, question: str) -> list[tuple[str, float]]:
        return self.index.similar(question, self.config.near_duplicate)

    async def merge_target(self, key: str, question: str, options: list[str]) -> str | None:
        """The bank question this one merges into: the same key, or a near-duplicate with the
        same options (a rewording); None when it is new."""
        store = self.app.store
        if await store.get(ENHANCED, key) is not None:
            return key
        await self.ensure_index()
        mine = sorted(o.casefold() for o in options)
        for other, _score in self.near_duplicates(question):
            doc = await store.get(ENHANCED, other)
            if doc is not None and sorted(o.casefold() for o in doc.get("options") or []) == mine:
                return other
        return None

    # ------------------------------------------------------------ health
    async def health(self) -> dict[str, dict[str, Any]]:
        cfg = self.config
        rows = self.router.provider_rows(self.app.secrets)
        models = [n for n, r in rows.items() if n != offline.NAME and r["configured"]]
        spent = await self.router.usage.spent_today()
        open_ = [n for n in models if rows[n]["breaker"] != "closed"]
        if cfg.daily_budget and (spent >= cfg.daily_budget or self.router.usage.budget_refused_today()):
            status, reason = DEGRADED, (f"daily budget ${cfg.daily_budget:g} spent (${spent:.4f}, the rest too "
                                        f"little for a call's worst case): offline provider only")
        elif models and len(open_) == len(models):
            status, reason = DEGRADED, f"every provider's breaker is open ({', '.join(open_)}): offline only"
        elif open_:
            status, reason = DEGRADED, f"breaker open: {', '.join(open_)}"
        elif not models:
            status, reason = HEALTHY, "offline provider only (no API keys configured)"
        else:
            status, reason = HEALTHY, f"{len(models)} provider(s) configured: {', '.join(models)}"
        # The model catalogue: a configured model past its shutdown date fails every call.
        entries = [(n, m) for task in ("enhance", "generate", "feedback", "extract")
                   for n, m in cfg.order(task) if n in models]
        model_problems, model_warnings = catalogue.model_warnings(entries, cfg, datetime.now(UTC).date())
        if model_problems:
            status = DEGRADED
            reason = "; ".join(model_problems) + f"; {reason}"
        elif model_warnings and status == HEALTHY:
            reason = f"{reason}; warning: {model_warnings[0]}" + (
                f" (+{len(model_warnings) - 1} more)" if len(model_warnings) > 1 else "")
        counts: dict[str, int] | dict[str, str]
        try:
            counts = await self.enhancer.counts()
        except StoreError as exc:
            counts = {"error": str(exc)}
        return {"ai_services": {
            "status": status, "reason": reason, "providers": rows,
            "spent_today": round(spent, 6), "daily_budget": cfg.daily_budget,
            "model_problems": model_problems, "model_warnings": model_warnings,
            "enhancement": {"enabled": cfg.enabled, "states": counts, **self.batches}}}
