"""What a line of text says it is: an answer line, an explanation, a "show answer" toggle.

The regexes are compiled once; `kind` memoises its verdict on the line, and a
first-letter test spares most lines the regexes.
"""

from __future__ import annotations

import re

from scraped.engine.extract.lines import Line
from scraped.engine.extract.normalise import is_question_number

__all__ = ["ANSWER_RE", "A_LABEL", "BARE_LABEL", "Q_LABEL", "EMBEDDED_EXPL", "EXPL_RE", "GROUP_LABEL", "LABEL_VALUE", "TOGGLE_RE",
           "K_ANSWER", "K_EXPL", "K_TOGGLE", "K_QNUM", "K_OPTHDR",
           "answer_candidates", "answer_value", "explanation_value", "kind", "labelled_answer", "matched_value",
           "names_own_choice"]

# a label in any language, its value after the colon: "A resposta correta é: 5", "პასუხი: ..."
LABEL_VALUE = re.compile(r"^[^\W\d_]+(?:\s[^\W\d_]+){0,4}\s*:\s*(.+)$", re.S)
# a label with no value: "Resposta:" over a text box
BARE_LABEL = re.compile(r"^[^\W\d_]+(?:\s[^\W\d_]+){0,2}\s*:$")
# "label: value" pairs in one answer line: "我的答案:B 正确答案:A" ("my answer", "correct answer")
_LABEL_WORDS = r"[^\s:：]{1,24}(?:\s[^\s:：]{1,24}){0,3}?"
_PAIR = re.compile(r"(" + _LABEL_WORDS + r")\s*[:：]\s*(.*?)(?=\s+" + _LABEL_WORDS + r"\s*[:：]|\s*[\u4e00-\u9fff]{2,8}[:：]|$)",
                   re.S)
# which label names the key and which the student's own choice, in the languages of the corpus
_KEY_LABEL = re.compile(r"correct|right|正确|参考|标准|correct[ao]|corret[ao]|правильн|richtig|đúng|benar|doğru|bonne|juste",
                        re.I)
_OWN_LABEL = re.compile(r"\b(?:my|your|mine|yours)\b|我的|你的|您的|minha|\bmi\b|\btu\b|\bsua\b|\bsu\b|votre|ваш|мой|"
                        r"\bdein|\bihre?\b|của bạn|anda\b", re.I)


def names_own_choice(label: str) -> bool:
    """Does an answer label name the student's own choice ("我的答案:", "Your answer:")?"""
    return bool(_OWN_LABEL.search(label)) and not _KEY_LABEL.search(label)


def labelled_answer(text: str) -> tuple[bool, str | None]:
    """(labelled?, the key) of an answer box's text: the value of the pair whose label
    names the key ("正确答案:A"); None when the only labels name the student's own choice
    ("我的答案:B"); else what follows the first label (LABEL_VALUE); (False, None) when the
    text is no "label: value" line."""
    if ":" not in text and "\uff1a" not in text:
        return False, None
    pairs = [(m.group(1), m.group(2).strip()) for m in _PAIR.finditer(text)]
    if not pairs or pairs[0][0] != text[:len(pairs[0][0])]:
        return False, None
    for label, value in pairs:
        if _KEY_LABEL.search(label):
            return True, value
    if all(_OWN_LABEL.search(label) for label, _ in pairs):
        return True, None
    m = LABEL_VALUE.match(text)
    return (True, m.group(1).strip()) if m else (False, None)


# an interview page's "Q: ... / A: ..." pairs (":Q:", "Ques.", "A ::", "Ans -"): asked.py
Q_LABEL = re.compile(r"^:?\s*(?:q|ques|question)\s*(?:::|[.:)\-\u2013])\s*(?=\S)", re.I)
A_LABEL = re.compile(r"^:?\s*(?:a|ans|answer)\s*(?:::|[.:)\-\u2013])\s*(?P<v>\S.*)$", re.I | re.S)

# "Answer 1:", a label that holds no value: over one blank's group of choices (blanks.py)
GROUP_LABEL = re.compile(r"^answer\s*(\d{1,2})\s*:$", re.I)
# "Answer" in the other languages of the corpus and held-out sets (Ukrainian, Russian, Spanish,
# Portuguese, French, Italian, German, Indonesian, Turkish, Polish, Hindi)
_ANSWER_WORDS = (r"(?:правильн(?:а|ий|ый)\s+)?(?:відповідь|ответ)|(?:respuesta|resposta|réponse|risposta)"
                 r"(?:\s+(?:correct[ae]|corret[ao]))?|antwort|jawaban|cevap|odpowied[źz]|\u0909\u0924\u094d\u0924\u0930"
                 r"|(?:参考|正确|标准)?答案")  # (not "我的答案", "my answer": a line that starts so is the student's)
