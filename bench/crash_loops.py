"""Crash loops against a real daemon subprocess on a loopback site: questions lost,
duplicated, pages fetched twice, end state. One kill -9 mid-crawl, then K kills within W
seconds of each restart of the crawl (tests/crashloop.py), then a clean run to the end.

    .venv/bin/python bench/crash_loops.py [--runs 3] [--pages 120] [--kills 4] [--window 0.5]

Bounded: every wait has a timeout; loopback only. Results go to docs/reliability.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.crashloop import crash_loop  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pages", type=int, default=120)
    ap.add_argument("--kills", type=int, default=4, help="quick kills after the first")
    ap.add_argument("--window", type=float, default=0.5, help="seconds after a restart of the crawl")
    ap.add_argument("--delay", type=float, default=0.2, help="seconds the site takes per question page")
    ap.add_argument("--per-list", type=int, default=60)
    args = ap.parse_args()
    print(f"{'run':>3} {'kills':>5} {'expected':>8} {'lost':>5} {'dup':>4} {'extra':>5} {'pages':>5} "
          f"{'twice':>5} {'refetch':>7} {'failed':>6}  status     seconds")
    totals = {"lost": 0, "dup": 0, "runs": 0}
    for run in range(1, args.runs + 1):
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="crashloop-") as tmp:
            r = crash_loop(Path(tmp), pages=args.pages, quick_kills=args.kills, window=args.window,
                           seed=run, delay=args.delay, first_kill_after=8, per_list=args.per_list)
        took = time.monotonic() - start
        print(f"{run:>3} {1 + len(r.kills):>5} {r.questions_expected:>8} {r.lost:>5} {r.duplicated_sources:>4} "
              f"{r.extra:>5} {r.pages:>5} {r.pages_fetched_twice:>5} {r.extra_fetches:>7} {r.pages_failed:>6}  "
              f"{r.status:<10} {took:.0f}")
        totals["lost"] += r.lost
        totals["dup"] += r.duplicated_sources + r.extra
        totals["runs"] += 1
    print(f"\n{totals['runs']} crash loops: {totals['lost']} questions lost, {totals['dup']} duplicated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
