"""Quantities in answers: a number, its currency or unit, converted within a dimension.

`parse_quantity("5 km")` is 5 in kilometres, 5000 in the length dimension's base unit
(metres). Two quantities of one dimension compare by their base values (5 km == 5000 m,
3 hours == 180 minutes, 54 km/h == 15 m/s, Rs. 5 == 500 paise); of two dimensions or
currencies they are unequal (5 km != 5 kg, Rs. 5 != $5). A word that is no known unit
("10 men") is its own dimension: 10 men != 10 women. Months and years are not converted to
days (their length varies): 1 year == 12 months, but != 365 days.

Compound units are built from the table: "km/h", "km per hour", "kmph", "m^2", "sq m",
"square metres", "cm³", "Rs/kg". Temperatures convert with their offsets (0 °C == 273.15 K).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from scraped.ai.numbers import split_number

F = Fraction
# unit spelling → (dimension, factor to the dimension's base unit)
_BASE: dict[str, tuple[str, Fraction]] = {
    "mm": ("length", F(1, 1000)), "millimetre": ("length", F(1, 1000)), "millimeter": ("length", F(1, 1000)),
    "cm": ("length", F(1, 100)), "centimetre": ("length", F(1, 100)), "centimeter": ("length", F(1, 100)),
    "dm": ("length", F(1, 10)), "m": ("length", F(1)), "metre": ("length", F(1)), "meter": ("length", F(1)),
    "mtr": ("length", F(1)), "km": ("length", F(1000)), "kilometre": ("length", F(1000)),
    "kilometer": ("length", F(1000)), "inch": ("length", F(254, 10000)), "inches": ("length", F(254, 10000)),
    "ft": ("length", F(3048, 10000)), "foot": ("length", F(3048, 10000)), "feet": ("length", F(3048, 10000)),
    "yd": ("length", F(9144, 10000)), "yard": ("length", F(9144, 10000)),
    "mile": ("length", F(1609344, 1000)), "mi": ("length", F(1609344, 1000)),
    "mg": ("mass", F(1, 1000)), "milligram": ("mass", F(1, 1000)), "g": ("mass", F(1)), "gm": ("mass", F(1)),
    "gram": ("mass", F(1)), "gramme": ("mass", F(1)), "kg": ("mass", F(1000)), "kilogram": ("mass", F(1000)),
    "kilo": ("mass", F(1000)), "quintal": ("mass", F(100_000)), "tonne": ("mass", F(1_000_000)),
    "lb": ("mass", F(45359237, 100000)),
    "s": ("time", F(1)), "sec": ("time", F(1)), "second": ("time", F(1)), "min": ("time", F(60)),
    "minute": ("time", F(60)), "h": ("time", F(3600)), "hr": ("time", F(3600)), "hour": ("time", F(3600)),
    "day": ("time", F(86400)), "week": ("time", F(7 * 86400)), "wk": ("time", F(7 * 86400)),
    "month": ("calendar", F(1)), "year": ("calendar", F(12)), "yr": ("calendar", F(12)),
    "ml": ("volume", F(1, 1_000_000)), "millilitre": ("volume", F(1, 1_000_000)),
    "milliliter": ("volume", F(1, 1_000_000)), "cc": ("volume", F(1, 1_000_000)),
    "l": ("volume", F(1, 1000)), "litre": ("volume", F(1, 1000)), "liter": ("volume", F(1, 1000)),
    "ltr": ("volume", F(1, 1000)), "kl": ("volume", F(1)), "kilolitre": ("volume", F(1)),
    "hectare": ("length^2", F(10_000)), "ha": ("length^2", F(10_000)),
    "acre": ("length^2", F(40468564224, 10_000_000)),
    "°": ("angle", F(1)), "deg": ("angle", F(1)), "degree": ("angle", F(1)),
    "rs": ("money:inr", F(1)), "inr": ("money:inr", F(1)), "₹": ("money:inr", F(1)),
    "rupee": ("money:inr", F(1)), "paisa": ("money:inr", F(1, 100)), "paise": ("money:inr", F(1, 100)),
    "$": ("money:usd", F(1)), "usd": ("money:usd", F(1)), "dollar": ("money:usd", F(1)),
    "cent": ("money:usd", F(1, 100)), "€": ("money:eur", F(1)), "eur": ("money:eur", F(1)),
    "euro": ("money:eur", F(1)), "£": ("money:gbp", F(1)), "gbp": ("money:gbp", F(1)),
    "¥": ("money:jpy", F(1)), "yen": ("money:jpy", F(1)),
    "byte": ("data", F(1)), "kb": ("data", F(1024)), "mb": ("data", F(1024**2)), "gb": ("data", F(1024**3)),
    "bit": ("data", F(1, 8)),
}
# temperatures: base = (value + offset) × factor, in kelvin
_TEMPERATURE: dict[str, tuple[Fraction, Fraction]] = {
    "°c": (F(1), F(27315, 100)), "celsius": (F(1), F(27315, 100)), "degree celsius": (F(1), F(27315, 100)),
    "°f": (F(5, 9), F(45967, 100)), "fahrenheit": (F(5, 9), F(45967, 100)),
    "degree fahrenheit": (F(5, 9), F(45967, 100)), "kelvin": (F(1), F(0)),
}
_SHORTHAND = {"kmph": "km/h", "kmh": "km/h", "kph": "km/h", "mph": "mile/h", "mps": "m/s",
              "sqm": "m^2", "sqft": "ft^2", "sqkm": "km^2", "sqcm": "cm^2"}
_POWER_WORDS = {"sq": 2, "square": 2, "cu": 3, "cubic": 3}
_IGNORED = {"only", "approx", "approximately", "nearly", "about"}
_WORD = re.compile(r"^[a-z]{3,}(?: [a-z]{3,}){0,2}$")


@dataclass(frozen=True)
class Quantity:
    value: Fraction          # the number as written (in its own unit)
    dimension: str | None    # None: a bare number
    base: Fraction           # the value in the dimension's base unit
    percent: bool = False


def _singular(word: str) -> str:
    for cut in ("es", "s"):
        if word.endswith(cut) and word[: -len(cut)] in _BASE:
            return word[: -len(cut)]
    return word


def _simple(text: str) -> tuple[str, Fraction] | None:
    """One unit with an optional power: "km", "sq m", "cm^3", "square metres", "m2"."""
    words = text.split()
    power = 1
    if len(words) > 1 and words[0] in _POWER_WORDS:
        power, words = _POWER_WORDS[words[0]], words[1:]
    if len(words) != 1:
        return None
    word = words[0]
    m = re.fullmatch(r"([a-z°$€£¥₹]+)\^?([23])?", word)
    if not m:
        return None
    name = _singular(m.group(1))
    if m.group(2):
        if power != 1:
            return None
        power = int(m.group(2))
    if name not in _BASE:
        return None
    dim, factor = _BASE[name]
    return (dim if power == 1 else f"{dim}^{power}"), factor ** power


def unit(text: str) -> tuple[str, Fraction, Fraction] | None:
    """(dimension, factor, offset) of a unit as written after a number; None if unknown."""
    text = " ".join(text.lower().replace(".", " ").replace("²", "^2").replace("³", "^3").split())
    words = [w for w in text.split() if w not in _IGNORED]
    text = " ".join(words)
    if not text:
        return None
    if text in _TEMPERATURE or text.replace(" ", "") in _TEMPERATURE:
        factor, offset = _TEMPERATURE.get(text) or _TEMPERATURE[text.replace(" ", "")]
        return "temperature", factor, offset
    text = _SHORTHAND.get(text.replace(" ", ""), text)
    parts = [p.strip() for p in re.split(r"\s*/\s*|\s+per\s+", text)]
    if len(parts) > 2 or not all(parts):
        return None
    found = [_simple(p) for p in parts]
    if any(f is None for f in found):
        return None
    dims = [f[0] for f in found if f is not None]
    factors = [f[1] for f in found if f is not None]
    if len(found) == 1:
        return dims[0], factors[0], F(0)
    return f"{dims[0]}/{dims[1]}", factors[0] / factors[1], F(0)


def parse_quantity(text: str) -> Quantity | None:
    """The quantity an answer states: "5 km", "Rs. 1,200", "3 hours", "12.5%", "10 men",
    or a bare number; None when the text is not one number with at most a unit."""
    found = split_number(text)
    if found is None:
        return None
    value, currency, rest, percent = found
    rest = rest.strip().rstrip(".").strip()
    if currency:
        if not rest or rest in _IGNORED:
            rest = currency
        elif re.match(r"^(?:/|per\b)", rest):
            rest = currency + " " + rest
        else:
            return None
    if not rest:
        return Quantity(value, None, value, percent)
    if percent:
        return None  # "50% km" is not a quantity
    known = unit(rest)
    if known is not None:
        dim, factor, offset = known
        return Quantity(value, dim, (value + offset) * factor)
    words = " ".join(rest.split())
    if _WORD.match(words) and not any(w in _BASE or _singular(w) in _BASE for w in words.split()):
        # a count of something ("10 men"): its own dimension, singular and plural alike
        return Quantity(value, "word:" + " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w
                                                   for w in words.split()), value)
    return None
