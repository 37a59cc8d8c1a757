"""Verification levels and per-item acceptance, on a real SqliteStore with the real SDKs
against local Gemini- and Groq-speaking servers (tests/fake_providers.py; fake: only the
accounts and the internet). Gemini enhances; the solve goes to Groq, another provider.
"""

from __future__ import annotations

import time

from scraped.ai.replycheck import coerce_index, looks_one_based, same_options, same_text
from scraped.api import get_command
from scraped.bank import lifecycle as lc
from scraped.dispatch import Peer, Request
from scraped.engine.extract.normalise import question_key
from tests.fake_providers import KEY, FakeProvider, ai_service, ai_settings, input_json

CAPITALS = [("What is the capital of France?", ["Rome", "Paris", "Madrid", "Berlin"], 1),
            ("What is the capital of Spain?", ["Lisbon", "Paris", "Madrid", "Rome"], 2),
            ("What is the capital of Italy?", ["Rome", "Athens", "Vienna", "Bern"], 0),
            ("What is the capital of Germany?", ["Prague", "Berlin", "Warsaw", "Oslo"], 1)]
TRUTH = {q: t for q, _, t in CAPITALS}


def raw(question: str, options: list[str], answer: int | None) -> dict:
    return {"_id": question_key(question, options), "question": question, "options": options, "answer": answer,
            "answer_text": None, "explanation": None, "category": "General Knowledge", "difficulty": "Easy",
            "company_tags": [], "job_id": "J1", "extracted_at": time.time(),
            "sources": [{"url": "http://site.test/q", "job_id": "J1", "extractor": "auto", "seen_at": 1.0}],
            "enhancement": {"state": "pending", "attempts": 0, "last_error": None}}


def model(index=lambda q, truth: truth, question=lambda q: q, text=True):
    """A scripted model: `index(question, truth)` is its pick for the enhance and the solve."""
    def reply(rec):
        data = input_json(rec.user)
        if "(task: solve)" in rec.system:
            return {"answers": [{"id": q["id"], "answer_index": index(q["question"], TRUTH[q["question"]]),
                                 "answer_text": None} for q in data["questions"]]}
        out = []
        for q in data["questions"]:
            i = index(q["question"], TRUTH[q["question"]])
            out.append({"id": q["id"], "question": question(q["question"]), "options": q["options"],
                        "correct_index": i, "answer_text": q["options"][TRUTH[q["question"]]] if text else None,
                        "explanation": "", "category": "General", "difficulty": "EASY", "topics": ["capitals"]})
        return {"questions": out}
    return reply


def two_models(enhancer, solver=None, **extra):
    gemini = FakeProvider("gemini", responder=enhancer)
    groq = FakeProvider("groq", responder=solver or model())
    settings = ai_settings({"gemini": gemini, "groq": groq}, order=("gemini", "groq", "offline"),
                           enhance={"retry_delay": 0.0, "max_attempts": 2}, **extra)
    return gemini, groq, settings


SECRETS = {"GEMINI_API_KEY": KEY, "GROQ_API_KEY": KEY}


async def _enhance_all(h, rounds: int = 6) -> None:
    for _ in range(rounds):
        if not (await h.service.enhancer.run_batch())["claimed"]:
            return


async def test_solved_by_another_provider_without_the_key_and_disputed_when_the_page_is_wrong(tmp_path):
    gemini, groq, settings = two_models(model())
    with gemini, groq:
        async with ai_service(tmp_path, settings, secrets=SECRETS) as h:
            store = h.app.store
            q = [raw(*CAPITALS[0]), raw(CAPITALS[1][0], CAPITALS[1][1], 1)]  # Spain's page key says Paris
            await store.insert_many(lc.RAW, q)
            await _enhance_all(h)
            france = await store.get(lc.ENHANCED, q[0]["_id"])
            spain = await store.get(lc.ENHANCED, q[1]["_id"])
        solve_requests = [r for r in groq.requests + gemini.requests if "(task: solve)" in r.system]
        second_solves = [r for r in gemini.requests if "(task: solve)" in r.system]
    assert france["verification"]["level"] == lc.SOLVED and france["correct_index"] == 1
    assert france["verification"]["solver"].startswith("groq/") and france["provider"] == "gemini"
    assert france["quality_score"] == 0.8  # solved 0.9, less 0.1 for no explanation
    assert france["category"] == "general" and france["difficulty"] == "easy"  # the page's words, canonical
    # The solve prompt carries question and options only: never the page's key.
    assert solve_requests and all(set(q) == {"id", "question", "options"}
                                  for r in solve_requests for q in input_json(r.user)["questions"])
    # Two model providers: the second keyless solve is the enhancer's provider, in its own call.
    assert france["verification"]["second_solver"].startswith("gemini/") and len(second_solves) == 1
    assert [c["result"] for c in france["checks"] if c["check"] == "second_solve_agrees_with_key"] == ["pass"]
    assert spain["verification"]["level"] == lc.DISPUTED and spain["correct_index"] is None
    assert spain["verification"]["page_answer"] == "B" and spain["verification"]["solver_answer"] == "C"
    assert spain["quality_score"] < 0.5


