"""`make bench`: every benchmark script once, at small sizes, one after the other.

    .venv/bin/python bench/run_all.py [--only NAME[,NAME]] [--list] [--timeout SECONDS]

This is the smoke run: it shows that each benchmark still runs end to end and prints its
numbers, in a few minutes on the 2-core machine. The numbers in docs/benchmarks.md come
from each script at its full sizes (its own --help says how). A script in bench/ that is
not in RUNS below is reported as "not run" (give it an entry with small sizes), so a new
benchmark is never skipped silently. Exit status: 0 when every run passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# name: arguments for a small run. Helpers that other scripts drive are in HELPERS.
RUNS: dict[str, list[str]] = {
    "control_plane": ["--seconds", "1"],
    "store_throughput": ["--reps", "1", "--scale", "0.05", "--only", "sqlite"],
    "fetcher_overhead": ["--pages", "200", "--rounds", "1"],
    "extract_speed": ["--seconds", "0.05"],
    "extract_quality": ["--runs", "1"],
    "ai_batching": ["--questions", "20", "--calls", "30"],
    # nginx serves the site (installed with apt-get when missing); Scrapy is left out here.
    "crawl_vs_scrapy": ["--sizes", "100", "--only", "scraped,bare", "--timeout", "300"],
}
HELPERS = {"crawl_bare", "quality_match", "run_all"}  # driven by other scripts, or this one


def _scripts() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if not p.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="run only these (comma-separated names)")
    ap.add_argument("--list", action="store_true", help="list the runs and exit")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds one script may take")
    args = ap.parse_args(argv)
    scripts = _scripts()
    missing = [name for name in RUNS if name not in scripts]
    if missing:
        print(f"run_all: no bench/{missing[0]}.py (remove it from RUNS)", file=sys.stderr)
        return 1
    chosen = list(RUNS)
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        unknown = [w for w in wanted if w not in RUNS]
        if unknown:
            print(f"run_all: unknown run {unknown[0]!r}; known: {', '.join(RUNS)}", file=sys.stderr)
            return 64
        chosen = wanted
    if args.list:
        for name in chosen:
            print(f"{name:18} bench/{name}.py {' '.join(RUNS[name])}")
        return 0
    results: list[tuple[str, str, float]] = []
    for name in chosen:
        cmd = [sys.executable, str(HERE / f"{name}.py"), *RUNS[name]]
        print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
        start = time.monotonic()
        try:
            rc = subprocess.run(cmd, cwd=REPO, timeout=args.timeout).returncode
            outcome = "ok" if rc == 0 else f"FAILED (exit {rc})"
        except subprocess.TimeoutExpired:
            outcome = f"FAILED (over {args.timeout:.0f} s)"
        results.append((name, outcome, time.monotonic() - start))
    print("\n=== summary")
    for name, outcome, seconds in results:
        print(f"{name:18} {outcome:24} {seconds:7.1f} s")
    if not args.only:
        for name in scripts:
            if name not in RUNS and name not in HELPERS:
                print(f"{name:18} not run: bench/run_all.py has no small-size entry for it")
    return 0 if all(outcome == "ok" for _, outcome, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
