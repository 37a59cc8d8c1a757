"""Records found by structure: repeated sibling options, a question's whole block, Q/A tables.

Snippets follow real pages' markup (tests/fixtures/real/: w3schools labels, tutorialspoint
links, indiabix blocks, pubquizquestions tables, examtopics multi-line options).
"""

from __future__ import annotations

from scraped.engine.extract import Page, extract_questions
from scraped.engine.extract.records import question_start
from scraped.engine.extract.runs import find_runs, merge_labels


def _page(body: str) -> Page:
    return Page(f"<html><body><main>{body}</main></body></html>", "http://site.test/")


def test_adjacent_labels_are_items_of_one_group_w3schools():
    page = _page('<p id="qtext">What does CSS stand for?</p><div id="alt">'
                 '<label class="radiocontainer"> Colorful Style Sheets<input type="radio"></label>'
                 '<label class="radiocontainer"> Cascading Style Sheets<input type="radio"></label>'
                 '<label class="radiocontainer"> Computer Style Sheets<input type="radio"></label></div>')
    items = [ln.item[:2] for ln in page.lines() if ln.item]
    assert [i for _, i in items] == [0, 1, 2] and len({g for g, _ in items}) == 1
    q = extract_questions(page)[0]
    assert q.options == ("Colorful Style Sheets", "Cascading Style Sheets", "Computer Style Sheets")


def test_repeated_buttons_as_options_but_lone_buttons_are_controls():
    page = _page('<p>Q1. Which planet is largest?</p><div class="choices-row"><button>Mars</button>'
                 '<button>Jupiter</button><button>Venus</button></div><p>Answer: Jupiter</p>'
                 '<button>Next question</button>')
    q = extract_questions(page)
    assert [(x.options, x.answer) for x in q] == [(("Mars", "Jupiter", "Venus"), 1)]
    assert "Next question" not in [ln.text for ln in page.lines()]  # a lone button: skipped


def test_links_in_prose_are_no_group():
    page = _page('<p>See <a href="/a">part one</a>, <a href="/b">part two</a> and <a href="/c">part three</a> '
                 'for the rules.</p>')
    assert [ln.text for ln in page.lines()] == ["See part one, part two and part three for the rules."]


def test_highlighted_code_spans_stay_one_line():
    page = _page('<pre><span class="k">int</span> <span class="n">x</span> <span class="o">=</span> '
                 '<span class="m">5</span>;</pre>')
    assert [ln.text for ln in page.lines()] == ["int x = 5;"]


def test_the_question_is_the_whole_block_before_the_options():
    body = ('<div class="rec"><div class="qtxt"><p><b>Statements:</b> Some dogs are cats.</p>'
            '<p><b>Conclusions:</b></p><ol><li>Some cats are dogs.</li><li>No cat is a dog.</li></ol></div>'
            '<div class="choices"><div class="opt">Only 1 follows</div><div class="opt">Only 2 follows</div>'
            '<div class="opt">Neither follows</div></div><p class="answer">Answer: Option A</p></div>')
    page = _page(body)
    lines = merge_labels(page.lines())
    runs = find_runs(lines)
    opts = next(r for r in runs if r.options[0] == "Only 1 follows")
    assert question_start(lines, opts.start, opts.end) == 0
    q = extract_questions(page)
    assert [(x.question, x.answer) for x in q] == [
        ("Statements: Some dogs are cats. Conclusions: Some cats are dogs. No cat is a dog.", 0)]


def test_no_record_block_when_question_and_options_share_a_paragraph_sanfoundry():
    body = ('<p>1. What is Docker?<br>a) A VM<br>b) A container platform<br>c) A language<br>d) An OS</p>'
            '<div class="collapseomatic_content">Answer: b<br>Explanation: Docker runs containers.</div>'
            '<p>2. What is an image?<br>a) A template<br>b) A process<br>c) A disk<br>d) A file</p>'
            '<div class="collapseomatic_content">Answer: a<br>Explanation: Images are templates.</div>')
    q = extract_questions(_page(body))
    assert [(x.question, x.answer, x.explanation) for x in q] == [
        ("What is Docker?", 1, "Docker runs containers."), ("What is an image?", 0, "Images are templates.")]


