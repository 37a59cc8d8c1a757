"""The answer signals and option forms of `auto`, one test each, built from real pages' markup.

Each snippet is the markup of one question as the named site writes it (from the pages in
tests/fixtures/real/, cut down to one record, texts kept), inside a page with the things
around it that must not count (navigation, vote tallies, result templates). A test that
names a signal asserts that the answer came from that signal (via --explain's candidates),
so a broken signal cannot pass on the strength of another one.
"""

from __future__ import annotations

import json

import pytest

from scraped.engine.extract import Page, extract_questions
from scraped.engine.extract.auto import Candidate, extract_auto
from scraped.engine.extract.keys import parse_key, question_number
from scraped.engine.extract.scripts import script_questions
from scraped.engine.extract.signals import ANSWER_RE, answer_value

NAV = ('<nav><ul><li><a href="/">Home</a></li><li><a href="/quiz">Quizzes</a></li></ul></nav>'
       '<ul class="menu"><li><a href="/aptitude">Aptitude</a></li><li><a href="/reasoning">Reasoning</a></li>'
       '<li><a href="/verbal">Verbal</a></li></ul>')


def _page(body: str, head: str = "") -> Page:
    return Page(f"<html><head>{head}</head><body>{NAV}<main>{body}</main>"
                "<footer><a href='/about'>About</a> <a href='/contact'>Contact</a></footer></body></html>",
                "http://site.test/q/")


def _one(body: str, head: str = ""):
    qs = extract_questions(_page(body, head))
    assert len(qs) == 1, [q.question for q in qs]
    return qs[0]


def _how(body: str) -> list[str]:
    """The signal behind each kept candidate's answer."""
    cands: list[Candidate] = []
    extract_auto(_page(body).lines(), None, cands)
    return [c.how for c in cands if c.verdict.startswith("kept")]


# -- answer texts in their spellings --------------------------------------------------------

@pytest.mark.parametrize("line, value", [
    ("Answer: Option C", "Option C"),
    ("Answer : A", "A"),
    ("The correct answer is (B)", "(B)"),
    ("The Correct answer is(C)", "(C)"),  # javatpoint numbers test: no space before the letter
    ("Ans: d", "d"),
    ("Correct Answer: B", "B"),
    ("Answer: b", "b"),
    ("Right answer is D", "D"),
])
def test_answer_spellings(line, value):
    assert ANSWER_RE.match(line) and answer_value(line) == value


def test_answer_box_after_a_show_answer_button_javatpoint():
    q = _one('<p class="pq">3) If the average of three consecutive even numbers is 34, find the largest of these '
             'numbers.</p><ol Type="A"><li>30</li> <li>32</li> <li>34</li> <li>36</li></ol>'
             '<button class="showanswer" onclick="showhide(3)"><span>Show Answer</span></button>'
             '<button class="workspace"><span>Workspace</span></button><div id="workspace3"></div>'
             '<div class="testanswer" id="answer3"><p>The correct answer is <strong>D</strong></p>'
             '<p><strong>Explanation:</strong></p><p>Let the first number be X: 3X + 6 = 102, X = 32.</p>'
             '<p>Largest number would be = 32 + 4 = 36</p></div>')
    assert q.options == ("30", "32", "34", "36") and q.answer == 3
    assert q.explanation == "Let the first number be X: 3X + 6 = 102, X = 32. Largest number would be = 32 + 4 = 36"


# -- classes --------------------------------------------------------------------------------

TUTORIALSPOINT = (
    '<div class="QA"><div class="Q" id="Q12"><p><span>Q 1</span> - What is the output of the following code '
    'snippet?</p><pre class="prettyprint">main()\n{\n   int x = 5;\n   if(x=5) break;\n}</pre>'
    '<p><a class="@a" href="javascript:void(0);"><span>A</span> - Compile error</a></p>'
    '<p><a class="@b" href="javascript:void(0);"><span>B</span> - Hi</a></p>'
    '<p><a class="@c" href="javascript:void(0);"><span>C</span> - HelloHi</a></p>'
    '<p><a class="@d" href="javascript:void(0);"><span>D</span> - Compiler warning</a></p></div>'
    '@answer<div class="B"><button type="button" class="btn"><span>Show Answer</span></button></div></div>')


