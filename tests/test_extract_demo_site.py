"""The bundled demo site, crawled offline from its files with extract_links/extract_questions."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path

import scraped.demo
from scraped.engine.extract import Page, extract_link_sets, extract_links, extract_questions
from scraped.engine.fetch.urls import in_domains

SITE = Path(scraped.demo.__file__).parent / "site"
BASE = "http://127.0.0.1:8000/"


def _crawl():
    """Breadth-first from index.html, as the sample job does (same host only)."""
    seen = {BASE + "index.html"}
    queue = deque([BASE + "index.html"])
    pages: dict[str, list] = {}
    while queue:
        url = queue.popleft()
        path = SITE / url[len(BASE):]
        if not path.is_file() or path.suffix != ".html":
            continue
        page = Page(path.read_text(encoding="utf-8"), url)
        pages[url] = extract_questions(page)
        for link in extract_links(page):
            if in_domains(link, ("127.0.0.1",)) and link not in seen:
                seen.add(link)
                queue.append(link)
    return pages


def test_the_whole_site_gives_exactly_the_expected_questions_without_duplicates():
    expected = json.loads((SITE / "EXPECTED.json").read_text())["questions"]
    pages = _crawl()
    questions = [q for qs in pages.values() for q in qs]
    keys = [q.key() for q in questions]
    assert len(questions) == expected == 60
    assert len(set(keys)) == len(keys)
    assert sum(1 for url in pages if "/quant/" in url) == 3
    assert sum(1 for url in pages if "/logical/" in url) == 3
    assert sum(1 for url in pages if "/verbal/" in url) == 2
    assert pages[BASE + "index.html"] == [] and pages[BASE + "about.html"] == []


def test_every_question_has_four_options_and_a_resolved_answer():
    for url, qs in _crawl().items():
        for q in qs:
            assert len(q.options) == 4, (url, q)
            assert q.answer is not None and q.answer_text == q.options[q.answer], (url, q)
            assert not q.question[:3].rstrip(".").isdigit(), q.question


def test_layouts_give_their_hints():
    pages = _crawl()
    quant = pages[BASE + "quant/page-1.html"]
    assert quant[0].question.startswith("A train 150 m long")
    assert quant[0].answer == 1 and quant[0].explanation.startswith("Speed = 150/15")
    assert quant[0].difficulty == "Easy" and quant[0].category == "Quantitative aptitude"
    logical = pages[BASE + "logical/page-1.html"]
    assert logical[1].options == ("Apple", "Mango", "Carrot", "Banana") and logical[1].answer == 2
    assert logical[1].category == "Logical reasoning"
    verbal = pages[BASE + "verbal/page-2.html"]
    assert verbal[-1].question == "Fill in the blank: The book is ___ the table." and verbal[-1].answer == 1


def test_pagination_links_are_told_apart():
    page = Page((SITE / "quant" / "page-2.html").read_text(encoding="utf-8"), BASE + "quant/page-2.html")
    links = extract_link_sets(page)
    assert links.pagination == [BASE + "quant/page-3.html"]
    assert BASE + "quant/page-1.html" in links.follow
    assert BASE + "style.css" not in extract_links(page)  # not a page


def test_robots_allows_everything():
    from protego import Protego

    robots = Protego.parse((SITE / "robots.txt").read_text())
    assert robots.can_fetch(BASE + "quant/page-1.html", "scraped")
