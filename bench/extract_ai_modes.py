"""What the layout-based modes cost per page, on the real saved pages (tests/fixtures/real).

    .venv/bin/python bench/extract_ai_modes.py [--rounds 30]

- layouts: how the real pages group by `scraped.engine.layouts.fingerprint` (site and
  template), per site: pages, layouts;
- fingerprint: CPU ms per page (process time, median over rounds; the page parsed once);
- ai-schema reuse: on javatpoint's three aptitude pages (one layout), CPU ms per page of
  the rules a model would write (`extract_css`) against `auto` (`extract_questions`),
  with the questions each finds, and the CPU cost of checking the rules on the three
  pages once (`check_rules`, paid once per derivation);
- ai chunks: for a 30-question practice page (tests/drift_site.py), the chunks and the
  characters sent at extract_max_chars 1000 and chunk_overlap 300 (the overlap's share).

No model is called: these are the parts that run in the daemon for every page.
"""

from __future__ import annotations

import argparse
import glob
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraped.ai.extract import chunks, page_text  # noqa: E402
from scraped.ai.rules_writer import Sample, check_rules, compile_rules  # noqa: E402
from scraped.engine.extract import Page, extract_questions  # noqa: E402
from scraped.engine.extract.css import extract_css  # noqa: E402
from scraped.engine.layouts import fingerprint  # noqa: E402
from tests.drift_site import DriftSite  # noqa: E402
from tests.test_ai_extract import JAVATPOINT  # noqa: E402

REAL = ROOT / "tests" / "fixtures" / "real"


def cpu_ms(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()

    pages = []
    for path in sorted(glob.glob(str(REAL / "*" / "*.html"))):
        site = Path(path).parent.name
        pages.append((site, Page(Path(path).read_text(errors="replace"), f"https://{site}.test/{Path(path).stem}")))
    print("| site | pages | layouts |\n|---|---|---|")
    for site in sorted({s for s, _ in pages}):
        mine = [p for s, p in pages if s == site]
        print(f"| {site} | {len(mine)} | {len({fingerprint(p.root, p.url) for p in mine})} |")
    fp = [cpu_ms(lambda p=p: fingerprint(p.root, p.url), args.rounds) for _, p in pages]
    print(f"\nfingerprint: median {statistics.median(fp):.3f} ms/page, max {max(fp):.3f} ms "
          f"({len(pages)} pages)")

    jt = [p for s, p in pages if s == "javatpoint" and "aptitude" in p.url]
    rules = compile_rules(JAVATPOINT)
    css = [cpu_ms(lambda p=p: extract_css(p.root, rules), args.rounds) for p in jt]
    auto = [cpu_ms(lambda p=p: extract_questions(Page(p.selector.get(), p.url)), args.rounds) for p in jt]
    found = [(len(extract_css(p.root, rules)), len(extract_questions(p))) for p in jt]
    samples = [Sample(p.url, "", p.root, extract_questions(p)) for p in jt]
    check = cpu_ms(lambda: check_rules(rules, samples), args.rounds)
    print(f"\nai-schema reuse on javatpoint ({len(jt)} pages): rules {statistics.mean(css):.3f} ms/page, "
          f"auto (parse + lines + heuristics) {statistics.mean(auto):.3f} ms/page; questions "
          f"(rules, auto) per page {found}; checking the rules on the 3 pages once {check:.3f} ms")

    text = page_text(Page(DriftSite(long_questions=30).long_page(), "http://s.test/long/1").root)
    pieces = chunks(text, 1000, 300)
    sent = sum(len(p) for p in pieces)
    print(f"\nai chunks: {len(text)} characters -> {len(pieces)} chunks, {sent} characters sent "
          f"({sent / len(text) - 1:.0%} more for the overlaps)")


if __name__ == "__main__":
    main()
