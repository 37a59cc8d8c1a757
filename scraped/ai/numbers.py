"""Numbers in answers and arithmetic in questions, exactly (fractions.Fraction).

- `parse_number("50%") == parse_number("1/2") == parse_number(".5")`: fractions, mixed
  numbers ("2 1/2"), percentages, thousands separators, currency and units stripped
  ("Rs. 1,200", "54 km/h", "12 m/s"), unicode fractions ("½").
- `solve(question)`: the value of a question that is plain arithmetic ("What is 12 × 3 + 4?",
  "25% of 80", "average of 3, 5 and 7", "sqrt(144)"); None for anything else. It only
  answers when every number in the question is part of the expression, so word problems
  are never "solved" by accident. A small recursive-descent parser: no eval.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, localcontext
from fractions import Fraction

_UNICODE_FRACTIONS = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5",
                      "⅛": "1/8", "⅜": "3/8", "⅝": "5/8", "⅞": "7/8"}
CURRENCY = re.compile(r"^(?P<cur>rs\.?|inr|usd|us\$|\$|€|£|₹|¥)\s*", re.I)
# An integer as written: western (1,250,000), Indian (12,50,000) or space (1 250 000)
# grouping, else plain digits. A space group is not a mixed number's whole part ("1 200/3").
_INT = (r"(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d{1,2}(?:,\d{2})+,\d{3}(?![\d,])"
        r"|\d{1,3}(?:[ \u00a0]\d{3})+(?![\d/,]|\s*/)|\d+)")
_NUMBER = re.compile(
    r"^(?P<sign>[-+−])?\s*(?:(?P<whole>\d+)\s+(?P<fn>\d+)\s*/\s*(?P<fd>\d+)"
    rf"|(?P<num>{_INT}(?:\.\d*)?|\.\d+)(?:\s*/\s*(?P<den>\d+(?:\.\d+)?))?(?:e(?P<exp>[-+]?\d+))?)"
    r"(?:\s*(?P<mult>thousand|lakhs?|lacs?|crores?|million|billion)\b)?"
    r"\s*(?P<pct>%|percent\b|per\s*cent\b)?\s*(?P<rest>.*)$", re.I)
_MULTIPLIERS = {"thousand": 10**3, "lakh": 10**5, "lakhs": 10**5, "lac": 10**5, "lacs": 10**5,
                "crore": 10**7, "crores": 10**7, "million": 10**6, "billion": 10**9}
_UNIT = re.compile(r"^[a-z°/²³\.\s\^0-9]{0,16}$", re.I)


def split_number(text: object) -> tuple[Fraction, str, str, bool] | None:
    """(value, currency, rest, percent) of an answer that starts with one number:
    "Rs. 1,200" → (1200, "rs", "", False); "54 km/h" → (54, "", "km/h", False);
    "12,50,000" → 1250000; "1 200" → 1200; "2 1/2" → 5/2; "12.5%" → (1/8, "", "", True).
    None when the text does not start with a number. The rest is lower-cased."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, (int, float)):
        return (Fraction(text).limit_denominator(10**9), "", "", False) if math.isfinite(text) else None
    s = str(text).strip().lower()
    for u, f in _UNICODE_FRACTIONS.items():
        s = s.replace(u, (" " + f) if s[:1].isdigit() else f)
    sign = ""
    if s[:1] in "-+−":
        sign, s = s[:1], s[1:].lstrip()
    cur = CURRENCY.match(s)
    currency = ""
    if cur:
        currency = cur.group("cur").rstrip(".").replace("us$", "$")
        s = s[cur.end():]
    m = _NUMBER.match(sign + s)
    if not m or len(m.group("num") or "") > 60 or len(m.group("den") or "") > 60:
        return None  # no answer is a number of more than 60 digits
    try:
        if m.group("whole"):
            value = int(m.group("whole")) + Fraction(int(m.group("fn")), int(m.group("fd")))
        else:
            value = Fraction(re.sub(r"[,\s]", "", m.group("num")))
            if m.group("den"):
                value /= Fraction(m.group("den"))
            if m.group("exp"):
                exp = int(m.group("exp"))
                if abs(exp) > 30:
                    return None
                value *= Fraction(10) ** exp
    except (ZeroDivisionError, ValueError):
        return None
    if m.group("mult"):
        value *= _MULTIPLIERS[m.group("mult").lower()]
    if m.group("sign") in ("-", "−"):
        value = -value
    if m.group("pct"):
        value /= 100
    return value, currency, m.group("rest").strip(), bool(m.group("pct"))


