"""Providers as they behave today: the real SDKs (google-genai, groq, huggingface_hub) and
our httpx client against local servers that answer with each provider's documented error
shapes (tests/fake_providers.py; fake: only the accounts and the internet).
"""

from __future__ import annotations

import pytest
import trio

from scraped.ai.providers.gemini import until_quota_reset
from scraped.ai.router import Task
from scraped.ai.schema import FEEDBACK
from tests.fake_providers import KINDS, FakeProvider, Reply, ai_service, ai_settings


@pytest.fixture
def fakes():
    servers = {k: FakeProvider(k) for k in KINDS}
    yield servers
    for s in servers.values():
        s.close()


def task(n: int = 0, **kw) -> Task:
    return Task("feedback", "Explain (task: feedback)", f"INPUT JSON:{{\"n\": {n}}}", FEEDBACK, "feedback.v1",
                offline=lambda: {"explanation": "offline"}, **kw)


def only(fakes, kind: str, **overrides) -> dict:
    """`kind` then offline, one try per call, no cache: each run is one request."""
    return ai_settings(fakes, order=(kind, "offline"), cache=False, breaker_threshold=1,
                       **{kind: {"retries": 0, **overrides.pop(kind, {})}}, **overrides)


PROVIDER_TEXT = {"gemini": "is not found for API version v1beta", "groq": "does not exist or you do not have access",
                 "huggingface": "not supported by any provider you have enabled",
                 "openai_compat": "not found, try pulling it first"}


@pytest.mark.parametrize("kind", KINDS)
async def test_an_unknown_model_gets_the_providers_own_error_and_is_held(tmp_path, fakes, kind):
    settings = only(fakes, kind, **{kind: {"model": "no-such-model-7"}})
    async with ai_service(tmp_path, settings) as h:
        first = await h.service.router.run(task(1))
        second = await h.service.router.run(task(2))
        row = h.service.router.provider_rows(h.app.secrets)[kind]
    assert first.provider == "offline" and first.tried[0]["error"] == "model_unavailable"
    assert PROVIDER_TEXT[kind] in first.tried[0]["message"]
    # Not the provider's fault: the breaker stays closed, but the model is not asked again.
    assert row["breaker"] == "closed" and "no-such-model-7" in row["held_models"]
    assert second.tried[0]["error"] == "skipped" and fakes[kind].calls == 1


async def test_a_decommissioned_groq_model_is_named_so(tmp_path, fakes):
    async with ai_service(tmp_path, only(fakes, "groq", groq={"model": "llama-3.3-70b-versatile"})) as h:
        result = await h.service.router.run(task())
        health = (await h.service.health())["ai_services"]
    assert result.tried[0]["error"] == "model_unavailable" and "model_decommissioned" in result.tried[0]["message"]
    assert health["status"] == "degraded" and "groq:llama-3.3-70b-versatile was shut down on 2026-08-16" in \
        health["reason"]


async def test_gemini_429_delay_is_read_from_the_body(tmp_path, fakes):
    # No Retry-After header: a short RetryInfo delay is waited, then the same call succeeds...
    fakes["gemini"].script(Reply.quota(retry_delay="0.05s"))
    async with ai_service(tmp_path, ai_settings(fakes, order=("gemini", "offline"))) as h:
        ok = await h.service.router.run(task(1))
    assert ok.provider == "gemini" and [t["error"] for t in ok.tried] == ["rate_limited"]
    assert fakes["gemini"].requests[0].status == 429 and "Retry-After" not in fakes["gemini"].requests[0].response_headers
    # ...and one longer than backoff_max holds Gemini back and passes the call on.
    fakes["gemini"].clear()
    fakes["gemini"].script(Reply.quota(retry_delay="120s"))
    async with ai_service(tmp_path / "long", ai_settings(fakes, order=("gemini", "groq"))) as h:
        first = await h.service.router.run(task(2))
        second = await h.service.router.run(task(3))
        breaker = h.service.router.state["gemini"].breaker
        held_for = breaker.hold_until - trio.current_time()
    assert first.provider == second.provider == "groq" and fakes["gemini"].calls == 1
    assert "asked to wait" in second.tried[0]["message"] and 100 < held_for <= 120


async def test_a_spent_daily_gemini_quota_is_not_retried_and_holds_until_it_resets(tmp_path, fakes):
    fakes["gemini"].script(Reply.quota(per_day=True, retry_delay="30s"))
    settings = ai_settings(fakes, order=("gemini", "offline"), gemini={"retries": 3}, breaker_threshold=1)
    async with ai_service(tmp_path, settings) as h:
        first = await h.service.router.run(task(1))
        second = await h.service.router.run(task(2))
        breaker = h.service.router.state["gemini"].breaker
        held_for = breaker.hold_until - trio.current_time()
        state = breaker.current()
    assert first.provider == "offline" and [t["error"] for t in first.tried] == ["quota_exhausted"]
    assert "PerDay" in first.tried[0]["message"] and fakes["gemini"].calls == 1  # retries=3, none used
    assert second.tried[0]["error"] == "skipped" and state == "closed"
    assert abs(held_for - until_quota_reset()) < 5  # until midnight Pacific, not the 30 s RetryInfo


