"""Link extraction: canonical, de-duplicated, page order, <base href>, follow rules."""

from __future__ import annotations

import pytest

from scraped.engine.extract import FollowRules, Page, extract_link_sets, extract_links
from scraped.errors import ConfigError

HTML = """<html><head><link rel="stylesheet" href="/s.css"><link rel="next" href="/list?page=2"></head>
<body>
<nav><a href="/">Home</a> <a href="/quant/">Quant</a></nav>
<div class="content">
  <a href="q1.html#top">Q1</a> <a href="q1.html">Q1 again</a> <a href="Q2.HTML">Q2</a>
  <a href="mailto:a@b.c">mail</a> <a href="javascript:void(0)">js</a> <a href="tel:1">tel</a>
  <a href="#">self</a> <a href="">self too</a> <a href="/files/paper.pdf">pdf</a> <a href="/img/x.PNG">png</a>
  <a href="http://other.test/x?b=2&amp;a=1">other</a> <a href="  /spaced  ">spaced</a>
  <a>no href</a> <map><area href="/area.html"></map>
</div>
<div class="pagination"><a href="/list?page=2">Next</a> <a href="/list?page=9">Last</a></div>
</body></html>"""
URL = "http://site.test/quant/list"


def _page(html=HTML, url=URL):
    return Page(html, url)


def test_all_links_canonical_deduplicated_in_page_order():
    assert extract_links(_page()) == [
        "http://site.test/list?page=2",  # <link rel="next"> in <head> comes first
        "http://site.test/",
        "http://site.test/quant/",
        "http://site.test/quant/q1.html",
        "http://site.test/quant/Q2.HTML",
        "http://other.test/x?a=1&b=2",
        "http://site.test/spaced",
        "http://site.test/area.html",
        "http://site.test/list?page=9",
    ]


def test_base_href_is_honoured():
    html = '<html><head><base href="http://cdn.test/root/"></head><body><a href="a.html">a</a><a href="/b">b</a></body></html>'
    assert extract_links(_page(html)) == ["http://cdn.test/root/a.html", "http://cdn.test/b"]
    bad_base = '<html><head><base href="javascript:x"></head><body><a href="a.html">a</a></body></html>'
    assert extract_links(_page(bad_base)) == ["http://site.test/quant/a.html"]


def test_rel_next_is_pagination():
    links = extract_link_sets(_page())
    assert links.pagination == ["http://site.test/list?page=2"]
    assert "http://site.test/list?page=2" not in links.follow


def test_selectors_allow_deny_and_pagination():
    rules = FollowRules.from_dict({"selectors": ["div.content"], "allow": [r"/quant/"], "deny": [r"Q2"],
                                   "pagination": ["div.pagination a:last-child"]})
    links = extract_link_sets(_page(), rules)
    assert links.follow == ["http://site.test/quant/q1.html"]
    assert links.pagination == ["http://site.test/list?page=2", "http://site.test/list?page=9"]
    assert extract_links(_page(), rules) == ["http://site.test/list?page=2", "http://site.test/quant/q1.html",
                                             "http://site.test/list?page=9"]


def test_href_attribute_and_xpath_selectors():
    rules = FollowRules(selectors=("nav a::attr(href)", "//area"))
    links = extract_link_sets(_page(), rules)
    assert links.follow == ["http://site.test/", "http://site.test/quant/", "http://site.test/area.html"]


def test_deny_extensions_can_be_changed():
    rules = FollowRules.from_dict({"deny_extensions": []})
    assert "http://site.test/files/paper.pdf" in extract_links(_page(), rules)
    assert "http://site.test/files/paper.pdf" not in extract_links(_page())


def test_relative_links_from_a_page_without_an_http_url():
    page = Page('<a href="a.html">a</a><a href="http://x.test/b">b</a>', "file:///tmp/page.html")
    assert extract_links(page) == ["http://x.test/b"]


@pytest.mark.parametrize("html", ["", "\x00", "<a href='http://[bad'>x</a>", "<a href=%s>" % ("x" * 100000)])
def test_junk_gives_a_list(html):
    assert isinstance(extract_links(_page(html)), list)


@pytest.mark.parametrize("data, problem", [
    ({"allow": ["("]}, "follow.allow[0]: invalid regex"),
    ({"deny": "[z-a]"}, "follow.deny[0]: invalid regex"),
    ({"selectors": ["a["]}, "follow.selectors[0]: invalid CSS selector"),
    ({"pagination": ["//a["]}, "follow.pagination[0]: invalid XPath"),
    ({"allow": [1]}, "follow.allow: must be a string or a list of strings"),
    ({"depth": 3}, "follow.depth: unknown key"),
])
def test_bad_follow_rules(data, problem):
    with pytest.raises(ConfigError) as exc:
        FollowRules.from_dict(data)
    assert exc.value.problems[0].startswith(problem), exc.value.problems


def test_follow_rules_accept_a_single_string():
    assert FollowRules.from_dict({"allow": r"/q\d+"}).allow == (r"/q\d+",)