def parse_number(text: object) -> Fraction | None:
    """The exact value of an answer such as "0.5", "1/2", "50%", "Rs. 1,200", "54 km/h"."""
    found = split_number(text)
    if found is None:
        return None
    value, _, rest, _ = found
    if rest and not (_UNIT.match(rest) and not rest[:1].isdigit()):
        return None  # "3 apples and 4 pears" is not one number
    return value


def has_percent(text: object) -> bool:
    return isinstance(text, str) and ("%" in text or "percent" in text.lower() or "per cent" in text.lower())


def same_number(a: object, b: object) -> bool:
    """Numeric equivalence of two answers; "50" matches "50%" when one side omits the sign."""
    x, y = parse_number(a), parse_number(b)
    if x is None or y is None:
        return False
    if close(x, y):
        return True
    if has_percent(a) != has_percent(b):  # the same percentage written with and without "%"
        return close(x * 100, y) if has_percent(a) else close(x, y * 100)
    return False


def close(x: Fraction | float, y: Fraction | float) -> bool:
    """Equal, or equal once the exact one is rounded as the decimal one was written, with
    two to four places (1/3 vs 0.33, √2 vs 1.414); 0.3 is not 1/3, nor 0.34."""
    if x == y:
        return True
    if isinstance(x, float) or isinstance(y, float):  # computed (√2 · √2): equal to rounding error
        if abs(float(x) - float(y)) <= 1e-9 * max(1.0, abs(float(x)), abs(float(y))):
            return True
    for exact, written in ((x, y), (y, x)):
        if not isinstance(written, Fraction):
            continue
        places = _decimal_places(written)
        if places >= 2 and (isinstance(exact, float) or not _decimal_places(exact)
                            and exact.denominator != 1):
            scale = 10 ** places
            if round(Fraction(exact) * scale) == written * scale:
                return True
    return False


_close = close


def _decimal_places(value: Fraction) -> int:
    """k when value is a decimal with k (1-4) places, else 0."""
    for k in range(1, 5):
        if (value * 10**k).denominator == 1:
            return k
    return 0


# ---------------------------------------------------------------- solving questions

_LEAD = re.compile(r"^\s*(?:q\.?\s*\d+[.:)]\s*)?(?:what\s+is|what's|find|calculate|compute|evaluate|"
                   r"simplify|solve)?\s*(?:the\s+value\s+of|the\s+result\s+of)?\s*:?\s*", re.I)
_TAIL = re.compile(r"\s*(?:=\s*\?|=|\?|\.)*\s*$")
_PCT_OF = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:%|percent|per\s*cent)\s+of\s+(\d+(?:\.\d+)?)\s*$", re.I)
_AVG = re.compile(r"^\s*(?:the\s+)?(?:average|mean)\s+of\s+([\d.,\s]+?(?:and\s+[\d.]+)?)\s*$", re.I)
_ALL_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


def solve(question: str) -> Fraction | None:
    """The value of a question that is only arithmetic, else None."""
    found = solve_worked(question)
    return found[0] if found is not None else None


