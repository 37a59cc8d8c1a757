"""Extraction speed per stage: parse, lines, auto, css, links; medians per page.

    .venv/bin/python bench/extract_speed.py [--seconds 0.4] [--save out.json] [--before old.json]
    .venv/bin/python bench/extract_speed.py --ab /tmp/old-tree [--rounds 3]

`--ab DIR` compares two trees on a noisy machine: DIR holds an older `scraped` package
(`git archive <commit> scraped | tar -x -C DIR`); runs of the old and the current code
alternate in subprocesses, and the best median of each stage over `--rounds` runs is
kept for both, so load that comes and goes hits both alike.

Pages: the auto fixtures (tests/fixtures/pages), the demo site (scraped/demo/site) and a
generated ~12 KB page with 16 questions (cards: a numbered head with a difficulty badge,
a question, four options, a hidden answer and explanation, navigation and prose around).

Stages, each timed on its own with `time.perf_counter` around one call:
- parse: `Page(html, url)`
- lines: the tree walk into lines (`walk_page(page.root)`), on a fresh page
- auto: `extract_questions(page)` once the lines exist (the heuristics, breadcrumb, dedupe)
- css: `extract_questions(page, rules)` with selectors (the generated page only)
- links: `extract_links(page)`
Times are process CPU time by default (`--clock wall` for perf_counter): on a shared
machine, time spent descheduled while others run would otherwise swamp the stages.
Each round builds a fresh Page, so nothing cached on a page or its lines is reused across
rounds. Per page, rounds run until `--seconds` has passed (at least 20); the median of each
stage is reported. "auto total" is parse + lines + auto + links, "css total" parse + css +
links. `--save` writes the medians as JSON; `--before` prints them next to a saved run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# --src DIR: measure the `scraped` package of another tree (the fixtures stay this tree's)
_SRC = Path(sys.argv[sys.argv.index("--src") + 1]) if "--src" in sys.argv[:-1] else REPO
sys.path.insert(0, str(_SRC))

from scraped.engine.extract import ExtractRules, Page, extract_links, extract_questions  # noqa: E402
from scraped.engine.extract.lines import walk_page  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "pages"
DEMO = REPO / "scraped" / "demo" / "site"
CSS_RULES = ExtractRules.from_dict({
    "mode": "css", "block": "div.card", "question": "p.question", "options": "ul.choices li",
    "answer": "div.answer p.ans", "explanation": "div.answer p.expl", "difficulty": "span.difficulty",
})
FILLER = ("Practice each question under time pressure, then read the explanation even when "
          "you got it right: the method matters more than the number. ")


def generated_page(questions: int = 16, size: int = 12_000) -> str:
    """A ~12 KB question page in the common "cards with a hidden answer" layout."""
    cards = []
    for k in range(questions):
        a, b = k * 7 + 3, k % 5 + 2
        opts = [a * b - 2, a * b, a * b + 2, a * b + 5]
        right = k % 4
        opts[right], opts[1] = opts[1], opts[right]
        lis = "".join(f"<li>{o}</li>" for o in opts)
        cards.append(
            f'<div class="card" id="q{k + 1}"><div class="card-head"><span class="qno">Question {k + 1}</span>'
            f' <span class="difficulty">{("Easy", "Medium", "Hard")[k % 3]}</span></div>\n'
            f'<p class="question">A crate holds {a} boxes of {b} bolts each. How many bolts are in it?</p>\n'
            f'<ul class="choices" style="list-style-type: upper-alpha">{lis}</ul>\n'
            f'<button type="button" data-reveal="a{k + 1}">Show answer</button>\n'
            f'<div class="answer" id="a{k + 1}" hidden><p class="ans"><strong>Answer:</strong> '
            f'Option {"ABCD"[right]}</p><p class="expl">{a} &times; {b} = {a * b}.</p></div></div>')
    nav = "".join(f'<li><a href="/list-{i}.html">Section {i}</a></li>' for i in range(1, 6))
    html = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Practice set</title>'
            f'<link rel="stylesheet" href="/style.css"><script>var x = 1;</script></head><body>\n'
            f'<header class="site-header"><a class="brand" href="/">Aptitude</a><nav class="main-nav">'
            f'<ul>{nav}</ul></nav></header>\n<nav class="breadcrumb"><a href="/">Home</a> &rsaquo; '
            f'<span>Arithmetic</span></nav>\n<main class="content"><h1>Practice set</h1>\n'
            f'<section class="cards">\n' + "\n".join(cards) + '\n</section>\n'
            '<nav class="pager"><a href="/q/1.html" rel="prev">Previous</a> <a href="/q/3.html" rel="next">'
            'Next</a></nav>\n</main><footer class="site-footer"><p><a href="/about.html">About</a></p>'
            '</footer></body></html>\n')
    pad = size - len(html)
    if pad > 0:  # prose, not questions
        html = html.replace("</main>", f'<article class="notes"><p>{(FILLER * (pad // len(FILLER) + 1))[:pad]}'
                                       f'</p></article></main>', 1)
    return html


def pages() -> list[tuple[str, str, str, bool]]:
    """(name, url, html, css?) of every page measured."""
    out = [("generated-12k", "http://bench.test/q/2.html", generated_page(), True)]
    for path in sorted(FIXTURES.glob("*.html")):
        out.append((f"fixture/{path.stem}", f"http://fixtures.test/{path.stem}/", path.read_text("utf-8"), False))
    for path in sorted(DEMO.rglob("*.html")):
        rel = path.relative_to(DEMO).as_posix()
        out.append((f"demo/{rel}", f"http://127.0.0.1:8000/{rel}", path.read_text("utf-8"), False))
    return out


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def measure(url: str, html: str, css: bool, seconds: float, clock=time.process_time) -> dict[str, float]:
    """Median seconds of each stage over fresh pages."""
    times: dict[str, list[float]] = {"parse": [], "lines": [], "auto": [], "links": []}
    if css:
        times["css"] = []
    found = {}
    deadline = time.perf_counter() + seconds
    rounds = 0
    while rounds < 20 or time.perf_counter() < deadline:
        t0 = clock()
        page = Page(html, url)
        t1 = clock()
        page._lines, page._breadcrumb = walk_page(page.root)
        t2 = clock()
        qs = extract_questions(page)
        t3 = clock()
        links = extract_links(page)
        t4 = clock()
        times["parse"].append(t1 - t0)
        times["lines"].append(t2 - t1)
        times["auto"].append(t3 - t2)
        times["links"].append(t4 - t3)
        found["auto"], found["links"] = len(qs), len(links)
        if css:
            page = Page(html, url)
            t5 = clock()
            cq = extract_questions(page, CSS_RULES)
            times["css"].append(clock() - t5)
            found["css"] = len(cq)
            found["css_answers"] = sum(q.answer is not None for q in cq)
        rounds += 1
    med = {k: statistics.median(v) for k, v in times.items()}
    med["auto total"] = med["parse"] + med["lines"] + med["auto"] + med["links"]
    if css:
        med["css total"] = med["parse"] + med["css"] + med["links"]
    med["rounds"] = rounds
    med["found"] = found
    return med


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}"


def calibrate() -> float:
    """Milliseconds of a fixed pure-Python loop: how fast the machine is right now."""
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        acc = 0
        for i in range(100_000):
            acc += i & 7
        best = min(best, time.perf_counter() - t)
    return best * 1000


def run_all(seconds: float, only: str | None, clock: str = "cpu") -> dict:
    results: dict[str, dict] = {}
    for name, url, html, css in pages():
        if only and only not in name:
            continue
        results[name] = measure(url, html, css, seconds, CLOCKS[clock])
        results[name]["bytes"] = len(html.encode())
    return results


def ab(old: Path, rounds: int, seconds: float, only: str | None, clock: str) -> tuple[dict, dict]:
    """Best-of-`rounds` medians of the old tree and of this one, runs alternating."""
    best: dict[str, dict] = {"old": {}, "new": {}}
    for _ in range(rounds):
        for which, src in (("old", old), ("new", REPO)):
            cmd = [sys.executable, __file__, "--src", str(src), "--seconds", str(seconds), "--json",
                   "--clock", clock]
            if only:
                cmd += ["--only", only]
            out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            for name, med in out.items():
                keep = best[which].setdefault(name, med)
                for k, v in med.items():
                    if isinstance(v, float) and v < keep[k]:
                        keep[k] = v
    for side in best.values():  # totals of the kept stages
        for med in side.values():
            med["auto total"] = med["parse"] + med["lines"] + med["auto"] + med["links"]
            if "css" in med:
                med["css total"] = med["parse"] + med["css"] + med["links"]
    return best["old"], best["new"]


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x * 1000:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=0.4, help="time spent on each page")
    ap.add_argument("--save", type=Path, help="write the medians to this JSON file")
    ap.add_argument("--before", type=Path, help="a JSON file from --save to compare with")
    ap.add_argument("--only", help="only pages whose name contains this")
    ap.add_argument("--src", type=Path, help="import `scraped` from this tree instead")
    ap.add_argument("--json", action="store_true", help="print the medians as JSON only")
    ap.add_argument("--ab", type=Path, metavar="OLD_TREE", help="alternate runs of an older tree and this one")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each tree with --ab")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                    help="cpu: process CPU time (default; time spent descheduled by other load is "
                         "not counted); wall: perf_counter")
    args = ap.parse_args()
    before = json.loads(args.before.read_text()) if args.before else None

    if args.json:
        print(json.dumps(run_all(args.seconds, args.only, args.clock)))
        return
    load0 = os.getloadavg()
    calib0 = calibrate()
    if args.ab:
        before, results = ab(args.ab, args.rounds, args.seconds, args.only, args.clock)
    else:
        results = run_all(args.seconds, args.only, args.clock)
    load1 = os.getloadavg()
    calib1 = calibrate()

    stages = ("parse", "lines", "auto", "css", "links", "auto total", "css total")
    print(f"# extract_speed  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {machine()}")
    print(f"# load average {load0[0]:.2f} at start, {load1[0]:.2f} at end; a 100k-step Python loop "
          f"{calib0:.1f} ms at start, {calib1:.1f} ms at end; medians in ms of {args.clock} time"
          + (f" (best of {args.rounds} alternating runs per tree)" if args.ab else "") + "\n")
    print(f"{'page':34} {'KB':>5} " + " ".join(f"{s:>10}" for s in stages) + "  found")
    for name, med in results.items():
        print(f"{name:34} {med['bytes'] / 1000:5.1f} " + " ".join(f"{_ms(med.get(s)):>10}" for s in stages)
              + f"  {med['found']}")
        if before and name in before:
            old = before[name]
            print(f"{'  before':34} {'':5} " + " ".join(f"{_ms(old.get(s)):>10}" for s in stages)
                  + f"  {old['found']}")
    fixtures = [m for n, m in results.items() if not n.startswith("generated")]
    if fixtures:
        total = sum(m["auto total"] for m in fixtures)
        print(f"\nfixture + demo pages ({len(fixtures)}): auto total {total * 1000:.2f} ms, "
              f"{len(fixtures) / total:.0f} pages/s")
        if before:
            old = [before[n]["auto total"] for n in results if n in before and not n.startswith("generated")]
            if len(old) == len(fixtures):
                print(f"  before: {sum(old) * 1000:.2f} ms, {len(old) / sum(old):.0f} pages/s")
    gen = results.get("generated-12k")
    if gen:
        print(f"generated 12 KB page: auto {1 / gen['auto total']:.0f} pages/s, css {1 / gen['css total']:.0f} pages/s")
        if before and "generated-12k" in before:
            old = before["generated-12k"]
            print(f"  before: auto {1 / old['auto total']:.0f} pages/s, css {1 / old['css total']:.0f} pages/s")
    if args.save:
        meta = {"_machine": machine(), "_load": [load0[0], load1[0]], "_date": time.time(),
                "_calibration_ms": [calib0, calib1]}
        args.save.write_text(json.dumps({**results, **meta}, indent=1))


if __name__ == "__main__":
    main()
