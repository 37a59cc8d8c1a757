"""The floor for bench/crawl_vs_scrapy.py: a bare httpx + trio + parsel crawl loop.

    .venv/bin/python bench/crawl_bare.py START_URL --concurrency 16 --selectors JSON --out STATS.json

The same work as the Scrapy spider and the scraped job (fetch, the same parsel
selectors, follow every <a> and <link rel=next> on the host, de-duplicate URLs) and
nothing else: no store, no frontier, no politeness, no retries, no size caps. What it
writes to --out: pages, questions, seconds (first request to last response), cpu
seconds of the crawl (imports excluded) and its peak RSS (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import parsel
import trio


def text(sel: parsel.SelectorList) -> str:
    return " ".join(" ".join(sel.css("::text").getall()).split())


def extract(html: str, url: str, sel: dict[str, str]) -> tuple[list[dict], list[str]]:
    page = parsel.Selector(text=html)
    items = []
    for block in page.css(sel["block"]):
        q = block.css(sel["question"])
        if not q:
            continue
        items.append({"url": url, "question": text(q[:1]),
                      "options": [t for t in (text(o) for o in block.css(sel["options"])) if t],
                      "answer": text(block.css(sel["answer"])[:1]),
                      "explanation": text(block.css(sel["explanation"])[:1])})
    hrefs = page.css("a::attr(href)").getall() + page.css("link[rel=next]::attr(href)").getall()
    return items, hrefs


async def crawl(start: str, concurrency: int, sel: dict[str, str]) -> dict:
    host = urlsplit(start).netloc
    seen = {start}
    send, recv = trio.open_memory_channel[str](float("inf"))
    send.send_nowait(start)
    pending = 1  # URLs queued or being fetched
    done = trio.Event()
    stats = {"pages": 0, "questions": 0, "bytes": 0, "errors": 0}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal pending
        async for url in recv:
            try:
                resp = await client.get(url)
                stats["pages"] += 1
                stats["bytes"] += len(resp.content)
                if resp.status_code == 200 and resp.headers.get("content-type", "").startswith("text/html"):
                    items, hrefs = extract(resp.text, url, sel)
                    stats["questions"] += len(items)
                    for href in hrefs:
                        link = urldefrag(urljoin(url, href))[0]
                        if urlsplit(link).netloc == host and link not in seen:
                            seen.add(link)
                            pending += 1
                            send.send_nowait(link)
            except httpx.HTTPError:
                stats["errors"] += 1
            finally:
                pending -= 1
                if pending == 0:
                    done.set()

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client, trio.open_nursery() as nursery:
        t0 = time.monotonic()
        for _ in range(concurrency):
            nursery.start_soon(worker, client)
        await done.wait()
        stats["seconds"] = time.monotonic() - t0
        nursery.cancel_scope.cancel()
    return stats


def cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("start")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--selectors", required=True, help="JSON: block, question, options, answer, explanation")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cpu0 = cpu()  # imports excluded, as for the daemon and Scrapy
    stats = trio.run(crawl, args.start, args.concurrency, json.loads(args.selectors))
    stats["cpu"] = cpu() - cpu0
    stats["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(args.out, "w") as f:
        json.dump(stats, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
