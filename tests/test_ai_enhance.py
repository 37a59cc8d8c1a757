"""The enhancement worker on a real SqliteStore, with the offline provider and with the
real google-genai SDK against a local Gemini-speaking server (fake: only the account and
the internet). The kill -9 test runs real daemons (tests/daemon_harness.py).
"""

from __future__ import annotations

import signal
import time

import pytest
import trio

from scraped.ai.enhance import RAW
from scraped.api import get_command
from scraped.dispatch import Peer, Request
from scraped.engine.extract.normalise import question_key
from tests.fake_providers import KEY, FakeProvider, Reply, ai_service, ai_settings, input_json

ENH = "enhanced_questions"


def raw(question: str, options: list[str], answer: int | None = 0, **extra) -> dict:
    return {"_id": question_key(question, options), "question": question, "options": options, "answer": answer,
            "answer_text": options[answer] if answer is not None and options else None, "explanation": None,
            "category": None, "difficulty": None, "company_tags": ["acme"],
            "sources": [{"url": "http://example.test/q", "job_id": "J1", "extractor": "auto", "seen_at": 1.0}],
            "extracted_at": time.time(), "job_id": "J1",
            "enhancement": {"state": "pending", "attempts": 0, "last_error": None}, **extra}


def arithmetic(n: int) -> dict:
    return raw(f"What is {n} + {n + 1}?", [str(2 * n + 1), str(2 * n + 3), str(2 * n + 5)], 0)


async def states(store) -> dict:
    return {str(k): v for k, v in (await store.count_by(RAW, "enhancement.state")).items()}


def offline_only(**enhance) -> dict:
    return {"enabled": False, "enhance": {"batch_size": 10, "retry_delay": 0.0, **enhance}}


async def test_offline_enhancement_verifies_and_stores(tmp_path):
    async with ai_service(tmp_path, offline_only(), secrets={}) as h:
        store = h.app.store
        wrong = raw("What is 12 × 3 + 4?", ["36", "40", "44"], 0)  # the scraped answer is wrong
        await store.insert_many(RAW, [arithmetic(1), arithmetic(2), wrong])
        summary = await h.service.enhancer.run_batch()
        assert summary == {"claimed": 3, "enhanced": 3, "failed": 0, "retry": 0, "provider": "offline",
                           "cached": False, "requests": 0, "levels": {"recomputed": 3}, "provisional": 3,
                           "splits": 0, "model_ok": 0}
        # The offline rules' work is provisional: a model redoes it once one answers.
        assert await states(store) == {"provisional": 3}
        fixed = await store.get(ENH, question_key("What is 12 × 3 + 4?", ["36", "40", "44"]))
        assert fixed["correct_index"] == 1 and fixed["answer_text"] == "40"
        assert fixed["verification"]["level"] == "recomputed" and fixed["provisional"] is True
        checks = {c["check"]: c["result"] for c in fixed["checks"]}
        assert checks["recomputed"] == "pass" and checks["recomputed_vs_page_key"] == "fail"
        assert fixed["quality_score"] == 0.9  # recomputed 1.0, less 0.05 for 3 options, 0.05 provisional
        assert fixed["origin"] == "scraped" and fixed["company_tags"] == ["acme"] and fixed["raw_hashes"] == [wrong["_id"]]
        assert fixed["category"] == "quantitative" and fixed["provider"] == "offline"
        # Nothing raw is lost or rewritten beyond its enhancement state.
        kept = await store.get(RAW, wrong["_id"])
        assert kept["answer"] == 0 and kept["enhancement"]["enhanced_id"] == fixed["_id"]