def solve_worked(question: str) -> tuple[Fraction, str] | None:
    """(value, the working as a line: "25% of 80 = 25 × 80 / 100 = 20") of a question that
    is only arithmetic, else None. Values are exact: "1/4 + 1/12 = 1/3", never "= 0.33"."""
    text = (question or "").replace("×", "*").replace("÷", "/").replace("−", "-").replace("–", "-")
    body = _TAIL.sub("", _LEAD.sub("", text, count=1))
    if not body or len(body) > 200:
        return None
    m = _PCT_OF.match(body)
    if m:
        p, n = Fraction(m.group(1)), Fraction(m.group(2))
        value = p * n / 100
        return value, f"{exact(p)}% of {exact(n)} = {exact(p)} × {exact(n)} / 100 = {exact(value)}"
    m = _AVG.match(body)
    if m:
        values = [Fraction(v) for v in _ALL_NUMBERS.findall(m.group(1))]
        if len(values) < 2:
            return None
        total = sum(values, Fraction(0))
        mean = total / len(values)
        return mean, (f"({' + '.join(exact(v) for v in values)}) / {len(values)} = "
                      f"{exact(total)} / {len(values)} = {exact(mean)}")
    shown = " ".join(body.split())
    body = re.sub(r"(?<=\d)\s*[xX]\s*(?=\d)", "*", body)
    body = re.sub(r"\bsqrt\b|√", "r", body, flags=re.I)
    if not re.fullmatch(r"[\d.\s+\-*/^()r%]+", body) or not re.search(r"[+\-*/^r%]", body):
        return None
    # Every number of the question must sit in the expression.
    if len(_ALL_NUMBERS.findall(text)) != len(_ALL_NUMBERS.findall(body)):
        return None
    try:
        parser = _Parser(body)
        value = parser.expr()
        if parser.pos != len(parser.tokens):
            return None
    except (ValueError, ZeroDivisionError, IndexError, OverflowError):
        return None
    shown = re.sub(r"\s*\*\s*|(?<=\d)\s*[xX]\s*(?=\d)", " × ", shown)
    shown = re.sub(r"\s*/\s*", "/", re.sub(r"\s*([+\-])\s*(?=[\d(√s])", r" \1 ", shown)).strip()
    return value, f"{shown} = {exact(value)}"


class _Parser:
    """expr := term (('+'|'-') term)*; term := power (('*'|'/') power)*;
    power := unary ('^' unary)?; unary := '-' unary | 'r' unary | atom '%'?; atom := number | '(' expr ')'"""

    def __init__(self, text: str):
        self.tokens = re.findall(r"\d+(?:\.\d+)?|[+\-*/^()r%]", text)
        self.pos = 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expr(self) -> Fraction:
        value = self.term()
        while self._peek() in ("+", "-"):
            value = value + self.term() if self._take() == "+" else value - self.term()
        return value

    def term(self) -> Fraction:
        value = self.power()
        while self._peek() in ("*", "/"):
            value = value * self.power() if self._take() == "*" else value / self.power()
        return value

    def power(self) -> Fraction:
        base = self.unary()
        if self._peek() == "^":
            self._take()
            exp = self.unary()
            if exp.denominator != 1 or abs(exp) > 64:
                raise ValueError("exponent")
            return base ** int(exp)
        return base

    def unary(self) -> Fraction:
        tok = self._peek()
        if tok == "-":
            self._take()
            return -self.unary()
        if tok == "r":
            self._take()
            value = self.unary()
            root = math.isqrt(int(value)) if value >= 0 and value.denominator == 1 else -1
            if root < 0 or root * root != value:
                raise ValueError("irrational root")
            return Fraction(root)
        value = self.atom()
        if self._peek() == "%":
            self._take()
            value /= 100
        return value

    def atom(self) -> Fraction:
        tok = self._take()
        if tok == "(":
            value = self.expr()
            if self._take() != ")":
                raise ValueError("unbalanced")
            return value
        return Fraction(tok)


def exact(value: Fraction) -> str:
    """A value exactly: 12, 12.5, -0.25, 1/3, 7/6 (a fraction when no decimal ends)."""
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den == 1:  # a terminating decimal
        with localcontext() as ctx:
            ctx.prec = 60
            return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return f"{value.numerator}/{value.denominator}"


def fmt(value: Fraction) -> str:
    """A value as a question bank writes it: 12, 12.5, 0.33 (two places at most)."""
    if value.denominator == 1:
        return str(value.numerator)
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text
