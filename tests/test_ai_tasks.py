"""Generation and feedback, in-process on a real SqliteStore; where a model
is involved, the real SDKs talk to local servers that speak the provider's wire format
(fake: only the account and the internet). AI extraction: tests/test_ai_extract*.py."""

from __future__ import annotations

import random

import pytest
import trio

from scraped.ai import templates
from scraped.ai.feedback import feedback, grade
from scraped.ai.generate import generate
from scraped.ai.numbers import parse_number, solve
from scraped.ai.providers import offline
from scraped.engine.extract.normalise import question_key
from scraped.errors import BadRequest, Unavailable
from tests.fake_providers import KEY, FakeProvider, Reply, ai_service, ai_settings, input_json

ENH = "enhanced_questions"


# ---------------------------------------------------------------- generation

@pytest.mark.parametrize("category", sorted(templates.TEMPLATES))
@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_templates_are_correct_by_construction(category, difficulty):
    rng = random.Random(7)
    for q in templates.generate(category, difficulty, 150, rng)["questions"]:
        opts = q["options"]
        assert len(set(opts)) == len(opts) >= 3 and 0 <= q["correct_index"] < len(opts)
        value = solve(q["question"])
        if value is not None:  # where the checker can recompute, it agrees
            assert parse_number(opts[q["correct_index"]]) == value, q
        assert offline.answer_index(q["question"], opts, q["correct_index"], None)[1] != "corrected"


async def test_offline_generation_stores_unique_questions(tmp_path):
    async with ai_service(tmp_path, {"enabled": False}, secrets={}) as h:
        out = await generate(h.service, "quantitative", "medium", 12, company="Google", seed=3)
        assert out["generated"] == 12 and out["providers"][0] == "offline"
        docs = await h.app.store.find(ENH, {"origin": "generated"})
        assert len(docs) == 12 and len({d["_id"] for d in docs}) == 12
        assert all(d["company_tags"] == ["google"] and d["verification"]["level"] == "recomputed"
                   and {"check": "recomputed", "result": "pass", "detail": "by construction (template)"}
                   in d["checks"] and d["quality_score"] == 1.0 for d in docs)
        # The same seed draws the same questions: all are exact duplicates now, or replaced.
        again = await generate(h.service, "quantitative", "medium", 12, company="Google", seed=3)
        assert again["skipped"]["duplicate"] >= 12
        assert {q["_id"] for q in again["questions"]}.isdisjoint({d["_id"] for d in docs})


async def test_near_duplicates_of_the_bank_are_refused(tmp_path):
    near = {"questions": [{"question": "What is 15% of 240 ?", "options": ["36", "30", "40"], "correct_index": 0,
                           "explanation": "x", "topics": []},
                          {"question": "A clock shows 3:00; what angle do its hands make?",
                           "options": ["90°", "60°", "120°"], "correct_index": 0, "explanation": "x"}]}
    with FakeProvider("groq", responder=lambda rec: near) as groq:
        settings = ai_settings({"groq": groq}, order=("groq",))
        async with ai_service(tmp_path, settings, secrets={"GROQ_API_KEY": KEY}) as h:
            await h.app.store.insert_one(ENH, {"_id": "x1", "question": "What is 15% of 240?",
                                               "options": ["36", "24", "48"], "correct_index": 0})
            out = await generate(h.service, "quantitative", "easy", 2)
    assert out["skipped"]["near_duplicate"] >= 1
    assert [q["question"] for q in out["questions"]] == ["A clock shows 3:00; what angle do its hands make?"]


async def test_model_questions_with_a_disputed_answer_are_discarded(tmp_path):
    wrong = {"questions": [{"question": "What is 6 × 7?", "options": ["48", "42", "36"], "correct_index": 0,
                            "explanation": "x"}]}
    with FakeProvider("gemini", responder=lambda rec: wrong) as gemini:
        settings = ai_settings({"gemini": gemini}, order=("gemini",))
        async with ai_service(tmp_path, settings, secrets={"GEMINI_API_KEY": KEY}) as h:
            out = await generate(h.service, "quantitative", "easy", 1)
            assert out["generated"] == 0 and out["skipped"]["invalid"] >= 1
            assert await h.app.store.count(ENH) == 0