async def test_unanswerable_questions_fail_after_max_attempts_with_the_reason(tmp_path):
    async with ai_service(tmp_path, offline_only(max_attempts=2), secrets={}) as h:
        store = h.app.store
        await store.insert_many(RAW, [raw("Which colour is the sky?", ["red", "green"], None),
                                      raw("Only one option?", ["yes"], 0)])
        first = await h.service.enhancer.run_batch()
        assert (first["retry"], first["failed"]) == (1, 1)  # the one-option question fails at once
        second = await h.service.enhancer.run_batch()
        assert second["failed"] == 1
        assert await states(store) == {"failed": 2}
        sky = await store.get(RAW, question_key("Which colour is the sky?", ["red", "green"]))
        assert sky["enhancement"]["attempts"] == 2
        assert "no check showed which option is right" in sky["enhancement"]["last_error"]
        assert await store.count(ENH) == 0
        # ai.enhance --retry-failed puts them back; they fail again, with their reasons.
        handler = h.service.handlers()["ai.enhance"]
        cmd = get_command("ai.enhance")
        reply = await handler(Request(cmd, cmd.check_args({"retry_failed": True, "limit": 10}), Peer(1, 0, 0)))
        assert reply["retried"] == 2 and reply["claimed"] >= 2
        assert reply["states"]["failed"] + reply["states"].get("pending", 0) == 2


async def test_batches_several_questions_per_request(tmp_path):
    with FakeProvider("gemini") as gemini:
        settings = ai_settings({"gemini": gemini}, order=("gemini",), enhance={"batch_size": 10})
        async with ai_service(tmp_path, settings, secrets={"GEMINI_API_KEY": KEY}) as h:
            await h.app.store.insert_many(RAW, [arithmetic(n) for n in range(25)])
            totals = [await h.service.enhancer.run_batch() for _ in range(4)]
            assert [t["claimed"] for t in totals] == [10, 10, 5, 0]
            assert await states(h.app.store) == {"done": 25}
            assert await h.app.store.count(ENH, {"provider": "gemini"}) == 25
        assert gemini.calls == 3
        assert [len(input_json(r.user)["questions"]) for r in gemini.requests] == [10, 10, 5]


async def test_a_bad_item_is_retried_alone_and_a_bad_batch_goes_to_the_next_provider(tmp_path):
    def answer_out_of_range(rec):
        items = input_json(rec.user)["questions"]
        return {"questions": [{"id": q["id"], "question": q["question"], "options": q["options"],
                               "correct_index": 7 if i == 0 else 0, "explanation": "x", "category": "quantitative",
                               "difficulty": "easy", "topics": [], "quality_score": 0.8}
                              for i, q in enumerate(items)]}
    with FakeProvider("groq", responder=answer_out_of_range) as groq:
        settings = ai_settings({"groq": groq}, order=("groq",), enhance={"retry_delay": 0.0})
        async with ai_service(tmp_path, settings, secrets={"GROQ_API_KEY": KEY}) as h:
            await h.app.store.insert_many(RAW, [arithmetic(1), arithmetic(2)])
            summary = await h.service.enhancer.run_batch()
            assert (summary["enhanced"], summary["retry"]) == (1, 1)
            # An omitted id makes the whole reply invalid: the batch goes on (offline here).
            groq.script(Reply.ok({"questions": []}))
            await h.reload(ai_settings({"groq": groq}, order=("groq", "offline"), enhance={"retry_delay": 0.0}))
            again = await h.service.enhancer.run_batch()
            assert again["provider"] == "offline" and again["enhanced"] == 1
            assert await states(h.app.store) == {"done": 1, "provisional": 1}


async def test_no_provider_gives_the_attempt_back(tmp_path):
    with FakeProvider("groq") as groq:
        groq.script(*[Reply.error(500)] * 4)
        settings = ai_settings({"groq": groq}, order=("groq",), offline_fallback=False,
                               enhance={"retry_delay": 60.0})
        async with ai_service(tmp_path, settings, secrets={"GROQ_API_KEY": KEY}) as h:
            await h.app.store.insert_one(RAW, arithmetic(1))
            summary = await h.service.enhancer.run_batch()
            assert summary["retry"] == 1
            doc = await h.app.store.get(RAW, arithmetic(1)["_id"])
            assert doc["enhancement"]["state"] == "pending" and doc["enhancement"]["attempts"] == 0
            assert "no AI provider could answer" in doc["enhancement"]["last_error"]
            assert (await h.service.enhancer.run_batch())["claimed"] == 0  # waits retry_delay