def test_options_of_several_lines_examtopics():
    body = ('<p class="card-text">Which commands prompt only once?</p><ul>'
            '<li class="multi-choice-item"><span class="multi-choice-letter">A.</span> PROMPT x<br>SELECT &amp;x</li>'
            '<li class="multi-choice-item correct-hidden"><span class="multi-choice-letter">B.</span> DEFINE x<br>'
            'PROMPT x<br>SELECT &amp;&amp;x</li>'
            '<li class="multi-choice-item"><span class="multi-choice-letter">C.</span> SELECT &amp;x</li></ul>')
    q = extract_questions(_page(body))[0]
    assert q.options == ("PROMPT x SELECT &x", "DEFINE x PROMPT x SELECT &&x", "SELECT &x") and q.answer == 1


def test_numbered_lines_inside_a_question_are_no_options():
    body = ('<p class="card-text">You need to allow user ANDREW to:<br>1. Modify the TITLE column.<br>'
            '2. GRANT that permission to others.<br>Which statement will do this?</p><ul>'
            '<li>A. GRANT UPDATE (title) ON t TO andrew;</li><li>B. GRANT UPDATE (title) ON t TO andrew WITH GRANT '
            'OPTION;</li><li>C. GRANT ALL ON t TO andrew;</li></ul><p>Correct Answer: B</p>')
    q = extract_questions(_page(body))
    assert [(x.question, x.answer) for x in q] == [
        ("You need to allow user ANDREW to: 1. Modify the TITLE column. 2. GRANT that permission to others. "
         "Which statement will do this?", 1)]


def test_question_answer_tables_pubquizquestions():
    rows = "".join(f'<tr><td><span title="Source">{q}<br></span></td><td><strong>{a}</strong></td>'
                   '<td><form><input name="qid" type="hidden" value="1"></form></td></tr>'
                   for q, a in [("What Do You Call A Group Of Kangeroos", "A Troop"),
                                ("What Does A Butterfly Use To Taste", "Its Feet")])
    body = f'<table class="table"><thead><tr><th>Question</th><th>Answer</th><th></th></tr></thead><tbody>{rows}</tbody></table>'
    q = extract_questions(_page(body))
    assert [(x.question, x.options, x.answer, x.answer_text) for x in q] == [
        ("What Do You Call A Group Of Kangeroos", (), None, "A Troop"),
        ("What Does A Butterfly Use To Taste", (), None, "Its Feet")]


def test_a_table_with_an_options_column_is_read_as_multiple_choice_only():
    body = ('<table><tr><th>#</th><th>Question</th><th>Options</th><th>Answer</th></tr>'
            '<tr><td>1</td><td>What is 3 x 4?</td><td>A) 7<br>B) 12<br>C) 34</td><td>B</td></tr></table>')
    q = extract_questions(_page(body))
    assert [(x.question, x.options, x.answer) for x in q] == [("What is 3 x 4?", ("7", "12", "34"), 1)]


def test_a_table_without_a_question_column_gives_no_free_questions():
    body = ('<table><tr><th>Topic</th><th>Answer key</th></tr><tr><td>Algebra basics revision</td><td>p. 12</td>'
            '</tr></table>')
    assert extract_questions(_page(body)) == []


def test_a_numbered_list_right_above_radio_options_is_part_of_the_question_moodle():
    radios = "".join(f'<div class="r0"><input type="radio"><div class="d-flex"><span class="answernumber">{c}. </span>'
                     f'<div class="flex-fill"><p>{t}</p></div></div></div>'
                     for c, t in zip("abcd", ["2, 3, 5", "2, 3, 4", "1, 4, 5", "1, 4, 3"], strict=True))
    body = ('<div class="que multichoice notyetanswered"><div class="info"><h3 class="no">Pregunta 8</h3>'
            '<div class="state">Sin responder aún</div></div><div class="content"><div class="formulation">'
            '<h4 class="accesshide">Texto de la pregunta</h4><div class="qtext"><p>From the list, pick the parts of '
            'MS DOS:</p><p>1. Three levels.</p><p>2. BIOS in ROM.</p><p>3. Several layers.</p><p>4. User programs.</p>'
            '</div><fieldset><legend class="prompt">Pregunta 8 Seleccione una:</legend><div class="answer">'
            f'{radios}</div></fieldset></div></div></div>')
    q = extract_questions(_page(body))
    assert [(x.question, x.options) for x in q] == [
        ("From the list, pick the parts of MS DOS: 1. Three levels. 2. BIOS in ROM. 3. Several layers. "
         "4. User programs.", ("2, 3, 5", "2, 3, 4", "1, 4, 5", "1, 4, 3"))]