async def test_one_based_and_rewritten_replies_are_refused_item_by_item(tmp_path):
    def one_based(q, truth):
        return truth + 1 if "France" in q else truth

    def rewrite(q):
        return q.replace("Italy", "Greece")

    gemini, groq, settings = two_models(model(index=one_based, question=rewrite))
    with gemini, groq:
        async with ai_service(tmp_path, settings, secrets=SECRETS) as h:
            await h.app.store.insert_many(lc.RAW, [raw(*c) for c in CAPITALS])
            first = await h.service.enhancer.run_batch()
            assert first["enhanced"] == 2 and first["retry"] == 2  # Spain and Germany pass, alone
            france = await h.app.store.get(lc.RAW, question_key(*CAPITALS[0][:2]))
            italy = await h.app.store.get(lc.RAW, question_key(*CAPITALS[2][:2]))
            assert "1-based" in france["enhancement"]["last_error"]
            assert "changed the question" in italy["enhancement"]["last_error"]
            assert "'italy' became 'greece'" in italy["enhancement"]["last_error"]
            await _enhance_all(h)
            # After max_attempts the offline rules take them, provisionally, page key only.
            for c in (CAPITALS[0], CAPITALS[2]):
                doc = await h.app.store.get(lc.ENHANCED, question_key(*c[:2]))
                assert doc["provisional"] and doc["verification"]["level"] == lc.PAGE_ONLY
                assert doc["correct_index"] == c[2]
            states = await h.service.enhancer.counts()
            assert states == {"done": 2, "provisional": 2}


async def test_index_coercion_and_the_1_based_pattern():
    opts = ["Rome", "Paris", "Madrid", "Berlin"]
    assert coerce_index(1.0, opts)[0] == 1 and coerce_index("B", opts)[0] == 1
    assert coerce_index("Paris", opts)[0] == 1 and coerce_index("(b)", opts)[0] == 1
    assert coerce_index(4, opts)[2] and "1-based" in coerce_index(4, opts)[2]
    assert coerce_index(1.5, opts)[2] and coerce_index(True, opts)[2] and coerce_index("Lyon", opts)[2]
    assert coerce_index(None, opts) == (None, None, None)
    assert same_text("What is the captial of  France ?", "What is the capital of France?") is None
    assert same_text("A train runs at 54 km/h.", "A train runs at 45 km/h.")
    assert same_options(["-30", "+30"], ["-30", "+30"]) is None and same_options(["a", "b"], ["b", "a"])
    assert looks_one_based([(1, 0), (2, 1), (3, 2), (1, 0)], 0) and not looks_one_based([(0, 0), (2, 1)], 0)


async def test_a_missing_id_fails_alone_and_coerced_indexes_are_kept(tmp_path):
    def partial(rec):
        data = model(index=lambda q, t: "ABCD"[t])(rec)  # letters, not indexes
        if "questions" in data:
            data["questions"] = [q for q in data["questions"] if "Germany" not in q["question"]]
        return data

    gemini, groq, settings = two_models(partial)
    with gemini, groq:
        async with ai_service(tmp_path, settings, secrets=SECRETS) as h:
            await h.app.store.insert_many(lc.RAW, [raw(*c) for c in CAPITALS])
            summary = await h.service.enhancer.run_batch()
            assert summary["enhanced"] == 3 and summary["retry"] == 1
            germany = await h.app.store.get(lc.RAW, question_key(*CAPITALS[3][:2]))
            assert "left this question out" in germany["enhancement"]["last_error"]
            france = await h.app.store.get(lc.ENHANCED, question_key(*CAPITALS[0][:2]))
            assert france["correct_index"] == 1 and france["verification"]["level"] == lc.SOLVED
            assert any("letter 'B'" in c["detail"] for c in france["checks"] if c["check"] == "answer_in_options")


async def test_an_always_invalid_model_gives_up_after_a_bound_without_offline(tmp_path):
    gemini, groq, settings = two_models(lambda rec: "not JSON at all", solver=lambda rec: "nor this",
                                        offline_fallback=False)
    settings["enhance_order"] = ["gemini", "groq"]
    with gemini, groq:
        async with ai_service(tmp_path, settings, secrets=SECRETS) as h:
            await h.app.store.insert_many(lc.RAW, [raw(*c) for c in CAPITALS])
            for _ in range(10):
                await h.service.enhancer.run_batch()
            assert await h.service.enhancer.counts() == {"failed": 4}
            doc = await h.app.store.get(lc.RAW, question_key(*CAPITALS[0][:2]))
            assert "not JSON" in doc["enhancement"]["last_error"]
        calls = gemini.calls + groq.calls
    # Split 4 -> 2 -> 1, then each question alone, twice (max_attempts 2): bounded, not for ever.
    assert calls <= 2 * (3 + 4), calls


