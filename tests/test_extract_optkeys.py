"""Answers named by an option's key (optkeys.py), and the right option's own feedback.

Each snippet is one record of a real page of the held-out development set (docs/benchmarks.md,
"Held-out extraction"), cut down to the record, texts kept: a docs site's mastery check
(`li.mc-item data-correct="0"` over radio values 0-2, a hidden note under every choice), a
maths course's check (`div.mc data-answer="c"` over `<button data-key>`, feedback divs keyed
like the buttons), a school quiz whose answer key is a script object by input name, a lesson's
buttons with `data-explain`, a course module's `div.quiz-explain`. A test that names a signal
asserts the answer came from it (the candidates' `how`), so another signal cannot pass for it.
"""

from __future__ import annotations

from scraped.engine.extract import Page, extract_questions
from scraped.engine.extract.auto import Candidate, extract_auto

NAV = '<nav><ul><li><a href="/">Home</a></li><li><a href="/docs">Docs</a></li></ul></nav>'


def _page(body: str) -> Page:
    return Page(f"<html><body>{NAV}<main>{body}</main><footer>© site</footer></body></html>", "http://site.test/q/")


def _qs(body: str):
    return extract_questions(_page(body))


def _how(body: str) -> list[str]:
    cands: list[Candidate] = []
    extract_auto(_page(body).lines(), None, cands)
    return [c.how for c in cands if c.verdict.startswith("kept")]


def _mc_item(correct: str, n: int, notes: bool = False) -> str:
    opts = ["No — units are opaque tags; the host plugin decides what each suffix means.",
            "Yes — <code>ms</code> is a built-in unit.",
            "Only if the document declares <code>:units (ms ...)</code>."]
    items = []
    for v, text in enumerate(opts):
        note = (f'<p class="mc-explanation" hidden>{"Correct." if str(v) == correct else "No."} '
                f'Option {v} is explained here at some length.</p>') if notes else ""
        items.append(f'<li><label><input type="radio" name="q-units-{n}" value="{v}" /> <span>{text}</span></label>'
                     f'{note}</li>')
    return (f'<li class="mc-item" data-correct="{correct}"><p class="mc-q">Does SJON itself know that '
            f'<code>ms</code> means milliseconds? ({n})</p><ul class="mc-options">{"".join(items)}</ul>'
            '<p class="mc-feedback" hidden></p></li>')


def _mastery(*items: str) -> str:
    return (f'<section class="mastery-quiz"><h2>Mastery Check</h2><ol class="mc-list">{"".join(items)}</ol>'
            '<div class="mc-controls"><button type="button" class="mc-submit">Submit answers</button></div></section>')


def test_container_index_zero_is_a_key_not_false():
    # data-correct="0" on the question's <li>: index 0 into the radio values, not "false"
    qs = _qs(_mastery(_mc_item("0", 1), _mc_item("2", 2)))
    assert [q.answer for q in qs] == [0, 2]
    assert qs[1].answer_text == "Only if the document declares :units (ms ...)."
    assert _how(_mastery(_mc_item("0", 1), _mc_item("2", 2))) == ["data: an option's key"] * 2


def test_container_one_is_a_key_not_true_for_every_option():
    # data-correct="1" on the container used to mark all three options correct (no answer)
    qs = _qs(_mastery(_mc_item("1", 1)))
    assert len(qs) == 1 and qs[0].answer == 1


def test_hidden_note_under_every_choice_keeps_the_options_and_explains_the_answer():
    # each <li> holds the choice and a hidden "Correct./No." note: still one question of three options
    qs = _qs(_mastery(_mc_item("0", 1, notes=True), _mc_item("1", 2, notes=True)))
    assert [len(q.options) for q in qs] == [3, 3]
    assert [q.answer for q in qs] == [0, 1]
    assert qs[0].explanation == "Correct. Option 0 is explained here at some length."
    assert qs[1].explanation == "Correct. Option 1 is explained here at some length."
    assert not any("explained here" in o for q in qs for o in q.options)


