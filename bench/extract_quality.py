"""Extraction quality on the real-page corpus (tests/fixtures/real/): auto mode, no rules.

    .venv/bin/python bench/extract_quality.py [--json | --markdown] [--runs 3] [--site SLUG]
        [--verbose] [--corpus DIR]

Every page under tests/fixtures/real/<site>/ goes through the same path as `scraped
extract PAGE --json`: the file's bytes decoded by `decode_html`, `Page(text, file URL)`,
`extract_questions(page, ExtractRules())` (auto mode), then `to_dict()`. Its questions are
scored against the page's truth file (bench/quality_match.py): question recall, answer
accuracy (of found questions whose truth answer is not null), spurious answers (found
questions whose truth has no answer, given one anyway), explanation recall (of found
questions whose truth has one), invented questions (extracted, matching no truth question),
and the process CPU time of decode + parse + extract, median of `--runs` runs.

Printed per page, per site and overall; `--json` prints the same as one JSON object,
`--markdown` the tables for docs/benchmarks.md, `--verbose` also lists, per page, the
truth questions missed, the answers got wrong and the invented questions.
Exit status 0, or 1 when the corpus is missing or malformed (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.quality_match import (  # noqa: E402
    CorpusPage,
    PageScore,
    Totals,
    load_corpus,
    score_page,
    totals,
)
from scraped.engine.extract.page import Page, decode_html  # noqa: E402
from scraped.engine.extract.questions import extract_questions  # noqa: E402
from scraped.engine.extract.rules import ExtractRules  # noqa: E402

CORPUS = REPO / "tests" / "fixtures" / "real"


def extract_page(page: CorpusPage) -> list[dict[str, Any]]:
    """The page's questions as `scraped extract PAGE --json` prints them."""
    text = decode_html(page.html_path.read_bytes())
    found = extract_questions(Page(text, page.html_path.resolve().as_uri()), ExtractRules())
    return [q.to_dict() for q in found]


def cpu_ms(page: CorpusPage, runs: int) -> float:
    """Median process CPU ms of decode + parse + auto extraction (the file read is outside)."""
    body = page.html_path.read_bytes()
    url = page.html_path.resolve().as_uri()
    rules = ExtractRules()
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        extract_questions(Page(decode_html(body), url), rules)
        times.append((time.process_time() - t0) * 1000)
    return statistics.median(times)


def measure(pages: list[CorpusPage], runs: int) -> list[tuple[CorpusPage, PageScore, float, int]]:
    out = []
    for page in pages:
        score = score_page(page.page_id, page.truth["questions"], extract_page(page))
        out.append((page, score, cpu_ms(page, runs), page.html_path.stat().st_size))
    return out


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


def _totals_dict(t: Totals) -> dict[str, Any]:
    return {
        "pages": t.pages, "truth_questions": t.truth_questions, "found": t.found,
        "recall": round(t.recall, 4), "answers_total": t.answers_total,
        "answers_right": t.answers_right, "answer_accuracy": round(t.answer_accuracy, 4),
        "explanations_total": t.explanations_total, "explanations_found": t.explanations_found,
        "explanation_recall": round(t.explanation_recall, 4), "spurious": t.spurious,
        "extracted": t.extracted,
        "invented": t.invented,
    }


def report(results: list[tuple[CorpusPage, PageScore, float, int]], runs: int) -> dict[str, Any]:
    sites: dict[str, list[PageScore]] = {}
    ms: dict[str, list[float]] = {}
    for page, score, cpu, _ in results:
        sites.setdefault(page.site, []).append(score)
        ms.setdefault(page.site, []).append(cpu)
    all_ms = [cpu for _, _, cpu, _ in results]
    return {
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "runs": runs,
        "pages": [
            {"page": page.page_id, "layout": page.truth["layout"], "bytes": size,
             "truth_questions": s.truth_questions, "found": s.found,
             "answers_total": s.answers_total, "answers_right": s.answers_right,
             "explanations_total": s.explanations_total,
             "explanations_found": s.explanations_found, "spurious": s.spurious,
             "extracted": s.extracted,
             "invented": s.invented, "cpu_ms": round(cpu, 2),
             "missed": s.missed, "wrong": s.wrong, "invented_texts": s.invented_texts}
            for page, s, cpu, size in results
        ],
        "sites": {site: {**_totals_dict(totals(scores)),
                         "cpu_ms_median": round(statistics.median(ms[site]), 2)}
                  for site, scores in sorted(sites.items())},
        "overall": {**_totals_dict(totals(s for _, s, _, _ in results)),
                    "sites": len(sites),
                    "cpu_ms_median": round(statistics.median(all_ms), 2) if all_ms else 0.0},
    }