def _tp(marks: str, answer: str = "") -> str:
    body = TUTORIALSPOINT.replace("@answer", answer)
    for letter, mark in zip("abcd", marks.split(), strict=True):
        body = body.replace(f"@{letter}", mark)
    return body


def test_links_with_true_false_classes_and_a_code_block_tutorialspoint():
    body = _tp("false false true false")
    q = _one(body)
    assert q.options == ("Compile error", "Hi", "HelloHi", "Compiler warning")  # labels "A - " stripped
    assert q.answer == 2
    assert q.question.startswith("What is the output of the following code snippet? main() {")
    assert "if(x=5) break;" in q.question  # the <pre> belongs to the question
    assert _how(body) == ["class"]


def test_the_answer_text_wins_and_agrees_with_the_class_tutorialspoint():
    body = _tp("true false false false", "<div class='A' id='A12'><h3>Answer : A</h3><h3>Explanation</h3>"
                                         "<p>keyword break can appear only within loop/switch statement.</p></div>")
    q = _one(body)
    assert q.answer == 0 and q.explanation == "keyword break can appear only within loop/switch statement."
    assert _how(body) == ["text"]


def test_correct_hidden_class_and_vote_decoys_examtopics():
    body = ('<div class="question-body"><p class="card-text">Which statement is true about the SELECT clause?'
            '</p><div class="voted-answers-tally d-none"><script type="application/json">'
            '[{"voted_answers": "A", "vote_count": 9, "is_most_voted": true}]</script></div>'
            '<div class="question-choices-container"><ul>'
            '<li class="multi-choice-item"><span class="multi-choice-letter" data-choice-letter="A">A.</span> '
            'It can hold only columns <span class="badge badge-success most-voted-answer-badge">Most Voted</span></li>'
            '<li class="multi-choice-item correct-hidden"><span class="multi-choice-letter">B.</span> '
            'It can hold expressions</li>'
            '<li class="multi-choice-item"><span class="multi-choice-letter">C.</span> It must name a table</li>'
            '<li class="multi-choice-item"><span class="multi-choice-letter">D.</span> It cannot use aliases</li>'
            '</ul></div><a href="#" class="btn reveal-solution">Reveal Solution</a>'
            '<div class="voting-summary"><i>Community vote distribution</i><div class="progress vote-distribution-bar">'
            '<div class="vote-bar progress-bar">A (90%)</div><div class="vote-bar">B (10%)</div></div></div></div>')
    q = _one(body)
    assert q.options == ("It can hold only columns", "It can hold expressions", "It must name a table",
                         "It cannot use aliases")  # the "Most Voted" badge is not option text
    assert q.answer == 1  # the class marker, not the most voted A
    assert _how(body) == ["class"]


@pytest.mark.parametrize("cls", ["correct", "is-correct", "right", "correct-answer", "true"])
def test_correctness_classes_on_one_option(cls):
    body = ('<p>Q1. Which gas do plants take in?</p><ul class="opts">'
            f'<li>Oxygen</li><li class="{cls}">Carbon dioxide</li><li>Nitrogen</li><li>Helium</li></ul>')
    assert _one(body).answer == 1


def test_layout_classes_named_right_mark_nothing():
    body = ('<p>Q1. Which gas do plants take in?</p><table><tr><td class="text-right">Oxygen</td></tr>'
            '<tr><td>Carbon dioxide</td></tr><tr><td>Nitrogen</td></tr></table>')
    assert all(q.answer is None for q in extract_questions(_page(body)))


# -- hidden inputs and data attributes ---------------------------------------------------------

def test_hidden_input_and_letter_icons_indiabix():
    body = ('<div class="bix-div-container"><div class="d-flex"><div class="bix-td-qno">2.</div>'
            '<div class="bix-td-qtxt"><p><b>Statements:</b> All the harmoniums are instruments. All the instruments '
            'are flutes.</p><p><b>Conclusions:</b></p><ol class="vr-ol-123"><li>All the flutes are instruments.</li>'
            '<li>All the harmoniums are flutes.</li></ol></div></div><div class="bix-tbl-options">'
            + "".join(f'<div class="d-flex bix-opt-row"><div class="bix-td-option"><span class="option-svg-letter-'
                      f'{c}"></span></div><div class="bix-td-option-val"><div class="flex-wrap">{t}</div></div></div>'
                      for c, t in zip("abcd", ["Only (1) conclusion follows", "Only (2) conclusion follows",
                                               "Either (1) or (2) follows", "Neither (1) nor (2) follows"],
                                      strict=True))
            + '</div><div class="bix-td-miscell"><input type="hidden" class="jq-hdnakq" id="hdnAnswer_106" value="B">'
            '<div class="bix-div-answer collapse"><div><span class="mx-green">Answer:</span> Option</div>'
            '<div><span class="option-svg-letter-b"> </span></div></div></div></div>')
    q = _one(body)
    assert q.question == ("Statements: All the harmoniums are instruments. All the instruments are flutes. "
                          "Conclusions: All the flutes are instruments. All the harmoniums are flutes.")
    assert q.answer == 1 and q.options[1] == "Only (2) conclusion follows"