_MC = """<div class="mc" data-answer="{answer}">
<p class="mc-q">Let \\(\\sigma = (1\\,2\\,3)\\) and \\(\\tau = (3\\,4)\\). What is \\(\\sigma\\tau(3)\\)?</p>
<button class="mc-opt" data-key="a">\\(1\\)</button>
<button class="mc-opt" data-key="b">\\(2\\)</button>
<button class="mc-opt" data-key="c">\\(4\\)</button>
<button class="mc-opt" data-key="d">\\(3\\)</button>
<div class="mc-fb" data-key="a"><p>That is \\(\\tau\\sigma(3)\\). You applied \\(\\sigma\\) first.</p></div>
<div class="mc-fb" data-key="b"><p>Neither factor sends \\(3\\) to \\(2\\).</p></div>
<div class="mc-fb" data-key="c"><p>Right. \\(\\tau\\) sends \\(3\\) to \\(4\\), and then \\(\\sigma\\) fixes \\(4\\).</p></div>
<div class="mc-fb" data-key="d"><p>\\(\\tau\\) moves \\(3\\), so the product cannot fix \\(3\\).</p></div>
</div>"""


def test_container_answer_names_a_button_key_and_its_keyed_feedback_explains():
    body = '<div class="act check"><h2>Right to left</h2>' + _MC.format(answer="c") + "</div>"
    (q,) = _qs(body)
    assert q.answer == 2 and q.answer_text == r"\(4\)"
    assert q.explanation == r"Right. \(\tau\) sends \(3\) to \(4\), and then \(\sigma\) fixes \(4\)."
    assert _how(body) == ["data: an option's key"]


def test_an_options_own_data_key_is_not_the_answer():
    # before: the first button's data-key="a" was read as the answer (A), an invented one
    body = '<div class="act check"><h2>Right to left</h2>' + _MC.replace(' data-answer="{answer}"', "") + "</div>"
    cands: list[Candidate] = []
    extract_auto(_page(body).lines(), None, cands)
    assert [len(c.options) for c in cands] == [4]
    assert cands[0].answer is None and cands[0].how == ""  # weighed with no answer
    assert [q.answer for q in _qs(body)] in ([], [None])  # (kept or not, by its options' class "mc-opt": no answer)


_FEITEC = """<form id="quizForm">{questions}<button type="button" onclick="verificarRespostas()">Enviar</button></form>
<script>
function verificarRespostas() {{
  const respostasCertas = {key};
  const resp = document.querySelector('input[name="q1"]:checked')?.value || "";
}}
</script>"""
_PERGUNTAS = [
    ("O que significa a sigla HTML?", ["Hyper Trainer Marking Language", "Hyper Text Markup Language",
                                       "Home Tool Markup Language", "Nenhuma das anteriores"]),
    ("No que podemos usar o CSS?", ["Para estilizar páginas HTML", "Para gerenciar bancos de dados",
                                    "Para criar servidores", "Para compilar código C"]),
    ("O que faz o JavaScript?", ["Linguagem de marcação", "Folha de estilo",
                                 "Linguagem de programação para web", "Banco de dados"]),
]


def _feitec(key: str) -> str:
    blocks = []
    for n, (text, opts) in enumerate(_PERGUNTAS, 1):
        labels = "".join(f'<label><input type="radio" name="q{n}" value="{v}"> {v}) {o}</label>'
                         for v, o in zip("abcd", opts, strict=True))
        blocks.append(f'<div class="pergunta"><p>{n}. {text}</p>{labels}</div>')
    return _FEITEC.format(questions="".join(blocks), key=key)


def test_script_answer_key_by_input_name():
    body = _feitec('{ q1: "b", q2: "a", q3: "c" }')
    qs = _qs(body)
    assert [q.answer for q in qs] == [1, 0, 2]
    assert qs[0].answer_text == "Hyper Text Markup Language"
    assert _how(body) == ["script: answer key"] * 3


def test_script_key_values_that_name_no_option_give_nothing():
    # a script object keyed like the inputs whose values are no option's key or text: not an answer key
    qs = _qs(_feitec('{ q1: "hello", q2: "world", q3: "zzz" }'))
    assert [q.answer for q in qs] == [None, None, None]


def test_one_stray_script_value_is_not_an_answer_key():
    # only q1 appears in the script (the querySelector line, and one "q1: 'b'"): one hit is no key
    qs = _qs(_feitec("{ q1: 'b' }"))
    assert [q.answer for q in qs] == [None, None, None]


def test_explanation_attribute_on_the_right_button():
    body = """<div class="quiz" id="quiz-1">
<p>In the passage above, what is the authors' tone towards the finding?</p>
<button class="quiz-option" data-correct="false" data-explain="No evaluative words of praise appear; the authors do not celebrate the result.">Enthusiastic and approving.</button>
<button class="quiz-option" data-correct="true" data-explain="The word caution and the two stated limits mark a cautious, qualified attitude to the finding.">Cautious and qualified.</button>
<button class="quiz-option" data-correct="false" data-explain="The authors report the study without dismissing it.">Dismissive and sceptical.</button>
<div class="quiz-feedback"></div></div>"""
    (q,) = _qs(body)
    assert q.answer == 1
    assert q.explanation == "The word caution and the two stated limits mark a cautious, qualified attitude to the finding."


