"""Algebraic answers compared by value: a small, safe parser and evaluator (no eval).

`parse_math("n(n+1)/2")` reads an expression or one relation ("a > b", "x = 5") into a
tree of tuples; `same_math(p, q)` compares two of them by their values at random points
(exact rationals, so x+1 and x-1 differ at every point and (a+b)^2 and a^2+2ab+b^2 agree at
every point). Relations are equivalent when one's (left - right) is a constant multiple of
the other's, positive for inequalities: a > b == b < a, but a > b != a < b and
2x = 4 == x = 2.

What it reads: numbers, variables (single letters; "ab" and "2xy" are products), + - * /
^ (or **), implicit multiplication ("2x", "n(n+1)", "(a+b)(a-b)"), parentheses, sqrt/√,
cbrt, abs, log (base 10), ln, exp, pi/π, postfix ! and %. Two numbers side by side ("1 2")
and words of four letters or more are not algebra: the caller compares those otherwise.
Sizes are bounded (exponents, factorials, digits) so no answer can make it work for long.
"""

from __future__ import annotations

import math
import random
import re
from fractions import Fraction
from typing import Any

Value = Fraction | float
Node = tuple[Any, ...]

_FUNCS = {"sqrt", "cbrt", "abs", "log", "ln", "exp"}
_CONSTS = {"pi": math.pi, "π": math.pi}
_RELOPS = {"<": "<", "<=": "<=", "=<": "<=", "≤": "<=", ">": ">", ">=": ">=", "=>": ">=", "≥": ">=",
           "=": "=", "==": "=", "!=": "!=", "≠": "!=", "<>": "!="}
_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?|\.\d+)|(?P<name>[a-zπ]+)"
                    r"|(?P<op><=|>=|!=|==|=<|=>|<>|\*\*|[-+*/^()<>=≤≥≠√!%\[\]{}]))")
_MAX_TOKENS = 120
# short words that are English, not a product of variables ("x and y" is no x·a·n·d·y)
_WORDS = frozenset("and or of the is are to in on not nor yes no all any".split())
_MAX_NUMBER = 60  # characters of one number
_MAX_DIGITS = 400  # of a numerator or denominator while evaluating
POINTS = 8


class NotMath(ValueError):
    """The text is not an expression or relation this module reads."""


