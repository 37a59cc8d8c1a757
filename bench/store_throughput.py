"""Store throughput: question batch upserts, frontier inserts and frontier claims, per backend.

    .venv/bin/python bench/store_throughput.py [--reps 5] [--scale 1.0] [--only sqlite|mongodb]

Backends: the embedded SQLite store in a temp dir, and MongoDB through the real pymongo:
the server named by SCRAPED_TEST_MONGODB_URI when set (a fresh database, dropped after),
otherwise nx-27017 started on loopback exactly as the tests start it (tests/mongo_server.py).

Every operation goes through the `Store` interface with the engine's own arguments:
- questions: `repo.question_upsert` ops, `writer.coalesce`d, sent with
  `store.bulk_upsert("raw_extracted_questions", ops)` as `BatchWriter._write` does, at
  batch sizes 1, 50 and 500 (`engine.write_batch` is 500). "new" is the insert path
  ($setOnInsert + $addToSet of the first source); "re-seen" sends the same keys again
  from another page (the update path: $addToSet adds a second source).
- frontier inserts: `new_entry` docs sent with `store.insert_many("frontier", links,
  ignore_duplicates=True)` as the writer does; a fraction of each batch is already stored
  (a page's links that the bounded seen-cache let through, or another daemon added).
- frontier claims: `Frontier.claim(engine.frontier_batch=64, lease)` on a job with
  pending entries, and marking the claimed pages done with `store.bulk_upsert("frontier",
  [Frontier.done_op(...)])` as the writer's flush does.

Each cell is the median of `reps` repetitions (fresh keys each time); the collections
grow across repetitions as they would in a crawl. For MongoDB, pymongo command
monitoring counts the commands (= round trips) each operation sends; that count is a
property of scraped's code and holds on a real MongoDB, while nx-27017's throughput is a
Python stand-in's, not MongoDB's. Prints Markdown (for docs/benchmarks.md).

pymongo is imported here only for command monitoring and the server's facts (the store
itself is used through the interface); the store modules stay the only users of it in scraped/.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import inspect
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import trio
from pymongo import MongoClient, monitoring

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scraped.engine import repo  # noqa: E402
from scraped.engine.extract.model import ExtractedQuestion  # noqa: E402
from scraped.engine.frontier import FRONTIER, Frontier, new_entry  # noqa: E402
from scraped.engine.repo import QUESTIONS  # noqa: E402
from scraped.engine.writer import coalesce  # noqa: E402
from scraped.store.base import Store  # noqa: E402
from scraped.store.mongo import MongoStore  # noqa: E402
from scraped.store.sqlite import SqliteStore  # noqa: E402
from tests.mongo_server import NxServer, external_uri  # noqa: E402

FRONTIER_BATCH = 64  # engine.frontier_batch default (scraped/engine/engine_config.py)
WRITE_BATCH = 500  # engine.write_batch default
LEASE = 60.0  # engine.lease_seconds default
DEFAULTS = SimpleNamespace(company_tags=(), category=None, difficulty=None)  # spec.fields.defaults


# ---------------------------------------------------------------- round-trip counting
class Commands(monitoring.CommandListener):
    """Counts every command pymongo sends (monitor heartbeats are not commands)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.micros = 0  # server-reported time of the commands, summed

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.counts[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self.micros += event.duration_micros

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def snapshot(self) -> Counter[str]:
        return Counter(self.counts)


COMMANDS = Commands()
monitoring.register(COMMANDS)  # before any client exists: applies to the store's client


# ---------------------------------------------------------------- workload
def question(tag: str, i: int) -> ExtractedQuestion:
    stem = (f"Which data structure gives O(1) average lookup by key in case {tag}-{i}? "
            "Consider memory overhead, ordering guarantees and worst-case behaviour.")
    return ExtractedQuestion(
        question=stem,
        options=("A balanced binary search tree", "A hash table", "A sorted array", f"A linked list ({i})"),
        answer=1, answer_text="A hash table",
        explanation="Hash tables map keys to buckets by hash; lookups are O(1) on average and "
                    "O(n) in the worst case, and they keep no order between keys.",
        category="data-structures", difficulty="easy")


def question_ops(tag: str, n: int, page: str, seen_at: float) -> list[tuple[str, dict[str, Any]]]:
    qs = [question(tag, i) for i in range(n)]
    return [repo.question_upsert(q, url=f"https://example.test/{page}/{i // 10}", job_id="bench-job",
                                 extractor="generic", seen_at=seen_at, defaults=DEFAULTS) for i, q in enumerate(qs)]


def links(job: str, tag: str, n: int, now: float) -> list[dict[str, Any]]:
    return [new_entry(job, f"https://example.test/{tag}/q/{i}", 2, now,
                      referrer=f"https://example.test/{tag}/list") for i in range(n)]


HOLDER = "bench:1:runner"
# The done marks as the writer sends them: filtered point updates (`bulk_update`, applied
# only while the entry is in flight under this holder) in the current engine, plain
# `bulk_upsert` by _id before that change.
MARKS_FILTERED = "holder" in inspect.signature(Frontier.done_op).parameters


def done_marks(store: Store, entries: list[dict[str, Any]], now: float) -> Any:
    if MARKS_FILTERED:
        return store.bulk_update(FRONTIER, [Frontier.done_op(e["_id"], HOLDER, now) for e in entries])
    return store.bulk_upsert(FRONTIER, [Frontier.done_op(e["_id"], now) for e in entries])


MARKS_CALL = "bulk_update" if MARKS_FILTERED else "bulk_upsert"


def chunks(seq: list[Any], size: int) -> list[list[Any]]:
    return [seq[i:i + size] for i in range(0, len(seq), size)]


def median(xs: list[float]) -> float:
    return statistics.median(xs)


# ---------------------------------------------------------------- measurements
class Bench:
    def __init__(self, store: Store, reps: int, scale: float):
        self.store = store
        self.reps = reps
        self.scale = scale
        self.rows: list[dict[str, Any]] = []

    def n(self, base: int, multiple: int) -> int:
        return max(multiple, int(base * self.scale) // multiple * multiple)

    def add(self, what: str, batch: int | str, unit: str, rates: list[float], per_call_ms: list[float],
            note: str = "") -> None:
        self.rows.append({"what": what, "batch": batch, "unit": unit, "rate": median(rates),
                          "ms": median(per_call_ms), "min": min(rates), "max": max(rates), "note": note})

    async def questions(self) -> None:
        for size, base in ((1, 200), (50, 1500), (WRITE_BATCH, 3000)):
            n = self.n(base, size)
            new_rates, new_ms, again_rates, again_ms = [], [], [], []
            for _rep in range(self.reps):
                tag = uuid.uuid4().hex[:10]
                now = time.time()
                first = chunks(question_ops(tag, n, f"list-{tag}", now), size)
                second = chunks(question_ops(tag, n, f"other-{tag}", now + 1), size)
                start = time.perf_counter()
                inserted = 0
                for ops in first:
                    inserted += (await self.store.bulk_upsert(QUESTIONS, coalesce(ops)))["inserted"]
                t = time.perf_counter() - start
                assert inserted == n, (inserted, n)
                new_rates.append(n / t)
                new_ms.append(t * 1000 / len(first))
                start = time.perf_counter()
                modified = 0
                for ops in second:
                    r = await self.store.bulk_upsert(QUESTIONS, coalesce(ops))
                    modified += r["modified"]
                    assert r["inserted"] == 0
                t = time.perf_counter() - start
                assert modified == n, (modified, n)
                again_rates.append(n / t)
                again_ms.append(t * 1000 / len(second))
            self.add("questions: new (insert path)", size, "docs/s", new_rates, new_ms, f"{n} docs")
            self.add("questions: re-seen (adds a source)", size, "docs/s", again_rates, again_ms, f"{n} docs")
        doc = await self.store.get(QUESTIONS, question_ops(tag, 1, "x", 0)[0][0])
        assert doc is not None and len(doc["sources"]) == 2, doc

    async def frontier_inserts(self) -> None:
        for size, known_pct, base in ((50, 80, 1000), (WRITE_BATCH, 80, 4000), (WRITE_BATCH, 0, 4000)):
            n = self.n(base, size)
            rates, ms = [], []
            for _rep in range(self.reps):
                job, tag = f"bench-ins-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:8]
                now = time.time()
                known_n = n * known_pct // 100
                known = links(job, "k" + tag, known_n, now)
                if known:
                    await self.store.insert_many(FRONTIER, known, ignore_duplicates=True)
                fresh = links(job, "f" + tag, n - known_n, now)
                # Each batch mixes known and new links in the same proportion.
                k_per, f_per = size * known_pct // 100, size - size * known_pct // 100
                batches = [known[i * k_per:(i + 1) * k_per] + fresh[i * f_per:(i + 1) * f_per]
                           for i in range(n // size)]
                start = time.perf_counter()
                inserted = 0
                for b in batches:
                    inserted += await self.store.insert_many(FRONTIER, b, ignore_duplicates=True)
                t = time.perf_counter() - start
                assert inserted == n - known_n, (inserted, n - known_n)
                rates.append(n / t)
                ms.append(t * 1000 / len(batches))
            self.add(f"frontier insert_many, {known_pct}% already stored", size, "links/s", rates, ms,
                     f"{n} links")

    async def claims(self) -> None:
        n = self.n(2560, FRONTIER_BATCH)
        claim_rates, claim_ms, done_rates, done_ms = [], [], [], []
        for _rep in range(self.reps):
            job = f"bench-claim-{uuid.uuid4().hex[:8]}"
            now = time.time() - 10  # due
            for b in chunks(links(job, job, n, now), WRITE_BATCH):
                await self.store.insert_many(FRONTIER, b, ignore_duplicates=True)
            frontier = Frontier(self.store, job, holder=HOLDER)
            t_claim = t_done = 0.0
            claimed = calls = 0
            while True:
                start = time.perf_counter()
                entries = await frontier.claim(FRONTIER_BATCH, LEASE)
                t_claim += time.perf_counter() - start
                if not entries:
                    break
                claimed += len(entries)
                calls += 1
                start = time.perf_counter()
                await done_marks(self.store, entries, time.time())
                t_done += time.perf_counter() - start
            assert claimed == n, (claimed, n)
            counts = await frontier.counts()
            assert counts["done"] == n and counts["pending"] == 0, counts
            claim_rates.append(claimed / t_claim)
            claim_ms.append(t_claim * 1000 / calls)
            done_rates.append(claimed / t_done)
            done_ms.append(t_done * 1000 / calls)
        self.add("frontier claim (Frontier.claim)", FRONTIER_BATCH, "entries/s", claim_rates, claim_ms,
                 f"{n} entries, +1 empty claim")
        self.add(f"frontier done marks ({MARKS_CALL})", FRONTIER_BATCH, "entries/s", done_rates, done_ms,
                 f"{n} entries")

    async def round_trips(self) -> list[tuple[str, int, str, float]]:
        """Commands sent by one call of each operation (MongoDB only), and their time as
        pymongo measured it (send to reply) in ms."""
        out: list[tuple[str, int, str, float]] = []

        async def count(label: str, fn: Any) -> None:
            before, micros = COMMANDS.snapshot(), COMMANDS.micros
            await fn()
            delta = COMMANDS.snapshot() - before
            out.append((label, sum(delta.values()), ", ".join(f"{k}×{v}" for k, v in sorted(delta.items())),
                        (COMMANDS.micros - micros) / 1000))

        tag = uuid.uuid4().hex[:10]
        now = time.time()
        for size in (1, 50, WRITE_BATCH):
            ops = question_ops(f"{tag}-{size}", size, "a", now)
            again = question_ops(f"{tag}-{size}", size, "b", now + 1)
            await count(f"questions bulk_upsert, {size} new", lambda o=ops: self.store.bulk_upsert(QUESTIONS, coalesce(o)))
            await count(f"questions bulk_upsert, {size} re-seen",
                        lambda o=again: self.store.bulk_upsert(QUESTIONS, coalesce(o)))
        job = f"bench-rt-{tag}"
        known = links(job, "k", 400, now - 10)
        await self.store.insert_many(FRONTIER, known, ignore_duplicates=True)
        await count("frontier insert_many, 50 links (40 stored)",
                    lambda: self.store.insert_many(FRONTIER, known[:40] + links(job, "n", 10, now - 10),
                                                   ignore_duplicates=True))
        await count("frontier insert_many, 500 links (400 stored)",
                    lambda: self.store.insert_many(FRONTIER, known + links(job, "m", 100, now - 10),
                                                   ignore_duplicates=True))
        frontier = Frontier(self.store, job, holder=HOLDER)
        got: list[dict[str, Any]] = []

        async def claim(limit: int) -> None:
            got[:] = await frontier.claim(limit, LEASE)

        await count(f"Frontier.claim({FRONTIER_BATCH})", lambda: claim(FRONTIER_BATCH))
        assert len(got) == FRONTIER_BATCH
        await count(f"done marks {MARKS_CALL}, {FRONTIER_BATCH}", lambda: done_marks(self.store, got, now))
        await count("Frontier.claim(200) (frontier_batch raised)", lambda: claim(200))
        assert len(got) == 200
        await count("Frontier.claim(64), nothing due", lambda: Frontier(self.store, job + "-none").claim(64, LEASE))
        return out


# ---------------------------------------------------------------- backends
def nx_version() -> str:
    try:
        return importlib.metadata.version("nx-27017")
    except importlib.metadata.PackageNotFoundError:
        return "?"


async def run_backend(name: str, store: Store, reps: int, scale: float) -> tuple[Bench, list | None]:
    await store.open()
    bench = Bench(store, reps, scale)
    try:
        start = time.perf_counter()
        await bench.questions()
        await bench.frontier_inserts()
        await bench.claims()
        trips = await bench.round_trips() if isinstance(store, MongoStore) else None
        print(f"<!-- {name}: {time.perf_counter() - start:.1f} s -->", file=sys.stderr)
    finally:
        await store.close()
    return bench, trips


def table(results: dict[str, Bench]) -> str:
    names = list(results)
    head = "| operation | batch | " + " | ".join(f"{n} rate | {n} ms/call" for n in names)
    if len(names) == 2:
        head += f" | {names[0]} / {names[1]}"
    lines = [head + " |", "|" + "---|" * (head.count("|"))]
    first = results[names[0]].rows
    for i, row in enumerate(first):
        cells = [row["what"] + f" ({row['note']})", str(row["batch"])]
        rates = []
        for n in names:
            r = results[n].rows[i]
            rates.append(r["rate"])
            cells += [f"{r['rate']:,.0f} {r['unit']}", f"{r['ms']:.2f}"]
        if len(names) == 2:
            cells.append(f"{rates[0] / rates[1]:.1f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def spread(results: dict[str, Bench]) -> str:
    out = []
    for n, b in results.items():
        for r in b.rows:
            out.append(f"- {n}, {r['what']}, batch {r['batch']}: {r['min']:,.0f} .. {r['max']:,.0f} {r['unit']}")
    return "\n".join(out)


def machine() -> str:
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, Python {platform.python_version()}"


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the documents per measurement")
    ap.add_argument("--only", choices=["sqlite", "mongodb"])
    args = ap.parse_args()

    results: dict[str, Bench] = {}
    trips = None
    facts = [f"- machine: {machine()}",
             f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
             f"- versions: SQLite library {sqlite3.sqlite_version}, trio {trio.__version__}, "
             f"pymongo {importlib.metadata.version('pymongo')}"]
    with tempfile.TemporaryDirectory(prefix="scraped-bench-") as tmp:
        if args.only in (None, "sqlite"):
            store = SqliteStore(Path(tmp) / "sqlite" / "scraped.db")
            results["sqlite"], _ = await run_backend("sqlite", store, args.reps, args.scale)
        if args.only in (None, "mongodb"):
            uri, server = external_uri(), None
            if uri is None:
                server = NxServer(Path(tmp) / "nx")
                server.start()
                uri = server.uri
            database = f"scraped_bench_{uuid.uuid4().hex[:10]}"
            client: MongoClient[Any] | None = None
            try:
                client = MongoClient(uri, serverSelectionTimeoutMS=5000)
                hello = client.admin.command("hello")
                build = client.admin.command("buildInfo").get("version")
                label = f"nx-27017 {nx_version()}" if server else f"MongoDB {build}"
                facts.append(f"- MongoDB side: {label} (server reports version {build!r}, "
                             f"maxWriteBatchSize {hello.get('maxWriteBatchSize')}, "
                             f"maxMessageSizeBytes {hello.get('maxMessageSizeBytes')})")
                store = MongoStore(uri, database, timeout=60.0)
                results["mongodb"], trips = await run_backend("mongodb", store, args.reps, args.scale)
            finally:
                try:
                    if client is not None:
                        client.drop_database(database)
                        client.close()
                finally:
                    if server is not None:
                        server.stop()

    print("\n".join(facts))
    print(f"- medians of {args.reps} repetitions, scale {args.scale}\n")
    print(table(results))
    print("\nSpread (min .. max of the repetitions):\n")
    print(spread(results))
    if trips:
        print("\n| MongoDB operation | round trips | commands | command time ms |\n|---|---|---|---|")
        for label, n, detail, ms in trips:
            print(f"| {label} | {n} | {detail} | {ms:.1f} |")


if __name__ == "__main__":
    trio.run(main)