def test_a_form_state_input_is_no_answer_w3schools():
    body = ('<h3>Question 1 of 25:</h3><p id="qtext">What does HTML stand for?</p><form>'
            '<input type="hidden" name="answers" value="0000000000000000000000000">'
            '<div id="altcontainer"><label class="radiocontainer"> Hyperlinks and Text Markup Language'
            '<input type="radio" name="quiz" value="2"></label><label class="radiocontainer"> Hyper Text Markup '
            'Language<input type="radio" name="quiz" value="3"></label><label class="radiocontainer"> Home Tool '
            'Markup Language<input type="radio" name="quiz" value="1"></label></div></form>')
    q = _one(body)
    assert q.options == ("Hyperlinks and Text Markup Language", "Hyper Text Markup Language",
                         "Home Tool Markup Language")
    assert q.answer is None and q.answer_text is None


def test_data_answer_attribute():
    body = ('<div class="q" data-answer="C"><p>Q2. 15% of 80 is?</p><ol type="A"><li>10</li><li>11</li>'
            '<li>12</li><li>13</li></ol></div>')
    assert _one(body).answer == 2
    assert _how(body) == ["data"]


# -- an inline style on one option only --------------------------------------------------------

def test_one_option_painted_red_itexamanswers():
    body = ('<p><strong>139. An administrator confirms that an alert was an actual security incident. What is the '
            'security alert classification of this type of scenario?</strong></p><ul><li>false negative</li>'
            '<li><span style="color: rgb(255, 0, 0);"><strong>true positive</strong></span></li>'
            '<li>true negative</li><li>false positive</li></ul><div class="message_box success"><p>'
            '<b>Explanation:</b> True Positive: The alert has been verified to be an actual security incident.</p></div>')
    q = _one(body)
    assert q.answer == 1 and q.explanation.startswith("True Positive")
    assert _how(body) == ["mark: inline style"]


def test_two_painted_options_give_no_answer_but_the_question_stays():
    body = ('<p><strong>48. What are two ways that ICMP can be a security threat to a company? (Choose two.)</strong>'
            '</p><ul><li>by corrupting data</li><li><b><span style="color:#ff0000">by providing network '
            'information</span></b></li><li>by infiltrating web pages</li><li><span style="color:#ff0000">by '
            'covert channels</span></li></ul>')
    q = _one(body)
    assert q.answer is None and len(q.options) == 4


def test_every_option_painted_is_no_mark():
    body = ('<p>Q1. Pick the prime number?</p><ul>' + "".join(f'<li style="color:blue">{n}</li>' for n in (4, 6, 7, 9))
            + '</ul>')
    assert all(q.answer is None for q in extract_questions(_page(body)))


# -- answer keys at the end of a page ----------------------------------------------------------

@pytest.mark.parametrize("texts, key", [
    (["Answer key", "1-B 2-C 3-A"], {1: "B", 2: "C", 3: "A"}),
    (["3 \u2013 C, 4 \u2013 A, 6 \u2013 E"], {3: "C", 4: "A", 6: "E"}),
    (["1. (b)", "2. (d)", "Copyright 2024"], {1: "B", 2: "D"}),
    (["Q5: d  Q6: a"], {5: "D", 6: "A"}),
    (["We had 3 a day and 2 b tests."], {}),  # prose holding "3 a": not a key
    (["1-B 1-C"], {}),  # two answers for one number: not a key
    # a Word export's key table read as cells: the numbers, "答案", a letter (or several) under each
    (["题号", "1", "2", "3", "4", "答案", "C", "B", "CD", "A", "二、填空题"], {1: "C", 2: "B", 3: "CD", 4: "A"}),
    (["1", "2", "3", "Total", "10", "20", "30"], {}),  # a table of scores: no letters
])
def test_answer_key_lines(texts, key):
    assert parse_key(texts) == key