def _tokens(text: str) -> list[tuple[str, str]]:
    s = (text.lower().replace("×", "*").replace("·", "*").replace("÷", "/").replace("−", "-")
         .replace("–", "-").replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")"))
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(s):
        if s[pos:].isspace():
            break
        m = _TOKEN.match(s, pos)
        if not m:
            raise NotMath(f"unexpected {s[pos:pos + 5]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "name":
            if value in _FUNCS or value in _CONSTS:
                out.append(("name", value))
            elif value in _WORDS:
                raise NotMath(f"word {value!r}")
            elif len(value) <= 3:
                out.extend(("name", ch) for ch in value)  # "ab" is a × b
            else:
                raise NotMath(f"word {value!r}")
        elif kind == "num" and len(value) > _MAX_NUMBER:
            raise NotMath("a number too long to be an answer")
        elif kind == "op" and value == "**":
            out.append(("op", "^"))
        else:
            out.append((kind, value))
        if len(out) > _MAX_TOKENS:
            raise NotMath("too long")
    if not out:
        raise NotMath("empty")
    return out


class _Parser:
    """relation := expr (relop expr)?; expr := term (('+'|'-') term)*;
    term := unary (('*'|'/') unary | <implicit> power)*; unary := ('-'|'+') unary | power;
    power := postfix ('^' unary)?; postfix := atom ('!'|'%')*;
    atom := number | constant | variable | function atom | '√' postfix | '(' expr ')'"""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "end":
            raise NotMath("unexpected end")
        self.pos += 1
        return tok

    def relation(self) -> Node:
        left = self.expr()
        kind, value = self.peek()
        if kind == "op" and value in _RELOPS:
            self.take()
            right = self.expr()
            if self.peek()[0] != "end":
                raise NotMath("more than one relation")
            return ("rel", _RELOPS[value], left, right)
        if kind != "end":
            raise NotMath(f"unexpected {value!r}")
        return left

    def expr(self) -> Node:
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            node = ("add" if op == "+" else "sub", node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while True:
            kind, value = self.peek()
            if kind == "op" and value in ("*", "/"):
                self.take()
                node = ("mul" if value == "*" else "div", node, self.unary())
            elif kind == "name" or (kind == "op" and value in ("(", "√")):
                node = ("mul", node, self.power())  # implicit: 2x, n(n+1), (a+b)(a-b)
            else:
                return node

    def unary(self) -> Node:
        kind, value = self.peek()
        if kind == "op" and value in ("-", "+"):
            self.take()
            inner = self.unary()
            return ("neg", inner) if value == "-" else inner
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.peek() == ("op", "^"):
            self.take()
            return ("pow", base, self.unary())
        return base

    def postfix(self) -> Node:
        node = self.atom()
        while self.peek() in (("op", "!"), ("op", "%")):
            node = ("fact" if self.take()[1] == "!" else "pct", node)
        return node

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            if self.peek()[0] == "num":
                raise NotMath("two numbers side by side")
            return ("num", Fraction(value))
        if kind == "name":
            if value in _CONSTS:
                return ("const", _CONSTS[value])
            if value in _FUNCS:
                return ("func", value, self.postfix())
            return ("var", value)
        if value == "√":
            return ("func", "sqrt", self.postfix())
        if value == "(":
            node = self.expr()
            if self.take() != ("op", ")"):
                raise NotMath("unbalanced parentheses")
            return node
        raise NotMath(f"unexpected {value!r}")


def parse_math(text: str) -> Node:
    """The tree of an expression or relation; NotMath when the text is not one."""
    parser = _Parser(_tokens(text))
    return parser.relation()


def variables(node: Node) -> set[str]:
    if node[0] == "var":
        return {node[1]}
    out: set[str] = set()
    for part in node[1:]:
        if isinstance(part, tuple):
            out |= variables(part)
    return out


# ---------------------------------------------------------------- evaluating

def _check(value: Value) -> Value:
    if isinstance(value, Fraction):
        if max(abs(value.numerator), value.denominator).bit_length() > _MAX_DIGITS * 3.33:
            raise OverflowError("too large")
        return value
    if not math.isfinite(value):
        raise OverflowError("not finite")
    return value


def _root(value: Value, n: int) -> Value:
    if isinstance(value, Fraction) and value >= 0:
        num, den = round(value.numerator ** (1 / n)), round(value.denominator ** (1 / n))
        if num ** n == value.numerator and den ** n == value.denominator:
            return Fraction(num, den)
    if value < 0:
        if n % 2 == 0:
            raise ValueError("even root of a negative number")
        return -float(-value) ** (1 / n)
    return float(value) ** (1 / n)


def _pow(base: Value, exp: Value) -> Value:
    if isinstance(exp, Fraction) and exp.denominator == 1:
        if abs(exp) > 64:
            raise OverflowError("exponent")
        if base == 0 and exp < 0:
            raise ZeroDivisionError("0 to a negative power")
        return base ** int(exp)
    if isinstance(exp, Fraction) and exp.denominator in (2, 3) and abs(exp.numerator) <= 64:
        root = _root(base, exp.denominator)
        return _pow(root, Fraction(exp.numerator))
    if base < 0:
        raise ValueError("a negative number to a fractional power")
    return float(base) ** float(exp)


def evaluate(node: Node, env: dict[str, Fraction]) -> Value:
    """The value of a tree at a point; ValueError/ZeroDivisionError/OverflowError outside its domain."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "const":
        return node[1]
    if kind == "var":
        return env[node[1]]
    if kind == "neg":
        return -evaluate(node[1], env)
    if kind == "pct":
        return evaluate(node[1], env) / 100
    if kind == "fact":
        value = evaluate(node[1], env)
        if not (isinstance(value, Fraction) and value.denominator == 1 and 0 <= value <= 50):
            raise ValueError("factorial of a non-integer")
        return Fraction(math.factorial(int(value)))
    if kind == "func":
        value = evaluate(node[2], env)
        name = node[1]
        if name == "sqrt":
            return _root(value, 2)
        if name == "cbrt":
            return _root(value, 3)
        if name == "abs":
            return -value if value < 0 else value
        if name in ("log", "ln"):
            if value <= 0:
                raise ValueError("log of a non-positive number")
            return math.log10(value) if name == "log" else math.log(value)
        if value > 700:
            raise OverflowError("exp")
        return math.exp(value)
    a, b = evaluate(node[1], env), evaluate(node[2], env)
    if kind == "add":
        return _check(a + b)
    if kind == "sub":
        return _check(a - b)
    if kind == "mul":
        return _check(a * b)
    if kind == "div":
        if b == 0:
            raise ZeroDivisionError("division by zero")
        return _check(a / b)
    if kind == "pow":
        return _check(_pow(a, b))
    raise ValueError(f"cannot evaluate {kind}")


def agree(x: Value, y: Value) -> bool:
    if isinstance(x, Fraction) and isinstance(y, Fraction):
        return x == y
    return abs(float(x) - float(y)) <= 1e-9 * max(1.0, abs(float(x)), abs(float(y)))


def _points(names: set[str], count: int, positive: bool) -> list[dict[str, Fraction]]:
    """Reproducible random rational points, away from 0 and ±1 (where x^2 == x or x == 1/x)."""
    rng = random.Random("|".join(sorted(names)) + ("+" if positive else ""))
    out = []
    for _ in range(count):
        point = {}
        for n in sorted(names):
            num = rng.randint(2, 97) * (1 if positive or rng.random() < 0.5 else -1)
            point[n] = Fraction(num, rng.randint(1, 13))
        out.append(point)
    return out


def _values(a: Node, b: Node, names: set[str]) -> list[tuple[Value, Value]] | None:
    """(a, b) at points where both are defined; None when one is defined and the other not."""
    for positive in (False, True):
        pairs: list[tuple[Value, Value]] = []
        for point in _points(names, POINTS, positive):
            va = vb = None
            try:
                va = evaluate(a, point)
            except (ValueError, ZeroDivisionError, OverflowError):
                pass
            try:
                vb = evaluate(b, point)
            except (ValueError, ZeroDivisionError, OverflowError):
                pass
            if (va is None) != (vb is None):
                return None
            if va is not None and vb is not None:
                pairs.append((va, vb))
        if len(pairs) >= 3:
            return pairs
    return []


def _flip(rel: Node) -> tuple[str, Node]:
    """(op in <, <=, =, !=; left - right) of a relation."""
    _, op, left, right = rel
    if op in (">", ">="):
        return op.replace(">", "<"), ("sub", right, left)
    return op, ("sub", left, right)


def same_math(a: Node, b: Node) -> bool | None:
    """Are two expressions (or two relations) equal by value? None when it cannot be told
    (no point where both are defined)."""
    if (a[0] == "rel") != (b[0] == "rel"):
        rel, other = (a, b) if a[0] == "rel" else (b, a)
        _, op, left, right = rel
        for lone, rest in ((left, right), (right, left)):  # "x = 5" answers "5"
            if op == "=" and lone[0] == "var" and lone[1] not in variables(rest):
                return same_math(rest, other)
        return False
    if a[0] == "rel":
        (op_a, fa), (op_b, fb) = _flip(a), _flip(b)
        if op_a != op_b:
            return False
        pairs = _values(fa, fb, variables(fa) | variables(fb))
        if pairs is None:
            return False
        if not pairs:
            return None
        ratio: Value | None = None
        for va, vb in pairs:
            if vb == 0 or va == 0:
                if not (agree(va, 0) and agree(vb, 0)):
                    return False
                continue
            r = va / vb
            if ratio is None:
                ratio = r
            elif not agree(r, ratio):
                return False
        if ratio is None:
            return True  # both sides are identities (x = x)
        return ratio > 0 if op_a in ("<", "<=") else True
    pairs = _values(a, b, variables(a) | variables(b))
    if pairs is None:
        return False
    if not pairs:
        return None
    return all(agree(va, vb) for va, vb in pairs)
