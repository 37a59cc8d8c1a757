"""Are two written answers the same answer? Pure and local (microseconds to a millisecond).

`equivalent(a, b)` → (same, method). In order:
- the same text once case, spacing and a closing full stop are set aside ("Paris." == "paris");
- ratios by proportion (3:4 == 6:8 == 0.75, 3:4 != 4:3);
- quantities (scraped/ai/units.py): the sign counts (-3 != 3), units convert within a
  dimension (5 km == 5000 m) and differ across dimensions or scales (5 km != 5 m,
  3 hours != 3 minutes), grouping is read (12,50,000 == 1250000, "1 200" == 1200),
  fractions are exact (0.5 == 1/2, 0.3 != 1/3; a decimal of two or more places is taken as
  the fraction rounded: 0.33 == 1/3), percentages (50% == 0.5, and "50" == "50%");
- algebra (scraped/ai/expr.py): expressions and relations by value (x+1 != x-1,
  n(n+1)/2 != n(n-1)/2, a > b != a < b, a > b == b < a, x = 5 == 5);
- answers of several parts, part by part in order ("2, 3" == "2 and 3", != "2, 4");
- prose, word for word with punctuation set aside, operators kept ("mean > median" !=
  "mean < median").
Number words up to ninety-nine (and "a hundred", "one thousand") are read as numbers first:
"four" == 4, "five days" == "5 days". Anything else is unequal: an answer is only graded
right when it is shown to be.
"""

from __future__ import annotations

import re
from fractions import Fraction

from scraped.ai.expr import Node, NotMath, evaluate, parse_math, same_math, variables
from scraped.ai.numbers import close
from scraped.ai.units import Quantity, parse_quantity

_RATIO = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:\s*:\s*(\d+(?:\.\d+)?)){1,4}\s*$")
_MATHY = re.compile(r"[\d+\-*/^<>=≤≥≠√%()]")
_PROSE_DROP = re.compile(r"[^\w<>=≤≥≠+*/^%]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_TIMES = re.compile(r"(?<=\d) x (?=\d)|(?<=\d)x(?=\d)")  # "2 x 3" is 2 × 3 (between two digits only)
_LIST = re.compile(r"\s*(?:,|;|&|\band\b|\bor\b)\s*")
_WORD_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")  # "well-known": prose, not a subtraction


def norm(text: str) -> str:
    """Case, spacing, dashes and a closing full stop set aside; signs and operators kept."""
    s = text.casefold().replace("−", "-").replace("–", "-").replace("×", "*").replace("÷", "/")
    s = _TIMES.sub("*", _SPACES.sub(" ", s).strip().strip("\"'`").strip())
    return s[:-1].rstrip() if s.endswith(".") and not s[-2:-1].isdigit() else s


_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_NUMBER_WORD = re.compile(r"^(?:(?:a|one)\s+(?P<big>hundred|thousand)|(?P<tens>" + "|".join(_TENS) +
                          r")(?:[\s-](?P<unit>" + "|".join(_UNITS[1:10]) + r"))?|(?P<small>" + "|".join(_UNITS) +
                          r"))\b", re.I)


def _digits(text: str) -> str:
    """A leading number word as digits: "four" → "4", "twenty-five days" → "25 days"."""
    m = _NUMBER_WORD.match(text)
    if not m:
        return text
    if m.group("tens"):
        value = _TENS[m.group("tens").lower()] + (_UNITS.index(m.group("unit").lower()) if m.group("unit") else 0)
    elif m.group("small"):
        value = _UNITS.index(m.group("small").lower())
    else:
        value = 100 if m.group("big").lower() == "hundred" else 1000
    return str(value) + text[m.end():]


def _ratio(text: str) -> tuple[Fraction, ...] | None:
    if not _RATIO.match(text):
        return None
    parts = [Fraction(p) for p in re.split(r"\s*:\s*", text.strip())]
    if any(p == 0 for p in parts):
        return tuple(parts)
    return tuple(p / parts[0] for p in parts)


def _same_quantity(x: Quantity, y: Quantity) -> bool:
    if x.dimension is not None and y.dimension is not None:
        return x.dimension == y.dimension and close(x.base, y.base)
    if x.dimension is not None or y.dimension is not None:
        # one side without a unit: its number is read in the other's unit ("54" for "54 km/h")
        bare, unit = (x, y) if y.dimension is not None else (y, x)
        return not bare.percent and close(bare.value, unit.value)  # 45% is no angle of 45°
    if close(x.value, y.value):
        return True
    if x.percent != y.percent:  # the same percentage written with and without "%"
        return close(x.value * 100, y.value) if x.percent else close(x.value, y.value * 100)
    return False


def _math(text: str, quantity: Quantity | None) -> Node | None:
    if quantity is not None:
        return ("num", quantity.value) if quantity.dimension is None else None
    try:
        return parse_math(text)
    except NotMath:
        return None


def _prose(text: str) -> str:
    return " ".join(_PROSE_DROP.sub(" ", text.casefold().replace("_", " ")).split())


def equivalent(a: str, b: str) -> tuple[bool, str]:
    """(are the two answers the same, how that was decided: text, ratio, numeric, quantity,
    list, expression or relation)."""
    na, nb = norm(a), norm(b)
    if not na or not nb:
        return False, "text"
    if na == nb:
        return True, "text"
    na, nb = _digits(na), _digits(nb)
    ra, rb = _ratio(na), _ratio(nb)
    qa, qb = parse_quantity(na), parse_quantity(nb)
    if ra is not None or rb is not None:
        if ra is not None and rb is not None:
            return len(ra) == len(rb) and ra == rb, "ratio"
        ratio, other = (ra, qb) if ra is not None else (rb, qa)
        assert ratio is not None
        if len(ratio) == 2 and ratio[1] != 0 and other is not None and other.dimension is None:
            return close(1 / ratio[1], other.value), "ratio"
        return False, "ratio"
    if qa is not None and qb is not None:
        both_bare = qa.dimension is None and qb.dimension is None
        return _same_quantity(qa, qb), "numeric" if both_bare else "quantity"
    if qa is None and qb is None:
        la, lb = _LIST.split(na), _LIST.split(nb)
        if len(la) >= 2 and len(la) == len(lb) and all(la) and all(lb) and len(la) <= 20:
            # answers with several parts, in order: "2, 3" == "2 and 3"; "x = 2 or x = 3"
            return all(equivalent(x, y)[0] for x, y in zip(la, lb, strict=True)), "list"
    ma, mb = _math(na, qa), _math(nb, qb)
    if ma is not None and mb is not None:
        if ma[0] != "rel" and mb[0] != "rel" and not variables(ma) and not variables(mb):
            try:  # two numbers written as arithmetic: exact, or a decimal rounded as written
                return close(evaluate(ma, {}), evaluate(mb, {})), "expression"
            except (ValueError, ZeroDivisionError, OverflowError):
                return False, "expression"
        same = same_math(ma, mb)
        kind = "relation" if "rel" in (ma[0], mb[0]) else "expression"
        return bool(same), kind
    if (qa is not None) != (qb is not None) or ma is not None or mb is not None:
        return False, "quantity" if qa is not None or qb is not None else "expression"
    if _MATHY.search(_WORD_HYPHEN.sub(" ", na)) or _MATHY.search(_WORD_HYPHEN.sub(" ", nb)):
        # unreadable as numbers or algebra: the same symbols, spacing aside
        return "".join(na.split()) == "".join(nb.split()), "text"
    pa, pb = _prose(na), _prose(nb)
    return bool(pa) and pa == pb, "text"
