"""What the offline provider writes: answer positions, ratios, units, fractions, explanations.

    .venv/bin/python bench/offline_output.py [--count 10000] [--seed 2026] [--pages scraped/demo/site]

Generation: COUNT template questions over every category and difficulty; the answer's
position (A-D) with the chi-square against uniform (3 degrees of freedom: 16.27 is p = 0.001),
ratios not in lowest terms, "1 days"/"1 years", two-place roundings in explanations.
Enhancement: the saved pages under --pages, extracted by `scraped extract --json`, through
the offline rules; explanations by origin (the page's, worked arithmetic,
none) and how many merely restate the answer. Numbers go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scraped.ai import templates  # noqa: E402
from scraped.ai.providers import offline  # noqa: E402


def generation(count: int, seed: int) -> None:
    rng = random.Random(seed)
    combos = [(c, d) for c in templates.TEMPLATES for d in ("easy", "medium", "hard")]
    questions: list[dict] = []
    for c, d in combos:
        questions += templates.generate(c, d, count // len(combos) + 1, rng)["questions"]
    questions = questions[:count]
    positions = Counter(q["correct_index"] for q in questions)
    expected = len(questions) / 4
    chi2 = sum((positions[i] - expected) ** 2 / expected for i in range(4))
    shares = ", ".join(f"{'ABCD'[i]} {100 * positions[i] / len(questions):.1f} %" for i in range(4))
    ratios = [tuple(map(int, m)) for q in questions for m in re.findall(r"ratio (\d+):(\d+)", q["question"])]
    texts = [t for q in questions for t in [q["question"], q["explanation"], *q["options"]]]
    plural_one = sum(1 for t in texts if re.search(r"(?<![\d.,/])1 (days|years)\b", t))
    rounded = sum(1 for q in questions if re.search(r"= \d*\.\d\d(?!\d)", q["explanation"])
                  and "time and work" in q["topics"])
    print(f"generation: {len(questions)} questions (seed {seed})")
    print(f"  answer position: {shares}; chi-square {chi2:.2f} (uniform below 16.27)")
    print(f"  ratios not in lowest terms: {sum(1 for a, b in ratios if math.gcd(a, b) > 1)} of {len(ratios)}")
    print(f"  '1 days' / '1 years': {plural_one}; rounded work rates ('= 0.33'): {rounded}")


def enhancement(pages: Path) -> None:
    items: list[dict] = []
    for page in sorted(pages.rglob("*.html")):
        out = subprocess.run([sys.executable, "-m", "scraped.daemon", "extract", str(page), "--json"],
                             cwd=REPO, capture_output=True, text=True)
        if out.returncode:
            print(f"  {page.name}: scraped extract failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}")
            continue
        for q in json.loads(out.stdout or "[]"):
            items.append({"id": f"q{len(items) + 1}", **{k: q.get(k) for k in (
                "question", "options", "answer", "answer_text", "explanation", "category", "difficulty")}})
    if not items:
        print(f"enhancement: no questions under {pages}")
        return
    replies = offline.enhance(items)["questions"]
    origin = Counter("page" if r["explanation"] and r["explanation"] == (i.get("explanation") or "").strip()
                     else "worked" if r["explanation"] else "none" for i, r in zip(items, replies, strict=True))
    restated = sum(1 for r in replies if offline.tautological(r["explanation"]))
    levels = Counter(r["quality_score"] for r in replies)
    print(f"enhancement: {len(items)} questions from {pages.relative_to(REPO) if pages.is_relative_to(REPO) else pages}")
    print(f"  explanations: {dict(origin)}; restating the answer: {restated}")
    print(f"  quality scores: {dict(sorted(levels.items(), reverse=True))}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--pages", type=Path, default=REPO / "scraped" / "demo" / "site")
    args = ap.parse_args()
    generation(args.count, args.seed)
    enhancement(args.pages.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
