"""What markup says about text: flags for lines, from classes, ids, tables and lists.

Used by lines.py's walk: `classify` turns a class or id value into flags (cached: most
values say nothing and are remembered as neutral), `table_roles` reads a table's header
row (Answer / Explanation columns, a Question column with no Options column), `list_style`
the letters a list gives its items, `panel` whether a hidden element is a panel of
questions rather than an answer kept from view.
"""

from __future__ import annotations

import re

__all__ = ["classify", "list_style", "neutral", "panel", "table_roles"]

HIDDEN = 1 << 0  # display:none, hidden, aria-hidden, class "hidden"; or inside <details>
ANS = 1 << 1  # inside an answer/solution box (class, id, or the table's Answer column)
EXPL = 1 << 2  # inside an explanation box
QBOX = 1 << 3  # inside a question container
OPTBOX = 1 << 4  # inside an options container
RADIO = 1 << 5  # the line has a radio button / checkbox
CORRECT = 1 << 6  # an option marked correct (class "correct", data-correct="true")
HEADING = 1 << 7
TOGGLE = 1 << 8  # <summary>: a "show answer" switch
HEADROW = 1 << 9  # a table header row
META = 1 << 10  # a difficulty/category badge
LISTED = 1 << 11  # inside a list item
CODE = 1 << 12  # inside <pre>: a code block, part of the question above it
INPUT = 1 << 13  # the value of a hidden input named like an answer
CHOICES = 1 << 14  # inside one option's "answer" element (it holds a radio, or repeats in an options box)
SRONLY = 1 << 15  # a label for screen readers only ("sr-only", "accesshide", "watupro-screen-reader")

_SKIP_TOKENS = frozenset(
    "ad ads advert adverts advertisement adsbygoogle sponsor sponsored cookie cookies "
    "comment comments share social newsletter popup breadcrumb breadcrumbs "
    # vote counts and "most voted" badges: what readers chose, not the answer
    "vote votes voted voting tally".split()
)
_CLASS_HINTS = re.compile(
    # at a word's start (not "multichoice"); "answernumber" / "answerlabel": an option's part
    r"(?P<opt>^(?:option|choice|opts?$|answers$|answerlist|alternative|answer(?:number|label|item|choice|option)s?$))"
    r"|(?P<expl>explan|explain|rationale|solution|reason|working|^expl$)"  # "quiz-explain", "expl-box" too
    r"|(?P<ans>answer(?!ed)|\bans\b|\bans[-_]|\bkey\b)"  # not "notyetanswered": a state
    r"|(?P<hid>\bhidden\b|\bhide\b|d-none|is-hidden|\bcollapse\b|sr-only|visually-hidden|display-none|accesshide)"
    r"|(?P<q>question|\bques\b|qtext|\bstem\b|problem|quiz|mcq|\bchallenge\b|\bexercise\b)"
    r"|(?P<meta>difficulty|\blevel\b|\bcategory\b|\btopic\b)"
    r"|(?P<correct>^(?:correct|right|true)$)"
    r"|(?P<chrome>^(?:prompt|instructions?)$)"  # "Select one:": a form's prompt, not the question
)
# feedback shown for a wrong choice ("incorrectExplanationBlock", "incorrect_comments",
# "feedback-wrong"): what the page says when the reader errs, not the explanation of the key
_WRONG_FEEDBACK = re.compile(r"(?:^|[-_ ])(?:incorrect|wrong)[-_]?(?:explan|feedback|message|msg|response|comment)"
                             r"|(?:explan\w*|feedback|message|msg|response)[-_](?:incorrect|wrong)(?:$| )")
