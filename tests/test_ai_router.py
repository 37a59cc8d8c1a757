"""The AI router with the real SDKs (google-genai, groq, huggingface_hub) and our httpx
client against local servers that speak each provider's wire format.

Fake: only the providers' accounts and the internet (tests/fake_providers.py). Real: the
SDKs, sockets, HTTP, the router, the SQLite store that keeps usage and the cache.
"""

from __future__ import annotations

import logging

import pytest
import trio

from scraped.ai.router import Task
from scraped.ai.schema import FEEDBACK
from scraped.errors import Unavailable
from tests.fake_providers import KEY, KEYS, KINDS, FakeProvider, Reply, ai_service, ai_settings


@pytest.fixture
def fakes():
    servers = {k: FakeProvider(k) for k in KINDS}
    yield servers
    for s in servers.values():
        s.close()


def feedback_task(n: int = 0, **kw) -> Task:
    return Task("feedback", "Explain (task: feedback)", f"INPUT JSON:{{\"n\": {n}}}", FEEDBACK, "feedback.v1",
                offline=lambda: {"explanation": "offline"}, **kw)


async def test_each_provider_answers_through_its_real_sdk(tmp_path, fakes):
    for kind in KINDS:
        async with ai_service(tmp_path / kind, ai_settings(fakes, order=(kind,))) as h:
            result = await h.service.router.run(feedback_task())
            assert (result.provider, result.data) == (kind, {"explanation": "Model explanation of the answer."})
            rec = fakes[kind].requests[-1]
            auth = rec.headers.get("x-goog-api-key") if kind == "gemini" else rec.headers.get("authorization")
            assert auth == (KEY if kind == "gemini" else f"Bearer {KEY}")
            assert rec.model == h.app.config.ai.provider(kind).model
            assert (result.tokens_in, result.tokens_out) == (rec.tokens_in, rec.tokens_out)
    assert fakes["gemini"].requests[-1].path.startswith("/v1beta/models/gemini-3.1-flash-lite:generateContent")
    assert fakes["groq"].requests[-1].path == "/openai/v1/chat/completions"
    assert fakes["huggingface"].requests[-1].path == "/v1/chat/completions"
    # Native structured output where the model has it: Gemini's responseJsonSchema, json_schema
    # for gpt-oss on Groq (best effort: FEEDBACK does not meet strict mode's rules), the schema
    # as huggingface_hub sends it to a base_url (TGI's grammar: json_object with a value); JSON
    # mode with the schema in the prompt for a local server.
    assert fakes["gemini"].requests[-1].body["generationConfig"]["responseJsonSchema"] == FEEDBACK
    assert fakes["groq"].requests[-1].body["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "feedback_v1", "strict": False, "schema": FEEDBACK}}
    assert fakes["huggingface"].requests[-1].body["response_format"] == {"type": "json_object", "value": FEEDBACK}
    assert fakes["openai_compat"].requests[-1].body["response_format"] == {"type": "json_object"}


async def test_fallback_follows_the_configured_order(tmp_path, fakes):
    fakes["gemini"].script(Reply.error(500), Reply.error(503))
    fakes["groq"].script(Reply.error(401, "invalid api key"))
    async with ai_service(tmp_path, ai_settings(fakes)) as h:
        result = await h.service.router.run(feedback_task())
    assert result.provider == "huggingface"
    assert [(t["provider"], t["error"]) for t in result.tried] == [
        ("gemini", "server_error"), ("gemini", "server_error"), ("groq", "auth")]
    assert (fakes["gemini"].calls, fakes["groq"].calls, fakes["huggingface"].calls) == (2, 1, 1)
    assert fakes["openai_compat"].calls == 0


async def test_unconfigured_providers_are_skipped_and_offline_is_the_last_resort(tmp_path, fakes):
    async with ai_service(tmp_path, ai_settings(fakes), secrets={}) as h:
        # openai_compat needs no key (a local server): it is the only configured model.
        assert h.service.router.configured_names() == ["openai_compat"]
        fakes["openai_compat"].script(Reply.error(500), Reply.error(500))
        result = await h.service.router.run(feedback_task())
    assert result.provider == "offline" and result.data == {"explanation": "offline"}
    assert sum(f.calls for k, f in fakes.items() if k != "openai_compat") == 0


async def test_no_offline_fallback_raises_unavailable(tmp_path, fakes):
    for f in fakes.values():
        f.script(*[Reply.error(500)] * 2)
    async with ai_service(tmp_path, ai_settings(fakes, order=KINDS, offline_fallback=False)) as h:
        with pytest.raises(Unavailable, match="no AI provider could answer"):
            await h.service.router.run(feedback_task())


async def test_retry_after_is_honoured_then_the_same_provider_succeeds(tmp_path, fakes):
    fakes["groq"].script(Reply.error(429, retry_after=0.3))
    async with ai_service(tmp_path, ai_settings(fakes, order=("groq",))) as h:
        start = trio.current_time()
        result = await h.service.router.run(feedback_task())
        waited = trio.current_time() - start
    assert result.provider == "groq" and fakes["groq"].calls == 2
    assert waited >= 0.3  # the header's 0.3 s, not the 0.01 s backoff


async def test_a_long_retry_after_passes_on_and_holds_the_provider(tmp_path, fakes):
    fakes["gemini"].script(Reply.error(429, retry_after=120))
    async with ai_service(tmp_path, ai_settings(fakes)) as h:
        first = await h.service.router.run(feedback_task(1))
        second = await h.service.router.run(feedback_task(2))
    assert first.provider == second.provider == "groq"
    assert fakes["gemini"].calls == 1  # held back: the second call did not knock
    assert second.tried[0]["error"] == "skipped" and "asked to wait" in second.tried[0]["message"]


async def test_breaker_opens_then_half_opens_and_closes(tmp_path, fakes):
    settings = ai_settings(fakes, order=("gemini", "offline"), gemini={"retries": 0}, breaker_threshold=2,
                           breaker_cooldown=0.4, cache=False)
    fakes["gemini"].script(Reply.error(500), Reply.error(500))
    async with ai_service(tmp_path, settings) as h:
        router = h.service.router
        for n in range(2):
            assert (await router.run(feedback_task(n))).provider == "offline"
        assert router.state["gemini"].breaker.current() == "open"
        skipped = await router.run(feedback_task(3))
        assert skipped.provider == "offline" and fakes["gemini"].calls == 2  # open: not called
        health = (await h.service.health())["ai_services"]
        assert health["status"] == "degraded" and health["providers"]["gemini"]["breaker"] == "open"
        await trio.sleep(0.45)
        assert router.state["gemini"].breaker.current() == "half_open"
        trial = await router.run(feedback_task(4))
        assert trial.provider == "gemini" and fakes["gemini"].calls == 3
        assert router.state["gemini"].breaker.current() == "closed"
        assert (await h.service.health())["ai_services"]["status"] == "healthy"


async def test_a_failed_half_open_trial_opens_the_breaker_again(tmp_path, fakes):
    settings = ai_settings(fakes, order=("groq", "offline"), groq={"retries": 0}, breaker_threshold=1,
                           breaker_cooldown=0.2, cache=False)
    fakes["groq"].script(Reply.error(500), Reply.error(502))
    async with ai_service(tmp_path, settings) as h:
        router = h.service.router
        await router.run(feedback_task(1))
        await trio.sleep(0.25)
        await router.run(feedback_task(2))  # the trial fails
        assert router.state["groq"].breaker.current() == "open" and fakes["groq"].calls == 2


async def test_cache_hits_cost_nothing(tmp_path, fakes):
    async with ai_service(tmp_path, ai_settings(fakes, order=("groq",))) as h:
        first = await h.service.router.run(feedback_task(7))
        second = await h.service.router.run(feedback_task(7))
        other = await h.service.router.run(feedback_task(8))
        usage = await h.service.router.usage.report(1)
    assert (first.cached, second.cached, other.cached) == (False, True, False)
    assert second.data == first.data and fakes["groq"].calls == 2
    row = next(r for r in usage["rows"] if r["provider"] == "groq")
    assert (row["requests"], row["cache_hits"]) == (2, 1)


async def test_token_and_cost_accounting(tmp_path, fakes):
    settings = ai_settings(fakes, order=("gemini",), gemini={"cost_input_per_1k": 1.0, "cost_output_per_1k": 2.0})
    async with ai_service(tmp_path, settings) as h:
        for n in range(3):
            await h.service.router.run(feedback_task(n))
        report = await h.service.router.usage.report(1)
    recs = fakes["gemini"].requests
    row = next(r for r in report["rows"] if r["provider"] == "gemini")
    tin, tout = sum(r.tokens_in for r in recs), sum(r.tokens_out for r in recs)
    assert (row["requests"], row["tokens_in"], row["tokens_out"]) == (3, tin, tout)
    assert row["cost"] == pytest.approx(tin / 1000 * 1.0 + tout / 1000 * 2.0)
    assert report["spent_today"] == pytest.approx(row["cost"])


def one_call_budget(tmp_path, fakes, task) -> float:
    """A budget that one call's worst case fits (with a hair to spare), two do not."""
    from scraped.ai.router import Router
    from tests.fake_providers import AIHarness

    h = AIHarness(tmp_path / "probe", ai_settings(fakes, groq={"cost_input_per_1k": 1.0}), None)
    worst = Router(lambda: h.app.config.ai, None).worst_cost(task, "groq", h.app.config.ai.groq.model)
    assert worst is not None
    return worst + 1e-9


async def test_daily_budget_leaves_only_offline(tmp_path, fakes):
    budget = one_call_budget(tmp_path, fakes, feedback_task(1))
    settings = ai_settings(fakes, order=("groq", "offline"), daily_budget=budget,
                           groq={"cost_input_per_1k": 1.0})
    async with ai_service(tmp_path, settings) as h:
        first = await h.service.router.run(feedback_task(1))
        second = await h.service.router.run(feedback_task(2))
        health = (await h.service.health())["ai_services"]
    assert first.provider == "groq" and second.provider == "offline"
    assert fakes["groq"].calls == 1
    assert "budget" in second.tried[0]["message"]
    assert health["status"] == "degraded" and "budget" in health["reason"]


async def test_budget_survives_a_restart(tmp_path, fakes):
    budget = one_call_budget(tmp_path, fakes, feedback_task(1))
    settings = ai_settings(fakes, order=("groq", "offline"), daily_budget=budget, groq={"cost_input_per_1k": 1.0})
    async with ai_service(tmp_path, settings) as h:
        await h.service.router.run(feedback_task(1))
    async with ai_service(tmp_path, settings) as h:
        assert (await h.service.router.run(feedback_task(2))).provider == "offline"
    assert fakes["groq"].calls == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_timeout_passes_on(tmp_path, fakes, kind):
    fakes[kind].script(Reply.slow(3.0))
    settings = ai_settings(fakes, order=(kind, "offline"), **{kind: {"timeout": 0.3, "retries": 0}})
    async with ai_service(tmp_path, settings) as h:
        start = trio.current_time()
        result = await h.service.router.run(feedback_task())
        elapsed = trio.current_time() - start
    assert result.provider == "offline" and result.tried[0]["error"] == "timeout"
    assert elapsed < 2.5


@pytest.mark.parametrize("kind", ["gemini", "groq", "huggingface"])
async def test_cancellation_is_honoured_mid_call(tmp_path, fakes, kind):
    fakes[kind].script(Reply.slow(3.0))
    async with ai_service(tmp_path, ai_settings(fakes, order=(kind,), **{kind: {"timeout": 10.0}})) as h:
        start = trio.current_time()
        with trio.move_on_after(0.3) as scope:
            await h.service.router.run(feedback_task())
        assert scope.cancelled_caught and trio.current_time() - start < 1.5
        # The provider is not blamed for our cancellation, and stays usable.
        assert h.service.router.state[kind].breaker.current() == "closed"
        assert (await h.service.router.run(feedback_task(9))).provider == kind


@pytest.mark.parametrize("reply", [Reply.ok("this is not JSON {"), Reply.ok({"explanation": 42}),
                                   Reply.ok({"hint": "no explanation key"}), Reply.raw(b"{garbage")],
                         ids=["malformed-json", "wrong-type", "missing-field", "malformed-body"])
async def test_invalid_replies_are_failures_and_never_cached(tmp_path, fakes, reply):
    fakes["groq"].script(reply)
    async with ai_service(tmp_path, ai_settings(fakes, order=("groq", "huggingface"))) as h:
        result = await h.service.router.run(feedback_task())
        assert result.provider == "huggingface" and result.tried[0]["error"] == "invalid_reply"
        cached = await h.app.store.find("ai_cache", {"provider": "groq"})
        assert cached == []
        usage = await h.service.router.usage.report(1)
    groq_row = next(r for r in usage["rows"] if r["provider"] == "groq")
    assert groq_row["failures"] == 1


async def test_a_semantic_check_failure_passes_on(tmp_path, fakes):
    from scraped.ai.errors import InvalidReply

    def check(data):
        if "Model" in data["explanation"]:
            raise InvalidReply("not what was asked")
    async with ai_service(tmp_path, ai_settings(fakes, order=("gemini", "offline"))) as h:
        result = await h.service.router.run(feedback_task(check=check))
    assert result.provider == "offline" and result.tried[0]["error"] == "invalid_reply"


async def test_rate_limit_bucket_passes_on_instead_of_waiting_long(tmp_path, fakes):
    settings = ai_settings(fakes, order=("groq", "huggingface"), queue_wait=0.5, groq={"rpm": 1}, cache=False)
    async with ai_service(tmp_path, settings) as h:
        first = await h.service.router.run(feedback_task(1))
        second = await h.service.router.run(feedback_task(2))
    assert (first.provider, second.provider) == ("groq", "huggingface")
    assert "rate limit" in second.tried[0]["message"] and fakes["groq"].calls == 1


async def test_key_rotation_on_reload_takes_effect_without_restart(tmp_path, fakes):
    settings = ai_settings(fakes, order=("groq", "gemini"))
    async with ai_service(tmp_path, settings) as h:
        await h.service.router.run(feedback_task(1))
        old_client = h.service.router.clients["groq"]
        new_keys = {**KEYS, "GROQ_API_KEY": "test-key-rotated-456"}
        await h.reload(settings, secrets=new_keys)
        await h.service.router.run(feedback_task(2))
        assert h.service.router.clients["groq"] is not old_client
        assert fakes["groq"].requests[-1].headers["authorization"] == "Bearer test-key-rotated-456"
        # A key removed on reload: the provider is no longer used.
        await h.reload(settings, secrets={k: v for k, v in new_keys.items() if k != "GROQ_API_KEY"})
        assert not h.service.router.configured("groq")
        assert (await h.service.router.run(feedback_task(3))).provider == "gemini"


async def test_no_key_in_any_log_line_or_reply(tmp_path, fakes, caplog):
    caplog.set_level(logging.DEBUG)
    fakes["gemini"].script(Reply.error(401, f"API key {KEY} not valid"), Reply.error(500, f"echo {KEY}"))
    fakes["groq"].script(Reply.error(403, f"key {KEY} revoked"))
    fakes["huggingface"].script(Reply.error(429, f"slow down {KEY}", retry_after=100))
    fakes["openai_compat"].script(Reply.ok("not json " + KEY))
    texts = []
    async with ai_service(tmp_path, ai_settings(fakes)) as h:
        result = await h.service.router.run(feedback_task())
        texts += [repr(result), str(result.tried)]
        texts.append(repr(await h.service.health()))
        texts.append(repr(h.service.router.provider_rows(h.app.secrets)))
        texts.append(repr(h.app.secrets))
    assert result.provider == "offline" and len(result.tried) == 4
    assert any("auth" == t["error"] for t in result.tried)
    for text in texts + [caplog.text]:
        assert KEY not in text


async def test_twenty_concurrent_calls_never_overspend_the_budget(tmp_path, fakes):
    # Each call's worst case (prompt estimate + every allowed reply token) is reserved before
    # it starts: with room for three worst cases, three calls go out, the other 17 skip.
    fakes["groq"].script(*[Reply.slow(0.2)] * 20)  # slow enough that all 20 are in flight together
    price = {"cost_input_per_1k": 1.0, "cost_output_per_1k": 1.0}
    probe = ai_settings(fakes, groq=price)
    from scraped.ai.router import Router
    from tests.fake_providers import AIHarness

    cfg = AIHarness(tmp_path / "probe", probe, None).app.config.ai
    worst = Router(lambda: cfg, None).worst_cost(feedback_task(10), "groq", cfg.groq.model)
    assert worst is not None
    budget = 3.5 * worst
    settings = ai_settings(fakes, order=("groq", "offline"), daily_budget=budget, cache=False, groq=price)
    results = []
    async with ai_service(tmp_path, settings) as h:
        await h.service.router.warm()  # the client exists: each task reserves in its first step
        async def one(n: int) -> None:
            results.append(await h.service.router.run(feedback_task(10 + n)))
        async with trio.open_nursery() as nursery:
            for n in range(20):
                nursery.start_soon(one, n)
        report = await h.service.router.usage.report(1)
        assert h.service.router.usage.reserved == 0
    spent = sum(r["cost"] for r in report["rows"])
    assert fakes["groq"].calls == 3 and [r.provider for r in results].count("offline") == 17
    assert 0 < spent <= budget and report["spent_today"] <= budget


async def test_a_model_with_no_known_price_is_not_called_under_a_budget(tmp_path, fakes):
    settings = ai_settings(fakes, order=("huggingface", "offline"), daily_budget=1.0,
                           huggingface={"model": "meta-llama/Llama-3.1-8B-Instruct"})
    fakes["huggingface"].models.add("meta-llama/Llama-3.1-8B-Instruct")
    async with ai_service(tmp_path, settings) as h:
        result = await h.service.router.run(feedback_task())
        health = (await h.service.health())["ai_services"]
    assert result.provider == "offline" and "no known price" in result.tried[0]["message"]
    assert fakes["huggingface"].calls == 0
    assert any("has no known price" in w and "budget will not call it" in w for w in health["model_warnings"])


async def test_three_non_json_replies_do_not_open_the_breaker(tmp_path, fakes):
    settings = ai_settings(fakes, order=("gemini", "offline"), gemini={"retries": 0}, breaker_threshold=3,
                           cache=False)
    fakes["gemini"].script(*[Reply.ok("Sure! Here is the explanation you asked for.")] * 3)
    async with ai_service(tmp_path, settings) as h:
        router = h.service.router
        for n in range(3):
            assert (await router.run(feedback_task(n))).tried[0]["error"] == "invalid_reply"
        assert router.state["gemini"].breaker.current() == "closed"
        assert (await router.run(feedback_task(3))).provider == "gemini"
        # Three provider faults do open it.
        fakes["gemini"].script(*[Reply.error(503)] * 3)
        for n in range(3):
            await router.run(feedback_task(4 + n))
        assert router.state["gemini"].breaker.current() == "open"


async def test_the_cache_key_covers_everything_that_changes_a_reply(tmp_path, fakes):
    settings = ai_settings(fakes, order=("groq",))
    async with ai_service(tmp_path, settings) as h:
        router = h.service.router
        await router.run(feedback_task(1))
        assert (await router.run(feedback_task(1))).cached
        assert not (await router.run(feedback_task(1, max_tokens=300))).cached
        other_schema = {**FEEDBACK, "required": ["explanation", "hint"]}
        fakes["groq"].script(Reply.ok({"explanation": "e", "hint": "h"}))
        assert not (await router.run(Task("feedback", "Explain (task: feedback)", "INPUT JSON:{\"n\": 1}",
                                          other_schema, "feedback.v1"))).cached
        await h.reload({**settings, "temperature": 0.9})
        assert not (await router.run(feedback_task(1))).cached
        with FakeProvider("groq") as elsewhere:  # the same model behind another endpoint
            await h.reload({**settings, "temperature": 0.9, "groq": {**settings["groq"], "base_url": elsewhere.url}})
            assert not (await router.run(feedback_task(1))).cached and elsewhere.calls == 1
    assert fakes["groq"].calls == 4


async def test_a_deferred_reply_is_cached_only_once_committed(tmp_path, fakes):
    async with ai_service(tmp_path, ai_settings(fakes, order=("groq",))) as h:
        router = h.service.router
        first = await router.run(feedback_task(5, defer_cache=True))
        assert await h.app.store.find("ai_cache", {}) == []
        again = await router.run(feedback_task(5, defer_cache=True))  # not accepted: asked again
        assert not again.cached and fakes["groq"].calls == 2
        assert await again.commit() is True and await again.commit() is False
        third = await router.run(feedback_task(5, defer_cache=True))
        assert third.cached and await third.commit() is False and fakes["groq"].calls == 2
    assert first.cache_key == again.cache_key == third.cache_key


async def test_health_warns_about_unknown_and_retired_models(tmp_path, fakes):
    fakes["gemini"].models.add("my-tuned-model")
    settings = ai_settings(fakes, order=("gemini", "groq"), gemini={"model": "my-tuned-model"},
                           groq={"model": "llama-3.1-8b-instant"})
    async with ai_service(tmp_path, settings) as h:
        health = (await h.service.health())["ai_services"]
    assert health["status"] == "degraded"
    assert health["model_problems"] == ["groq:llama-3.1-8b-instant was shut down on 2026-08-16; "
                                        "use openai/gpt-oss-20b"]
    assert any("gemini:my-tuned-model is not in the model catalogue" in w for w in health["model_warnings"])
    async with ai_service(tmp_path / "ok", ai_settings(fakes, order=("gemini", "groq"))) as h:
        health = (await h.service.health())["ai_services"]
    assert health["status"] == "healthy" and health["model_problems"] == [] and health["model_warnings"] == []