async def test_gemini_thinking_tokens_are_counted_and_priced(tmp_path, fakes):
    fakes["gemini"].script(Reply.thinking(3000))
    async with ai_service(tmp_path, ai_settings(fakes, order=("gemini",))) as h:
        result = await h.service.router.run(task())
        row = next(r for r in (await h.service.router.usage.report(1))["rows"] if r["provider"] == "gemini")
    rec = fakes["gemini"].requests[-1]
    assert result.tokens_thinking == 3000 and result.tokens_out == rec.tokens_out > 3000
    assert (row["tokens_out"], row["tokens_thinking"]) == (rec.tokens_out, 3000)
    # The catalogue's gemini-3.1-flash-lite price: $0.25 / $1.50 per 1M tokens, thinking as output.
    assert row["cost"] == pytest.approx(rec.tokens_in * 0.25e-6 + rec.tokens_out * 1.5e-6, abs=1e-6)
    assert result.cost == pytest.approx(row["cost"], abs=1e-6)


async def test_max_tokens_with_no_content_is_truncated_and_costs_its_tokens(tmp_path, fakes):
    fakes["gemini"].script(Reply.max_tokens())
    async with ai_service(tmp_path, only(fakes, "gemini", max_output_tokens=512)) as h:
        result = await h.service.router.run(task())
        row = next(r for r in (await h.service.router.usage.report(1))["rows"] if r["provider"] == "gemini")
        breaker = h.service.router.state["gemini"].breaker.current()
    assert result.provider == "offline" and result.tried[0]["error"] == "truncated"
    assert "512-token limit" in result.tried[0]["message"]
    assert (row["failures"], row["tokens_out"], row["tokens_thinking"]) == (1, 512, 512)
    assert row["cost"] > 0 and breaker == "closed"


@pytest.mark.parametrize("reply", [Reply.blocked("PROHIBITED_CONTENT"), Reply.safety()], ids=["blockReason", "SAFETY"])
async def test_gemini_blocks_are_refusals_not_provider_faults(tmp_path, fakes, reply):
    fakes["gemini"].script(reply)
    async with ai_service(tmp_path, only(fakes, "gemini")) as h:
        result = await h.service.router.run(task(1))
        assert h.service.router.state["gemini"].breaker.current() == "closed"
        again = await h.service.router.run(task(2))
    assert result.provider == "offline" and result.tried[0]["error"] == "refused"
    assert again.provider == "gemini"


async def test_groq_json_mode_answers_400_json_validate_failed(tmp_path, fakes):
    fakes["groq"].script(Reply.ok("here you go: {explanation"))
    async with ai_service(tmp_path, only(fakes, "groq")) as h:
        result = await h.service.router.run(task())
        row = next(r for r in (await h.service.router.usage.report(1))["rows"] if r["provider"] == "groq")
        breaker = h.service.router.state["groq"].breaker.current()
    assert fakes["groq"].requests[0].status == 400
    assert result.tried[0]["error"] == "invalid_reply" and "json_validate_failed" in result.tried[0]["message"]
    assert breaker == "closed" and row["tokens_out"] > 0 and row["cost"] > 0  # billed, so estimated


async def test_groq_strict_schema_when_the_schema_allows_it(tmp_path, fakes):
    strict = {"type": "object", "required": ["explanation"], "additionalProperties": False,
              "properties": {"explanation": {"type": "string"}}}
    fakes["groq"].script(Reply.ok({"explanation": 42}))
    async with ai_service(tmp_path, only(fakes, "groq")) as h:
        system = "Explain (task: feedback)"
        bad = await h.service.router.run(Task("feedback", system, "INPUT JSON:{}", strict, "strict.v1",
                                              offline=lambda: {"explanation": "offline"}))
        good = await h.service.router.run(Task("feedback", system, "INPUT JSON:{\"n\": 1}", strict, "strict.v1"))
    fmt = fakes["groq"].requests[0].body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert bad.tried[0]["error"] == "invalid_reply" and fakes["groq"].requests[0].status == 400
    assert good.provider == "groq"


