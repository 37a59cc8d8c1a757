"""One job's crawl loop: claim frontier batches, fetch, extract, hand pages to the writer.

    feeder ──(bounded channel)──▶ N workers ──▶ BatchWriter ──▶ store
       ▲ claims `frontier_batch` entries at a time        │
       └──── progress saver: counters, lease, requests ◀──┘

The runner owns a nursery for its tasks; the supervisor owns the cancel scope around it.
When cancelled (pause, stop, shutdown) it saves its work in `finally`, shielded and
bounded by `engine.stop_grace`: flush the writer, return in-flight entries to pending,
save the counters. It returns normally only when the frontier has nothing left to do
(or max_pages is reached): the job is complete.

A *helper* runner (several daemons on one MongoDB) crawls another daemon's RUNNING job:
it claims frontier batches under its own holder and adds its counters with `$inc`, but
holds no job lease: it never seeds, recounts, changes the job's state or answers pause and
stop requests (the owner does). It leaves when the crawl is done, or at the first save
after the job stops RUNNING (LeaseLost).

Suspects (pages seen in flight at two crashes, scraped.engine.frontier) are claimed one
at a time before anything else and processed alone in the daemon (scraped.engine.gate),
their done mark flushed before the gate opens again, so a crash during that window is
the only kind counted against a page.

Error handling: a page's fetch or parse failure is recorded on the job and the crawl
goes on. A failed store call backs off and retries while the job's lease would still be
ours (a failover, a short outage); past that it propagates (the supervisor interrupts the
job).
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from typing import Any

import trio

from scraped.engine import outcome, repo
from scraped.engine.extraction import Extraction, ExtractionDeferred
from scraped.engine.frontier import IN_FLIGHT, Frontier, SeenCache, entry_id, new_entry
from scraped.engine.gate import Gate
from scraped.engine.spec import JobSpec
from scraped.engine.storage import StorageFault, storage_fault
from scraped.engine.writer import BatchWriter, Flushed
from scraped.errors import ScrapedError, StoreError, Unavailable
from scraped.store.schema import META

log = logging.getLogger(__name__)


TOTALS = (META, "engine:totals")  # every job's counters summed, kept across restarts


class LeaseLost(ScrapedError):
    """Another daemon or command took the job over; stop without touching its state."""


class Runner:
    def __init__(self, *, app: Any, jobs: repo.JobsRepo, job: dict[str, Any], spec: JobSpec,
                 fetcher: Any, holder: str, on_request: Any = None, helper: bool = False,
                 gate: Gate | None = None, ai: Any = None):
        from scraped.engine.fetch.politeness import HostPolicy

        self.app = app
        self.jobs = jobs
        self.store = app.store
        self.cfg = app.config.engine
        self.job = job
        self.job_id: str = job["_id"]
        self.spec = spec
        self.fetcher = fetcher
        self.holder = holder
        self.helper = helper
        self.on_request = on_request  # called with "pause"/"stop" asked for through the store
        self.frontier = Frontier(self.store, self.job_id, holder)
        self.gate = gate if gate is not None else Gate()
        self._suspects = False  # pages seen at several crashes wait to be run alone
        # Scrapy-style stats, saved as deltas ($inc stats.<key>): status_<code>, failed_<kind>,
        # retries (a page tried again later), run_seconds. See commands.job_stats.
        self.stats: Counter[str] = Counter()
        self._captured: set[str] = set()  # failure kinds already sent to the error tracker
        self._run_mark = time.monotonic()
        # A helper counts only its own work (added to the job's with $inc).
        self.progress: dict[str, int] = {**repo.empty_progress(), **({} if helper else job.get("progress") or {})}
        self.max_pages = spec.max_pages(self.cfg)
        self.max_depth = spec.max_depth(self.cfg)
        self.allowed = spec.allowed_hosts()
        pol = spec.politeness(self.cfg)
        self.policy = HostPolicy(concurrency=pol["concurrency"], delay=pol["delay"],
                                       autothrottle=pol["autothrottle"], obey_robots=pol["obey_robots"])
        self.seen = SeenCache(self.cfg.seen_cache)
        self.writer = BatchWriter(self.store, holder=holder, batch=self.cfg.write_batch, interval=self.cfg.write_interval,
                                  timeout=app.config.store.timeout, on_flush=self._flushed,
                                  observe=app.observe, retry=self._retrying)
        self._failures: list[dict[str, Any]] = []
        # The mode's extractor (scraped.engine.extraction); a mode that needs a model none can
        # serve raises ConfigError here: the job fails at once with that reason.
        self.extraction = Extraction(app, job, spec, lambda: self.stats, ai)
        self._saved: dict[str, int] = dict(self.progress)  # as added to the all-jobs totals
        self._job_saved: dict[str, int] | None = dict(self.progress)  # as added to the job's counters
        self._last_error: str | None = None
        self._busy = 0  # claimed entries not yet handed to the writer
        self._holding: set[str] = set()  # their ids (their leases are renewed at each save)
        self._idle = trio.Event()
        self._news = trio.Event()  # set whenever a page is settled
        self._settled = 0  # pages done or finally failed: counts against max_pages
        self.started_at = time.time()
        self.rate = 0.0  # pages per second, smoothed
        self._rate_mark = (time.monotonic(), 0)
        self._saved_at = time.monotonic()  # the job's lease (or helper entry) was last renewed
        self._renew_at = 0.0  # when the frontier leases are next renewed (monotonic)
        self.fault: StorageFault | None = None  # disk full / read-only: stop, touch nothing

    # ------------------------------------------------------------ counters
    def _flushed(self, f: Flushed) -> None:
        p = self.progress
        for failure in f.failures:
            kind = failure.get("kind") or "unknown"
            self.stats[f"failed_{kind}"] += 1
            if kind not in self._captured:
                self._captured.add(kind)
                outcome.first_failure(self.app, self.job_id, failure)
        p["pages_fetched"] += f.pages_fetched
        p["pages_failed"] += f.pages_failed
        p["questions_found"] += f.questions_found
        p["questions_new"] += f.questions_new
        p["bytes"] += f.bytes
        self._failures.extend(f.failures)
        if f.failures:
            last = f.failures[-1]
            self._last_error = f"{last['url']}: {last['reason']}"

    def snapshot(self) -> dict[str, Any]:
        return {"progress": dict(self.progress), "rate": round(self.rate, 2), "in_flight": self._busy,
                "unsaved": self.writer.pending(), "max_pages": self.max_pages}

    def _tick_rate(self) -> None:
        now, done = time.monotonic(), self.progress["pages_fetched"] + self.progress["pages_failed"]
        then, before = self._rate_mark
        if now - then >= 0.5:
            sample = (done - before) / (now - then)
            self.rate = sample if self.rate == 0 else 0.7 * self.rate + 0.3 * sample
            self._rate_mark = (now, done)

    # ------------------------------------------------------------ the crawl
    async def run(self) -> None:
        try:
            await self._retrying(self._prepare)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self.writer.run)
                nursery.start_soon(self._save_loop)
                send, recv = trio.open_memory_channel[dict[str, Any]](self.cfg.frontier_batch)
                async with recv:
                    for _ in range(self.spec.concurrency(self.cfg)):
                        nursery.start_soon(self._worker, recv.clone())
                async with send:
                    await self._feed(send)
                await self._wait_idle()  # workers drain what the feeder sent
                nursery.cancel_scope.cancel()
            await self._retrying(self.writer.flush)
            await self._retrying(self._save)
        finally:
            if self.fault is None:  # a storage fault: the supervisor holds the job and its writes
                with trio.CancelScope(shield=True), trio.move_on_after(self.cfg.stop_grace):
                    await self._checkpoint()

    async def _prepare(self) -> None:
        """Seed (idempotent), put back what a crash left in flight, recount from the store."""
        await self.frontier.release_stale()
        if self.helper:
            self._settled = _settled(self.job)
            return
        await self.frontier.seed([u for u in (_canon(x) for x in self.spec.fields.start_urls) if u])
        counts = await self.frontier.counts()
        self.progress["pages_fetched"] = counts["done"]
        self.progress["pages_failed"] = counts["failed"]
        self.progress["questions_new"] = await self.store.count(repo.QUESTIONS, {"job_id": self.job_id})
        self._suspects = await self.frontier.has_suspects()
        self._settled = counts["done"] + counts["failed"]
        self._saved = dict(self.progress)
        self._job_saved = None  # None: the next save sets the recount

    async def _checkpoint(self) -> None:
        try:
            await self.extraction.flush()  # the layouts' yield (drift) counters
            await self.writer.flush()
        finally:
            await self.frontier.release_in_flight(mine_only=True)
            await self._save(final=True)

    def _budget(self) -> int:
        if not self.max_pages:
            return self.cfg.frontier_batch
        return max(0, self.max_pages - self._settled - self._busy)

    async def _feed_suspect(self, send: trio.MemorySendChannel[dict[str, Any]]) -> bool:
        """One suspect page, alone; True when there was one (the feeder loops back)."""
        if not self._suspects:
            return False
        claim = functools.partial(self.frontier.claim, suspects=True)
        entries = await self._retrying(claim, 1, self.cfg.lease_seconds)
        if not entries:
            self._suspects = False
            return False
        self._busy += 1
        self._holding.add(entries[0]["_id"])
        self._idle = trio.Event()
        await send.send(entries[0])
        await self._wait_idle()  # the next suspect only once this one is settled
        return True

    async def _feed(self, send: trio.MemorySendChannel[dict[str, Any]]) -> None:
        while True:
            if self._budget() > 0 and await self._feed_suspect(send):
                continue
            want = min(self.cfg.frontier_batch, self._budget())
            if want <= 0:
                if self._busy == 0 and self._budget() <= 0:
                    return  # max_pages reached
                await self._wait_idle()
                continue
            entries = await self._retrying(self.frontier.claim, want, self.cfg.lease_seconds)
            if entries:
                self._busy += len(entries)
                self._holding.update(e["_id"] for e in entries)
                self._idle = trio.Event()
                for entry in entries:
                    await send.send(entry)
                continue
            # Nothing due in the store. New links may be waiting in the writer (flush them
            # now: a chain of listing pages is only as fast as this hop) or in pages still
            # being fetched (wait for the next one to finish, then look again).
            if self.writer.pending_links():
                await self._retrying(self.writer.flush)
                continue
            if self._busy:
                self._news = trio.Event()
                await self._news.wait()
                continue
            await self._retrying(self.writer.flush)
            if self.max_pages and self._settled >= self.max_pages:
                return
            if await self._retrying(self.frontier.has_suspects, True):  # due ones (a helper's crash)
                self._suspects = True
                continue
            due = await self._retrying(self.frontier.next_due)  # after the flush: new links included
            if due is None:
                if (await self._retrying(self.frontier.counts))[IN_FLIGHT] == 0:
                    return  # nothing pending, nothing in flight anywhere: the crawl is complete
                due = time.time() + 0.5  # another daemon's pages may still add links
            await trio.sleep(min(max(due - time.time(), 0.0), 1.0))

    async def _wait_idle(self) -> None:
        while self._busy:
            await self._idle.wait()

    def _settle(self, final: bool) -> None:
        self._busy -= 1
        if final:
            self._settled += 1
            self.stats["pages"] += 1
        self._news.set()
        if self._busy == 0:
            self._idle.set()

    async def _worker(self, recv: trio.MemoryReceiveChannel[dict[str, Any]]) -> None:
        async with recv:
            async for entry in recv:
                final = True
                try:
                    final = await self._process(entry)
                finally:
                    self._holding.discard(entry["_id"])
                    self._settle(final)
                self._tick_rate()

    async def _process(self, entry: dict[str, Any]) -> bool:
        """Fetch and extract one page (a suspect alone in the daemon); True when the page
        is settled (done or failed for good)."""
        crashes = int(entry.get("crashes") or 0)
        if crashes >= self.cfg.page_crashes:
            await self._fail(entry, f"gave up: the daemon died {crashes} times while this page alone was "
                             "being processed (a page that crashes the daemon?); `jobs retry-failed` tries "
                             "it again", "crash", False)
            return True
        if not entry.get("suspect"):
            async with self.gate.shared():
                return await self._fetch_and_extract(entry)
        async with self.gate.alone():
            await self._retrying(self.frontier.mark_alone, entry["_id"])
            try:
                return await self._fetch_and_extract(entry)
            finally:
                # Its outcome durable before anything else runs: a crash after this is not its.
                with trio.CancelScope(shield=True):
                    await self._retrying(self.writer.flush)

    async def _fetch_and_extract(self, entry: dict[str, Any]) -> bool:
        from scraped.engine.fetch.fetcher import FetchError

        url = entry["url"]
        start = time.perf_counter()
        try:
            result = await self.fetcher.fetch(url, self.policy)
        except FetchError as exc:
            self.app.observe("fetch", time.perf_counter() - start, False)
            if exc.status:
                self.stats[f"status_{exc.status}"] += 1
            return await self._fail(entry, exc.reason, exc.kind, exc.retryable, exc.retry_after)
        self.app.observe("fetch", time.perf_counter() - start, True)
        self.stats[f"status_{result.status}"] += 1
        try:
            questions, links = await self._extract(entry, result)
        except ExtractionDeferred as exc:  # no model answered now: the page is tried again later
            return await self._fail(entry, str(exc), "ai", True)
        except Exception as exc:  # a parser choking on one page must not stop the job
            log.debug("extraction failed on %s", url, exc_info=exc)
            return await self._fail(entry, f"extraction failed: {type(exc).__name__}: {exc}", "parse", False)
        await self.writer.page_done(entry["_id"], links, questions, result.nbytes)
        return True

    async def _extract(self, entry: dict[str, Any], result: Any) -> tuple[list[Any], list[dict[str, Any]]]:
        from scraped.engine.extract import Page, extract_link_sets

        start = time.perf_counter()
        page = Page(result.text, result.final_url or entry["url"])
        seen_at = entry.get("first_claimed_at") or time.time()
        extracted, extractor = await self.extraction.questions(page, result.text, entry["url"])
        ops = [repo.question_upsert(q, url=entry["url"], job_id=self.job_id, extractor=extractor,
                                    seen_at=seen_at, defaults=self.spec.fields.defaults)
               for q in extracted]
        depth = entry.get("depth", 0)
        found = extract_link_sets(page, self.spec.follow)
        links: list[dict[str, Any]] = []
        now = time.time()
        # Pagination stays at the page's depth (a listing's page 7 is as deep as page 1).
        self._new_links(found.pagination, depth, now, entry["url"], links)
        if depth + 1 <= self.max_depth:
            self._new_links(found.follow, depth + 1, now, entry["url"], links)
        self.app.observe("parse", time.perf_counter() - start, True)
        return ops, links

    def _new_links(self, urls: list[str], depth: int, now: float, referrer: str,
                   out: list[dict[str, Any]]) -> None:
        from scraped.engine.fetch.urls import in_domains

        for link in urls:
            if not in_domains(link, self.allowed):
                continue
            key = entry_id(self.job_id, link)
            if key in self.seen:
                continue
            self.seen.add(key)
            out.append(new_entry(self.job_id, link, depth, now, referrer=referrer))

    async def _fail(self, entry: dict[str, Any], reason: str, kind: str, retryable: bool,
                    retry_after: float | None = None) -> bool:
        now = time.time()
        retry_at = None
        if retryable and entry.get("attempts", 1) < self.cfg.page_attempts:
            retry_at = now + max(self.cfg.page_retry_delay, retry_after or 0.0)
        failure = {"url": entry["url"], "reason": reason, "kind": kind, "at": now,
                   "attempts": entry.get("attempts", 1), "will_retry": retry_at is not None}
        if retry_at is not None:
            self.stats["retries"] += 1
        await self.writer.page_failed(entry["_id"], failure, retry_at)
        return retry_at is None

    # ------------------------------------------------------------ persistence
    async def _save_loop(self) -> None:
        while True:
            await trio.sleep(self.cfg.progress_interval)
            await self._retrying(self._save)

    async def _retrying(self, fn: Any, *args: Any) -> Any:
        """`fn(*args)`, retried with backoff on a StoreError while the job's lease, last
        renewed at `_saved_at`, has not run out; then the error propagates. A storage fault
        (disk full, read-only) is not retried: StorageFault, at once."""
        delay = 0.2
        while True:
            if self.fault is not None:
                raise self.fault
            try:
                return await fn(*args)
            except (StoreError, Unavailable, OSError) as exc:
                fault = storage_fault(exc)
                if fault is not None:
                    self.fault = fault
                    raise fault from None
                if isinstance(exc, OSError):
                    raise
                left = self._saved_at + self.cfg.lease_seconds - time.monotonic()
                if left <= delay:
                    raise
                log.warning("job %s: store call failed, retrying in %.1fs: %s", self.job_id, delay, exc)
                await trio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _save(self, final: bool = False) -> None:
        now_mono = time.monotonic()
        self.stats["run_ms"] += int((now_mono - self._run_mark) * 1000)
        self._run_mark = now_mono
        stats, self.stats = self.stats, Counter()
        failures, self._failures = self._failures, []
        now_progress = dict(self.progress)
        base = self._job_saved
        counters = now_progress if base is None else {k: v - base.get(k, 0) for k, v in now_progress.items()}
        try:
            doc = await self.jobs.save_progress(
                self.job_id, self.holder, counters, failures, self.cfg.failures_kept,
                self.cfg.lease_seconds, self._last_error, replace=base is None, helper=self.helper,
                final=final, stats=dict(stats))
        except BaseException:
            self._failures = failures + self._failures  # kept for the next save
            self.stats.update(stats)
            raise
        if doc is None:
            if not final:
                what = "helped" if self.helper else "held"
                raise LeaseLost(f"job {self.job_id} is no longer {what} by {self.holder}")
            return
        self._saved_at = time.monotonic()
        self._job_saved = now_progress
        # max_pages counts every daemon's pages (within one save interval of each).
        self._settled = max(self._settled, _settled(doc))
        if not final and time.monotonic() >= self._renew_at:
            # Keep our frontier leases alive; put back what a dead daemon left in flight.
            # A third of the lease is often enough: each costs a write over the job's entries.
            self._renew_at = time.monotonic() + self.cfg.lease_seconds / 3
            await self.frontier.renew(list(self._holding), self.cfg.lease_seconds)
            await self.frontier.release_expired()
        if doc.get("request") and self.on_request is not None and not final:
            self.on_request(doc["request"])
        delta = {k: v - self._saved.get(k, 0) for k, v in self.progress.items() if v != self._saved.get(k, 0)}
        if delta:
            self._saved = dict(self.progress)
            await self.store.update_one(TOTALS[0], {"_id": TOTALS[1]}, {
                "$inc": {f"progress.{k}": v for k, v in delta.items()}, "$set": {"updated_at": time.time()}},
                upsert=True)


def _settled(job: dict[str, Any]) -> int:
    progress = job.get("progress") or {}
    return int(progress.get("pages_fetched") or 0) + int(progress.get("pages_failed") or 0)


def _canon(url: str) -> str | None:
    from scraped.engine.fetch.urls import canonicalize

    return canonicalize(url)