def test_question_numbers():
    assert [question_number(t) for t in ("Q3. What", "12) x", "Question 4: y", "(5) z", "What")] == [3, 12, 4, 5, None]


def test_a_key_table_answers_single_answer_questions_only():
    qs = "".join(f'<p>{n}、 Which value is {n} + {n}?</p><p>A. {2 * n} B. {2 * n + 1} C. {2 * n + 2}</p>' for n in (1, 2, 3))
    key = "<table><tr><td>题号</td><td>1</td><td>2</td><td>3</td></tr><tr><td>答案</td><td>A</td><td>AB</td><td>C</td></tr></table>"
    got = extract_questions(_page(qs + key))
    assert [q.answer for q in got] == [0, None, 2]


def test_answer_key_at_the_foot_fills_unanswered_questions():
    qs = "".join(f'<p>{n}. What is {n} + {n}?</p><ol type="a"><li>{2 * n}</li><li>{2 * n + 1}</li><li>{2 * n + 2}</li>'
                 '</ol>' for n in (1, 2, 3))
    got = extract_questions(_page(qs + "<h3>Answers</h3><p>1-a 2-a 3-a</p>"))
    assert [q.answer for q in got] == [0, 0, 0]


# -- JSON in scripts ---------------------------------------------------------------------------

QUIZ_LD = {
    "@context": "https://schema.org/", "@type": "Quiz", "hasPart": [{
        "@type": "Question", "eduQuestionType": "Multiple choice", "text": "Which organelle makes ATP?",
        "suggestedAnswer": [{"@type": "Answer", "position": 0, "text": "Nucleus"},
                            {"@type": "Answer", "position": 2, "text": "Ribosome"}],
        "acceptedAnswer": {"@type": "Answer", "position": 1, "text": "Mitochondrion",
                           "answerExplanation": {"@type": "Comment", "text": "The powerhouse."}}}]}


def test_schema_org_quiz_json_ld_on_a_script_rendered_page():
    head = f'<script type="application/ld+json">{json.dumps(QUIZ_LD)}</script>'
    q = _one('<div id="app"></div>', head)
    assert q.options == ("Nucleus", "Mitochondrion", "Ribosome") and q.answer == 1
    assert q.explanation == "The powerhouse."


def test_json_ld_fills_the_answer_of_the_question_in_the_markup():
    head = f'<script type="application/ld+json">{json.dumps(QUIZ_LD)}</script>'
    q = _one('<p>Which organelle makes ATP?</p><ul><li>Nucleus</li><li>Mitochondrion</li><li>Ribosome</li></ul>'
             '<p>Answer: see below</p>', head)
    assert q.answer == 1


def test_faq_json_ld_is_no_quiz():
    faq = {"@type": "FAQPage", "mainEntity": [{"@type": "Question", "name": "How do I sign up?",
                                               "acceptedAnswer": {"@type": "Answer", "text": "Click Join."}}]}
    assert script_questions([("application/ld+json", json.dumps(faq))]) == []


def test_framework_state_object():
    state = {"props": {"pageProps": {"quiz": {"questions": [
        {"id": 7, "questionText": "What is 7 x 8?", "options": [{"text": "54"}, {"text": "56", "isCorrect": True},
                                                                 {"text": "58"}]},
        {"id": 8, "questionText": "What is 9 x 9?", "choices": ["72", "81", "99"], "correctIndex": 1},
        {"id": 9, "questionText": "Capital of France?", "options": ["Lyon", "Paris"], "answer": "Paris"},
        {"id": 10, "questionText": "Largest planet?", "options": ["Mars", "Jupiter", "Venus"], "answer": 2},
    ]}}}}
    got = script_questions([("", "window.__NEXT_DATA__ = " + json.dumps(state) + ";")])
    assert [(q.question, q.answer) for q in got] == [
        ("What is 7 x 8?", 1), ("What is 9 x 9?", 1), ("Capital of France?", 1),
        ("Largest planet?", None),  # a bare 2: 0- or 1-based? not guessed
    ]


