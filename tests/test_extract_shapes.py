"""Shapes of question records that a held-out set of real pages showed `auto` missing.

Each page here is a minimal page copied in SHAPE from a real one (named per test): the
markup structure kept, texts cut down. Each asserts what a reader of that page would take
as question, options, answer and explanation, and the decoy beside it that must give nothing.
"""

from __future__ import annotations

from scraped.engine.extract import Page, extract_questions


def _qs(body: str):
    page = Page(f"<html><body><main>{body}</main></body></html>", "http://site.test/q/")
    return extract_questions(page)


_OPTS = ("<ul><li>risk avoidance</li><li><span style='color: rgb(255, 0, 0);'><b>risk sharing</b></span></li>"
         "<li>risk retention</li><li>risk reduction</li></ul>")


def test_explanation_box_keeps_all_its_paragraphs_and_lists() -> None:
    # itexamanswers: "Explanation:" opens div.message_box; its later <p> and <ul> belong to it
    body = ("<p><strong>10. Which strategy aims to shift some of the risk to other parties?</strong></p>"
            + _OPTS +
            "<div class='message_box success'><p><b>Explanation:</b> There are four strategies:</p>"
            "<p>Risk avoidance – stop.<br>Risk sharing – shift some risk.</p>"
            "<ul><li>Risk retention – accept it.</li></ul></div>"
            "<p><strong>11. What is a network tap?</strong></p>"
            "<ul><li>a technology for reporting</li><li>a Cisco technology for statistics</li>"
            "<li><span style='color: rgb(255, 0, 0);'>a feature that copies frames</span></li></ul>")
    qs = _qs(body)
    assert [q.question for q in qs][0].startswith("Which strategy")
    assert qs[0].answer_text == "risk sharing"
    assert qs[0].explanation == ("There are four strategies: Risk avoidance – stop. Risk sharing – shift some risk. "
                                 "Risk retention – accept it.")
    assert len(qs) == 2 and qs[1].question == "What is a network tap?"


def test_explanation_paragraph_among_article_paragraphs_takes_only_itself() -> None:
    # the labelled paragraph is one of the article's own: the paragraphs after it are not its box
    body = ("<div class='post'><p>Intro to the quiz.</p>"
            "<p><strong>1. Which strategy aims to shift some of the risk to other parties?</strong></p>"
            + _OPTS +
            "<p><b>Explanation:</b> Sharing shifts risk.</p><p>Subscribe to our newsletter for more.</p></div>")
    qs = _qs(body)
    assert len(qs) == 1 and qs[0].explanation == "Sharing shifts risk."