async def test_a_model_index_sent_as_a_whole_float_is_read_and_levels_follow_the_checks(tmp_path):
    # 2.0 passes the JSON schema ("integer" allows whole floats); it used to raise TypeError
    reply = {"questions": [
        {"question": "What is 6 × 7?", "options": ["36", "48", "42", "54"], "correct_index": 2.0,
         "explanation": "6 × 7 = 42."},
        {"question": "Which planet is known as the red planet?", "options": ["Venus", "Mars", "Jupiter"],
         "correct_index": 1, "explanation": "The answer is Mars."}]}
    with FakeProvider("gemini", responder=lambda rec: reply) as gemini:
        settings = ai_settings({"gemini": gemini}, order=("gemini",))
        async with ai_service(tmp_path, settings, secrets={"GEMINI_API_KEY": KEY}) as h:
            out = await generate(h.service, "quantitative", "easy", 2)
            docs = {d["question"]: d for d in await h.app.store.find(ENH, {})}
    assert out["generated"] == 2
    arithmetic = docs["What is 6 × 7?"]
    assert arithmetic["correct_index"] == 2 and isinstance(arithmetic["correct_index"], int)
    assert arithmetic["verification"]["level"] == "recomputed" and arithmetic["quality_score"] == 1.0
    planet = docs["Which planet is known as the red planet?"]
    # nothing checked a model's pick here: model-only, scored as such; "The answer is Mars." dropped
    assert planet["verification"]["level"] == "model-only" and planet["explanation"] == ""
    assert planet["quality_score"] < 0.5


@pytest.mark.parametrize("bad", [1.5, True, "2", -1, 4])
async def test_a_model_index_that_is_no_index_is_refused(tmp_path, bad):
    reply = {"questions": [{"question": "What is 6 × 7?", "options": ["36", "48", "42", "54"],
                            "correct_index": bad, "explanation": "6 × 7 = 42."}]}
    with FakeProvider("gemini", responder=lambda rec: reply) as gemini:
        settings = ai_settings({"gemini": gemini}, order=("gemini",), offline_fallback=False)
        async with ai_service(tmp_path, settings, secrets={"GEMINI_API_KEY": KEY}) as h:
            if bad == 4:  # an integer past the options: the item is refused, the reply read
                out = await generate(h.service, "quantitative", "easy", 1)
                assert out["generated"] == 0 and out["skipped"]["invalid"] >= 1
            else:  # not an integer: the reply fails its schema, the provider's failed call
                with pytest.raises(Unavailable, match="invalid_reply"):
                    await generate(h.service, "quantitative", "easy", 1)
            assert await h.app.store.count(ENH) == 0


async def test_a_category_without_templates_says_so_offline(tmp_path):
    async with ai_service(tmp_path, {"enabled": False}, secrets={}) as h:
        out = await generate(h.service, "verbal", "easy", 3)
    assert out["generated"] == 0 and "quantitative" in out["note"]


# ---------------------------------------------------------------- feedback

@pytest.mark.parametrize("answer,correct,options,expected", [
    ("0.5", "1/2", [], True), ("50%", "0.5", [], True), (".5", "50%", [], True), ("1/2", ".5", [], True),
    ("50", "50%", [], True), ("54 km/h", "54", [], True), ("Rs. 1,200", "1200", [], True),
    ("2 1/2", "2.5", [], True), ("0.33", "1/3", [], True), ("0.34", "1/3", [], False),
    ("B", "4", ["3", "4", "5"], True), ("(c)", "5", ["3", "4", "5"], True), ("Option A", "B", ["3", "4"], False),
    ("four", "4", [], True), ("four", "5", [], False), ("Paris", "paris.", [], True), ("4", "B", ["3", "4", "5"], True),
    ("3", "4", [], False), ("-2", "−2", [], True),
])
def test_grading(answer, correct, options, expected):
    assert grade(answer, correct, options)[0] is expected


