"""css extraction and the [extract] rules of a job spec."""

from __future__ import annotations

import pytest

from scraped.engine.extract import ExtractRules, Page, extract_questions
from scraped.errors import ConfigError

HTML = """<html><body>
<div class="q" data-answer="B" data-level="hard">
  <p class="text">Q1. What is 6 × 7?</p>
  <ul><li>A) 40</li><li>B) 42</li><li>C) 44</li></ul>
  <span class="ans">Answer: Option B</span>
  <div class="why">6 × 7 = <b>42</b>.</div>
  <script>var spoiler = "nope";</script>
</div>
<div class="q">
  <p class="text">Which is a prime number?</p>
  <p class="opts">(a) 4 (b) 6 (c) 7 (d) 9</p>
  <span class="ans">c</span>
</div>
<div class="q"><p class="text"></p></div>
<div class="q"><p class="text">How many days are in a leap year?</p><span class="ans">366</span></div>
</body></html>"""


def _page():
    return Page(HTML, "http://x.test/quiz")


def test_css_selectors():
    rules = ExtractRules.from_dict({"mode": "css", "block": "div.q", "question": "p.text",
                                    "options": "li", "answer": "span.ans", "explanation": ".why",
                                    "difficulty": "::attr(data-level)"})
    qs = extract_questions(_page(), rules)
    assert [q.question for q in qs] == ["What is 6 × 7?", "Which is a prime number?",
                                        "How many days are in a leap year?"]
    first = qs[0]
    assert first.options == ("40", "42", "44") and first.answer == 1 and first.answer_text == "42"
    assert first.explanation == "6 × 7 = 42." and first.difficulty == "hard"
    assert qs[2].options == () and qs[2].answer is None and qs[2].answer_text == "366"


def test_one_element_with_inline_options_is_split():
    rules = ExtractRules.from_dict({"mode": "css", "block": "div.q", "question": "p.text",
                                    "options": "p.opts", "answer": "span.ans"})
    second = extract_questions(_page(), rules)[1]
    assert second.options == ("4", "6", "7", "9") and second.answer == 2


def test_xpath_selectors_are_relative_to_the_block():
    rules = ExtractRules.from_dict({"mode": "css", "block": "//div[@class='q']",
                                    "question": "//p[@class='text']", "options": "//li/text()",
                                    "answer": "./@data-answer"})
    qs = extract_questions(_page(), rules)
    assert qs[0].question == "What is 6 × 7?" and qs[0].answer == 1
    assert qs[1].question == "Which is a prime number?" and qs[1].options == ()


def test_a_block_selector_that_matches_nothing_gives_nothing():
    rules = ExtractRules.from_dict({"mode": "css", "block": "article.none", "question": "p"})
    assert extract_questions(_page(), rules) == []


def test_defaults_and_modes():
    assert ExtractRules.from_dict({}) == ExtractRules()
    for mode in ("auto", "ai", "ai-schema"):
        assert ExtractRules.from_dict({"mode": mode}).mode == mode


@pytest.mark.parametrize("data, problems", [
    ({"mode": "magic"}, ["extract.mode: must be one of"]),
    ({"mode": "css"}, ["extract.block: required", "extract.question: required"]),
    ({"mode": "css", "block": "div[", "question": "p"}, ["extract.block: invalid CSS selector"]),
    ({"question": "//p[", "answer": 3}, ["extract.question: invalid XPath", "extract.answer: must be a string"]),
    ({"colour": "red", "options": "li:nth-child(x)"}, ["extract.colour: unknown key", "extract.options:"]),
    ({"explanation": ""}, ["extract.explanation: empty selector"]),
])
def test_bad_rules_name_every_problem_by_key_path(data, problems):
    with pytest.raises(ConfigError) as exc:
        ExtractRules.from_dict(data)
    assert len(exc.value.problems) == len(problems)
    for want, got in zip(problems, exc.value.problems, strict=True):
        assert got.startswith(want), got


def test_the_key_path_prefix_is_the_callers():
    with pytest.raises(ConfigError) as exc:
        ExtractRules.from_dict({"mode": 1}, path="jobs.demo.extract")
    assert exc.value.problems[0].startswith("jobs.demo.extract.mode:")


def test_not_a_table():
    with pytest.raises(ConfigError) as exc:
        ExtractRules.from_dict(["mode"])  # type: ignore[arg-type]
    assert "extract: must be a table" in str(exc.value)


def test_css_on_junk_pages():
    rules = ExtractRules(mode="css", block="div", question="p")
    for html in ("", "\x00", "<div><p>", "<div>" * 3000):
        assert isinstance(extract_questions(Page(html, "http://x.test/"), rules), list)


# -- the answer selector's text names an option: resolve it to that option ------------------

_ANSWER_RULES = ExtractRules.from_dict({"mode": "css", "block": "div.q", "question": "p.t",
                                        "options": "li", "answer": ".a"})
_OPTION_LISTS = {
    "labelled": "<li>A) 12</li><li>B) 15</li><li>C) 18</li><li>D) 21</li>",
    "plain": "<li>12</li><li>15</li><li>18</li><li>21</li>",
    "lower": "<li>(a) 12</li><li>(b) 15</li><li>(c) 18</li><li>(d) 21</li>",
    "inline": "<li>(a) 12 (b) 15 (c) 18 (d) 21</li>",
}


def _css_question(answer_html: str, options: str = _OPTION_LISTS["labelled"], rules=_ANSWER_RULES):
    html = (f"<html><body><div class='q'><p class='t'>What is 6 × 3?</p><ul>{options}</ul>"
            f"<div class='a'>{answer_html}</div></div></body></html>")
    (q,) = extract_questions(Page(html, "http://x.test/"), rules)
    return q


