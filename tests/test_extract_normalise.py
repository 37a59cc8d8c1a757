"""Normalisation: cleaning, option labels, answers, and the content key."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scraped.engine.extract import ExtractedQuestion
from scraped.engine.extract.normalise import (
    canonical_form,
    clean_text,
    normalise_options,
    option_label,
    question_key,
    resolve_answer,
    split_inline_options,
    strip_question_number,
)


@pytest.mark.parametrize("raw, want", [
    ("  a \n\t b\u00a0 c  ", "a b c"),
    ("x\u200by\u00adz", "xyz"),
    ("ﬁve ＡＢＣ", "five ABC"),
    ("x² + y³", "x^2 + y^3"),
    ("87½%", "87 1/2%"),
    ("12 × 3 ÷ 4 = √81", "12 × 3 ÷ 4 = √81"),
    ("a\x00b\x07c", "a b c"),
    ("", ""),
    (None, ""),
])
def test_clean_text(raw, want):
    assert clean_text(raw) == want


@pytest.mark.parametrize("text, style, index", [
    ("A) 12", "upper", 0), ("(b) 15", "lower", 1), ("c. 18", "lower", 2), ("[d] 21", "lower", 3),
    ("Option C: 18", "upper", 2), ("option (e) x", "lower", 4), ("1. one", "digit", 0), ("3) three", "digit", 2),
    ("B)15", "upper", 1), ("A.", "upper", 0),
])
def test_option_labels(text, style, index):
    lab = option_label(text)
    assert lab is not None and lab[:2] == (style, index)


@pytest.mark.parametrize("text", ["A train leaves", "1.5 kg", "3:4", "Apple", "a cat", "12) x", "G) no"])
def test_not_option_labels(text):
    assert option_label(text) is None


@pytest.mark.parametrize("options, want", [
    (["A) 12", "B) 15", "C) 18"], ["12", "15", "18"]),
    (["(a) x", "(b) y"], ["x", "y"]),
    (["Option A: Rs. 10", "Option B: Rs. 20"], ["Rs. 10", "Rs. 20"]),
    (["A) (a) 1", "B) (b) 2"], ["1", "2"]),
    (["A 9", "B 11", "C 22"], ["9", "11", "22"]),
    (["A) 12", "15", "C) 18"], ["A) 12", "15", "C) 18"]),  # not all labelled: left alone
    (["B) 12", "C) 15"], ["B) 12", "C) 15"]),  # not in sequence from A
    (["1.5 kg", "2.5 kg"], ["1.5 kg", "2.5 kg"]),
])
def test_normalise_options(options, want):
    assert normalise_options(options) == want


@pytest.mark.parametrize("text, prefix, options", [
    ("A) 12 B) 15 C) 18 D) 21", "", ["12", "15", "18", "21"]),
    ("What is 2+2? (a) 3 (b) 4 (c) 5", "What is 2+2?", ["3", "4", "5"]),
    ("Pick: A. red B. blue", "Pick:", ["red", "blue"]),
    ("Q? 1) one 2) two 3) three", "Q?", ["one", "two", "three"]),
])
def test_split_inline_options(text, prefix, options):
    got = split_inline_options(text)
    assert got is not None and got[0] == prefix and got[1] == options


@pytest.mark.parametrize("text", ["No labels here at all.", "Only (a) one label", "B) starts late C) x"])
def test_no_inline_options(text):
    assert split_inline_options(text) is None


@pytest.mark.parametrize("raw, options, style, want", [
    ("Option B", ["10", "20", "30"], "upper", (1, "20")),
    ("b", ["10", "20", "30"], "lower", (1, "20")),
    ("(c) 30", ["10", "20", "30"], "lower", (2, "30")),
    ("C", ["10", "20", "30"], None, (2, "30")),
    ("20", ["10", "20", "30"], "upper", (1, "20")),
    ("3", ["2", "3", "4", "5"], "digit", (2, "4")),  # numbered options: an ordinal
    ("3", ["2", "3", "4", "5"], "upper", (1, "3")),  # lettered options: the text
    ("2", ["Paris", "London"], None, (1, "London")),
    ("15 km/h.", ["10 km/h", "15 km/h"], None, (1, "15 km/h")),
    ("Rs.120", ["Rs. 100", "Rs. 120"], None, (1, "Rs. 120")),
    ("E", ["1", "2", "3"], "upper", (None, "E")),
    ("forty-two", [], None, (None, "forty-two")),
    ("something else", ["1", "2"], None, (None, "something else")),
    ("", ["1", "2"], None, (None, None)),
    (None, ["1", "2"], None, (None, None)),
])
def test_resolve_answer(raw, options, style, want):
    assert resolve_answer(raw, options, style) == want


@pytest.mark.parametrize("text, want", [
    ("Q3. What is x?", "What is x?"), ("12. What", "What"), ("Question 4: Why", "Why"),
    ("(5) How", "How"), ("Q: Where", "Where"), ("Q.7) Which", "Which"),
    ("MCQ 1: Which gas", "Which gas"), ("Problem 3. A train", "A train"), ("Problems on trains", "Problems on trains"),
    ("3 men can do", "3 men can do"), ("2.5 kg of rice", "2.5 kg of rice"), ("1.", "1."),
])
def test_strip_question_number(text, want):
    assert strip_question_number(text) == want


def test_key_is_sha256_of_the_canonical_form_and_ignores_markup_differences():
    a = question_key("Q1.  What is  2 + 2 ?", ["A) 3", "B) 4"])
    b = question_key("what is 2 + 2?", ["3", "4"])
    assert a == b and re.fullmatch(r"[0-9a-f]{64}", a)
    assert question_key("What is 2 + 2?", ["4", "3"]) != a  # option order matters
    assert question_key("What is 2 + 3?", ["3", "4"]) != a
    q = ExtractedQuestion("What is 2 + 2?", ("3", "4"), 1, "4", None)
    assert q.key() == a
    assert q.to_dict() == {"question": "What is 2 + 2?", "options": ["3", "4"], "answer": 1,
                           "answer_text": "4", "explanation": None}


# -- properties ----------------------------------------------------------------------------

_words = st.lists(st.text(st.characters(whitelist_categories=("L", "N", "P", "S")), min_size=1, max_size=8)
                  .filter(lambda w: clean_text(w) and " " not in clean_text(w)), min_size=1, max_size=8)
_ws = st.sampled_from([" ", "  ", "\n", "\t", "\u00a0", " \n ", "\r\n", "\u2003"])
_LABELS = {
    "upper)": lambda i: f"{'ABCDEF'[i]}) ", "lower()": lambda i: f"({'abcdef'[i]}) ",
    "digit.": lambda i: f"{i + 1}. ", "option": lambda i: f"Option {'ABCDEF'[i]}: ",
    "bracket": lambda i: f"[{'abcdef'[i]}] ",
}


def _respace(words: list[str], data) -> str:
    out = data.draw(st.sampled_from(["", " ", "\n  "]))
    for i, w in enumerate(words):
        out += w + (data.draw(_ws) if i < len(words) - 1 else "")
    return out + data.draw(st.sampled_from(["", " ", "\t\n"]))


@settings(max_examples=40, deadline=None)
@given(st.lists(_words, min_size=3, max_size=6), st.data())
def test_key_is_stable_under_whitespace_variants(parts, data):
    question, *options = [" ".join(w) for w in parts]
    varied_q = _respace(parts[0], data)
    varied_opts = [_respace(w, data) for w in parts[1:]]
    assert question_key(varied_q, varied_opts) == question_key(question, options)


@settings(max_examples=40, deadline=None)
@given(st.lists(_words, min_size=3, max_size=7), st.sampled_from(sorted(_LABELS)))
def test_key_is_stable_under_option_labels(parts, style):
    question, *options = [" ".join(w) for w in parts]
    labelled = [_LABELS[style](i) + o for i, o in enumerate(options)]
    assert question_key(question, labelled) == question_key(question, options)


@settings(max_examples=40, deadline=None)
@given(st.lists(_words, min_size=3, max_size=6), st.sampled_from(["upper", "lower", "title"]))
def test_key_is_stable_under_case(parts, how):
    question, *options = [" ".join(w) for w in parts]
    change = getattr(str, how)
    assume(all(clean_text(change(t)).casefold() == clean_text(t).casefold() for t in [question, *options]))
    assert question_key(change(question), [change(o) for o in options]) == question_key(question, options)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_clean_text_is_idempotent(s):
    once = clean_text(s)
    assert clean_text(once) == once
    assert once == once.strip() and "  " not in once


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=6))
def test_normalise_options_is_idempotent(options):
    once = normalise_options(options)
    assert normalise_options(once) == once


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60), st.lists(st.text(max_size=20), max_size=5))
def test_canonical_form_is_idempotent_and_resolution_total(question, options):
    form = canonical_form(question, options)
    q2 = strip_question_number(clean_text(question))
    assert canonical_form(q2, normalise_options(options)) == form
    idx, text = resolve_answer(question, normalise_options(options))
    assert idx is None or 0 <= idx < len(options)


# -- keys never drift: they are the stored questions' _id -----------------------------------

@pytest.mark.parametrize("question, options, key", [
    ("Q1. What is 6 × 7?", ("A) 40", "B) 42", "C) 44"),
     "29796a8414b02625b7c374b080988da092be0da5639a45b65b81c5fe517da75d"),
    ("What is x² + ½ ?", ("(a) 1 ,", "(b) [ 2 ]"),
     "868da697bbaf2d8510ee26e11de0c0f7442140ba06c64ec106082d1110a85bd8"),
    ("  Which  is\u200b prime?  ", (), "ef54ca2e5ee2363606378ddea78142b0b9c8fedb934e217e968b1da25e8de5c9"),
    ("Ｆｕｌｌ width ( test ) ;", ("Option A: yes", "Option B: no"),
     "f9713ad0ae0912469c4b6f36dd206d5ff58ea094a1af7371f121d01b09a918cb"),
])
def test_keys_of_known_questions_stay_the_same(question, options, key):
    assert question_key(question, options) == key


def _clean_text_reference(text):
    """clean_text without its fast paths: what it must always give."""
    import unicodedata

    from scraped.engine.extract import normalise as n

    if not text:
        return ""
    if n._NEEDS_DROP.search(text):
        text = text.translate(n._DROP)
    if not text.isascii():
        text = n._SUPERSCRIPTS.sub(n._superscript, text)
        text = n._VULGAR.sub(n._fraction, text)
        text = unicodedata.normalize("NFKC", text).replace("\u2044", "/")
    return " ".join(text.split())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.text(alphabet=" \t\n\x00\x85\xa0\xad\u200b²½⁄ﬁＡe\u0301×ab.", max_size=20))
def test_clean_text_fast_paths_give_what_the_full_path_gives(s):
    assert clean_text(s) == _clean_text_reference(s)
