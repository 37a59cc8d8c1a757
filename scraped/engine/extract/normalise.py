"""Text normalisation of extracted questions: cleaning, option labels, answers, the key.

All regexes are compiled once here; every function is pure and cheap, and the cleaning
functions are idempotent (applying one twice gives what applying it once gave).

- `clean_text`: drop zero-width and control characters, write superscript digits as
  ``^n`` (NFKC would turn "x²" into "x2"), Unicode NFKC, collapse whitespace.
- `option_label` / `normalise_options`: "A)", "(b)", "1.", "[c]", "Option C:" ...
  are stripped when every option carries one, in sequence.
- `resolve_answer`: "Option B", "b", "(c) 18", "3", "18 km/h" → (index, option text).
- `question_key`: sha256 of the casefolded, whitespace-collapsed question and options.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "clean_text",
    "option_label",
    "split_inline_options",
    "normalise_options",
    "strip_question_number",
    "resolve_answer",
    "answer_prefix",
    "canonical_form",
    "question_key",
]

# -- cleaning ---------------------------------------------------------------------------

_DROP = dict.fromkeys([0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF])  # soft hyphen, zero-widths
_DROP.update({c: " " for c in range(0x20) if chr(c) not in "\t\n\r"})
_DROP.update({0x7F: " "})
_DROP.update({c: " " for c in range(0x80, 0xA0)})
_NEEDS_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u200b-\u200d\u2060\ufeff]")
_SUPERSCRIPTS = re.compile("[\u2070\u00b9\u00b2\u00b3\u2074-\u2079\u207a\u207b]+")
_SUPER_MAP = str.maketrans("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207a\u207b",
                           "0123456789+-")


def _superscript(m: re.Match[str]) -> str:
    return "^" + m.group(0).translate(_SUPER_MAP)


# "87½" must not become NFKC's "871⁄2": a space after the whole part, and a plain slash
_VULGAR = re.compile("(\\d?)([\u00bc-\u00be\u2150-\u215e])")


def _fraction(m: re.Match[str]) -> str:
    frac = unicodedata.normalize("NFKC", m.group(2)).replace("\u2044", "/")
    return m.group(1) + " " + frac if m.group(1) else frac


def clean_text(text: str | None) -> str:
    """NFKC, no zero-width/control characters, single spaces, stripped."""
    if not text:
        return ""
    # Fast paths, same result: every character _NEEDS_DROP finds is unprintable, and text
    # already in NFKC holds no superscript or vulgar fraction (both decompose under NFKC).
    if text.isprintable():
        if text.isascii():
            if "  " in text or text[0] == " " or text[-1] == " ":
                return " ".join(text.split())
            return text  # the common case: cleaned already
    elif _NEEDS_DROP.search(text):
        text = text.translate(_DROP)
    if not text.isascii():
        if not unicodedata.is_normalized("NFKC", text):
            text = _SUPERSCRIPTS.sub(_superscript, text)
            text = _VULGAR.sub(_fraction, text)
            text = unicodedata.normalize("NFKC", text)
        if "\u2044" in text:
            text = text.replace("\u2044", "/")
    return " ".join(text.split())


# -- option labels ----------------------------------------------------------------------

# A leading option label. "." and ":" need a space after them so "1.5 kg" and "3:4" stay.
# Cyrillic А-Е (Ukrainian, Russian, Bulgarian tests) count as letters: "В" is the third.
_LABEL = re.compile(
    r"""^(?:
        (?:option|choice|opt\.?)\s*[(\[]?(?P<o>[a-f1-6])[)\]]?\s*(?:[:.)\-\u2013\u2014]\s*|\s+|$)
      | \((?P<p>[a-f1-6\u0430-\u0435])\)\s*
      | \[(?P<b>[a-f1-6])\]\s*
      | (?P<s>[a-f1-6\u0430-\u0435])\s?\)\s*
      | (?P<d>[a-f1-6\u0430-\u0435])\s?[.:](?:\s+|$)
      | (?P<t>[a-f])\.(?=(?-i:[A-Z])|[\u4e00-\u9fff])   # "a.Wait until the train passes", "A.加速度": no space
      | (?P<h>[a-f])\s+[\u2013\u2014-]\s+   # "A - text": a letter in its own span, then a dash
    )""",
    re.X | re.I,
)
# A label inside a line: "(a)", "a)", "A.", "[a]", "Option A", "(1)" or "1)", after a space.
_INLINE_LABEL = re.compile(
    r"""(?:(?<=\s)|^)(?:
        (?:option|choice)\s+(?P<o>[a-f1-6])\s*[:.)]?
      | \((?P<p>[a-f1-6])\)
      | \[(?P<b>[a-f])\]
      | (?P<s>[a-f1-6])\)
      | (?P<d>[a-f])\.(?=\s|[\u4e00-\u9fff])
    )""",
    re.X | re.I,
)


LABEL_START = frozenset("([abcdefABCDEF123456oOcC\u0430\u0431\u0432\u0433\u0434\u0435\u0410\u0411\u0412\u0413\u0414\u0415")  # what a label can start with


def _second_label(text: str) -> bool:
    """Does the text hold "b)", "B)", "(b", "(B", "b.", "B.", "[b", "[B", "2)", "(2",
    "ption b/B" or "hoice b/B"? (Substring tests, written out: faster than a regex search,
    which cannot skip ahead, and than a generator over the marks.)"""
    return ("b)" in text or "B)" in text or "(b" in text or "(B" in text or "b." in text or "B." in text
            or "[b" in text or "[B" in text or "2)" in text or "(2" in text or "ption b" in text
            or "ption B" in text or "hoice b" in text or "hoice B" in text)
_BARE = re.compile(r"^([A-J])(?:\s*[\u2013\u2014-]\s*|\s+)(?=\S)")  # "A 9", "A - text" (a letter in a span)


def option_label(text: str) -> tuple[str, int, int] | None:
    """(style, 0-based index, length of the label) of a leading option label, or None.

    style is "upper" (A-F), "lower" (a-f) or "digit" (1-6): options of one question share it.
    """
    if text[:1] not in LABEL_START:
        return None
    m = _LABEL.match(text)
    if m is None:
        return None
    char = m[m.lastgroup or 0]  # each alternative has one group, and it always takes part
    style, index = _label_value(char)
    return style, index, m.end()


def _label_value(char: str) -> tuple[str, int]:
    if char.isdigit():
        return "digit", int(char) - 1
    base = 0x410 if "\u0410" <= char.upper() <= "\u0415" else 65  # Cyrillic А, or Latin A
    return ("upper" if char.isupper() else "lower"), ord(char.upper()) - base


def split_inline_options(
    text: str, first: int = 0, style: str | None = None
) -> tuple[str, list[str], str] | None:
    """Split "What is 2+2? A) 3 B) 4 C) 5" into (prefix, options, label style).

    Needs labels in sequence from `first` (A, B... / a, b... / 1, 2...) in one style (or
    `style`): at least two when `first` is 0, else one (a line continuing a run, "C) 18
    D) 21"). A label out of sequence stays part of the option before it.
    """
    if first == 0 and text[:2] == "1." and " 2." in text and (run := _dotted_run(text)) is not None:
        return "", run, "digit"  # "1. he　2. his　3. him　4. himself": a line of short numbered choices
    if len(text) < 3 or (first == 0 and not _second_label(text)):
        return None  # no "b)", "(b", "B." ...: cheap to rule out, and most lines are prose
    found: list[tuple[int, int]] = []  # (start, end) of the labels kept
    want = style
    for m in _INLINE_LABEL.finditer(text):
        char = m[m.lastgroup or 0]  # each alternative has one group, and it always takes part
        s, idx = _label_value(char)
        if want is None or not found:
            if idx != first or (want is not None and s != want):
                continue
            want = s
        elif s != want or idx != first + len(found):
            if idx == first and len(found) < 2 and style is None:  # a restart: take the later run
                found, want = [], s
            else:
                continue
        found.append((m.start(), m.end()))
    if len(found) < (2 if first == 0 else 1):
        return None
    options = []
    for i, (_, end) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(text)
        options.append(" ".join(text[end:stop].split()))
    if any(not o for o in options):
        return None
    if want == "digit" and f"({first + len(found) + 1})" in options[-1]:
        return None  # "(1)Чотирнадцятого (2)листопада ... (10)...": numbered words of a sentence, past any option count
    return " ".join(text[: found[0][0]].split()), options, want or "upper"


_DOTTED = re.compile(r"(?:^|\s)([1-8])\.\s+")


def _dotted_run(text: str) -> list[str] | None:
    """The options of a line that is only "1. x 2. y 3. z ...", three or more, each short and
    none a sentence that asks: numbered choices, not numbered questions or steps."""
    parts = _DOTTED.split(text)  # ["", "1", "he", "2", "his", ...]
    if parts[0].strip() or len(parts) < 7:
        return None
    numbers, options = parts[1::2], [" ".join(o.split()) for o in parts[2::2]]
    if numbers != [str(n) for n in range(1, len(numbers) + 1)] or any(
            not o or len(o) > 40 or o.endswith(("?", "\uff1f")) for o in options):
        return None
    return options


_VERDICT_MARKS = frozenset("\u2713\u2714\u2717\u2718\u2705\u274c")


def normalise_options(options: Iterable[str]) -> list[str]:
    """Cleaned options, labels stripped when every option has one in sequence, and the
    tick or cross a review page puts after each ("25.33%✓", "28.56%✗") when all have one."""
    opts = [clean_text(o) for o in options]
    if len(opts) >= 2 and all(len(o) > 1 and o[-1] in _VERDICT_MARKS for o in opts):
        opts = [o[:-1].rstrip() for o in opts]
    for _ in range(4):  # to a fixed point: "A) (a) 12" loses both labels
        found: list[tuple[str, int, int]] = []
        for o in opts:
            lb = option_label(o)
            if lb is None:
                break
            found.append(lb)
        labels = found if len(found) == len(opts) else None
        if not opts or labels is None:
            # a letter styled as a label by CSS: "A 9", "B 11", "C 22" (in sequence only)
            if len(opts) < 2 or not opts[0].startswith("A"):
                break  # what the check below finds, without matching every option
            bare = [_BARE.match(o) for o in opts]
            if len(opts) < 2 or not all(m and ord(m.group(1)) - 65 == i for i, m in enumerate(bare)):
                break
            labels = [("upper", i, m.end()) for i, m in enumerate(bare) if m]  # (all matched)
        style = labels[0][0]
        if any(lb[0] != style or lb[1] != i for i, lb in enumerate(labels)):
            break
        stripped = [o[lb[2]:].strip() for o, lb in zip(opts, labels, strict=True)]
        if any(not s for s in stripped):
            break
        opts = stripped
    return opts


# "Question" in the languages of the corpus and its neighbours: the word before a number
_QWORD = (r"(?:q(?:uestion|ues|n)?|mcq|problem|exercise|pregunta|pergunta|quest\u00e3o|frage|domanda|c\u00e2u|soal|soru"
          r"|sp\u00f8rsm\u00e5l|sp\u00f8rgsm\u00e5l|fr\u00e5ga|vraag|kysymys|pytanie|ot\u00e1zka"  # no, da, sv, nl, fi, pl, cs
          r"|\u0432\u043e\u043f\u0440\u043e\u0441|\u043f\u0438\u0442\u0430\u043d\u043d\u044f|\u092a\u094d\u0930\u0936\u094d\u0928)")
_QNUM = re.compile(
    r"^(?:(?:" + _QWORD + r"\.?\s*(?:no\.?\s*)?#?\d{1,4}(?:\s+of\s+\d{1,4})?\s*[.:)\-\u2013]?)|#?\d{1,4}\s*[.)\u3001]|\(\d{1,4}\)"
    r"|(?:" + _QWORD + r")\s*[.:\-\u2013]"
    r"|(?:[a-z][a-z0-9]{0,24}[-_])?\d{1,3}(?:[-_]\d{1,3}){1,3}:)"  # a textbook's label "8-12-7:", "func-1-1:"
    r"(?:\s+|$|(?<=\u3001)|(?<=[.:])(?=(?-i:[A-Z])))",  # ("1、关于...": no space after 、; "Question 2.What")
    re.I,
)
# a bare number before Chinese, Japanese or Korean text: how exam papers there number questions ("36 同学们...")
_CJK_NUM = re.compile(r"^\d{1,3}\s+(?=[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af])")
_QNUM_ONLY = re.compile(
    r"^(?:" + _QWORD + r"\.?\s*(?:no\.?\s*)?#?\s*\d{1,4}(?:\.\d{1,2})?(?:\s+of\s+\d{1,4})?|#?\d{1,4}|\(\d{1,4}\))"
    r"\s*[.:)\-\u2013]?$", re.I
)


def strip_question_number(text: str) -> str:
    """ "Q3. What..." / "12. What..." / "Question 4: What..." → "What..."; a question-type
    label after the number ("1. (单选题)假设...", "(2011 统考真题)") goes too."""
    for n in range(3):
        m = _QNUM.match(text) or (_CJK_NUM.match(text) if n == 0 else None)  # ("57 9 点 ？": one number only)
        if m is None or m.end() >= len(text):
            break
        text = text[m.end():]
    m = _TYPE_LABEL.match(text) if text[:1] in "(\uff08\u3010[" else None
    return text[m.end():] if m and m.end() < len(text) else text


# a bracketed question-type label in Chinese: every one ends in 题 ("question"): 单选题, 简答题, 统考真题
_TYPE_LABEL = re.compile(r"^[(（【\[][^()（）【】\[\]]{0,14}题[)）】\]]\s*")


def is_question_number(text: str) -> bool:
    """A line holding only a question number: "Q1", "12.", "Question 3:", "(4)", "Question 1 of 25:"."""
    return len(text) <= 22 and _QNUM_ONLY.match(text) is not None


# -- answers ----------------------------------------------------------------------------

_REF = re.compile(
    r"^(?:(?:correct\s+)?(?:option|choice|opt\.?)\s*[-#]?\s*)?[(\[]?(?P<l>[a-f1-6\u0430-\u0435])[)\]]?(?:\s*[.:)\-\u2013]\s*|\s+|$)(?P<rest>.*)$",
    re.I | re.S,
)
_TRAIL = re.compile(r"[\s.;,!]+$")


_QUOTES = "'\"\u2018\u2019\u201c\u201d"


def _loose(text: str) -> str:
    # "'True'." (Moodle's "The correct answer is 'True'.") is the option "True"
    return "".join(_TRAIL.sub("", _TRAIL.sub("", text).strip(_QUOTES)).casefold().split())


def resolve_answer(raw: str | None, options, style: str | None = None) -> tuple[int | None, str | None]:
    """(0-based index into options or None, answer text) for an answer as written.

    `style` is how the options were labelled ("upper", "lower", "digit" or None for an
    unlabelled list). A bare digit is an ordinal when the options were numbered, and
    otherwise only if it is no option's text.
    """
    raw = clean_text(raw)
    if not raw:
        return None, None
    options = list(options)
    if not options:
        return None, raw
    loose = _loose(raw)
    m = _REF.match(raw)
    letter = m.group("l") if m else None
    rest = m.group("rest").strip() if m else ""
    if letter and not rest:
        if letter.isdigit():
            if style == "digit" or not _text_match(loose, options):
                idx = int(letter) - 1
                if 0 <= idx < len(options):  # ("0" is no ordinal)
                    return idx, options[idx]
        else:
            idx = _label_value(letter)[1]
            if idx < len(options):
                return idx, options[idx]
    hit = _text_match(loose, options)
    if hit is not None:
        return hit, options[hit]
    if letter and rest:  # "B) 15 km", "Option C - 18": trust a label that fits
        idx = _label_value(letter)[1]
        if idx < len(options) and (not letter.isdigit() or style == "digit"):
            return idx, options[idx]
    return None, raw


_LEAD_SEP = frozenset(".;,:(\u2013\u2014-")


def answer_prefix(raw: str, options) -> tuple[int, str] | None:
    """(index, rest) when the answer starts with one option's text and goes on with a
    reason: "Abundant. Scarce means in short supply" → the option "Abundant"."""
    low = raw.casefold()
    best = None
    for i, opt in enumerate(options):
        o = opt.casefold()
        if o and low.startswith(o) and len(low) > len(o) and (low[len(o)] in _LEAD_SEP or (
                low[len(o)] == " " and len(low) > len(o) + 1 and low[len(o) + 1] in _LEAD_SEP)):
            if best is None or len(o) > len(options[best]):
                best = i
    if best is None:
        return None
    rest = raw[len(options[best]):].lstrip(" .;,:-\u2013\u2014").strip()
    return best, rest


def _text_match(loose: str, options) -> int | None:
    for i, opt in enumerate(options):
        if _loose(opt) == loose:
            return i
    return None


# -- the key ----------------------------------------------------------------------------

# a space before closing punctuation or after an opening bracket (starting with the space
# lets the regex engine jump from space to space)
_PUNCT_SPACE = re.compile(r" (?:(?=[,.;:!?%)\]}])|(?<=[(\[{] ))")


def _canon_piece(text: str) -> str:
    return _PUNCT_SPACE.sub("", clean_text(text).casefold())


def canonical_form(question: str, options=()) -> str:
    """The text the key hashes: question and options casefolded and separated."""
    q = _canon_piece(strip_question_number(clean_text(question)))
    sub = _PUNCT_SPACE.sub
    opts = [sub("", clean_text(o).casefold()) for o in normalise_options(options)]  # _canon_piece
    return q + "\x1f" + "\x1e".join(opts)


def question_key(question: str, options=()) -> str:
    """sha256 hex of `canonical_form`: the same question in other markup has the same key."""
    return hashlib.sha256(canonical_form(question, options).encode("utf-8", "surrogatepass")).hexdigest()


def has_question_number(text: str) -> bool:
    """Does the text start with a question number or marker ("Q3.", "12.", "Question:")?"""
    m = _QNUM.match(text) or _CJK_NUM.match(text)
    return m is not None and m.end() < len(text)
