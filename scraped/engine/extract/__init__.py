"""Question and link extraction: pure, offline functions over one parsed page.

    page = Page(html, url)                      # one parse, shared
    extract_questions(page, rules)              # -> [ExtractedQuestion]
    extract_links(page, follow)                 # -> [canonical URL]

Modules: page (Page, decoding), lines (the page as annotated text lines; markup: what
classes, tables and lists say; siblings: repeated sibling options), auto (the structural
extractor: runs finds option runs, reading the question and answer around them, records
the question's block in the tree, answers the answer signals, keys answer keys, passes
page-level passes, tables Q/A tables, scripts JSON-LD/state/flashcards, explain
--explain), css (the selector extractor), normalise (text, labels, answers, key), rules
(ExtractRules/FollowRules from a job spec), links, cli (`scraped extract`).
"""

from scraped.engine.extract.links import Links, extract_link_sets, extract_links
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import question_key
from scraped.engine.extract.page import Page, decode_html
from scraped.engine.extract.questions import extract_questions
from scraped.engine.extract.rules import ExtractRules, FollowRules

__all__ = [
    "ExtractRules",
    "ExtractedQuestion",
    "FollowRules",
    "Links",
    "Page",
    "decode_html",
    "extract_link_sets",
    "extract_links",
    "extract_questions",
    "question_key",
]