@pytest.mark.parametrize("options", sorted(_OPTION_LISTS))
@pytest.mark.parametrize("answer_html", [
    "Answer: Option C",
    "Ans: (c)",
    "Correct answer is C",
    "Correct answer is C.",
    "The correct answer is (C).",
    "The answer is C",
    "ANSWER - c",
    "Answer: [C]",
    "Answer: Option-C",
    "Answer Option C",
    "<details><summary>Answer</summary>Option C</details>",
    "<b>Answer:</b> <span>Option C</span>",
    "<a href='#'>View Answer</a> <p>Answer: Option C</p>",
    "\u2714 Answer: Option C",
    "Answer: Option C Explanation: 6 × 3 = 18",
    "Answer: 18",
])
def test_an_answer_that_names_an_option_resolves_to_its_index_and_text(answer_html, options):
    q = _css_question(answer_html, _OPTION_LISTS[options])
    assert (q.answer, q.answer_text) == (2, "18"), answer_html


def test_a_label_node_and_a_value_node_picked_separately():
    rules = ExtractRules.from_dict({"mode": "css", "block": "div.q", "question": "p.t", "options": "li",
                                    "answer": ".a ::text"})
    q = _css_question("<b>Answer:</b><span>Option C</span>", rules=rules)
    assert (q.answer, q.answer_text) == (2, "18")


def test_an_explanation_inside_the_answer_box_is_kept_when_no_selector_gives_one():
    q = _css_question("Answer: Option C Explanation: 6 × 3 = 18")
    assert q.explanation == "6 × 3 = 18"


@pytest.mark.parametrize("answer_html, text", [
    ("Answer: 42 apples", "42 apples"),  # names no option: kept as written
    ("Solution: Option C", "Solution: Option C"),  # not an answer phrase
    ("Answer: Option G", "Option G"),  # a label past the last option
    ("the answer depends on the weather", "the answer depends on the weather"),
])
def test_an_answer_that_names_no_option_is_kept_as_written(answer_html, text):
    q = _css_question(answer_html)
    assert (q.answer, q.answer_text) == (None, text)


def test_an_answer_with_no_options_is_the_value_as_written():
    html = ("<html><body><div class='q'><p class='t'>How many days has a leap year?</p>"
            "<div class='a'>Answer: 366</div></div></body></html>")
    (q,) = extract_questions(Page(html, "http://x.test/"), _ANSWER_RULES)
    assert (q.options, q.answer, q.answer_text) == ((), None, "366")


# -- simple CSS selectors run without XPath: the same nodes as parsel's XPath --------------

def _compound(rng, tags, classes, ids) -> str:
    """A random "tag.class#id" compound from the names a page uses."""
    parts = [rng.choice(tags + ["*", ""])]
    for _ in range(rng.randint(0 if parts[0] else 1, 2)):
        parts.append(rng.choice(["." + rng.choice(classes), "#" + rng.choice(ids)]))
    return "".join(parts) or "*"


def test_simple_selectors_select_what_their_xpath_selects():
    import random
    from pathlib import Path

    from scraped.engine.extract.rules import compiled
    from scraped.engine.extract.select import selector

    rng = random.Random(7)
    pages = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html"))
    pages.append(Path(__file__).parent / ".." / "scraped" / "demo" / "site" / "quant" / "page-1.html")
    checked = 0
    for path in pages:
        root = Page(path.read_text(encoding="utf-8"), "http://x.test/").root
        elements = [el for el in root.iter() if isinstance(el.tag, str)]
        tags = sorted({el.tag for el in elements})
        classes = sorted({c for el in elements for c in (el.get("class") or "").split()}) or ["none"]
        ids = sorted({el.get("id") for el in elements if el.get("id")}) or ["none"]

        contexts = [root] + rng.sample(elements, min(12, len(elements)))
        for _ in range(60):
            css = " ".join(_compound(rng, tags, classes, ids) for _ in range(rng.randint(1, 3)))
            for relative in (False, True):
                fast, slow = selector(css, relative), compiled(css, relative)
                for ctx in contexts:
                    assert fast(ctx) == slow(ctx), (path.name, css)
                    checked += 1
    assert checked > 10_000


@pytest.mark.parametrize("css", ["DIV.card", "  div \t p\n", "*", "* *", "#q1", "#q1 *", "*.card li", ".card.none",
                                 "div#q1.card ul li", "section .card .answer p", "li li", "div div div"])
def test_spellings_of_simple_selectors_select_what_their_xpath_selects(css):
    from pathlib import Path

    from scraped.engine.extract.rules import compiled
    from scraped.engine.extract.select import selector

    path = Path(__file__).parent / ".." / "scraped" / "demo" / "site" / "quant" / "page-1.html"
    root = Page(path.read_text(encoding="utf-8"), "http://x.test/").root
    contexts = [root] + [el for el in root.iter() if isinstance(el.tag, str)]
    assert selector(css, True) is not compiled(css, True)  # the Python matcher
    for ctx in contexts:
        assert selector(css, True)(ctx) == compiled(css, True)(ctx)


@pytest.mark.parametrize("css", ["div > p", "li:first-child", "p::text", "::attr(href)", "a, b", "[data-x]",
                                 "//p", "p + p", "my-tag", "div.a\\:b"])
def test_other_selectors_run_their_xpath(css):
    from scraped.engine.extract.rules import compiled
    from scraped.engine.extract.select import selector

    assert selector(css, True) is compiled(css, True)