def test_vote_tally_json_gives_nothing():
    assert script_questions([("application/json", '[{"voted_answers": "C", "vote_count": 5}]')]) == []


def test_broken_json_gives_nothing():
    assert script_questions([("application/ld+json", '{"@type": "Question", ')]) == []


# -- decoys ------------------------------------------------------------------------------------

def test_result_templates_name_no_answer():
    body = ('<p>Q1. Which planet is known as the red planet?</p><table class="quiz-answers">'
            '<tr><td>A</td><td>Venus</td></tr><tr><td>B</td><td>Mars</td></tr><tr><td>C</td><td>Saturn</td></tr>'
            '</table><div class="results" style="display:none"><p>Correct Answer</p><p>You Selected</p></div>')
    q = _one(body)
    assert q.options == ("Venus", "Mars", "Saturn")
    assert q.answer is None and q.answer_text is None


def test_comments_and_related_links_are_not_questions():
    body = ('<p>Q1. What is 2 + 2?</p><ol type="A"><li>3</li><li>4</li><li>5</li></ol><p>Answer: B</p>'
            '<div class="comments"><p>Which is right?</p><ul><li>A) I think 3</li><li>B) 4 surely</li></ul>'
            '<p>Answer: A is wrong</p></div><div class="related"><h4>Related quizzes?</h4><ul>'
            '<li><a href="/q/1">Quiz one</a></li><li><a href="/q/2">Quiz two</a></li><li><a href="/q/3">Quiz 3</a>'
            '</li></ul></div>')
    q = _one(body)
    assert q.answer == 1


def test_prose_links_stay_one_line():
    page = _page('<p>Read <a href="/a">this guide</a> and <a href="/b">that one</a> before the test.</p>')
    assert [ln.text for ln in page.lines() if "guide" in ln.text] == ["Read this guide and that one before the test."]


def test_numbered_questions_without_options_between_kept_ones():
    body = "".join(f'<p><strong>{n}. Which port does service number {n} use by default?</strong></p>'
                   f'<ul><li>{n}0</li><li><span style="color:red">{n}1</span></li><li>{n}2</li></ul>'
                   for n in (1, 2, 4))
    body = body.replace('<p><strong>4.', '<p><strong>3. Match the protocol to its port (image).</strong></p>'
                        '<p><img src="q3.png"></p><p><strong>4.')
    qs = extract_questions(_page(body))
    assert [q.question[:18] for q in qs] == ["Which port does se", "Which port does se", "Match the protocol",
                                             "Which port does se"]
    assert qs[2].options == () and qs[2].answer is None


def test_the_same_answer_for_every_question_is_a_placeholder_pendulumedu():
    body = "".join(f'<div class="q-number">Question {n}</div><p>Which city hosted event number {n} this week?</p>'
                   f'<ul><li>City {n}A</li><li>City {n}B</li><li>City {n}C</li><li>City {n}D</li></ul>'
                   '<div class="solution-sec" style="display: none"><p>Answer : Option D</p></div>'
                   for n in range(1, 7))
    qs = extract_questions(_page(body))
    assert len(qs) == 6 and all(q.answer is None and q.answer_text is None for q in qs)
    five = body.split('<div class="q-number">Question 6')[0]  # five agreeing answers may be real
    assert [q.answer for q in extract_questions(_page(five))] == [3] * 5


def test_a_hidden_panel_of_questions_is_read_but_a_hidden_answer_box_is_not_an_option():
    body = ('<div id="english"><p>Q1. Which is the largest ocean?</p><label><input type="radio"> Atlantic</label>'
            '<label><input type="radio"> Pacific</label><label><input type="radio"> Indian</label>'
            '<div style="display:none"><p>Answer: Option B</p></div></div>'
            '<div id="hindi" style="display:none;"><p>Q1. सबसे बड़ा महासागर कौन सा है?</p>'
            '<label><input type="radio"> अटलांटिक</label><label><input type="radio"> प्रशांत</label>'
            '<label><input type="radio"> हिंद</label><div style="display:none"><p>Answer: Option B</p></div></div>')
    qs = extract_questions(_page(body))
    assert [(q.options[1], q.answer) for q in qs] == [("Pacific", 1), ("प्रशांत", 1)]


