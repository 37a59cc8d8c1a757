"""AI batching benchmark: requests and tokens per enhanced question, with batching (several
questions per request) versus one question per request, and the router's own overhead
per call. Runs the real enhancement worker, router and google-genai / groq SDKs against
the local fake servers of tests/fake_providers.py (tokens are counted there as 4
characters a token, the same way for both modes, so the ratio is what matters).

    .venv/bin/python bench/ai_batching.py [--questions 200] [--batch 10] [--calls 300]

Prints a Markdown report (saved by hand to bench/results_ai.md / docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import trio

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scraped.ai.router import Task  # noqa: E402
from scraped.ai.schema import FEEDBACK  # noqa: E402
from tests.fake_providers import KEY, FakeProvider, ai_service, ai_settings  # noqa: E402
from tests.test_ai_enhance import RAW, arithmetic  # noqa: E402


async def enhance_run(kind: str, n: int, batch: int) -> dict[str, float]:
    with FakeProvider(kind) as fake, tempfile.TemporaryDirectory() as tmp:
        settings = ai_settings({kind: fake}, order=(kind,), enhance={"batch_size": batch}, cache=False)
        keys = {"gemini": "GEMINI_API_KEY", "groq": "GROQ_API_KEY"}
        async with ai_service(Path(tmp), settings, secrets={keys[kind]: KEY}) as h:
            await h.service.router.warm()
            await h.app.store.insert_many(RAW, [arithmetic(i) for i in range(n)])
            start = time.perf_counter()
            done = 0
            while True:
                s = await h.service.enhancer.run_batch()
                if not s["claimed"]:
                    break
                done += s["enhanced"]
            seconds = time.perf_counter() - start
        assert done == n, (done, n)
        tin = sum(r.tokens_in for r in fake.requests)
        tout = sum(r.tokens_out for r in fake.requests)
        return {"requests": fake.calls / n, "tokens_in": tin / n, "tokens_out": tout / n,
                "tokens": (tin + tout) / n, "ms_per_question": seconds * 1000 / n}


async def overhead_run(calls: int) -> dict[str, float]:
    """p50 of router.run (cache off) minus p50 of the bare provider call, same server."""
    with FakeProvider("groq") as fake, tempfile.TemporaryDirectory() as tmp:
        settings = ai_settings({"groq": fake}, order=("groq",), cache=False)
        async with ai_service(Path(tmp), settings, secrets={"GROQ_API_KEY": KEY}) as h:
            router = h.service.router
            await router.warm()
            client = router.clients["groq"]
            from scraped.ai.providers.base import LLMRequest

            req = LLMRequest("Explain (task: feedback)", 'INPUT JSON:{"n":1}', FEEDBACK, "feedback.v1", 400, 0.2)
            bare, routed, inner, offline = [], [], [], []
            real = client._complete

            async def timed(*a, **kw):  # the SDK call's own time inside a routed call
                t0 = time.perf_counter()
                try:
                    return await real(*a, **kw)
                finally:
                    inner.append(time.perf_counter() - t0)
            for i in range(calls):
                t = time.perf_counter()
                await client.complete(req, h.app.config.ai.groq.model)  # the fake serves real names only
                bare.append(time.perf_counter() - t)
                task = Task("feedback", req.system, f'INPUT JSON:{{"n":{i}}}', FEEDBACK, "feedback.v1")
                client._complete = timed
                t = time.perf_counter()
                await router.run(task)
                routed.append(time.perf_counter() - t)
                client._complete = real
                task = Task("feedback", req.system, "x", FEEDBACK, "feedback.v1", order=[("offline", "rules")],
                            offline=lambda: {"explanation": "x"})
                t = time.perf_counter()
                await router.run(task)
                offline.append(time.perf_counter() - t)
        p50 = lambda xs: statistics.median(xs) * 1000  # noqa: E731
        extra = [r - i for r, i in zip(routed, inner, strict=True)]
        return {"bare_ms": p50(bare), "routed_ms": p50(routed), "overhead_ms": p50(extra),
                "overhead_p95_ms": sorted(extra)[int(len(extra) * 0.95)] * 1000, "offline_ms": p50(offline)}


async def main(args: argparse.Namespace) -> None:
    rows = []
    for kind in ("gemini", "groq"):
        single = await enhance_run(kind, args.questions, 1)
        batched = await enhance_run(kind, args.questions, args.batch)
        rows.append((kind, single, batched))
    over = await overhead_run(args.calls)
    print(f"# AI batching benchmark\n\n{platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {args.questions} raw questions, batch size {args.batch}; fake provider "
          f"servers on 127.0.0.1 (tokens = characters / 4, counted by the server).\n")
    print("| provider (SDK) | mode | requests / question | prompt tokens / q | reply tokens / q | "
          "tokens / q | wall ms / q |")
    print("|---|---|---|---|---|---|---|")
    for kind, single, batched in rows:
        for mode, r in (("1 per request", single), (f"batch of {args.batch}", batched)):
            print(f"| {kind} | {mode} | {r['requests']:.3f} | {r['tokens_in']:.0f} | {r['tokens_out']:.0f} | "
                  f"{r['tokens']:.0f} | {r['ms_per_question']:.2f} |")
    print()
    for kind, single, batched in rows:
        print(f"- {kind}: batching cuts requests per question {single['requests'] / batched['requests']:.1f}x "
              f"and tokens per question {single['tokens'] / batched['tokens']:.2f}x.")
    print(f"- router overhead per call (groq, {args.calls} calls, cache off; time in router.run outside the "
          f"SDK call, usage accounting buffered and flushed to SQLite each second): p50 {over['overhead_ms']:.2f} ms, p95 "
          f"{over['overhead_p95_ms']:.2f} ms (a bare SDK call to the local server: p50 {over['bare_ms']:.2f} ms); "
          f"a whole offline-provider call: p50 {over['offline_ms']:.2f} ms.")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--questions", type=int, default=200)
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--calls", type=int, default=300)
    trio.run(main, p.parse_args())