async def test_offline_enhancement_is_provisional_and_upgraded_by_a_model(tmp_path):
    async with ai_service(tmp_path, {"enabled": False, "enhance": {"retry_delay": 0.0}}, secrets={}) as h:
        await h.app.store.insert_many(lc.RAW, [raw(*c) for c in CAPITALS[:2]])
        await _enhance_all(h)
        assert await h.service.enhancer.counts() == {"provisional": 2}
        before = await h.app.store.find(lc.ENHANCED)
        assert all(d["provisional"] and d["provider"] == "offline" for d in before)
        handler = h.service.handlers()["ai.enhance"]
        cmd = get_command("ai.enhance")
        try:
            await handler(Request(cmd, cmd.check_args({"upgrade": True}), Peer(1, 0, 0)))
            raise AssertionError("--upgrade without a model must be refused")
        except Exception as exc:  # BadRequest: a one-line reason
            assert "no model provider" in str(exc)
        gemini, groq, settings = two_models(model())
        with gemini, groq:
            await h.reload(settings, SECRETS)
            reply = await handler(Request(cmd, cmd.check_args({"upgrade": True}), Peer(1, 0, 0)))
        assert reply["upgraded"] == 2 and reply["states"] == {"done": 2}
        after = await h.app.store.find(lc.ENHANCED)
        assert len(after) == 2 and all(d["provider"] == "gemini" and not d["provisional"] for d in after)
        assert {lc.level_of(d) for d in after} == {lc.SOLVED}


async def test_two_keyless_solves_must_agree_where_two_providers_are_configured(tmp_path):
    """The page's key is wrong; the enhancer, shown it, copies it, and Groq's solve happens to
    pick the same wrong option. Before, that was solved-and-agrees with the wrong answer; the
    second keyless solve (Gemini, in its own call, shown no key) picks the truth: disputed."""
    wrong_page = 2  # "Madrid" for France

    def gemini_reply(rec):
        data = input_json(rec.user)
        if "(task: solve)" in rec.system:  # shown no key: its own (right) answer
            assert all("answer" not in q for q in data["questions"])
            return {"answers": [{"id": q["id"], "answer_index": TRUTH[q["question"]], "answer_text": None}
                                for q in data["questions"]]}
        return {"questions": [{"id": q["id"], "question": q["question"], "options": q["options"],
                               "correct_index": q.get("answer"), "answer_text": None, "explanation": "",
                               "category": "General", "difficulty": "easy", "topics": []}
                              for q in data["questions"]]}  # copies the key it was shown

    gemini, groq, settings = two_models(gemini_reply, model(index=lambda q, truth: wrong_page))
    with gemini, groq:
        async with ai_service(tmp_path, settings, secrets=SECRETS) as h:
            doc = raw(CAPITALS[0][0], CAPITALS[0][1], wrong_page)
            await h.app.store.insert_many(lc.RAW, [doc])
            await _enhance_all(h)
            france = await h.app.store.get(lc.ENHANCED, doc["_id"])
    v = france["verification"]
    assert v["level"] == lc.DISPUTED and france["correct_index"] is None
    assert (v["page_answer"], v["enhancer_answer"], v["solver_answer"], v["second_solver_answer"]) == \
        ("C", "C", "C", "B")


async def test_one_agreeing_solve_without_the_second_is_not_verified(tmp_path):
    """Groq solves (right); Gemini's second solve refuses to answer: the page's key is right,
    but one keyless solve is not enough where two providers are configured: page-only."""
    def gemini_reply(rec):
        data = input_json(rec.user)
        if "(task: solve)" in rec.system:
            return {"answers": [{"id": q["id"], "answer_index": None, "answer_text": None}
                                for q in data["questions"]]}
        return model()(rec)

    gemini, groq, settings = two_models(gemini_reply)
    with gemini, groq:
        async with ai_service(tmp_path, settings, secrets=SECRETS) as h:
            doc = raw(*CAPITALS[0])
            await h.app.store.insert_many(lc.RAW, [doc])
            await _enhance_all(h)
            france = await h.app.store.get(lc.ENHANCED, doc["_id"])
    assert france["verification"]["level"] == lc.PAGE_ONLY and france["correct_index"] == 1
    assert [c["result"] for c in france["checks"] if c["check"] == "second_solve"] == ["no_answer"]