# the feedback shown to all, whatever they chose: Moodle's "generalfeedback", WatuPRO's
# "watupro-main-feedback"; an explanation box
_GENERAL_FEEDBACK = re.compile(r"(?:general|main)[-_]?feedback")
_SCREEN_READER = re.compile(r"sr-only|\bsr-av\b|screen-?reader|visually-hidden|accesshide")  # (sr-av: eXeLearning)
_OPTION_WORDS = frozenset(("opt", "option", "choice", "letter"))
_NEGATIONS = frozenset(("suppress", "suppressed", "no", "not", "without"))
# Moodle's question types on its "que" container: a type, not an answer box ("que multianswer")
_QUESTION_TYPES = frozenset("multianswer shortanswer calculatedmulti calculatedsimple randomsamatch".split())
_LAYOUT_TOKENS = frozenset(
    "text pull float align col sidebar arrow icon fa nav menu left top bottom m p mr ml pr pl me ms pe ps "
    "justify content border rounded half side panel column match widget wrap wrapper container con main page "
    "header footer".split()  # "answer_match_right": a pair's column; "widget-right-con": the page's right column
)
_FLAG_OF: dict[str, int] = {"": 0, "opt": OPTBOX, "expl": EXPL, "ans": ANS, "hid": HIDDEN, "q": QBOX, "meta": META,
            "correct": CORRECT, "chrome": TOGGLE}
_TOKENS = re.compile(r"[^a-z0-9]+")
_ROLE = re.compile(r"(?P<a>answer|\bans\b|correct|key)|(?P<e>explanation|solution|reason)|(?P<q>question)"
                   r"|(?P<o>option|choice)", re.I)


_class_cache: dict[str, tuple[int, bool]] = {}
neutral: set[str] = set()  # class/id values seen to say nothing (most of them)


def classify(value: str) -> tuple[int, bool]:
    """(flags, skip) for a class or id attribute value."""
    hit = _class_cache.get(value)
    if hit is not None:
        return hit
    low = value.lower()
    tokens = set(_TOKENS.split(low))
    skip = not tokens.isdisjoint(_SKIP_TOKENS) or _WRONG_FEEDBACK.search(low) is not None
    flags = 0
    for tok in tokens - _QUESTION_TYPES:
        for m in _CLASS_HINTS.finditer(tok):
            flags |= _FLAG_OF[m.lastgroup or ""]
    if "feedback" in low and _GENERAL_FEEDBACK.search(low):
        flags |= EXPL
    if _SCREEN_READER.search(low):
        flags |= SRONLY
    if "answercorrect" in low:
        flags |= CORRECT  # wpProQuiz's "wpProQuiz_answerCorrect(Incomplete)" on the right option
    if flags & OPTBOX or (flags & ANS and ("label" in tokens or ("key" in tokens and not tokens.isdisjoint(
            _OPTION_WORDS)))):
        flags &= ~ANS  # "answer-options" is where options live; "answer1_label", "opt-key" label one
    if flags & CORRECT and "right" in tokens and not tokens.isdisjoint(_LAYOUT_TOKENS):
        flags &= ~CORRECT  # "text-right", "pull-right": where a thing sits, not whether it is right
    if flags & CORRECT and flags & HIDDEN:
        flags &= ~HIDDEN  # "correct-hidden": a marker kept from view, on a visible option
    if flags & CORRECT and "true" in tokens and "false" in tokens:
        flags &= ~CORRECT  # "true_false_question": a question type
    if flags & OPTBOX and flags & QBOX and (not tokens.isdisjoint(("multiple", "single")) or _question_with_choices(low)):
        flags &= ~OPTBOX  # "multiple_choice_question" (a type); "show-question watupro-choices-columns" (the question)
    if not tokens.isdisjoint(_NEGATIONS):
        flags &= ~(CORRECT | ANS | OPTBOX)  # "suppress_correct_answers": a setting, not a box
    if len(_class_cache) > 4096:
        _class_cache.clear()
        neutral.clear()
    _class_cache[value] = (flags, skip)
    if not flags and not skip:
        neutral.add(value)
    return flags, skip


def _question_with_choices(low: str) -> bool:
    """Do the class names name a question and, in another name, how its choices are laid out
    ("show-question watupro-choices-columns": the question's own container), rather than one
    name saying both ("question-options": the options box of a question)?"""
    names = [set(_TOKENS.split(n)) - {""} for n in low.split()]
    def hints(tokens: set[str], group: str) -> bool:
        return any(m.lastgroup == group for t in tokens for m in _CLASS_HINTS.finditer(t))
    both = [(hints(n, "q"), hints(n, "opt")) for n in names]
    return any(q and not o for q, o in both) and not any(q and o for q, o in both)


