"""Fetcher overhead: scraped's Fetcher vs a bare httpx.AsyncClient loop, same server, one run.

    .venv/bin/python bench/fetcher_overhead.py [--pages 3000] [--concurrency 32] [--rounds 3]

The server (tests/hostile_server.py in its own process, so the two cores are split
between server and client) answers every path with the same 12 KB keep-alive HTML page.
Both clients fetch distinct URLs with `concurrency` tasks over one client. The bare loop
does `await client.get(url)` and `.text`; the Fetcher runs its whole path (guard, robots
check, host slot, own redirect handling, bounded streaming read, binary sniff, charset).
Rounds alternate which goes first so drift hits both; the best round of each is reported.

A second table repeats the comparison over an in-memory transport (no sockets, no
httpcore pool): what is left is exactly the work the Fetcher adds per page.

Reading the first table: on one host the Fetcher can come out ahead of the bare loop.
Its host slot queues requests in front of httpcore's pool, so it keeps fewer connections
open (10 vs 32 measured here), and httpcore scans every pooled connection for each
request. That is an artefact of a one-host benchmark, not a saving to count on; the
second table is the overhead.
Prints Markdown tables (for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

import httpx
import trio

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scraped.engine.fetch.fetcher import Fetcher, FetchSettings, HostPolicy  # noqa: E402


async def run_pool(n: int, concurrency: int, get) -> tuple[float, float]:
    """Fetch pages 0..n-1 with `concurrency` workers: (pages per second, client CPU us per page).

    CPU time of this process (the server runs in another) is the steadier measure of
    per-page cost on a busy machine; wall-clock pages/s is what a crawl sees.
    """
    next_page = 0

    async def worker() -> None:
        nonlocal next_page
        while next_page < n:
            i = next_page
            next_page += 1
            await get(i)

    start, cpu = time.perf_counter(), time.process_time()
    async with trio.open_nursery() as nursery:
        for _ in range(concurrency):
            nursery.start_soon(worker)
    return n / (time.perf_counter() - start), (time.process_time() - cpu) * 1e6 / n


PAGE = (b"<html><body>" + b"<p>question text</p>" * 700)[: 12 * 1024]


class _OneChunk(httpx.AsyncByteStream):
    async def __aiter__(self):
        yield PAGE


class MemoryTransport(httpx.AsyncBaseTransport):
    """Answers every request with the 12 KB page as a (one-chunk) stream, after a checkpoint."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await trio.lowlevel.checkpoint()
        return httpx.Response(200, headers={"Content-Type": "text/html; charset=utf-8",
                                            "Content-Length": str(len(PAGE))}, stream=_OneChunk())


async def public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]  # never connected to: the memory transport answers


async def bare(base: str, n: int, concurrency: int, offset: int, transport=None) -> tuple[float, float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, trust_env=False, transport=transport) as client:
        async def get(i: int) -> None:
            r = await client.get(f"{base}/q/{offset + i}")
            assert r.status_code == 200 and len(r.text) > 10_000

        await run_pool(min(200, n), concurrency, get)  # warm the pool
        return await run_pool(n, concurrency, get)


async def fetcher(base: str, n: int, concurrency: int, offset: int, transport=None) -> tuple[float, float]:
    settings = FetchSettings(allow_private_networks=True, max_connections=concurrency)
    policy = HostPolicy(concurrency=concurrency)
    resolver = public if transport is not None else None
    async with Fetcher(settings, transport=transport, resolver=resolver) as f:
        async def get(i: int) -> None:
            r = await f.fetch(f"{base}/q/{offset + i}", policy)
            assert r.status == 200 and len(r.text) > 10_000

        await run_pool(min(200, n), concurrency, get)
        return await run_pool(n, concurrency, get)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    server = subprocess.Popen([sys.executable, "-m", "tests.hostile_server", "--page-kb", "12"],
                              cwd=REPO, stdout=subprocess.PIPE, text=True)
    clients = [("bare httpx.AsyncClient", bare), ("scraped Fetcher", fetcher)]
    try:
        port = int(server.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in clients}
        for r in range(args.rounds):
            offset = r * 10 * args.pages
            for name, run in clients if r % 2 == 0 else clients[::-1]:  # neither always goes first
                results[name].append(trio.run(run, base, args.pages, args.concurrency, offset))
    finally:
        server.terminate()
        server.wait()

    print(f"Python {platform.python_version()}, httpx {httpx.__version__}, trio {trio.__version__}; "
          f"{args.pages} pages of 12 KB, concurrency {args.concurrency}, best of {args.rounds}\n")
    report("Local server (separate process), real sockets", results)

    memory: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in clients}
    for r in range(args.rounds):
        for name, run in clients if r % 2 == 0 else clients[::-1]:
            memory[name].append(trio.run(run, "http://site.test", args.pages, args.concurrency,
                                         r * 10 * args.pages, MemoryTransport()))
    report("In-memory transport: the Fetcher's own work per page", memory)


def report(title: str, results: dict[str, list[tuple[float, float]]]) -> None:
    pps = {k: max(p for p, _ in v) for k, v in results.items()}
    cpu = {k: min(c for _, c in v) for k, v in results.items()}
    print(f"{title}\n")
    print("| client | pages/s (best) | pages/s (rounds) | client CPU us/page (best) |")
    print("|---|---:|---|---:|")
    for name, runs in results.items():
        print(f"| {name} | {pps[name]:,.0f} | {', '.join(f'{p:,.0f}' for p, _ in runs)} | {cpu[name]:,.0f} |")
    b, f = "bare httpx.AsyncClient", "scraped Fetcher"
    print(f"\nOverhead: wall-clock rate {pps[f] / pps[b]:.2f}x the bare loop's; CPU per page "
          f"{cpu[f] / cpu[b]:.2f}x ({cpu[f] - cpu[b]:+,.0f} us).\n")

if __name__ == "__main__":
    main()
