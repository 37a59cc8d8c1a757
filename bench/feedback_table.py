"""The feedback grader's confusion matrix on tests/fixtures/feedback_table.tsv.

    .venv/bin/python bench/feedback_table.py [--table PATH] [--rounds N]

"same" pairs graded correct are true positives, traps graded correct are false positives
(a wrong answer marked right: the worse error for a student), and so on. Each pair is
graded both ways round, as the test does. Also: grading time per pair (median, p99), and
every misgraded pair by name. Numbers go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scraped.ai.feedback import grade  # noqa: E402
from tests.test_feedback_table import TABLE, load_table  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, default=TABLE)
    ap.add_argument("--rounds", type=int, default=20, help="timing rounds over the table")
    args = ap.parse_args()
    rows = load_table(args.table)
    tp = fn = fp = tn = 0
    wrong: list[str] = []
    methods: dict[str, int] = {}
    for answer, correct, options, expected, why in rows:
        for a, c in ((answer, correct), (correct, answer)):
            got, method, _ = grade(a, c, options)
            methods[method] = methods.get(method, 0) + 1
            if expected:
                tp, fn = tp + got, fn + (not got)
            else:
                fp, tn = fp + got, tn + (not got)
            if got != expected:
                wrong.append(f"  {a!r} vs {c!r} {options or ''}: graded {got}, expected {expected} ({why})")
    times = []
    for _ in range(args.rounds):
        for answer, correct, options, _, _ in rows:
            start = time.perf_counter()
            grade(answer, correct, options)
            times.append((time.perf_counter() - start) * 1e6)
    times.sort()
    total = tp + fn + fp + tn
    same, traps = sum(r[3] for r in rows), sum(not r[3] for r in rows)
    print(f"table: {args.table.relative_to(REPO) if args.table.is_relative_to(REPO) else args.table}: "
          f"{len(rows)} pairs ({same} same, {traps} traps), each graded both ways: {total} gradings")
    print()
    print("                     graded correct   graded incorrect")
    print(f"  same   ({tp + fn:4d})        {tp:6d}            {fn:6d}")
    print(f"  trap   ({fp + tn:4d})        {fp:6d}            {tn:6d}")
    print()
    print(f"accuracy {100 * (tp + tn) / total:.1f} %; wrong answers marked right: {fp}; "
          f"right answers marked wrong: {fn}")
    print("by method: " + ", ".join(f"{k} {v}" for k, v in sorted(methods.items(), key=lambda kv: -kv[1])))
    print(f"time per grading: median {statistics.median(times):.0f} µs, "
          f"p99 {times[int(len(times) * 0.99)]:.0f} µs, max {times[-1]:.0f} µs ({len(times)} gradings)")
    if wrong:
        print("misgraded:")
        print("\n".join(wrong))
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
