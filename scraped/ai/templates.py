"""Parametric question templates: the offline provider's generation.

Each template draws numbers for a difficulty, computes the answer exactly (Fraction), and
builds distractors around it, so every question is correct by construction. Templates
cover the quantitative and logical categories; other categories need a model.

Options are listed in ascending order with the answer at a position drawn uniformly (each
of A-D a quarter of the time over many questions); values are exact ("1/4 + 1/12 = 1/3"),
ratios in lowest terms, a unit singular for one ("1 day"). Every explanation shows its
working.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from scraped.ai.numbers import exact

Q = dict[str, Any]
_SCALE = {"easy": 1, "medium": 2, "hard": 3}


def _options(rng: random.Random, answer: Fraction | int, unit: str = "", spread: int = 0) -> tuple[list[str], int]:
    """Four distinct options in ascending order, the answer at a position drawn uniformly
    (A, B, C and D a quarter of the time each); (options, index of the answer)."""
    answer = Fraction(answer)
    step = Fraction(spread or max(1, int(abs(answer) // 10) or 1))
    position = rng.randrange(4)
    below = _side(rng, answer, step, position, positive=answer > 0)
    above = [answer + step * m for m in sorted(rng.sample(range(1, 6), 3 - position))]
    values = sorted(below) + [answer] + above
    return [with_unit(v, unit) for v in values], position


def _side(rng: random.Random, answer: Fraction, step: Fraction, count: int, *, positive: bool) -> list[Fraction]:
    """`count` distinct values below the answer (positive when the answer is)."""
    values = [answer - step * m for m in rng.sample(range(1, 6), count)]
    if positive and any(v <= 0 for v in values):
        if answer.denominator == 1 and answer > count:
            values = [answer - m for m in rng.sample(range(1, int(answer)), count)]
        else:
            values = [answer * (count + 1 - m) / (count + 1) for m in range(1, count + 1)]
    return values


_SINGULAR = {" days": " day", " years": " year", " hours": " hour", " minutes": " minute",
             " seconds": " second", " men": " man", " metres": " metre"}


def with_unit(value: Fraction, unit: str) -> str:
    """A value and its unit, singular for one: "1 day", "2 days", "5 km", "30°"."""
    if value == 1:
        unit = _SINGULAR.get(unit, unit)
    return exact(value) + unit


def _fraction(value: Fraction) -> str:
    """A rate as a fraction (1/4 + 1/12 = 1/3, and = 1/2, not 0.5)."""
    return exact(value) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _q(question: str, options: list[str], index: int, explanation: str, topics: list[str]) -> Q:
    return {"question": question, "options": options, "correct_index": index, "explanation": explanation,
            "topics": topics}


# ---------------------------------------------------------------- quantitative

def percentage(rng: random.Random, level: int) -> Q:
    p = rng.choice([5, 10, 12, 15, 20, 25, 30, 40, 60, 75] if level < 3 else [12.5, 17.5, 22.5, 37.5, 62.5])
    base = rng.randrange(2, 20 * level) * (20 if level == 1 else 8)
    ans = Fraction(str(p)) * base / 100
    opts, i = _options(rng, ans)
    return _q(f"What is {exact(Fraction(str(p)))}% of {base}?", opts, i,
              f"{exact(Fraction(str(p)))}% of {base} = {exact(Fraction(str(p)))} × {base} / 100 = {exact(ans)}.", ["percentage"])


def profit_loss(rng: random.Random, level: int) -> Q:
    cost = rng.randrange(4, 40 * level) * 25
    pct = rng.choice([5, 10, 15, 20, 25, 30, 40]) * (1 if level < 3 else rng.choice([1, -1]))
    sell = Fraction(cost) * (100 + pct) / 100
    word = "profit" if pct > 0 else "loss"
    opts, i = _options(rng, sell, spread=max(5, cost // 20))
    return _q(f"An article bought for Rs. {cost} is sold at a {word} of {abs(pct)}%. What is the selling price (in Rs.)?",
              opts, i, f"Selling price = {cost} × (100 {'+' if pct > 0 else '-'} {abs(pct)}) / 100 = {exact(sell)}.",
              ["profit and loss"])


def simple_interest(rng: random.Random, level: int) -> Q:
    principal = rng.randrange(2, 20 * level) * 500
    rate = rng.choice([4, 5, 6, 8, 10, 12] if level < 3 else [3.5, 4.5, 7.5, 8.5])
    years = rng.randrange(2, 3 + 2 * level)
    si = Fraction(principal) * Fraction(str(rate)) * years / 100
    opts, i = _options(rng, si, spread=max(10, int(si) // 8))
    return _q(f"What is the simple interest on Rs. {principal} at {exact(Fraction(str(rate)))}% per annum for {years} years (in Rs.)?",
              opts, i, f"SI = P × R × T / 100 = {principal} × {exact(Fraction(str(rate)))} × {years} / 100 = {exact(si)}.",
              ["simple interest"])


def train_pole(rng: random.Random, level: int) -> Q:
    speed_kmh = rng.choice([36, 54, 72, 90, 108, 126, 144][: 3 + 2 * level])
    seconds = rng.randrange(4, 8 + 6 * level)
    length = Fraction(speed_kmh * 5, 18) * seconds
    opts, i = _options(rng, seconds, " s", spread=rng.choice([1, 2]))
    return _q(f"A train {exact(length)} m long runs at {speed_kmh} km/h. How many seconds does it take to pass a pole?",
              opts, i, f"{speed_kmh} km/h = {exact(Fraction(speed_kmh * 5, 18))} m/s; time = {exact(length)} / "
              f"{exact(Fraction(speed_kmh * 5, 18))} = {seconds} s.", ["time speed distance"])


def average(rng: random.Random, level: int) -> Q:
    n = 3 + level
    values = [rng.randrange(10, 50 * level) for _ in range(n)]
    total = sum(values)
    values[-1] += (n - total % n) % n  # keep the mean whole
    mean = Fraction(sum(values), n)
    opts, i = _options(rng, mean)
    listed = ", ".join(map(str, values[:-1])) + f" and {values[-1]}"
    return _q(f"What is the average of {listed}?", opts, i,
              f"Sum = {sum(values)}; average = {sum(values)} / {n} = {exact(mean)}.", ["averages"])


def work_together(rng: random.Random, level: int) -> Q:
    pairs = [(a, b) for a in range(2, 7 + 5 * level) for b in range(a + 1, 9 + 6 * level)
             if (a * b) % (a + b) == 0]
    a, b = rng.choice(pairs)
    days = Fraction(a * b, a + b)
    opts, i = _options(rng, days, " days", spread=1)
    return _q(f"A can finish a piece of work in {a} days and B in {b} days. Working together, in how many days can they finish it?",
              opts, i, f"Together they do 1/{a} + 1/{b} = {_fraction(Fraction(a + b, a * b))} of the work a day, "
              f"so they need {a} × {b} / ({a} + {b}) = {with_unit(days, ' days')}.", ["time and work"])


def ratio_share(rng: random.Random, level: int) -> Q:
    x, y = rng.sample(range(1, 4 + 2 * level), 2)
    while math.gcd(x, y) != 1:  # a ratio in lowest terms: 2:3, never 4:6
        x, y = rng.sample(range(1, 4 + 2 * level), 2)
    unit = rng.randrange(5, 30 * level) * 10
    total = (x + y) * unit
    opts, i = _options(rng, x * unit, spread=unit // 2 or 1)
    return _q(f"Rs. {total} is divided between A and B in the ratio {x}:{y}. What is A's share (in Rs.)?",
              opts, i, f"A's share = {total} × {x}/{x + y} = {x * unit}.", ["ratio and proportion"])


# ---------------------------------------------------------------- logical

def arithmetic_series(rng: random.Random, level: int) -> Q:
    start, step = rng.randrange(1, 20 * level), rng.randrange(2, 5 + 4 * level)
    terms = [start + step * k for k in range(5)]
    opts, i = _options(rng, start + step * 5, spread=max(1, step // 2))
    return _q(f"Find the next number in the series: {', '.join(map(str, terms))}, ?", opts, i,
              f"Each term adds {step}: {terms[-1]} + {step} = {start + step * 5}.", ["number series"])


def geometric_series(rng: random.Random, level: int) -> Q:
    start, ratio = rng.randrange(1, 4 + level), rng.randrange(2, 3 + level)
    terms = [start * ratio ** k for k in range(4)]
    nxt = start * ratio ** 4
    opts, i = _options(rng, nxt, spread=max(1, nxt // 6))
    return _q(f"Find the next number in the series: {', '.join(map(str, terms))}, ?", opts, i,
              f"Each term is multiplied by {ratio}: {terms[-1]} × {ratio} = {nxt}.", ["number series"])


def clock_angle(rng: random.Random, level: int) -> Q:
    hour, minute = rng.randrange(1, 12), rng.choice([0, 10, 15, 20, 30, 40, 45][: 3 + 2 * level])
    angle = abs(Fraction(60 * hour - 11 * minute, 2))
    angle = min(angle, 360 - angle)
    opts, i = _options(rng, angle, "°", spread=rng.choice([5, 10, 15]))
    return _q(f"What is the smaller angle between the hands of a clock at {hour}:{minute:02d}?", opts, i,
              f"Angle = |30 × {hour} − 5.5 × {minute}| = {exact(abs(Fraction(60 * hour - 11 * minute, 2)))}°; "
              f"the smaller angle is {exact(angle)}°.", ["clocks"])


def direction_distance(rng: random.Random, level: int) -> Q:
    triples = [(3, 4, 5), (6, 8, 10), (5, 12, 13), (9, 12, 15), (8, 15, 17), (12, 16, 20), (7, 24, 25)]
    a, b, c = rng.choice(triples[: 3 + 2 * level])
    first, turn = rng.choice([("north", "east"), ("north", "west"), ("south", "east"), ("east", "north")])
    opts, i = _options(rng, c, " km", spread=rng.choice([1, 2]))
    return _q(f"A man walks {a} km {first}, then turns and walks {b} km {turn}. How far is he from the start?",
              opts, i, f"The two legs are at right angles: √({a}² + {b}²) = {c} km.", ["direction sense"])


def age_problem(rng: random.Random, level: int) -> Q:
    son = rng.randrange(4, 10 + 5 * level)
    k = rng.randrange(2, 5)
    years = rng.randrange(2, 6 + 2 * level)
    father = k * son
    opts, i = _options(rng, father + years, " years", spread=rng.choice([2, 3, 4]))
    return _q(f"A father is {k} times as old as his son, who is {son}. How old will the father be in {years} years?",
              opts, i, f"Father = {k} × {son} = {father}; in {years} years: {father + years}.", ["ages"])


TEMPLATES: dict[str, list[Callable[[random.Random, int], Q]]] = {
    "quantitative": [percentage, profit_loss, simple_interest, train_pole, average, work_together, ratio_share],
    "logical": [arithmetic_series, geometric_series, clock_angle, direction_distance, age_problem],
}


def generate(category: str, difficulty: str, count: int, rng: random.Random | None = None) -> dict[str, Any]:
    """The GENERATE reply from templates: {"questions": [...]} (empty for other categories)."""
    rng = rng or random.Random()
    pool = TEMPLATES.get(category, [])
    if not pool:
        return {"questions": []}
    level = _SCALE.get(difficulty, 2)
    return {"questions": [rng.choice(pool)(rng, level) for _ in range(count)]}