async def test_an_expired_lease_is_claimed_again_and_ends_done_exactly_once(tmp_path):
    async with ai_service(tmp_path, offline_only(), secrets={}) as h:
        store = h.app.store
        await store.insert_many(RAW, [arithmetic(n) for n in range(6)])
        token, crashed = await h.service.enhancer.claim(4)  # a worker that then dies
        assert len(crashed) == 4
        assert (await h.service.enhancer.run_batch())["claimed"] == 2  # the lease holds
        await store.update_many(RAW, {"enhancement.claim": token}, {"$set": {"enhancement.lease_until": 0.0}})
        again = await h.service.enhancer.run_batch()
        assert again["claimed"] == 4 and again["enhanced"] == 4
        # The dead worker's late writes are refused (its claim token is gone).
        await h.service.enhancer._fail(crashed[0], token, "late", final=True)
        assert await states(store) == {"provisional": 6}
        assert await store.count(ENH) == 6
        for doc in await store.find(RAW):
            assert doc["enhancement"]["attempts"] in (1, 2)


async def test_near_duplicate_raw_questions_merge_into_one_enhanced_question(tmp_path):
    async with ai_service(tmp_path, offline_only(), secrets={}) as h:
        a = raw("A shop sells 12 pens for Rs. 60. What is the price of one pen?", ["Rs. 5", "Rs. 6"], 0)
        b = raw("A shop sells 12 pens for Rs 60 - what is the price of one pen ?", ["Rs. 5", "Rs. 6"], 0,
                company_tags=["globex"])
        await h.app.store.insert_many(RAW, [a, b])
        await h.service.enhancer.run_batch()
        docs = await h.app.store.find(ENH)
        assert len(docs) == 1
        assert sorted(docs[0]["raw_hashes"]) == sorted([a["_id"], b["_id"]])
        assert sorted(docs[0]["company_tags"]) == ["acme", "globex"]


async def test_the_background_worker_enhances_new_questions(tmp_path):
    settings = {"enabled": True, "enhance": {"poll_interval": 0.05, "batch_size": 4, "workers": 2}}
    async with ai_service(tmp_path, settings, secrets={}) as h:
        await h.app.store.insert_many(RAW, [arithmetic(n) for n in range(10)])
        h.service.wake()
        with trio.fail_after(10):
            while (await states(h.app.store)).get("provisional") != 10:  # noqa: ASYNC110 (polling the store, not an event)
                await trio.sleep(0.05)
        health = (await h.service.health())["ai_services"]
        assert health["enhancement"]["states"] == {"provisional": 10} and health["enhancement"]["enhanced"] == 10


# ---------------------------------------------------------------- kill -9 (real daemons)

def _slow_enhancer(rec):
    time.sleep(0.15)  # a model takes a while: the kill lands mid-batch
    from tests.fake_providers import smart_reply

    return smart_reply(rec)


async def _read_states(path) -> tuple[dict, list, list]:
    from scraped.store.sqlite import SqliteStore

    store = SqliteStore(path)
    await store.open()
    try:
        return await states(store), await store.find(RAW), await store.find(ENH)
    finally:
        await store.close()


