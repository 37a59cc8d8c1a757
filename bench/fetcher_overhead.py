"""Fetcher overhead: scraped's Fetcher vs a bare httpx.AsyncClient loop, same server, one run.

    .venv/bin/python bench/fetcher_overhead.py [--pages 3000] [--concurrency 32] [--rounds 3]

The server (tests/hostile_server.py in its own process, so the two cores are split
between server and client) answers every path with the same 12 KB keep-alive HTML page.
Both clients fetch distinct URLs with `concurrency` tasks over one client. The bare loop
does `await client.get(url)` and `.text`; the Fetcher runs its whole path (guard, robots
check, host slot, own redirect handling, bounded streaming read, binary sniff, charset).
Rounds alternate the two so drift hits both; the best round of each is reported.
Prints a Markdown table (for docs/benchmarks.md).
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

from scraped.engine.fetch import Fetcher, FetchSettings, HostPolicy  # noqa: E402


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


async def bare(base: str, n: int, concurrency: int, offset: int) -> tuple[float, float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        async def get(i: int) -> None:
            r = await client.get(f"{base}/q/{offset + i}")
            assert r.status_code == 200 and len(r.text) > 10_000

        await run_pool(min(200, n), concurrency, get)  # warm the pool
        return await run_pool(n, concurrency, get)


async def fetcher(base: str, n: int, concurrency: int, offset: int) -> tuple[float, float]:
    settings = FetchSettings(allow_private_networks=True, max_connections=concurrency)
    policy = HostPolicy(concurrency=concurrency)
    async with Fetcher(settings) as f:
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
    try:
        port = int(server.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        results: dict[str, list[tuple[float, float]]] = {"bare httpx.AsyncClient": [], "scraped Fetcher": []}
        for r in range(args.rounds):
            offset = r * 10 * args.pages
            results["bare httpx.AsyncClient"].append(trio.run(bare, base, args.pages, args.concurrency, offset))
            results["scraped Fetcher"].append(trio.run(fetcher, base, args.pages, args.concurrency, offset))
    finally:
        server.terminate()
        server.wait()

    pps = {k: max(p for p, _ in v) for k, v in results.items()}
    cpu = {k: min(c for _, c in v) for k, v in results.items()}
    print(f"Python {platform.python_version()}, httpx {httpx.__version__}, trio {trio.__version__}; "
          f"{args.pages} pages of 12 KB, concurrency {args.concurrency}, best of {args.rounds}\n")
    print("| client | pages/s (best) | pages/s (rounds) | client CPU us/page (best) |")
    print("|---|---:|---|---:|")
    for name, runs in results.items():
        print(f"| {name} | {pps[name]:,.0f} | {', '.join(f'{p:,.0f}' for p, _ in runs)} | {cpu[name]:,.0f} |")
    b, f = "bare httpx.AsyncClient", "scraped Fetcher"
    print(f"\nOverhead: wall-clock rate {pps[f] / pps[b]:.2f}x the bare loop's; CPU per page "
          f"{cpu[f] / cpu[b]:.2f}x ({cpu[f] - cpu[b]:+,.0f} us).")


if __name__ == "__main__":
    main()
