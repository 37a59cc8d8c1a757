"""The offline provider's enhancement rules: topics and categories by whole words, the
page's difficulty kept, explanations worked or absent (never "The answer is X."), and a
quality score that follows what was checked."""

from __future__ import annotations

import pytest

from scraped.ai.providers import offline


@pytest.mark.parametrize("question,not_topic,not_category", [
    ("In a classroom of 40 students, at least how many play chess?", "direction sense", "technical"),
    ("The passengers reached the coast at least an hour early.", "direction sense", None),
    ("Who wrote the classic novel 'Emma'?", "programming", "technical"),
    ("Which word is closest in meaning to 'functional'?", "programming", "technical"),
    ("He was the eastern region's manager; what is his designation?", "direction sense", "logical"),
    ("A well-known author wrote this passage.", "arithmetic", "quantitative"),
    ("Find the odd one out: coder, decoder, encoder, recorder", "coding-decoding", None),
    ("Complete the stage play's last act.", "ages", None),
])
def test_substrings_are_not_signals(question, not_topic, not_category):
    assert not_topic not in offline.topics(question)
    if not_category:
        assert offline.classify(question) != not_category


@pytest.mark.parametrize("question,topic,category", [
    ("A man walks 3 km east, then 4 km north. How far is he from the start?", "direction sense", "logical"),
    ("Two trains run at 54 km/h and 36 km/h. How long to cross?", "time speed distance", "quantitative"),
    ("What is 12 × 3 + 4?", "arithmetic", "quantitative"),
    ("What is 25% of 80?", "percentage", "quantitative"),
    ("What is the output of this code in Python?", "programming", "technical"),
    ("Which of these is a derived class in Java?", "programming", "technical"),
    ("Find the next number in the series: 2, 4, 8, 16, ?", "number series", "logical"),
    ("A's age is twice B's. In 5 years, the sum of their ages is 40.", "ages", "quantitative"),
])
def test_whole_words_are_signals(question, topic, category):
    assert topic in offline.topics(question)
    assert offline.classify(question) == category


@pytest.mark.parametrize("given,expected", [("hard", "hard"), ("Hard", "hard"), (" EASY ", "easy"),
                                            ("medium", "medium"), (None, "easy"), ("unknown", "easy")])
def test_the_pages_difficulty_is_kept(given, expected):
    # a short question guesses "easy"; any case of a known word is the page's and stays
    assert offline.difficulty("What is 2 + 2?", given) == expected
    reply = offline.enhance([{"id": "q1", "question": "What is 2 + 2?", "options": ["3", "4", "5", "6"],
                              "difficulty": given}])
    assert reply["questions"][0]["difficulty"] == expected


def _one(**item):
    return offline.enhance([{"id": "q1", **item}])["questions"][0]


def test_no_tautological_explanations():
    page_key = _one(question="What is the capital of France?", options=["Rome", "Paris", "Oslo", "Bern"], answer=1)
    assert page_key["correct_index"] == 1 and page_key["explanation"] == ""  # nothing to work out: none
    text_key = _one(question="Which river flows through Cairo?", options=["Nile", "Niger", "Volga", "Rhine"],
                    answer_text="Nile")
    assert text_key["correct_index"] == 0 and text_key["explanation"] == ""
    worked = _one(question="What is 12 × 3 + 4?", options=["36", "40", "44", "48"])
    assert worked["correct_index"] == 1 and worked["explanation"] == "12 × 3 + 4 = 40, so the answer is 40."
    fraction = _one(question="What is 1/4 + 1/12?", options=["1/3", "1/4", "1/2", "1/6"])
    assert fraction["explanation"].startswith("1/4 + 1/12 = 1/3")  # exact, not 0.33
    percent = _one(question="What is 25% of 80?", options=["16", "20", "25", "32"], answer=2,  # the page is wrong
                   explanation="25% of 80 is 25.")  # and argues for its wrong key: not kept
    assert percent["correct_index"] == 1 and percent["explanation"] == "25% of 80 = 25 × 80 / 100 = 20, so the answer is 20."
    average = _one(question="What is the average of 3, 5 and 7?", options=["4", "5", "6", "7"])
    assert "(3 + 5 + 7) / 3 = 15 / 3 = 5" in average["explanation"]
    kept = _one(question="Capital of Peru?", options=["Lima", "Quito"], answer=0, explanation="Lima is the capital.")
    assert kept["explanation"] == "Lima is the capital."
    for reply in (page_key, text_key, worked, fraction, percent, average, kept):
        assert not reply["explanation"].lower().startswith("the answer is")


def test_quality_follows_what_was_checked():
    recomputed = _one(question="What is 12 × 3 + 4?", options=["36", "40", "44", "48"])
    page_only = _one(question="Capital of France?", options=["Rome", "Paris", "Oslo", "Bern"], answer=1)
    nothing = _one(question="Capital of France?", options=["Rome", "Paris", "Oslo", "Bern"])
    assert nothing["correct_index"] is None
    assert recomputed["quality_score"] == 1.0
    assert page_only["quality_score"] < recomputed["quality_score"]
    assert nothing["quality_score"] < page_only["quality_score"]
    assert len({recomputed["quality_score"], page_only["quality_score"], nothing["quality_score"]}) == 3


@pytest.mark.parametrize("text,restated", [
    ("The answer is B.", True), ("Answer: 42", True), ("Option C", True), ("The correct answer is Paris.", True),
    ("The answer is 40 because 12 × 3 + 4 = 40.", False), ("Lima is the capital.", False),
    ("The answer lies in the second paragraph.", False), ("Answers vary by season.", False),
])
def test_a_restated_answer_is_no_explanation(text, restated):
    assert offline.tautological(text) is restated
    reply = _one(question="Capital of Peru?", options=["Lima", "Quito"], answer=0, explanation=text)
    assert reply["explanation"] == ("" if restated else text)
