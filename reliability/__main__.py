"""`make reliability`: the bounded reliability suite against the real daemon, with figures.

    .venv/bin/python -m reliability [--only kills,fuzz,storage,reload,secrets] [--short]
                                    [--json FILE] [--markdown FILE]

Every scenario runs the real `scraped` daemon as a subprocess on loopback only, and every
loop is bounded by a count and a time budget; the budgets add up to at most 15 minutes
(--short --only kills,fuzz: under a minute, what tests/test_reliability_short.py runs). Prints one table of
figures with the issue's goals next to them; exit status 1 when a figure misses its goal
(the table says which), 0 when every goal is met.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from reliability import fuzz, kills, reloads, secrets_check, storage
from reliability.common import Report

# Full and short sizes of each scenario, with the seconds each may take (the full
# budgets sum to 14.5 minutes; a scenario out of time reports how far it got).
FULL: dict[str, dict[str, float]] = {
    "kills": {"kills": 20, "loops": 5, "pages": 1000, "seconds": 450},
    "fuzz": {"frames": 100_000, "seconds": 170},
    "storage": {"pages": 300, "seconds": 140},
    "reload": {"hups": 50, "pages": 1000, "seconds": 60},
    "secrets": {"pages": 40, "seconds": 50},
}
SHORT: dict[str, dict[str, float]] = {  # CI (tests/test_reliability_short.py) runs kills and fuzz
    "kills": {"kills": 2, "loops": 1, "quick": 2, "pages": 100, "seconds": 45},
    "fuzz": {"frames": 3000, "seconds": 40},
    "storage": {"pages": 60, "seconds": 60},
    "reload": {"hups": 6, "pages": 200, "seconds": 30},
    "secrets": {"pages": 10, "seconds": 30},
}
SCENARIOS: dict[str, Callable[..., None]] = {
    "kills": kills.run, "fuzz": fuzz.run, "storage": storage.run, "reload": reloads.run,
    "secrets": secrets_check.run,
}


def machine() -> str:
    return f"{os.cpu_count()}-core {platform.machine()}, Python {platform.python_version()}"


def run(names: list[str], short: bool) -> Report:
    sizes = SHORT if short else FULL
    report = Report()
    for name in names:
        args = {k: (int(v) if k != "seconds" else float(v)) for k, v in sizes[name].items()}
        if short and name == "fuzz":
            args["short"] = True
        started = time.monotonic()
        try:
            SCENARIOS[name](report, **args)
        except Exception as exc:  # one scenario's failure is a figure, not the end of the suite
            report.add(name, "scenario error", f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}",
                       "none", ok=False)
        print(f"# {name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return report


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m reliability", description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    ap.add_argument("--short", action="store_true", help="CI-sized runs (kills and fuzz: under a minute)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    ap.add_argument("--markdown", type=Path, help="also write the figures as a Markdown table here")
    args = ap.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    started = time.monotonic()
    report = run(names, args.short)
    took = time.monotonic() - started
    head = f"scraped reliability, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}, {took:.0f} s"
    print(head)
    print(report.table())
    if args.json:
        args.json.write_text(report.to_json())
    if args.markdown:
        args.markdown.write_text(head + "\n\n" + report.markdown() + "\n")
    missed = report.missed
    print(f"\n{len(missed)} figure(s) missed their goal" if missed else "\nevery goal met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
