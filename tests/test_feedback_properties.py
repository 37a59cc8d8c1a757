"""Properties of the feedback grader over generated answers (hypothesis): polynomials are
equal exactly when their coefficients are, a sign or a unit's scale always counts, and a
conversion within a dimension always holds. A grader that compared text, dropped signs or
units, or stopped at the first few characters would fail these."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from scraped.ai.answers import equivalent
from scraped.ai.numbers import exact

coefficients = st.lists(st.integers(-9, 9), min_size=1, max_size=4)


def _poly(cs: list[int], var: str = "x") -> str:
    """c0 + c1·x + c2·x^2 + ... written as a student might ("3x^2 - x + 4")."""
    terms = []
    for power, c in sorted(enumerate(cs), reverse=True):
        if c == 0:
            continue
        body = "" if power == 0 else var if power == 1 else f"{var}^{power}"
        number = str(abs(c)) if abs(c) != 1 or not body else ""
        terms.append(("-" if c < 0 else "+", number + body))
    if not terms:
        return "0"
    first_sign, first = terms[0]
    return ("-" if first_sign == "-" else "") + first + "".join(f" {s} {t}" for s, t in terms[1:])


def _trim(cs: list[int]) -> list[int]:
    while len(cs) > 1 and cs[-1] == 0:
        cs = cs[:-1]
    return cs


@settings(max_examples=300, deadline=None)
@given(coefficients, coefficients)
def test_polynomials_are_equal_exactly_when_their_coefficients_are(a, b):
    pa, pb = _poly(a), _poly(b)
    same = _trim(a + [0] * (4 - len(a))) == _trim(b + [0] * (4 - len(b)))
    assert equivalent(pa, pb)[0] is same, (pa, pb)


@settings(max_examples=200, deadline=None)
@given(coefficients)
def test_a_polynomial_equals_itself_factored_by_x(cs):
    # x·p(x) written with brackets against the expanded form
    inner = _poly(cs)
    expanded = _poly([0, *cs])
    assert equivalent(f"x({inner})", expanded)[0] is True, (inner, expanded)


values = st.fractions(min_value=Fraction(-10**6), max_value=Fraction(10**6), max_denominator=64)


@settings(max_examples=300, deadline=None)
@given(values)
def test_the_sign_counts(v):
    if v != 0:
        assert equivalent(exact(v), exact(-v))[0] is False
    assert equivalent(exact(v), exact(v))[0] is True


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**5), st.sampled_from([("km", "m", 1000), ("hours", "minutes", 60),
                                               ("kg", "g", 1000), ("days", "hours", 24), ("litres", "ml", 1000)]))
def test_conversions_hold_and_scales_differ(n, units):
    big, small, factor = units
    assert equivalent(f"{n} {big}", f"{n * factor} {small}")[0] is True
    assert equivalent(f"{n} {big}", f"{n} {small}")[0] is False
    assert equivalent(f"{n} {big}", f"{n} kg" if big != "kg" else f"{n} km")[0] is False


@settings(max_examples=200, deadline=None)
@given(st.integers(1000, 10**9))
def test_digit_grouping_is_read_whatever_the_style(n):
    western = f"{n:,}"
    digits = str(n)
    head, tail = digits[:-3], digits[-3:]
    indian = (",".join([head[max(0, i - 2):i] for i in range(len(head), 0, -2)][::-1]) + "," + tail)
    spaced = western.replace(",", " ")
    for written in (western, indian, spaced):
        assert equivalent(written, digits)[0] is True, written
    assert equivalent(western, str(n + 1))[0] is False