def _row(name: str, t: dict[str, Any], cpu: float) -> str:
    return (f"| {name} | {t['found']}/{t['truth_questions']} "
            f"({_pct(t['found'], t['truth_questions'])}) | {t['answers_right']}/{t['answers_total']} "
            f"({_pct(t['answers_right'], t['answers_total'])}) | {t['explanations_found']}/"
            f"{t['explanations_total']} | {t['spurious']} | {t['invented']} | {cpu:.1f} |")


def markdown(rep: dict[str, Any]) -> str:
    head = ("| {} | questions found | answers right | explanations found | spurious answers "
            "| invented | CPU ms |\n|---|---|---|---|---|---|---|")
    lines = [head.format("site")]
    for site, t in rep["sites"].items():
        lines.append(_row(site, t, t["cpu_ms_median"]))
    o = rep["overall"]
    lines.append(_row(f"**all {o['pages']} pages, {o['sites']} sites**", o, o["cpu_ms_median"]))
    lines += ["", head.format("page")]
    for p in rep["pages"]:
        lines.append(_row(f"{p['page']} ({p['layout']}, {p['bytes'] // 1024} KB)", p, p["cpu_ms"]))
    return "\n".join(lines)


def text(rep: dict[str, Any], verbose: bool) -> str:
    out = []
    for p in rep["pages"]:
        out.append(f"{p['page']:<52} found {p['found']:>3}/{p['truth_questions']:<3} "
                   f"answers {p['answers_right']:>3}/{p['answers_total']:<3} "
                   f"expl {p['explanations_found']:>3}/{p['explanations_total']:<3} "
                   f"spurious {p['spurious']:>2} invented {p['invented']:>3}  {p['cpu_ms']:7.2f} ms")
        if verbose:
            out += [f"    missed:   {q[:100]}" for q in p["missed"]]
            out += [f"    wrong:    {q[:100]}" for q in p["wrong"]]
            out += [f"    invented: {q[:100]}" for q in p["invented_texts"]]
    out.append("")
    for site, t in list(rep["sites"].items()) + [("OVERALL", rep["overall"])]:
        out.append(f"{site:<28} pages {t['pages']:>3}  recall {100 * t['recall']:5.1f} % "
                   f"({t['found']}/{t['truth_questions']})  answers {100 * t['answer_accuracy']:5.1f} % "
                   f"({t['answers_right']}/{t['answers_total']})  explanations "
                   f"{100 * t['explanation_recall']:5.1f} % ({t['explanations_found']}/"
                   f"{t['explanations_total']})  spurious {t['spurious']}  invented {t['invented']}  "
                   f"median {t['cpu_ms_median']:.2f} ms")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    fmt.add_argument("--markdown", action="store_true", help="print tables for docs/benchmarks.md")
    p.add_argument("--runs", type=int, default=3, help="timed runs per page (median; default 3)")
    p.add_argument("--site", action="append", metavar="SLUG", help="only this site (repeatable)")
    p.add_argument("--verbose", action="store_true", help="list missed, wrong and invented questions")
    p.add_argument("--corpus", type=Path, default=CORPUS, metavar="DIR",
                   help="a corpus laid out like tests/fixtures/real: DIR/<site>/<page>.html + .truth.json "
                        "(a held-out set kept outside the repository; default: tests/fixtures/real)")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    try:
        pages = load_corpus(args.corpus)
    except ValueError as exc:
        print(f"extract_quality: bad corpus: {exc}", file=sys.stderr)
        return 1
    if args.site:
        pages = [pg for pg in pages if pg.site in args.site]
    if not pages:
        print(f"extract_quality: no pages under {args.corpus}", file=sys.stderr)
        return 1
    rep = report(measure(pages, args.runs), args.runs)
    if args.json:
        print(json.dumps(rep, ensure_ascii=False, indent=2))
    elif args.markdown:
        print(markdown(rep))
    else:
        print(text(rep, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