def radios(el, most: int, scan: int) -> int:
    """How many radio buttons or checkboxes `el` holds, counted up to `most`, among its
    first `scan` + 1 inputs (elements are walked, not searched: the bounds keep it cheap)."""
    n = 0
    for k, inp in enumerate(el.iter("input")):
        if inp.get("type") in ("radio", "checkbox"):
            n += 1
            if n >= most:
                break
        if k > scan:
            break
    return n


def panel(el) -> bool:
    """Is a hidden element a panel of questions (a tab, a language copy, a wizard's next
    step, a quiz that shows one question at a time: it holds radio buttons or checkboxes,
    or two choice buttons, Hot Potatoes' "<button onclick='CheckMCAnswer(0,2,this)'>", or three
    links to click) rather
    than an answer kept from view?"""
    if radios(el, 1, 20) > 0:
        return True
    n = 0
    for k, button in enumerate(el.iter("button")):
        if button.get("onclick"):
            n += 1
            if n >= 2:
                return True
        if k > 20:
            break
    n = 0  # or three links to click as its options ("<a class='true' href='javascript:void(0);'>A - ..."; a
    for k, link in enumerate(el.iter("a")):  # dialog's two, "OK" and "Cancel", are no question)
        if (link.get("href") or "").startswith("javascript:") or link.get("onclick"):
            n += 1
            if n >= 3:
                return True
        if k > 20:
            break
    return False


# a <summary> that is a switch ("Show answer", "Solution", "Click to reveal the explanation")
_TOGGLE_TEXT = re.compile(
    r"\b(answers?|solutions?|explanations?|explain|hints?|reveal|show|hide|view|see|check|"
    r"key|result|more|details|click|tap|expand|respuesta|soluci[oó]n|r[ée]ponse|antwort|l[öo]sung)\b",
    re.I)


def question_details(el) -> bool:
    """Is a <details> a question card (its <summary> is the question, the options and the
    answer under it) rather than an answer box behind a "Show answer" switch?"""
    summary = next((c for c in el if getattr(c, "tag", None) == "summary"), None)
    if summary is None:
        return False
    words = " ".join(summary.itertext()).split()
    if len(words) < 4:
        return False  # "Answer", "Show solution", "Q1": a switch or a label
    return not (len(words) <= 8 and _TOGGLE_TEXT.search(" ".join(words)))


def list_style(el, tag: str) -> str | None:
    if tag == "ul":
        style = (el.get("style") or "") + " " + (el.get("class") or "")
        return "upper" if "upper-alpha" in style or "upper-latin" in style else (
            "lower" if "lower-alpha" in style or "lower-latin" in style else None)
    kind = el.get("type") or ""
    if kind == "A" or "upper-alpha" in (el.get("style") or ""):
        return "upper"
    if kind == "a" or "lower-alpha" in (el.get("style") or ""):
        return "lower"
    return "digit"


def table_roles(table):
    """(header row, {column: ANS|EXPL}) from a header row's cell texts, or None."""
    row = None
    for child in table:
        if child.tag == "tr":
            row = child
        elif child.tag in ("thead", "tbody"):
            row = next((r for r in child if r.tag == "tr"), None)
        if row is not None or child.tag == "tbody":
            break
    if row is None:
        return None
    cells = [c for c in row if c.tag in ("th", "td")]
    if not cells or not (any(c.tag == "th" for c in cells) or row.getparent().tag == "thead"):
        return None
    cols = {}
    question = None
    options = False
    for i, cell in enumerate(cells):
        m = _ROLE.search("".join(cell.itertext())[:40])
        if m and m.lastgroup == "a":
            cols[i] = ANS
        elif m and m.lastgroup == "e":
            cols[i] = EXPL
        elif m and m.lastgroup == "q" and question is None:
            question = i
        elif m and m.lastgroup == "o":
            options = True
    if not cols:
        return None
    # a "Question | Answer" table with no options column: one free-response question a row
    qa = question if question is not None and not options and ANS in cols.values() else None
    return row, cols, qa