# a tick, an arrow or a bulb before the label: "✔ Answer: C", "👉 Answer: B", "💡 Explanation:"
_MARK = "\u2713\u2714\u2705\u2611\u27a4\u25ba\u25b6\u2192\u00bb\U0001f449\U0001f4a1"
_MARKED = "(?:[" + _MARK + "]\ufe0f?\\s*)?"
# a blank left in a fill-in: "______", ".....", "……"
BLANK_RE = re.compile(r"_{3,}|\.{4,}|…{2,}")
_ANSWER_FIRST = frozenset("acrtjo\u0432\u043e\u043f\u0909答参正标[\u3010" + _MARK)  # the first letters those can have
# a label may stand in brackets, its value after them: "[参考答案] 中共十二大", "【答案】B"
ANSWER_RE = re.compile(
    r"^" + _MARKED + r"""(?:[\[\u3010]\s*)?(?:(?:the\s+)?(?:correct|right)\s+(?:answer|option|choice)|answer|ans|""" + _ANSWER_WORDS + r""")
    (?:\s*[\]\u3011]\s*[:\-\u2013\u2014=]?\s*(?P<v0>.*)
      |\s*(?:is\b)?\s*[:\-\u2013\u2014=]\s*(?P<v1>.*)
      |\.\s*(?P<v2>.*)
      |\s+is(?:\s+|(?=[(\[]))(?P<v3>.+)
      |\s+(?P<v4>(?:(?:option|choice)\s*)?[(\[]?[A-Fa-f1-6\u0410-\u0415\u0430-\u0435][)\]]?\.?)
      |\s*)$""",
    re.I | re.X | re.S,
)
EXPL_RE = re.compile(
    r"^" + _MARKED + r"(?:[\[\u3010]\s*)?(?:explanation|solution|rationale|reason|hint|working|detailed\s+solution|explain|(?:试题|答案)?解析)s?"
    r"(?:(?:\s*[\]\u3011]?\s*[:\-\u2013\u2014.]|\s*[\]\u3011])\s*(?P<v>.*)|\s*[\]\u3011]?\s*)$",
    re.I | re.S,
)
EMBEDDED_EXPL = re.compile(r"\s(?:explanation|solution|rationale)\s*[:\-\u2013]\s*", re.I)
TOGGLE_RE = re.compile(
    r"^(?:(?:show|view|reveal|hide|see|check|toggle|click(?:\s+here)?(?:\s+to)?(?:\s+(?:show|view|see|reveal))?)\s+)?"
    r"(?:the\s+)?(?:correct\s+)?(?:answers?|solutions?|explanations?)"
    r"(?:\s*(?:&|and|/|with|\+)\s*(?:answers?|solutions?|explanations?))*\s*[!.:]?\s*[\u00bb\u203a\u2192>]?$",
    re.I,
)
# what stands between a question and its options and says nothing of either: a header over
# the options, the question's type ("Type: Multiple Choice"), its marks ("Marks: 2")
_OPTIONS_HEADER = re.compile(
    r"^(?:(?:options|choices|answer\s+choices|select\s+one|choose\s+one|choose\s+the\s+correct\s+answer)\s*[:.]?"
    r"|(?:question\s+)?type\s*:\s*[\w /-]{2,30}|(?:marks?|points?)\s*:\s*\d{1,3}(?:\.\d+)?"
    r"|[(\[]?\d{1,3}(?:\.\d+)?\s*(?:marks?|points?|pts?)[)\]]?)$",  # ("2 marks", "[1 point]")
    re.I,
)
K_ANSWER, K_EXPL, K_TOGGLE, K_QNUM, K_OPTHDR, K_DONE = 1, 2, 4, 8, 16, 128


def kind(ln: Line) -> int:
    """What a line's text says it is (answer line, explanation line...), computed once.

    A first-letter test spares most lines the regexes."""
    k = ln.kind
    if k:
        return k
    t = ln.text
    c = t[:1].lower()
    k = K_DONE
    if c in _ANSWER_FIRST and ANSWER_RE.match(t):
        k |= K_ANSWER
    if (c in "esrhwd解试答[\u3010" or c in _MARK) and EXPL_RE.match(t):
        k |= K_EXPL
    if c in "svrhctaeb" and len(t) < 60 and TOGGLE_RE.match(t):
        k |= K_TOGGLE
    if len(t) <= 22 and is_question_number(t):
        k |= K_QNUM
    if (c in "ocsqtmp([" or c.isdigit()) and len(t) < 40 and _OPTIONS_HEADER.match(t):
        k |= K_OPTHDR
    ln.kind = k
    return k


def matched_value(m: re.Match[str]) -> str:
    """The value an ANSWER_RE match found ("" for a label alone)."""
    return (m.group("v0") or m.group("v1") or m.group("v2") or m.group("v3") or m.group("v4") or "").strip()


def answer_value(text: str | None) -> str | None:
    """ "Answer: Option B" → "Option B"; text without such a prefix is returned as is."""
    if text and (m := ANSWER_RE.match(text)):
        return matched_value(m) or None
    return text


# Where an answer phrase may start inside a text: "View Answer  Answer: Option C",
# "✔ Answer: (c)", "The answer is C".
_ANSWER_AT = re.compile(r"(?<![a-z])(?:(?:correct|right)\s+(?:answer|option|choice)|answer|ans)(?![a-z])", re.I)


def answer_candidates(text: str) -> list[str]:
    """Values of the answer phrases found inside `text` (not only at its start), in order;
    each also without an embedded "Explanation: ..." tail. For css extraction, where the
    answer selector may pick a box that also holds a "View Answer" link, a check mark or
    the explanation; the caller keeps a candidate only if it names an option."""
    out: list[str] = []
    for m in _ANSWER_AT.finditer(text):
        tail = text[m.start():]
        value = answer_value(tail)
        if value and value is not tail:  # answer_value gives back what it cannot read
            out.append(value)
            head = EMBEDDED_EXPL.split(value, 1)[0].strip()
            if head and head != value:
                out.append(head)
    return out


def explanation_value(text: str | None) -> str | None:
    """ "Explanation: because..." → "because..." """
    if text and (m := EXPL_RE.match(text)):
        return (m.group("v") or "").strip() or None
    return text