def test_hidden_answer_inputs_far_below_a_quiz_plugin_table():
    quiz = ""
    for n, opts in enumerate([["Venus", "Mars", "Saturn"], ["Oak", "Rose", "Fern"]], 1):
        rows = "".join(f'<tr><td><span class="marker"></span></td><td>{ch}</td><td>{t}</td></tr>'
                       for ch, t in zip("ABC", opts, strict=True))
        quiz += (f'<div class="quiz-q"><p>{n}. Which one is {"a planet with rings" if n == 1 else "a tree"}?</p>'
                 f'<table class="answers">{rows}</table></div>')
    quiz += ('<div class="quiz-result" style="display:none"><p>Correct Answer</p><p>You Selected</p></div>'
             '<form><input type="hidden" name="correct_answer_1" value="C">'
             '<input type="hidden" name="correct_answer_2" value="A"></form>')
    got = extract_questions(_page(quiz))
    assert [(q.options, q.answer) for q in got] == [(("Venus", "Mars", "Saturn"), 2), (("Oak", "Rose", "Fern"), 0)]
    assert _how(quiz) == ["input", "input"]
    one_more = quiz.replace("</form>", '<input type="hidden" name="correct_answer_3" value="B"></form>')
    assert [q.answer for q in extract_questions(_page(one_more))] == [None, None]  # the counts must agree


def test_flashcards_in_a_dehydrated_state_string_quizlet():
    cards = {str(n): {"id": n, "word": f"Câu {n}: Which number is {n} squared?\nA. {n * n}\nB. {n + n}\nC. {n}",
                      "definition": f"A. {n * n}"} for n in range(2, 7)}
    cards["9"] = {"id": 9, "word": "chien", "definition": "dog"}  # a vocabulary card: no question
    state = {"props": {"pageProps": {"dehydratedReduxStateKey": json.dumps({"setPage": {"termIdToTermsMap": cards}})}}}
    got = script_questions([("application/json", json.dumps(state))])
    assert [(q.question, q.answer) for q in got] == [(f"Which number is {n} squared?", 0) for n in range(2, 7)]


def test_the_script_s_full_list_joins_the_few_cards_the_server_rendered():
    cards = {str(n): {"word": f"Câu {n}: Which number is {n} squared?\nA. {n * n}\nB. {n + n}\nC. {n}",
                      "definition": f"A. {n * n}"} for n in range(2, 8)}
    head = f'<script type="application/json">{json.dumps({"terms": cards})}</script>'
    body = "".join(f'<div class="term"><div class="side"><span class="word">Câu {n}: Which number is {n} squared?<br>'
                   f'A. {n * n}<br>B. {n + n}<br>C. {n}</span></div><div class="side"><span class="definition">A. {n * n}'
                   '</span></div></div>' for n in range(2, 5))
    got = extract_questions(_page(body, head))
    assert [q.question for q in got] == [f"Which number is {n} squared?" for n in range(2, 8)]
    assert all(q.answer == 0 for q in got)
    other = head.replace("squared", "cubed")  # a script about other questions: it only fills nothing
    assert len(extract_questions(_page(body, other))) == 3


@pytest.mark.parametrize("text", ["Câu 3: What is it?", "Pregunta 3 What is it?", "Question 3 of 10: What is it?",
                                  "Q3. What is it?"])
def test_question_numbers_in_other_languages_are_stripped(text):
    from scraped.engine.extract.normalise import strip_question_number
    assert strip_question_number(text) == "What is it?"


def test_hidden_page_chrome_after_the_last_question_is_no_answer_moodle():
    body = ('<p>Q1. Which cycle grows the program step by step?</p><ol type="a"><li>Cascade</li><li>Incremental</li>'
            '<li>Spiral</li></ol><div style="display:none"><p>Network connection lost. (Autosave failed).</p></div>')
    q = _one(body)
    assert q.answer is None and q.answer_text is None
    named = body.replace("Network connection lost. (Autosave failed).", "Incremental")
    assert _one(named).answer == 1  # a hidden element that names an option still answers


def test_an_answer_value_on_the_next_line_that_starts_like_a_template_is_kept():
    body = ('<p>Q1. Which triangle has a 90 degree angle?</p><ol type="A"><li>Right triangle</li><li>Obtuse triangle</li>'
            '<li>Acute triangle</li></ol><p><b>Answer:</b></p><p>Right triangle</p>')
    assert _one(body).answer == 0
