"""Checks of one item of a model's batch reply, against the question we sent.

- The question and options must be the ones sent: cleaning (spacing, case, punctuation,
  a misspelt word put right, a dropped or added "the") passes; another number, another
  content word ("capital of Spain" for "capital of France"), another option count or
  order does not.
- The answer index is read as the model meant it: 1, 1.0, "1", "B", "(b)", "Option B" and
  the option's text all name option B (index 1); 1.5, True, a letter or number out of range,
  a text that is no option, do not.
- A 1-based index is detected and refused: the reply's answer text (or its explanation's
  "the answer is ...") names the option just before the one the index points at, or the
  index is one past the last option.

Every function returns problems as short strings (empty: the item passes) so the caller
records each check with its result.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

# Words, and the signs and operators that change a value ("-30" and "+30" are two options).
_WORD = re.compile(r"[^\W_]+(?:[.'][^\W_]+)*|[-+−×÷*/=<>%^√°£$€₹]", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Words a clean-up may add or drop without changing what is asked.
_FILLER = frozenset("a an the is are was were be of to in on at by for and or it its this that which what "
                    "then than so do does did please find".split())
_LETTER = re.compile(r"^\(?\s*(?:option\s+|choice\s+)?\(?([A-Za-z])\s*[).:]?\s*\)?$", re.IGNORECASE)
_ANSWER_IS = re.compile(r"(?:answer|correct option|correct answer|option)\s*(?:is|:|=|would be|will be)\s*"
                        r"(?:option\s+)?\(?(?P<letter>[A-Ha-h])\b\)?(?![\w])|"
                        r"(?:answer|correct option|correct answer)\s*(?:is|:|=|would be|will be)\s*(?P<text>[^.;\n]+)",
                        re.IGNORECASE)


def _fold(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _numbers(text: str) -> list[str]:
    return sorted(n.replace(",", "") for n in _NUMBER.findall(text))


def same_text(sent: str, got: str) -> str | None:
    """None when `got` is `sent` cleaned; else what changed, in a few words."""
    a, b = _fold(sent), _fold(got)
    if a == b:
        return None
    if _numbers(sent) != _numbers(got):
        return f"the numbers changed ({' '.join(_numbers(sent))[:60]} -> {' '.join(_numbers(got))[:60]})"
    wa, wb = a.split(), b.split()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        old, new = wa[i1:i2], wb[j1:j2]
        if op in ("insert", "delete"):
            extra = [w for w in old + new if w not in _FILLER]
            if extra:
                return f"words {'added' if op == 'insert' else 'dropped'}: {' '.join(extra)[:60]}"
            continue
        if not _close(old, new):
            return f"{' '.join(old)[:40]!r} became {' '.join(new)[:40]!r}"
    return None


def _close(old: list[str], new: list[str]) -> bool:
    """A replaced run of words is a spelling or spacing fix (not another word)."""
    left, right = [w for w in old if w not in _FILLER], [w for w in new if w not in _FILLER]
    if "".join(left) == "".join(right):
        return True  # "can not" -> "cannot", "km / h" -> "km/h"
    if len(left) != len(right):
        return False
    return all(difflib.SequenceMatcher(None, x, y).ratio() >= 0.75 for x, y in zip(left, right, strict=True))


def same_options(sent: list[str], got: list[str]) -> str | None:
    if len(sent) != len(got):
        return f"{len(got)} options for the {len(sent)} sent"
    for i, (a, b) in enumerate(zip(sent, got, strict=True)):
        if not b.strip():
            return f"option {chr(65 + i)} is empty"
        why = same_text(a, b)
        if why is not None:
            return f"option {chr(65 + i)} changed: {why}"
    if len({_fold(o) for o in got}) != len(got):
        return "two options are the same"
    return None


def option_of_text(text: Any, options: list[str]) -> int | None:
    """The option whose text this is (spacing, case and punctuation aside), else None."""
    if not isinstance(text, str) or not text.strip():
        return None
    want = _fold(text)
    hits = [i for i, o in enumerate(options) if _fold(o) == want]
    return hits[0] if len(hits) == 1 else None


def coerce_index(value: Any, options: list[str]) -> tuple[int | None, str | None, str | None]:
    """(index, how it was read, problem). A None value with no problem means the model
    says no option is correct."""
    n = len(options)
    if value is None:
        return None, None, None
    if isinstance(value, bool):
        return None, None, f"correct_index {value!r} is not an index"
    if isinstance(value, float):
        if not value.is_integer():
            return None, None, f"correct_index {value!r} is not a whole number"
        value, how = int(value), "a float index read as an integer"
    elif isinstance(value, int):
        how = None
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+", text):
            value, how = int(text), f"the string {text!r} read as index {int(text)}"
        elif (m := _LETTER.match(text)) is not None:
            idx = ord(m.group(1).lower()) - 97
            if idx >= n:
                return None, None, f"letter {text!r} is past the {n} options"
            return idx, f"the letter {text!r} read as index {idx}", None
        else:
            hit = option_of_text(text, options)
            if hit is None:
                return None, None, f"correct_index {text[:40]!r} is neither an index, a letter nor an option"
            return hit, "the option's text read as its index", None
    else:
        return None, None, f"correct_index of type {type(value).__name__}"
    if value == n and n > 0:
        return None, None, f"index {value} is one past the last option: a 1-based index"
    if not 0 <= value < n:
        return None, None, f"index {value} is not one of the {n} options"
    return value, how, None


def named_answer(answer_text: Any, explanation: Any, options: list[str]) -> int | None:
    """The option the reply's words name: its answer_text, else the explanation's
    "the answer is ..." (a letter or an option's text)."""
    idx = option_of_text(answer_text, options)
    if idx is not None:
        return idx
    if not isinstance(explanation, str):
        return None
    found = None
    for m in _ANSWER_IS.finditer(explanation):
        if m.group("letter"):
            k = ord(m.group("letter").lower()) - 97
            found = k if k < len(options) else found
        elif m.group("text"):
            named = option_of_text(m.group("text"), options)
            if named is None:  # "the answer is 40 km/h" for the option "40 km/h."
                text = _fold(m.group("text"))
                hits = [i for i, o in enumerate(options) if _fold(o) and text.startswith(_fold(o))]
                named = max(hits, key=lambda i: len(options[i])) if hits else None
            found = named if named is not None else found
    return found  # the last statement of the answer wins


def index_agrees(index: int, how: str | None, answer_text: Any, explanation: Any,
                 options: list[str]) -> str | None:
    """None when the reply's words agree with its index; the problem otherwise (both are
    refused: a reply that contradicts itself cannot say which option it means)."""
    named = named_answer(answer_text, explanation, options)
    if named is None or named == index:
        return None
    if named == index - 1 and not (how or "").startswith(("the letter", "the option")):
        return (f"index {index} points at {options[index][:30]!r} but the reply names {options[named][:30]!r}: "
                "a 1-based index")
    return f"index {index} points at {options[index][:30]!r} but the reply names {options[named][:30]!r}"


def looks_one_based(pairs: list[tuple[int, int]], past_end: int) -> bool:
    """Does a batch's answers read as 1-based? `pairs`: (reply index, page key) of the items
    that have both; `past_end`: items whose index was one past their last option. A model
    that counts from 1 points one option after the page's key on most items (a bare index
    carries no text to catch it item by item)."""
    shifted = sum(1 for got, page in pairs if got == page + 1)
    agree = sum(1 for got, page in pairs if got == page)
    if past_end and shifted >= agree:
        return True
    return len(pairs) >= 3 and shifted >= 0.6 * len(pairs) and agree <= 0.2 * len(pairs)
