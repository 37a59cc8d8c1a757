"""Extraction speed per stage: parse, lines, auto, css, links; medians per page.

    .venv/bin/python bench/extract_speed.py [--seconds 0.4] [--save out.json]
    .venv/bin/python bench/extract_speed.py --before /tmp/old-tree [--seconds 0.4]

Pages: the auto fixtures (tests/fixtures/pages), the demo site (scraped/demo/site) and a
generated ~12 KB page with 16 questions (cards: a numbered head with a difficulty badge,
a question, four options, a hidden answer and explanation, navigation and prose around).

Stages, each timed on its own around one call:
- parse: `Page(html, url)`
- lines: the tree walk into lines (`walk_page(page.root)`), on a fresh page
- auto: `extract_questions(page)` once the lines exist (the heuristics, breadcrumb, dedupe)
- css: `extract_questions(page, rules)` with selectors (the generated page only)
- links: `extract_links(page)`
Each round builds a fresh Page, so nothing cached on a page or its lines is reused across
rounds. Per page, rounds run until `--seconds` has passed (at least 20); the median of each
stage is reported. "auto total" is parse + lines + auto + links, "css total" parse + css +
links. Times are process CPU time by default (`--clock wall` for perf_counter): on a
shared machine the time spent descheduled while others run would swamp the stages.

`--before DIR` measures an older tree in the same run: DIR holds its `scraped` package
(`git archive <commit> scraped | tar -x -C DIR`), imported as a renamed copy
(`scraped_before`), and the rounds of the two alternate on each page, so load that comes
and goes on a shared machine hits both alike. The found counts of both are printed: they
must agree.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

FIXTURES = REPO / "tests" / "fixtures" / "pages"
DEMO = REPO / "scraped" / "demo" / "site"
CSS_SPEC = {
    "mode": "css", "block": "div.card", "question": "p.question", "options": "ul.choices li",
    "answer": "div.answer p.ans", "explanation": "div.answer p.expl", "difficulty": "span.difficulty",
}
FILLER = ("Practice each question under time pressure, then read the explanation even when "
          "you got it right: the method matters more than the number. ")
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
STAGES = ("parse", "lines", "auto", "css", "links", "auto total", "css total")


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
            '<section class="cards">\n' + "\n".join(cards) + '\n</section>\n'
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


def load(package: str = "scraped") -> SimpleNamespace:
    extract = importlib.import_module(f"{package}.engine.extract")
    lines = importlib.import_module(f"{package}.engine.extract.lines")
    return SimpleNamespace(Page=extract.Page, extract_questions=extract.extract_questions,
                           extract_links=extract.extract_links, walk_page=lines.walk_page,
                           css_rules=extract.ExtractRules.from_dict(CSS_SPEC))


def load_before(tree: Path) -> SimpleNamespace:
    """The extraction of another tree's `scraped` package, imported as `scraped_before`."""
    tmp = Path(tempfile.mkdtemp(prefix="extract-before-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    shutil.copytree(tree / "scraped", tmp / "scraped_before", ignore=shutil.ignore_patterns("__pycache__"))
    for path in (tmp / "scraped_before").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\bscraped\.", "scraped_before.", text)
        text = re.sub(r"^(\s*)(from|import) scraped\b", r"\1\2 scraped_before", text, flags=re.M)
        path.write_text(text, encoding="utf-8")
    sys.path.insert(0, str(tmp))
    return load("scraped_before")


def one_round(impl: SimpleNamespace, url: str, html: str, css: bool, clock, times: dict, found: dict) -> None:
    t0 = clock()
    page = impl.Page(html, url)
    t1 = clock()
    walked = impl.walk_page(page.root)  # (lines, breadcrumb) long ago; (+ scripts, tables); (+ reveals) now
    page._lines, page._breadcrumb = walked[0], walked[1]
    if len(walked) > 3:
        page._scripts, page._tables = walked[2], walked[3]
    if len(walked) > 4:
        page._reveals = walked[4]
    t2 = clock()
    qs = impl.extract_questions(page)
    t3 = clock()
    links = impl.extract_links(page)
    t4 = clock()
    times["parse"].append(t1 - t0)
    times["lines"].append(t2 - t1)
    times["auto"].append(t3 - t2)
    times["links"].append(t4 - t3)
    found["auto"], found["answers"], found["links"] = len(qs), sum(q.answer is not None for q in qs), len(links)
    if css:
        page = impl.Page(html, url)
        t5 = clock()
        cq = impl.extract_questions(page, impl.css_rules)
        times["css"].append(clock() - t5)
        found["css"], found["css_answers"] = len(cq), sum(q.answer is not None for q in cq)


def measure(impls: list, url: str, html: str, css: bool, seconds: float, clock) -> list[dict]:
    """Median seconds of each stage over fresh pages, for each implementation; their
    rounds alternate."""
    times = [{s: [] for s in ("parse", "lines", "auto", "links") + (("css",) if css else ())} for _ in impls]
    found: list[dict] = [{} for _ in impls]
    deadline = time.perf_counter() + seconds * len(impls)
    rounds = 0
    while rounds < 20 or time.perf_counter() < deadline:
        for impl, t, f in zip(impls, times, found, strict=True):
            one_round(impl, url, html, css, clock, t, f)
        rounds += 1
    out = []
    for t, f in zip(times, found, strict=True):
        med: dict = {k: statistics.median(v) for k, v in t.items()}
        med["auto total"] = med["parse"] + med["lines"] + med["auto"] + med["links"]
        if css:
            med["css total"] = med["parse"] + med["css"] + med["links"]
        med["rounds"], med["found"], med["bytes"] = rounds, f, len(html.encode())
        out.append(med)
    return out


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


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x * 1000:.3f}"


def _row(label: str, kb: str, med: dict) -> str:
    return f"{label:32} {kb:>5} " + " ".join(f"{_ms(med.get(s)):>10}" for s in STAGES) + f"  {med['found']}"


def _summary(label: str, results: dict) -> str:
    others = [m for n, m in results.items() if not n.startswith("generated")]
    out = []
    gen = results.get("generated-12k")
    if gen:
        out.append(f"{label}: generated 12 KB page: auto total {_ms(gen['auto total'])} ms "
                   f"({1 / gen['auto total']:.0f} pages/s), css total {_ms(gen['css total'])} ms "
                   f"({1 / gen['css total']:.0f} pages/s)")
    if others:
        total = sum(m["auto total"] for m in others)
        out.append(f"{label}: fixture + demo pages ({len(others)}): auto total {total * 1000:.2f} ms, "
                   f"{len(others) / total:.0f} pages/s")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=0.4, help="time spent on each page (per tree)")
    ap.add_argument("--save", type=Path, help="write the medians as JSON")
    ap.add_argument("--before", type=Path, metavar="TREE", help="also measure this older tree, alternating")
    ap.add_argument("--only", help="only pages whose name contains this")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                    help="cpu: process CPU time (default); wall: perf_counter")
    args = ap.parse_args()

    impls = [load()] + ([load_before(args.before)] if args.before else [])
    load0, calib0 = os.getloadavg(), calibrate()
    after: dict[str, dict] = {}
    before: dict[str, dict] = {}
    for name, url, html, css in pages():
        if args.only and args.only not in name:
            continue
        meds = measure(impls, url, html, css, args.seconds, CLOCKS[args.clock])
        after[name] = meds[0]
        if args.before:
            before[name] = meds[1]
    load1, calib1 = os.getloadavg(), calibrate()

    print(f"# extract_speed  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {machine()}")
    print(f"# load average {load0[0]:.2f} at start, {load1[0]:.2f} at end; a 100k-step Python loop took "
          f"{calib0:.1f} ms at start, {calib1:.1f} ms at end; medians of {args.clock} time in ms\n")
    print(f"{'page':32} {'KB':>5} " + " ".join(f"{s:>10}" for s in STAGES) + "  found")
    for name, med in after.items():
        print(_row(name, f"{med['bytes'] / 1000:.1f}", med))
        if name in before:
            print(_row("  before", "", before[name]))
    print()
    if before:
        print(_summary("before", before))
    print(_summary("after" if before else "now", after))
    if args.save:
        meta = {"_machine": machine(), "_load": [load0[0], load1[0]], "_date": time.time(),
                "_calibration_ms": [calib0, calib1], "_clock": args.clock}
        args.save.write_text(json.dumps({"after": after, "before": before, **meta}, indent=1))


if __name__ == "__main__":
    main()