def test_quiz_explain_class_is_an_explanation():
    body = """<div class="module-quiz"><h3>Module Quiz</h3>
<div class="quiz-q" data-answer="C">
<p>1. What is "batch processing" in the context of image editing?</p>
<label><input type="radio" name="q1" value="0"> A. Editing one image very thoroughly</label>
<label><input type="radio" name="q1" value="1"> B. Uploading images to cloud storage</label>
<label><input type="radio" name="q1" value="2"> C. Applying the same operation to many images automatically</label>
<label><input type="radio" name="q1" value="3"> D. Combining multiple images into one collage</label>
<div class="quiz-explain">Batch processing means automating repetitive tasks across many files.</div>
</div></div>"""
    (q,) = _qs(body)
    assert q.answer == 2
    assert q.explanation == "Batch processing means automating repetitive tasks across many files."


def _germany(flags: list[str], fn: list[str] | None = None) -> str:
    """A Georgian school quiz's question: three buttons with inline handlers (second held-out set)."""
    opts = ["შვეიცარია", "ნიდერლანდები", "პორტუგალია"]
    fn = fn or ["checkAnswer"] * 3
    buttons = "".join(f'<button onclick="{f}(this, {flag})">{o}</button>' for f, flag, o in zip(fn, flags, opts, strict=True))
    return (f'<div class="container"><div class="question"><p><strong>1. რომელ ქვეყანას არ ესაზღვრება გერმანია?'
            f'</strong></p>{buttons}</div></div>')


def test_inline_handler_true_on_one_option():
    body = _germany(["false", "false", "true"])
    (q,) = _qs(body)
    assert q.answer == 2 and q.answer_text == "პორტუგალია"
    assert _how(body) == ["handler: inline true/false"]


def test_inline_handlers_that_do_not_single_one_out_give_nothing():
    # two options say true, or the calls differ by more than the flag: the flag names no one option
    for body in (_germany(["true", "false", "true"]),
                 _germany(["false", "false", "true"], fn=["checkAnswer", "checkAnswer", "reveal"])):
        cands: list[Candidate] = []
        extract_auto(_page(body).lines(), None, cands)
        assert [c.answer for c in cands] == [None]


_PHYSICS = """<form name="quiz"><font size="3"><ol>
<li><b> Magnetic monopoles exist: ___</b><br>
   <span id="correct1"><input type="radio" name="q1" value="correct"> no </span><br>
   <input type="radio" name="q1" value="wrong"> they are not yet found  but theritically they exist <br>
   <input type="radio" name="q1" value="wrong"> none of the above<br>
</li><br /><hr><br />
<li><b> Do you think if a static charge produces magnetic field </b><br>
   <input type="radio" name="q2" value="wrong"> yes<br>
   <span id="correct2"><input type="radio" name="q2" value="correct"> no</span><br>
   <input type="radio" name="q2" value="wrong"> may be <br>
   <input type="radio" name="q2" value="wrong"> None of the above <br>
</li><br /><hr><br />
</ol><input type="button" onClick="checkQuiz()" value="check quiz"></font></form>"""


def test_questions_in_a_list_with_br_separated_radios_and_value_correct():
    # a physics quiz (third held-out set): each <li> is a question, its radios separated by <br>;
    # the outer list is not one question's options, and value="correct" names the answer
    qs = _qs(_PHYSICS)
    assert [q.question for q in qs] == ["Magnetic monopoles exist: ___",
                                        "Do you think if a static charge produces magnetic field"]
    assert [len(q.options) for q in qs] == [3, 4]
    assert [q.answer for q in qs] == [0, 1]
    assert _how(_PHYSICS) == ["input: value says right"] * 2


def test_value_naming_the_option_is_not_a_verdict():
    # True/False radios whose values are the options' own words: value="true" is not "correct"
    body = """<div class="question"><p>1. The MHFRP is a Federal Reimbursement Program that funds your agency?</p>
<label><input type="radio" name="q1" value="true"> True</label>
<label><input type="radio" name="q1" value="false"> False</label></div>"""
    cands: list[Candidate] = []
    extract_auto(_page(body).lines(), None, cands)
    assert [c.answer for c in cands] == [None]
