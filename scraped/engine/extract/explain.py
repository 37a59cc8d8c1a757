"""`scraped extract PAGE --explain`: why a page gives the questions it gives (auto mode).

One line per candidate block (a run of options, or a numbered line between questions):
where it is (its line numbers in the page's text lines), what kind of run, how many
options, which signal gave the answer, the score with each piece of evidence, and kept or
dropped with the reason; then what the page's JSON scripts hold, and a summary.
"""

from __future__ import annotations

from scraped.engine.extract.auto import MIN_SCORE, Candidate, extract_auto
from scraped.engine.extract.page import Page
from scraped.engine.extract.runs import MAX_OPTIONS
from scraped.engine.extract.scripts import script_questions

__all__ = ["explain_page"]


def explain_page(page: Page) -> list[str]:
    """The readable lines of --explain for one page."""
    lines = page.lines()
    cands: list[Candidate] = []
    found = extract_auto(lines, None, cands) if lines else []
    out = [f"{len(lines)} text lines; candidate blocks (kept at score {MIN_SCORE} or more):"]
    out += [f"  {c.line()}" for c in cands]
    if not cands:
        out.append(f"  none: no run of 2-{MAX_OPTIONS} options (labelled lines, a list, radio buttons, repeated "
                   "links/labels/buttons, an options box) anywhere on the page")
    scripts = page.scripts()
    if scripts:
        scripted = script_questions(scripts)
        use = ("used as the page's questions" if scripted and not found
               else "used to fill missing answers" if scripted else "none")
        out.append(f"JSON scripts: {len(scripts)} that mention questions, {len(scripted)} questions in them ({use})")
    kept = sum(1 for c in cands if c.verdict.startswith("kept"))
    out.append(f"{kept} kept of {len(cands)} candidates; {len(found)} questions from the markup")
    return out
