"""Extraction on real pages (tests/fixtures/real/): the corpus is well-formed and auto holds its floors.

The corpus is pages saved from public question sites, found in public repositories (see each
site's PROVENANCE.md), with a truth file written by reading the page. The floors below are
what `auto` reaches today (bench/extract_quality.py prints the same numbers): when the
extractor finds fewer questions, gets fewer answers right or invents more on any listed page,
these tests fail. Raise a floor when the extractor gets better; never lower one to make a
change pass. Pages added to the corpus without a floor are still checked for truth and
provenance, and count in the overall numbers only once they get a floor here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.extract_quality import extract_page
from bench.quality_match import (
    CorpusPage,
    load_corpus,
    norm_question,
    score_page,
    totals,
    truth_problems,
)

REAL = Path(__file__).resolve().parent / "fixtures" / "real"

# page id: (questions found at least, answers right at least, invented at most,
#           spurious answers at most: answers given where the truth has none)
FLOORS: dict[str, tuple[int, int, int, int]] = {
    "canvas-osu/cs372-module-3-summary-exercise": (37, 20, 0, 0),
    "chaoxing-exam/network-exam-review-435": (414, 395, 8, 1),
    "chaoxing-exam/network-exam-taking-q1": (0, 0, 0, 0),
    "mandarinbean-watupro/h20901-reading-result": (25, 25, 0, 0),
    "mandarinbean-watupro/h20902-reading-result": (24, 24, 1, 0),
    "moodle-archiver-review/reference-quiz-attempt23-review": (10, 6, 0, 0),
    "examtopics/1z0-071-topic1-q10": (1, 1, 0, 0),
    "examtopics/1z0-071-topic1-q105": (1, 1, 0, 0),
    "examtopics/1z0-071-topic1-q13": (1, 1, 0, 0),
    "examtopics/1z0-071-topic1-q177": (1, 1, 0, 0),
    "examtopics/1z0-071-topic1-q264": (1, 1, 0, 0),
    "examtopics/aws-dea-c01-topic1-q1": (1, 1, 0, 0),
    "examtopics/aws-dea-c01-topic1-q2": (1, 1, 0, 0),
    "examtopics/aws-dea-c01-topic1-q3": (1, 1, 0, 0),
    "indiabix/basic-gk-2025": (5, 5, 0, 0),
    "indiabix/block-analogies-q6": (1, 1, 0, 0),
    "indiabix/block-blood-relation-q3": (1, 1, 0, 0),
    "indiabix/block-cause-effect-q1": (1, 1, 0, 0),
    "indiabix/block-data-sufficiency-q1": (1, 1, 0, 0),
    "indiabix/block-direction-sense-q5": (1, 1, 0, 0),
    "indiabix/block-essential-part-q1": (1, 1, 0, 0),
    "indiabix/block-letter-series-q1": (1, 1, 0, 0),
    "indiabix/block-number-series-q1": (1, 1, 0, 0),
    "indiabix/block-odd-man-out-q1": (1, 1, 0, 0),
    "indiabix/block-problems-on-ages-q2": (1, 1, 0, 0),
    "indiabix/block-statement-argument-q1": (1, 1, 0, 0),
    "indiabix/block-statement-assumption-q4": (1, 1, 0, 0),
    "indiabix/block-syllogism-q2": (1, 1, 0, 0),
    "indiabix/block-theme-detection-q1": (1, 1, 0, 0),
    "indiabix/home-2018": (0, 0, 0, 0),
    "indiabix/problems-on-numbers-2025": (5, 5, 0, 0),
    "itexamanswers/cyberops-associate-1-0-final-exam": (192, 108, 0, 0),
    "j-archive/show-1-premiere": (48, 48, 0, 0),
    "j-archive/show-317-first-24-clues": (24, 24, 0, 0),
    "j-archive/show-366-no-clues": (0, 0, 0, 0),
    "j-archive/show-7423-full-game": (56, 56, 0, 0),
    "javatpoint/aptitude-average-test-1": (5, 5, 0, 0),
    "javatpoint/aptitude-numbers-test-1": (5, 5, 0, 0),
    "javatpoint/aptitude-probability-test-1": (5, 5, 0, 0),
    "javatpoint/java-abstract-class-article": (0, 0, 0, 0),
    "moodle-boost-review/truefalse-attempt-review": (1, 1, 0, 0),
    "moodle-unadm/ddoo-activity-1-quiz": (10, 0, 0, 0),
    "moodle-unadm/ddoo-diagnostic-exam": (10, 0, 0, 0),
    "moodle-unadm/dsop-activity-1-quiz": (10, 0, 0, 0),
    "moodle-unadm/dsop-diagnostic-exam": (10, 0, 0, 0),
    "oab-exame/editais-44-exam-index": (0, 0, 0, 0),
    "oab-exame/editais-exam-select": (0, 0, 0, 0),
    "oab-exame/editais-xxv-exam-index": (0, 0, 0, 0),
    "pendulumedu/ca-quiz-2025-11-16-17": (20, 0, 0, 0),
    "pubquizquestions/animals-page-1": (30, 30, 0, 0),
    "quizlet/mln131-flashcard-set": (199, 199, 0, 0),
    "quizoftheday/app-shell-2025": (0, 0, 0, 0),
    "sanfoundry/analog-comm-single-side-band": (10, 10, 0, 0),
    "sanfoundry/docker-mcq": (46, 46, 0, 0),
    "sanfoundry/kubernetes-mcq": (45, 45, 0, 0),
    "tutorialspoint/android-online-test-start": (0, 0, 0, 0),
    "tutorialspoint/c-mock-test-1": (50, 50, 0, 0),
    "tutorialspoint/c-online-quiz": (10, 10, 0, 0),
    "tutorialspoint/css-online-quiz": (10, 10, 0, 0),
    "w3schools/quiz-aws-cloud-q1": (1, 0, 0, 0),
    "w3schools/quiz-c-q1": (1, 0, 0, 0),
    "w3schools/quiz-html-q1": (1, 0, 0, 0),
    "w3schools/quiz-index": (0, 0, 0, 0),
    "w3schools/sql-quiz-intro-2018": (0, 0, 0, 0),
    # held-out pages moved here once measured (docs/benchmarks.md, HELD-7a to HELD-9b)
    "gmeek-leadtechinterview/back-of-envelope-quiz": (5, 5, 0, 0),
    "h5bp-fed-interview/html-questions": (13, 0, 0, 0),
    "h5bp-fed-interview/network-questions": (7, 0, 0, 0),
    "h5bp-fed-interview/testing-questions": (5, 0, 0, 0),
    "mkdocs-macro-course-quizzes/module-01-quiz": (25, 25, 0, 0),
    "mkdocs-macro-course-quizzes/module-07-quiz": (30, 30, 0, 0),
    "mkdocs-quiz-kubernetes-guide/kubernetes-quiz": (50, 50, 0, 0),
    "practice-dsc10/fa23-quiz1": (9, 8, 0, 0),
    "practice-dsc10/fa24-quiz1": (5, 5, 1, 0),
    "python-docs-faq/faq_extending": (17, 17, 0, 0),
    "python-docs-faq/faq_general": (23, 23, 0, 0),
    "secplus-study/practice-exam": (76, 76, 0, 0),
    "secplus-study/flashcards": (105, 105, 0, 0),
    "supermark-ttm4175/mqtt-preparation-1": (6, 6, 0, 0),
    "supermark-ttm4175/supermark-quiz-doc": (2, 2, 0, 0),
    "theol-xmu/maogai-c-test1-review": (39, 29, 0, 0),
    "theol-xmu/maogai-charliej-result1-server": (39, 30, 0, 0),
    "theol-xmu/mayuan-pq-2-submissions-decoy": (0, 0, 0, 0),
    "theol-xmu/shigang-g3-1-graded": (40, 30, 0, 0),
    "zno-osvita/history_ww1": (47, 42, 0, 0),
    "zno-osvita/ukr_stress": (36, 36, 0, 0),
    "drosjeloyve-course/eksamenQ1": (21, 21, 0, 0),
    "drosjeloyve-course/foretaksregisterloven": (17, 17, 0, 0),
    "drosjeloyve-course/internkontrollforeskrift": (20, 20, 0, 0),
    "drosjeloyve-course/kap1": (8, 8, 0, 0),
    "drosjeloyve-course/taksameter": (78, 77, 0, 1),
    "hm86-exam-contest/paper2": (100, 0, 0, 1),
    "jupyter-book-python-essentials/python_quiz": (13, 0, 0, 0),
    "pl405-learning-licence/learning-licence-questions": (10, 10, 0, 0),
    "swcarpentry-gapminder/11-lists": (8, 8, 0, 0),
    "swcarpentry-gapminder/12-for-loops": (10, 10, 0, 0),
}

# pages of the held-out rounds HELD-13a to HELD-18a, moved here once measured at first sight
# (docs/benchmarks.md); their overall floors are apart, below: they are the newer layouts
PROMOTED_FLOORS: dict[str, tuple[int, int, int, int]] = {
    "algonotes-review/review-questions": (21, 20, 0, 0),
    "arunpanthi-loksewa/public-service-charter-mcq": (98, 98, 0, 0),
    "blogger-tamil-quiz/tamil-language-origin-quiz": (20, 20, 0, 0),
    "c-language-notes/mcq-arrays": (10, 10, 0, 0),
    "c-language-notes/mcq-loops": (10, 10, 0, 0),
    "c-language-notes/mcq-pointers": (10, 10, 0, 0),
    "clf-c02-prep/practice-questions": (5, 4, 0, 0),
    "csc351-exam-prep/exam-sqli": (8, 5, 0, 0),
    "csc351-exam-prep/exam-xss": (8, 8, 0, 0),
    "digital-ai-finance-quiz/cryptocurrency-quiz1": (20, 20, 0, 0),
    "digital-ai-finance-quiz/digital-finance-intro-quiz1.1": (20, 20, 0, 0),
    "dotnet-interview-qa/csharp-coding-interview-questions": (72, 70, 0, 0),
    "dotnet-interview-qa/cyient-interview-questions": (31, 31, 0, 0),
    "dotnet-interview-qa/sql-interview-questions": (98, 96, 0, 0),
    "exelearning-lectura-critica/activacin_de_conocimiento": (3, 3, 0, 0),
    "exelearning-lectura-critica/lectura_literal": (2, 2, 0, 0),
    "exelearning-lectura-critica/texto_argumentativo": (4, 4, 0, 0),
    "exelearning-preguntas/index": (24, 24, 4, 0),
    "exelearning-sesion11/desarrollo": (0, 0, 2, 0),
    "feup-quiz-trainer/fpro-te01": (6, 0, 0, 0),
    "funtrivia/humanities-mix-vol-19": (10, 9, 2, 0),
    "gk-with-faisal/mcqs": (2, 2, 0, 0),
    "ielts-helper-bn/practice": (48, 40, 3, 0),
    "ielts-prep-raquel/day-1": (25, 10, 1, 0),
    "ielts-prep-raquel/mock-test-old": (5, 0, 1, 0),
    "imoria-afns-chemistry/practice-test": (50, 50, 0, 0),
    "intro-python-quizzes/week-01-day-01": (10, 10, 0, 0),
    "intro-python-quizzes/week-02-day-07": (10, 10, 0, 0),
    "intro-python-quizzes/week-04-day-17": (10, 10, 0, 0),
    "iscam-runestone/inv-4-4": (1, 0, 0, 0),
    "ist3110-rexams-quarto/quiz": (3, 3, 0, 0),
    "ittest-ru/attestation-day1": (39, 0, 0, 0),
    "jaxson-hexo-java-interview/java-interview-questions": (38, 36, 0, 0),
    "kfupm-ce341/quiz1": (7, 6, 1, 0),
    "learncbse/gk-questions": (50, 50, 0, 0),
    "learncbse/mcq-class-10-science-acids-bases-salts": (37, 37, 0, 0),
    "mhtcet-law-portal/logical-reasoning-top20": (20, 20, 0, 0),
    "naquiz-quarto/example": (1, 1, 1, 0),
    "omkarsir-nied/check-15-sawal-bilingual-solution-booklet": (24, 12, 14, 0),
    "opendsa-khan-exercises/Week0Quiz": (0, 0, 0, 0),
    "opendsa-khan-exercises/Week1ReadingQuiz": (0, 0, 0, 0),
    "pakistanmcqshub/analytical-reasoning-coding-decoding": (3, 0, 0, 0),
    "pakistanmcqshub/subject-verbal-reasoning": (3, 0, 0, 0),
    "paperskuduniya-gktoday-quiz/ca-quiz-october-2025": (20, 20, 0, 0),
    "paperskuduniya-gktoday-quiz/ca-quiz-september-2025": (18, 18, 0, 0),
    "pji-enem-pt/biologicas-enem": (15, 0, 0, 0),
    "pji-enem-pt/humanas-enem": (58, 0, 1, 0),
    "prepre-real-estate/calprepre-practice-questions": (20, 20, 0, 0),
    "prepre-real-estate/gatorprepre-practice-questions": (20, 20, 0, 0),
    "psyteachr/msc-data-skills-intro": (10, 10, 0, 0),
    "psyteachr/quant-fun-v2-programming-basics": (6, 6, 1, 0),
    "publii-testbyte/q1": (1, 0, 0, 0),
    "python-training-mcqs/mcqs": (40, 0, 0, 0),
    "qcmenligne-transversal/qcm-transversal": (9, 9, 1, 0),
    "quizdown-quizplosion/sap-c02-practice-exam": (9, 4, 1, 0),
    "quizdown-rs-preview/java-syntax-01": (5, 0, 0, 0),
    "runestone-apcsareview/listMedMC": (10, 10, 0, 0),
    "runestone-apcsareview/vEasyMC": (14, 14, 0, 0),
    "runestone-studentcsp/exam16a17": (7, 7, 0, 0),
    "runestone-studentcsp/pretest": (11, 11, 0, 0),
    "runestone-thinkcspy/Dictionarymethods": (5, 5, 0, 0),
    "runestone-thinkcspy/ListMethods": (4, 4, 0, 0),
    "runestone-thinkcspy/functions": (7, 7, 0, 0),
    "sjmaths-cbse/class10-statistics-mcqs": (8, 8, 2, 0),
    "sjmaths-cbse/class10-unit-test-2-algebra": (7, 0, 2, 0),
    "svu-pat-iq/svu-iq-test": (6, 3, 0, 0),
    "tnpsc-ca-drill/ca-drill-July-01-2026": (22, 22, 0, 0),
    "tnpsc-ca-drill/ca-drill-July-09-2026": (24, 24, 0, 0),
    "tnpsc-ca-drill/ca-drill-June-15-2026": (22, 22, 0, 0),
    "ug-level1-prac/probability-dist": (12, 10, 2, 1),
    "ugcnet-statistics/pyq2026": (149, 149, 1, 0),
    "de-betriebssysteme/05_scheduling": (10, 10, 1, 0),
    "de-betriebssysteme/uebungen": (25, 25, 0, 0),
    "maoz-nursing-prep/english-start": (5, 5, 0, 0),
    "maoz-nursing-prep/kanjiexampage": (4, 0, 1, 0),
    "maoz-nursing-prep/oxygenmath": (4, 4, 0, 0),
    "okayama-iip3/kaisetsu": (0, 0, 0, 0),
    "okayama-iip3/mondai": (0, 0, 0, 0),
    "pl-egzamin-quarto/numeryczne": (11, 11, 0, 0),
    "pl-egzamin-quarto/walidacja": (30, 30, 0, 0),
    "vn-history-baitap/trac-nghiem": (20, 20, 0, 0),
    "apchem-study-guide/test-yourself": (0, 0, 3, 0),
    "chem1202-solutions/practice-problems-solutions": (0, 0, 12, 0),
    "csharp-interview-prep/assignment": (0, 0, 0, 0),
    "html-interview-amal/interview": (18, 16, 0, 0),
    "mkt3717-course/sample-questions": (48, 48, 0, 0),
    "ust-ai-ethics/knowledge-check": (0, 0, 1, 0),
}
# over the pages of FLOORS: found / truth questions, right / answers with a truth answer (the
# Chaoxing review page's 434 questions, 414 found and 394 of 410 answers right, weigh on both)
RECALL_FLOOR = 0.98
ANSWER_FLOOR = 0.98
EXPLANATION_FLOOR = 0.94  # of found questions whose truth has an explanation: the one the page gives
# over the pages of PROMOTED_FLOORS (1664 questions; at 0.88, 0.94 and 0.79 with the last fixes)
PROMOTED_RECALL_FLOOR = 0.87
PROMOTED_ANSWER_FLOOR = 0.93
PROMOTED_EXPLANATION_FLOOR = 0.79


@pytest.fixture(scope="module")
def corpus() -> dict[str, CorpusPage]:
    return {p.page_id: p for p in load_corpus(REAL)}


def test_every_page_has_a_wellformed_truth_and_a_provenance_entry():
    pages = sorted(REAL.glob("*/*.html"))
    assert pages, "no pages under tests/fixtures/real"
    for html in pages:
        truth = html.with_name(html.name[:-len(".html")] + ".truth.json")
        assert truth.is_file(), f"{html.relative_to(REAL)} has no {truth.name}"
        assert truth_problems(json.loads(truth.read_text(encoding="utf-8"))) == [], truth
        prov = html.parent / "PROVENANCE.md"
        assert prov.is_file(), f"{html.parent.name} has no PROVENANCE.md"
        text = prov.read_text(encoding="utf-8")
        assert html.name in text, f"{prov.relative_to(REAL)} does not list {html.name}"
        flat = " ".join(text.replace("*", "").lower().split())  # markdown emphasis and line breaks
        assert "for evaluation only" in flat, f"{prov.relative_to(REAL)}: no evaluation-only note"
    for truth in REAL.glob("*/*.truth.json"):  # and no truth without its page
        assert truth.with_name(truth.name[:-len(".truth.json")] + ".html").is_file(), truth


def test_every_floor_names_a_page_of_the_corpus(corpus):
    assert sorted(set(FLOORS) - set(corpus)) == []
    assert sorted(set(PROMOTED_FLOORS) - set(corpus)) == []
    assert set(FLOORS).isdisjoint(PROMOTED_FLOORS)


@pytest.mark.slow
@pytest.mark.parametrize("floors, recall_floor, answer_floor, explanation_floor", [
    (FLOORS, RECALL_FLOOR, ANSWER_FLOOR, EXPLANATION_FLOOR),
    (PROMOTED_FLOORS, PROMOTED_RECALL_FLOOR, PROMOTED_ANSWER_FLOOR, PROMOTED_EXPLANATION_FLOOR),
], ids=["corpus", "promoted"])
def test_auto_holds_its_floor_on_every_listed_page(corpus, floors, recall_floor, answer_floor, explanation_floor):
    scores = []
    below = []
    for page_id, (found_min, right_min, invented_max, spurious_max) in sorted(floors.items()):
        page = corpus[page_id]
        s = score_page(page_id, page.truth["questions"], extract_page(page))
        scores.append(s)
        if (s.found < found_min or s.answers_right < right_min or s.invented > invented_max
                or s.spurious > spurious_max):
            below.append(f"{page_id}: found {s.found} (floor {found_min}), answers right "
                         f"{s.answers_right} (floor {right_min}), invented {s.invented} "
                         f"(at most {invented_max}), spurious answers {s.spurious} (at most "
                         f"{spurious_max}); missed {s.missed[:3]}, wrong {s.wrong[:3]}, "
                         f"invented {s.invented_texts[:3]}")
    assert below == []
    t = totals(scores)
    assert t.recall >= recall_floor, f"recall {t.recall:.3f} < {recall_floor}"
    assert t.answer_accuracy >= answer_floor, f"answer accuracy {t.answer_accuracy:.3f} < {answer_floor}"
    assert t.explanation_recall >= explanation_floor, (
        f"explanation recall {t.explanation_recall:.3f} < {explanation_floor}")


# -- the scoring itself: what wrong matching would pass the floors above ----------------------

def _q(text, options=("one", "two", "three", "four"), answer=None, expl=None):
    letter = None if answer is None else "ABCD"[answer]
    return {"question": text, "options": list(options), "answer": letter,
            "answer_text": None if answer is None else options[answer], "explanation": expl}


def _got(text, options=("one", "two", "three", "four"), answer=None, answer_text=None, expl=None):
    return {"question": text, "options": list(options), "answer": answer,
            "answer_text": answer_text, "explanation": expl}


def test_numbering_case_spacing_and_punctuation_do_not_hide_a_match():
    assert norm_question("Q12. What is  the Capital of France?") == "what is the capital of france"
    assert norm_question("12) What is the capital of France") == "what is the capital of france"
    assert norm_question("Question 3: Which one?") == "which one"
    s = score_page("p", [_q("What is the capital of France?", answer=1)],
                   [_got("3.  what is the capital   of France", answer=1)])
    assert (s.found, s.answers_total, s.answers_right, s.invented) == (1, 1, 1, 0)


def test_a_different_question_is_missed_and_counted_invented():
    s = score_page("p", [_q("What is the capital of France?")],
                   [_got("What is the capital of Germany and of Austria?")])
    assert (s.found, s.invented) == (0, 1)
    assert s.missed == ["What is the capital of France?"]


def test_wrong_answers_and_missing_answers_are_not_right():
    truth = [_q("Which is even?", answer=1), _q("Which is odd?", answer=0), _q("Pick none", answer=None)]
    got = [_got("Which is even?", answer=2), _got("Which is odd?"), _got("Pick none", answer=3)]
    s = score_page("p", truth, got)
    assert (s.found, s.answers_total, s.answers_right) == (3, 2, 0)
    # an answer given only as text counts when it is the option's text, label or not
    s = score_page("p", [_q("Which is even?", answer=1)], [_got("Which is even?", answer_text="(b) Two")])
    assert s.answers_right == 1


def test_an_answer_where_the_page_gives_none_is_spurious():
    truth = [_q("Which is even?"), _q("Which is odd?")]
    s = score_page("p", truth, [_got("Which is even?", answer=3), _got("Which is odd?")])
    assert (s.found, s.answers_total, s.spurious) == (2, 0, 1)


def test_one_extracted_question_pairs_with_one_truth_question_and_copies_are_not_invented():
    truth = [_q("Which planet is the largest?"), _q("Which planet is the smallest?")]
    got = [_got("Which planet is the largest?"), _got("Which planet is the largest?")]
    s = score_page("p", truth, got)
    assert (s.found, s.invented) == (1, 0)
    assert s.missed == ["Which planet is the smallest?"]


def test_questions_with_one_text_are_told_apart_by_their_options():
    # zno.osvita.ua asks "На другий склад падає наголос у слові" of five option sets
    truth = [_q("Stress falls on the second syllable in", ("ab", "cd", "ef", "gh"), answer=1),
             _q("Stress falls on the second syllable in", ("ij", "kl", "mn", "op"), answer=2)]
    got = [_got("Stress falls on the second syllable in", ("ij", "kl", "mn", "op"), answer=2),
           _got("Stress falls on the second syllable in", ("ab", "cd", "ef", "gh"), answer=1)]
    s = score_page("p", truth, got)
    assert (s.found, s.answers_total, s.answers_right) == (2, 2, 2)


def test_explanations_match_without_their_heading():
    truth = [_q("Why?", answer=0, expl="Because the sum of the digits is 9.")]
    s = score_page("p", truth, [_got("Why?", answer=0, expl="Explanation: because the sum of the digits is 9")])
    assert (s.explanations_total, s.explanations_found) == (1, 1)
    s = score_page("p", truth, [_got("Why?", answer=0, expl="See the discussion forum.")])
    assert (s.explanations_total, s.explanations_found) == (1, 0)


@pytest.mark.parametrize("bad, problem", [
    ({"url": None, "layout": "list", "questions": []}, "missing key 'checked'"),
    ({"url": "ftp://x", "layout": "list", "questions": [], "checked": "answer key at the end"}, "url"),
    ({"url": None, "layout": "grid", "questions": [], "checked": "answer key at the end"}, "layout"),
    ({"url": None, "layout": "single", "questions": [_q("One?"), _q("Two?")],
      "checked": "answer key at the end"}, "at most one question"),
    ({"url": None, "layout": "list", "checked": "answer key at the end",
      "questions": [_q("Q?", answer=1) | {"answer": "E"}]}, "must be a letter"),
    ({"url": None, "layout": "list", "checked": "answer key at the end",
      "questions": [_q("Q?", answer=1) | {"answer_text": "three"}]}, "text of option B"),
    ({"url": None, "layout": "list", "checked": "answer key at the end",
      "questions": [_q("Q?") | {"answer_text": "two"}]}, "answer_text without an answer letter"),
    ({"url": None, "layout": "list", "checked": "answer key at the end",
      "questions": [_q(" Q? ")]}, "leading or trailing space"),
    ({"url": None, "layout": "list", "checked": "answer key at the end",
      "questions": [_q("Q?") | {"hint": "x"}]}, "unknown key 'hint'"),
])
def test_malformed_truth_is_refused(bad, problem):
    problems = truth_problems(bad)
    assert any(problem in p for p in problems), problems


def test_load_corpus_names_the_page_without_a_truth(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "page.html").write_text("<html></html>")
    with pytest.raises(ValueError, match="site/page.html: no truth file page.truth.json"):
        load_corpus(tmp_path)
    (tmp_path / "site" / "page.truth.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_corpus(tmp_path)