async def test_offline_feedback(tmp_path):
    async with ai_service(tmp_path, {"enabled": False}, secrets={}) as h:
        out = await feedback(h.service, "What is 2+2?", "4", "4")
        assert out["correct"] is True and out["provider"] == "offline" and out["method"] in ("option", "text")
        computed = await feedback(h.service, "What is 25% of 80?", "21")
        assert (computed["correct"], computed["answer_source"], computed["correct_answer"]) == (False, "computed", "20")
        unknown = await feedback(h.service, "Who wrote Hamlet?", "Marlowe")
        assert unknown["correct"] is None and unknown["method"] == "ungraded"
        await h.app.store.insert_one(ENH, {"_id": question_key("Capital of France?", ["Rome", "Paris"]),
                                           "question": "Capital of France?", "options": ["Rome", "Paris"],
                                           "correct_index": 1})
        bank = await feedback(h.service, "Capital of France?", "b", options=["Rome", "Paris"])
        assert bank["correct"] is True and bank["answer_source"] == "bank"
        h.service.index_add(question_key("Capital of France?", ["Rome", "Paris"]), "Capital of France?")  # as enhance does
        # no options given: the bank's question of the same text supplies them, so "B" is Paris
        for answer, right in (("B", True), ("A", False), ("paris", True), ("2", True), ("Rome", False)):
            out = await feedback(h.service, "Capital of  france?", answer)
            assert (out["correct"], out["answer_source"], out["correct_answer"]) == (right, "bank", "Paris"), answer
            assert out["options"] == ["Rome", "Paris"]  # the ones "B" was read against
        # a quarantined (disputed) key is not used to grade
        await h.app.store.insert_one(ENH, {"_id": question_key("Capital of Chile?", ["Lima", "Santiago"]),
                                           "question": "Capital of Chile?", "options": ["Lima", "Santiago"],
                                           "correct_index": 0, "verification": {"level": "disputed"}})
        disputed = await feedback(h.service, "Capital of Chile?", "A", options=["Lima", "Santiago"])
        assert (disputed["correct"], disputed["answer_source"]) == (None, "disputed")
        # the arithmetic checker's answer is exact: 1/3, so 0.33 is right and 0.3 is not
        third = await feedback(h.service, "What is 1/4 + 1/12?", "0.33")
        assert (third["correct"], third["correct_answer"], third["answer_source"]) == (True, "1/3", "computed")
        assert "1/4 + 1/12 = 1/3" in third["explanation"]
        assert (await feedback(h.service, "What is 1/4 + 1/12?", "0.3"))["correct"] is False
        with pytest.raises(BadRequest):
            await feedback(h.service, "   ", "4")


async def test_feedback_explained_by_a_model_and_bounded_in_time(tmp_path):
    with FakeProvider("huggingface") as hf:
        settings = ai_settings({"huggingface": hf}, order=("huggingface", "offline"), feedback_timeout=0.5)
        async with ai_service(tmp_path, settings, secrets={"HUGGINGFACE_API_TOKEN": KEY}) as h:
            await h.service.router.warm()  # as the service does after it starts
            out = await feedback(h.service, "What is 2+2?", "5", "4")
            assert out["correct"] is False and out["provider"] == "huggingface"
            assert out["explanation"] == "Model explanation of the answer."
            sent = input_json(hf.requests[-1].user)
            assert (sent["student_answer"], sent["correct_answer"], sent["student_correct"]) == ("5", "4", False)
            hf.script(Reply.slow(3.0))
            start = trio.current_time()
            slow = await feedback(h.service, "What is 3+3?", "6", "6")
            assert trio.current_time() - start < 1.5 and slow["provider"] == "offline" and slow["correct"] is True