async def test_groq_ratelimit_headers_hold_calls_back(tmp_path, fakes):
    fakes["groq"].ratelimit.update(remaining_requests=1, reset_requests="45.5s")
    async with ai_service(tmp_path, only(fakes, "groq", queue_wait=1.0)) as h:
        first = await h.service.router.run(task(1))
        second = await h.service.router.run(task(2))
        row = h.service.router.provider_rows(h.app.secrets)["groq"]
    assert first.provider == "groq" and second.provider == "offline" and fakes["groq"].calls == 1
    assert "rate limit, next slot in" in second.tried[0]["message"]
    assert row["server_limits"]["remaining_requests"] == 0 and row["server_limits"]["limit_requests"] == 14_400


async def test_groq_429s_per_minute_retried_per_day_held(tmp_path, fakes):
    fakes["groq"].script(Reply.quota(retry_after=0.05))
    async with ai_service(tmp_path, ai_settings(fakes, order=("groq",))) as h:
        ok = await h.service.router.run(task(1))
    assert ok.provider == "groq" and fakes["groq"].calls == 2
    fakes["groq"].clear()
    fakes["groq"].script(Reply.quota(per_day=True, retry_after=3600))
    async with ai_service(tmp_path / "day", only(fakes, "groq", groq={"retries": 2})) as h:
        held = await h.service.router.run(task(2))
        later = await h.service.router.run(task(3))
    assert held.tried[0]["error"] == "quota_exhausted" and "requests per day" in held.tried[0]["message"]
    assert later.tried[0]["error"] == "skipped" and fakes["groq"].calls == 1


async def test_huggingface_402_is_out_of_credit_and_held(tmp_path, fakes):
    fakes["huggingface"].script(Reply.no_credit())
    settings = only(fakes, "huggingface", huggingface={"retries": 2})
    async with ai_service(tmp_path, settings) as h:
        first = await h.service.router.run(task(1))
        second = await h.service.router.run(task(2))
        breaker = h.service.router.state["huggingface"].breaker
        held_for = breaker.hold_until - trio.current_time()
    assert first.tried[0]["error"] == "out_of_credit" and "monthly included credits" in first.tried[0]["message"]
    assert fakes["huggingface"].calls == 1 and second.tried[0]["error"] == "skipped"
    assert breaker.current() == "closed" and 3500 < held_for <= 3600  # credit_hold


async def test_openai_compat_json_schema_mode(tmp_path, fakes):
    settings = only(fakes, "openai_compat", openai_compat={"response_format": "json_schema"})
    async with ai_service(tmp_path, settings) as h:
        result = await h.service.router.run(task())
    assert result.provider == "openai_compat"
    assert fakes["openai_compat"].requests[0].body["response_format"]["json_schema"]["schema"] == FEEDBACK


async def test_gemini_thinking_level_is_sent_unless_default(tmp_path, fakes):
    async with ai_service(tmp_path, only(fakes, "gemini")) as h:
        await h.service.router.run(task(1))
    # google-genai writes the field's proto name (thinking_level); proto JSON takes either spelling.
    sent = fakes["gemini"].requests[-1].body["generationConfig"]["thinkingConfig"]
    assert list(sent.values()) == ["LOW"] and list(sent)[0] in ("thinkingLevel", "thinking_level")
    async with ai_service(tmp_path / "d", only(fakes, "gemini", gemini={"thinking_level": "default"})) as h:
        await h.service.router.run(task(2))
    assert "thinkingConfig" not in fakes["gemini"].requests[-1].body["generationConfig"]


async def test_groq_reasoning_effort_is_sent_unless_default(tmp_path, fakes):
    async with ai_service(tmp_path, only(fakes, "groq")) as h:
        await h.service.router.run(task(1))
    assert fakes["groq"].requests[-1].body["reasoning_effort"] == "low"
    async with ai_service(tmp_path / "d", only(fakes, "groq", groq={"reasoning_effort": "default"})) as h:
        await h.service.router.run(task(2))
    assert "reasoning_effort" not in fakes["groq"].requests[-1].body


@pytest.mark.slow
def test_scrapedctl_health_names_a_retired_model(tmp_path, fakes):
    """Through a real daemon and `scrapedctl health ai_services`: a configured model past its
    shutdown date makes the component degraded, with the replacement named."""
    from tests.daemon_harness import DaemonProcess
    from tests.fake_providers import KEY

    config = {"ai": ai_settings(fakes, order=("gemini", "groq", "offline"),
                                gemini={"model": "gemini-2.5-flash"})}
    env = {"GEMINI_API_KEY": KEY, "GROQ_API_KEY": KEY, "HUGGINGFACE_API_TOKEN": ""}
    with DaemonProcess(tmp_path, config, env=env) as d:
        out = d.ctl("health", "ai_services")
        health = d.call("health", component="ai_services")
    assert health["status"] == "degraded"
    assert health["model_problems"] == ["gemini:gemini-2.5-flash was shut down on 2026-12-01; "
                                        "use gemini-3.5-flash-lite"]
    assert "gemini:gemini-2.5-flash was shut down on 2026-12-01" in out.stdout and KEY not in out.stdout