@pytest.mark.slow
def test_kill_9_mid_enhancement_then_restart_every_question_ends_once(tmp_path):
    from scraped.store.sqlite import SqliteStore
    from tests.daemon_harness import DaemonProcess

    n = 40
    questions = [arithmetic(i) for i in range(n)]

    async def seed():
        store = SqliteStore(tmp_path / "state" / "scraped.db")
        await store.open()
        await store.insert_many(RAW, questions)
        await store.close()

    (tmp_path / "state").mkdir()
    trio.run(seed)
    with FakeProvider("gemini", responder=_slow_enhancer) as gemini:
        config = {"ai": {**ai_settings({"gemini": gemini}, order=("gemini",), enabled=True),
                         "enhance": {"batch_size": 3, "workers": 2, "lease_seconds": 5.0, "poll_interval": 0.1,
                                     "retry_delay": 0.0}}}
        d = DaemonProcess(tmp_path, config, env={"GEMINI_API_KEY": KEY})
        try:
            d.start()
            d.wait_until(lambda: gemini.calls >= 4, timeout=30)
            d.kill()  # requests in flight, batches claimed: no checkpoint, no cleanup
            mid = trio.run(_read_states, d.state_dir / "scraped.db")[0]
            assert mid.get("in_progress", 0) > 0 and mid.get("done", 0) < n, mid
            d.start()
            d.wait_until(lambda: trio.run(_read_states, d.state_dir / "scraped.db")[0].get("done", 0)
                         + trio.run(_read_states, d.state_dir / "scraped.db")[0].get("failed", 0) == n,
                         timeout=60, interval=0.3)
            d.send_signal(signal.SIGTERM)
            d.proc.wait(20)
        finally:
            d.close()
        final, raws, enhanced = trio.run(_read_states, d.state_dir / "scraped.db")
    assert final == {"done": n}
    # Exactly once: one enhanced document per raw question, each naming only its raw question.
    assert len(enhanced) == n
    assert sorted(h for e in enhanced for h in e["raw_hashes"]) == sorted(q["_id"] for q in questions)
    assert all(r["enhancement"]["enhanced_id"] for r in raws)
    assert KEY not in d.log()


async def test_a_models_wrong_arithmetic_answer_is_corrected_by_the_checker(tmp_path):
    with FakeProvider("gemini") as gemini:  # with no scraped answer, the default responder picks option 0
        settings = ai_settings({"gemini": gemini}, order=("gemini",))
        async with ai_service(tmp_path, settings, secrets={"GEMINI_API_KEY": KEY}) as h:
            q = raw("What is 9 × 9?", ["18", "81", "99"], None)
            await h.app.store.insert_one(RAW, q)
            await h.service.enhancer.run_batch()
            doc = (await h.app.store.find(ENH))[0]
    checks = {c["check"]: c for c in doc["checks"]}
    assert doc["correct_index"] == 1 and doc["verification"]["level"] == "recomputed"
    assert checks["recomputed_vs_enhancer"]["result"] == "fail" and checks["page_key"]["result"] == "absent"
    assert doc["quality_score"] == 0.95 and doc["provisional"] is False


async def test_a_reply_refused_by_the_item_checks_is_not_replayed_from_the_cache(tmp_path):
    """Every answer one past the page's key (a 1-based reply): refused, and not cached, so the
    retry of the same batch asks the model again instead of replaying the refused reply."""
    def reply(rec, shift):
        return {"questions": [{"id": q["id"], "question": q["question"], "options": q["options"],
                               "correct_index": shift, "explanation": "worked", "category": "quantitative",
                               "difficulty": "easy", "topics": [], "quality_score": 0.8}
                              for q in input_json(rec.user)["questions"]]}
    calls: list[int] = []

    def one_based_then_right(rec):
        calls.append(1)
        return reply(rec, 1 if len(calls) == 1 else 0)
    with FakeProvider("groq", responder=one_based_then_right) as groq:
        settings = ai_settings({"groq": groq}, order=("groq",), enhance={"retry_delay": 0.0})
        async with ai_service(tmp_path, settings, secrets={"GROQ_API_KEY": KEY}) as h:
            await h.app.store.insert_many(RAW, [arithmetic(1), arithmetic(2), arithmetic(3)])
            first = await h.service.enhancer.run_batch()
            assert first["enhanced"] == 0
            assert await h.app.store.count("ai_cache", {}) == 0  # the refused reply was not cached
            enhance_calls = len([r for r in groq.requests if "questions" in input_json(r.user)])
            second = await h.service.enhancer.run_batch()
            assert second["cached"] is False
            assert len([r for r in groq.requests if "questions" in input_json(r.user)]) > enhance_calls
