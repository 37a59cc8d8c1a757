"""The offline provider's generated questions: answer positions uniform, values exact,
ratios in lowest terms, units singular for one, every explanation worked."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from fractions import Fraction

import pytest

from scraped.ai import templates
from scraped.ai.numbers import parse_number, solve

# chi-square, 3 degrees of freedom, p = 0.001: a fair die of four faces exceeds it once in
# a thousand seeds; the old sorted options (A 29.8 %, B 56.8 %, C 13.4 %, D 0 % here) scored 7,171.
CHI2_3DOF_P001 = 16.27


def _all(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    combos = [(c, d) for c in templates.TEMPLATES for d in ("easy", "medium", "hard")]
    out: list[dict] = []
    for c, d in combos:
        out += templates.generate(c, d, count // len(combos) + 1, rng)["questions"]
    return out[:count]


QUESTIONS = _all(10_000, seed=2026)


def test_answer_positions_are_uniform_over_10000_questions():
    positions = Counter(q["correct_index"] for q in QUESTIONS)
    assert len(QUESTIONS) == 10_000 and set(positions) == {0, 1, 2, 3}
    expected = len(QUESTIONS) / 4
    chi2 = sum((positions[i] - expected) ** 2 / expected for i in range(4))
    assert chi2 < CHI2_3DOF_P001, (chi2, positions)
    for i in range(4):  # and no position alone is far off: each within 4 standard deviations
        assert abs(positions[i] - expected) < 4 * math.sqrt(expected * 0.75), (i, positions)


@pytest.mark.parametrize("name", [f.__name__ for fs in templates.TEMPLATES.values() for f in fs])
def test_each_template_alone_spreads_its_answer(name):
    func = next(f for fs in templates.TEMPLATES.values() for f in fs if f.__name__ == name)
    rng = random.Random(5)
    positions = Counter(func(rng, level)["correct_index"] for level in (1, 2, 3) for _ in range(400))
    assert all(positions[i] > 200 for i in range(4)), positions  # 300 expected each


def test_options_are_ascending_distinct_and_the_answer_is_right():
    for q in QUESTIONS:
        values = [parse_number(o) for o in q["options"]]
        assert None not in values and values == sorted(values) and len(set(values)) == 4, q
        value = solve(q["question"])
        if value is not None:
            assert values[q["correct_index"]] == value, q


def test_ratios_are_in_lowest_terms():
    ratios = [m for q in QUESTIONS for m in re.findall(r"ratio (\d+):(\d+)", q["question"])]
    assert len(ratios) > 100
    assert all(math.gcd(int(a), int(b)) == 1 for a, b in ratios), [r for r in ratios if math.gcd(*map(int, r)) > 1][:5]


def test_units_are_singular_for_one():
    texts = [t for q in QUESTIONS for t in [q["question"], q["explanation"], *q["options"]]]
    plural_one = [t for t in texts if re.search(r"(?<![\d.,/])1 (days|years|hours|minutes|seconds|metres)\b", t)]
    assert plural_one == []
    assert any(re.search(r"(?<![\d.,/])1 day\b", t) for t in texts)  # the singular does occur


def test_fractions_are_exact():
    work = [q for q in QUESTIONS if q["topics"] == ["time and work"]]
    assert len(work) > 100
    for q in work:
        a, b = map(int, re.findall(r"in (\d+) days", q["question"]))
        rate = Fraction(a + b, a * b)
        assert f"1/{a} + 1/{b} = {rate.numerator}/{rate.denominator}" in q["explanation"] or \
            (rate.denominator == 1 and f"= {rate.numerator} of" in q["explanation"]), q["explanation"]
    # no rounded value anywhere: a two-place decimal that is not the exact value
    for q in QUESTIONS:
        for text in [q["explanation"], *q["options"]]:
            assert not re.search(r"\d\.\d*3{2,}|\d\.\d*6{2}7", text), text


def test_explanations_show_the_working():
    for q in QUESTIONS:
        expl = q["explanation"]
        assert not re.match(r"(?i)^the (correct )?answer is", expl), expl
        assert "=" in expl and re.search(r"\d", expl), expl
        answer = q["options"][q["correct_index"]]
        number = re.match(r"[\d./]+", answer)
        assert number and number.group(0) in expl, (answer, expl)
