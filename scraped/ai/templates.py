"""Parametric question templates: the offline provider's generation.

Each template draws numbers for a difficulty, computes the answer exactly (Fraction), and
builds distractors around it, so every question is correct by construction. Templates
cover the quantitative and logical categories; other categories need a model.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from scraped.ai.numbers import fmt

Q = dict[str, Any]
_SCALE = {"easy": 1, "medium": 2, "hard": 3}


def _options(rng: random.Random, answer: Fraction | int, unit: str = "", spread: int = 0) -> tuple[list[str], int]:
    """Four distinct options around the answer; (options, index of the answer)."""
    answer = Fraction(answer)
    step = spread or max(1, int(abs(answer) // 10) or 1)
    values = {answer}
    deltas = [step, -step, 2 * step, 3 * step, -2 * step, 5 * step, 4 * step]
    if answer.denominator != 1:
        deltas.append(Fraction(step, 2))
    rng.shuffle(deltas)
    for d in deltas:
        if len(values) == 4:
            break
        v = answer + d
        if v > 0 or answer <= 0:
            values.add(v)
    ordered = sorted(values)
    texts = [fmt(v) + unit for v in ordered]
    return texts, ordered.index(answer)


def _q(question: str, options: list[str], index: int, explanation: str, topics: list[str]) -> Q:
    return {"question": question, "options": options, "correct_index": index, "explanation": explanation,
            "topics": topics}


# ---------------------------------------------------------------- quantitative

def percentage(rng: random.Random, level: int) -> Q:
    p = rng.choice([5, 10, 12, 15, 20, 25, 30, 40, 60, 75] if level < 3 else [12.5, 17.5, 22.5, 37.5, 62.5])
    base = rng.randrange(2, 20 * level) * (20 if level == 1 else 8)
    ans = Fraction(str(p)) * base / 100
    opts, i = _options(rng, ans)
    return _q(f"What is {fmt(Fraction(str(p)))}% of {base}?", opts, i,
              f"{fmt(Fraction(str(p)))}% of {base} = {fmt(Fraction(str(p)))} × {base} / 100 = {fmt(ans)}.", ["percentage"])


def profit_loss(rng: random.Random, level: int) -> Q:
    cost = rng.randrange(4, 40 * level) * 25
    pct = rng.choice([5, 10, 15, 20, 25, 30, 40]) * (1 if level < 3 else rng.choice([1, -1]))
    sell = Fraction(cost) * (100 + pct) / 100
    word = "profit" if pct > 0 else "loss"
    opts, i = _options(rng, sell, spread=max(5, cost // 20))
    return _q(f"An article bought for Rs. {cost} is sold at a {word} of {abs(pct)}%. What is the selling price (in Rs.)?",
              opts, i, f"Selling price = {cost} × (100 {'+' if pct > 0 else '-'} {abs(pct)}) / 100 = {fmt(sell)}.",
              ["profit and loss"])


def simple_interest(rng: random.Random, level: int) -> Q:
    principal = rng.randrange(2, 20 * level) * 500
    rate = rng.choice([4, 5, 6, 8, 10, 12] if level < 3 else [3.5, 4.5, 7.5, 8.5])
    years = rng.randrange(2, 3 + 2 * level)
    si = Fraction(principal) * Fraction(str(rate)) * years / 100
    opts, i = _options(rng, si, spread=max(10, int(si) // 8))
    return _q(f"What is the simple interest on Rs. {principal} at {fmt(Fraction(str(rate)))}% per annum for {years} years (in Rs.)?",
              opts, i, f"SI = P × R × T / 100 = {principal} × {fmt(Fraction(str(rate)))} × {years} / 100 = {fmt(si)}.",
              ["simple interest"])


def train_pole(rng: random.Random, level: int) -> Q:
    speed_kmh = rng.choice([36, 54, 72, 90, 108, 126, 144][: 3 + 2 * level])
    seconds = rng.randrange(4, 8 + 6 * level)
    length = Fraction(speed_kmh * 5, 18) * seconds
    opts, i = _options(rng, seconds, " s", spread=rng.choice([1, 2]))
    return _q(f"A train {fmt(length)} m long runs at {speed_kmh} km/h. How many seconds does it take to pass a pole?",
              opts, i, f"{speed_kmh} km/h = {fmt(Fraction(speed_kmh * 5, 18))} m/s; time = {fmt(length)} / "
              f"{fmt(Fraction(speed_kmh * 5, 18))} = {seconds} s.", ["time speed distance"])


def average(rng: random.Random, level: int) -> Q:
    n = 3 + level
    values = [rng.randrange(10, 50 * level) for _ in range(n)]
    total = sum(values)
    values[-1] += (n - total % n) % n  # keep the mean whole
    mean = Fraction(sum(values), n)
    opts, i = _options(rng, mean)
    listed = ", ".join(map(str, values[:-1])) + f" and {values[-1]}"
    return _q(f"What is the average of {listed}?", opts, i,
              f"Sum = {sum(values)}; average = {sum(values)} / {n} = {fmt(mean)}.", ["averages"])


def work_together(rng: random.Random, level: int) -> Q:
    pairs = [(a, b) for a in range(2, 7 + 5 * level) for b in range(a + 1, 9 + 6 * level)
             if (a * b) % (a + b) == 0]
    a, b = rng.choice(pairs)
    days = Fraction(a * b, a + b)
    opts, i = _options(rng, days, " days", spread=1)
    return _q(f"A can finish a piece of work in {a} days and B in {b} days. Working together, in how many days can they finish it?",
              opts, i, f"Together they do 1/{a} + 1/{b} = {fmt(Fraction(a + b, a * b))} of the work a day, "
              f"so {a}×{b}/({a}+{b}) = {fmt(days)} days.", ["time and work"])


def ratio_share(rng: random.Random, level: int) -> Q:
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
              f"Angle = |30 × {hour} − 5.5 × {minute}| = {fmt(abs(Fraction(60 * hour - 11 * minute, 2)))}°; "
              f"the smaller angle is {fmt(angle)}°.", ["clocks"])


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
