"""The router: one call of a task, tried on the configured providers in order.

For each (provider, model) of the task's order:
  cache hit?              → the stored (accepted) reply, no call, no tokens
  model held?             → skipped: the provider called it unknown or shut down
  budget                  → the call's worst case is reserved first (skipped if it does not
                            fit; a model with no known price is not called under a budget)
  breaker / hold          → skipped while open, or while a Retry-After, a spent daily quota
                            or spent credits (402) hold the provider
  rpm/tpm buckets and the provider's own x-ratelimit-* remainder
                          → wait up to `queue_wait`, else skipped
  call under fail_after   → timeouts, per-minute 429s, 5xx and connection errors retried
                            with backoff (a Retry-After or RetryInfo delay honoured up to
                            backoff_max; a longer one holds the provider and passes on)
  parse + schema + check  → an invalid reply is a failure: passed on, never cached
then offline (if listed, or as the last resort with `offline_fallback`), else Unavailable.

The circuit breaker counts provider faults only (transport, 5xx, 429, auth): a model's
bad content (non-JSON, schema misses, refusals, truncation) is the provider answering, so
it passes the call on without opening the breaker.

Caching and acceptance: a reply is cached only once it is accepted. By default that is
when the schema and `Task.check` pass. A caller that checks replies item by item after
the call (the bank's enhancement) sets `Task.defer_cache=True` and calls
`await result.commit()` once its own checks accepted the whole reply; a reply never
committed is never replayed, so a retry asks the model again.

Every attempt is accounted (requests, tokens with thinking, estimated cost per provider
per day; a failed call that still cost tokens is charged) and timed
(`app.observe("ai.PROVIDER", ...)`). Nothing here logs a prompt or a key.

Resource handling: provider clients are built by `configure` and closed by `aclose` (or,
after a reload replaced them, by `drain_and_close` in the service's nursery).
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import trio

from scraped.ai import catalogue
from scraped.ai import providers as registry
from scraped.ai.ai_config import PROVIDERS, AIConfig
from scraped.ai.errors import (
    ModelUnavailable,
    ProviderError,
    ProviderOutOfCredit,
    ProviderQuotaExhausted,
    ProviderRateLimited,
    ProviderSkipped,
    ProviderTimeout,
)
from scraped.ai.limits import Breaker, ProviderStats, ServerLimits, TokenBucket
from scraped.ai.providers import offline as offline_rules
from scraped.ai.providers.base import Completion, LLMRequest, Provider, estimate_tokens, schema_hint
from scraped.ai.schema import parse_reply, problems
from scraped.ai.task import Result, Task
from scraped.ai.usage import Cache, Usage, cache_key
from scraped.errors import Internal, Unavailable

log = logging.getLogger(__name__)
__all__ = ["Result", "Router", "Task"]  # Task and Result live in scraped.ai.task


class _State:
    def __init__(self, pc: Any, cfg: AIConfig):
        self.breaker = Breaker(cfg.breaker_threshold, cfg.breaker_cooldown)
        self.rpm = TokenBucket(pc.rpm if pc else 0)
        self.tpm = TokenBucket(pc.tpm if pc else 0)
        self.server = ServerLimits()  # the provider's own x-ratelimit-* account
        self.stats = ProviderStats()
        self.unavailable: str | None = None  # why no client could be built
        self.held_models: dict[str, tuple[float, str]] = {}  # model: (until, why)


class Router:
    def __init__(self, get_config: Callable[[], AIConfig], store: Any, *,
                 observe: Callable[[str, float, bool], None] | None = None, threads: int = 4):
        self._config = get_config
        self.usage = Usage(store)
        self.cache = Cache(store)
        self._observe = observe or (lambda op, s, ok: None)
        self.limiter = trio.CapacityLimiter(threads)
        self.clients: dict[str, Provider] = {}
        cfg = get_config()
        self.state = {n: _State(cfg.provider(n) if n != "offline" else None, cfg) for n in PROVIDERS}
        self._setup: dict[str, tuple[Any, ...]] = {}  # what each configured provider's client is built from
        self._secret_source: Any = None
        self._build_locks: dict[str, trio.Lock] = defaultdict(trio.Lock)

    # ------------------------------------------------------------ clients
    def configure(self, secrets: Any) -> list[Provider]:
        """Take a (new) config and secrets. Clients are built on first use (in a thread: an SDK
        client loads certificates); a client whose key or endpoint changed is dropped and
        returned, for the caller to close (`drain_and_close`) once its calls end."""
        cfg = self._config()
        retired: list[Provider] = []
        self._secret_source = secrets
        for name in PROVIDERS:
            if name == "offline":
                continue
            st = self.state[name]
            pc = cfg.provider(name)
            st.breaker.configure(cfg.breaker_threshold, cfg.breaker_cooldown)
            if st.rpm.rate != pc.rpm:
                st.rpm = TokenBucket(pc.rpm)
            if st.tpm.rate != pc.tpm:
                st.tpm = TokenBucket(pc.tpm)
            want = None
            if registry.is_configured(name, cfg, secrets):
                want = (pc.base_url, pc.timeout, registry.key_for(name, secrets))
            if want != self._setup.get(name):
                if name in self.clients:
                    retired.append(self.clients.pop(name))
                st.unavailable = None
            if want is None:
                self._setup.pop(name, None)
            else:
                self._setup[name] = want
        return retired

    async def _client(self, name: str) -> Provider | None:
        """The provider's client, built on first use; None when not configured or unbuildable."""
        if name in self.clients or name not in self._setup:
            return self.clients.get(name)
        async with self._build_locks[name]:
            if name in self.clients or name not in self._setup:
                return self.clients.get(name)
            setup, st = self._setup[name], self.state[name]
            try:
                client = await trio.to_thread.run_sync(registry.build, name, self._config(),
                                                       self._secret_source, self.limiter)
            except ProviderError as exc:
                st.unavailable = str(exc)
                log.warning("AI provider %s unavailable: %s", name, exc)
                return None
            if self._setup.get(name) != setup:  # reconfigured while building
                await client.aclose()
                return None
            self.clients[name] = client
            return client

    async def warm(self) -> None:
        """Build every configured client now (the first call then pays no import or TLS set-up)."""
        for name in list(self._setup):
            await self._client(name)

    async def aclose(self) -> None:
        clients, self.clients = list(self.clients.values()), {}
        with trio.CancelScope(shield=True):
            for client in clients:
                try:
                    await client.aclose()
                except Exception as exc:  # closing must not hide why we stop
                    log.warning("closing AI provider %s: %s", client.name, type(exc).__name__)

    def configured(self, name: str) -> bool:
        return name == "offline" or name in self._setup

    def configured_names(self) -> list[str]:
        return sorted(self._setup)

    # ------------------------------------------------------------ calls
    async def run(self, task: Task) -> Result:
        cfg = self._config()
        tried: list[dict[str, str]] = []
        order = task.order if task.order is not None else cfg.order(task.kind)
        await self.usage.spent_today()  # rolls the day over before any reservation
        for name, model in order:
            if name == "offline":
                if task.offline is not None:
                    return await self._offline(task, tried)
                continue
            client = await self._client(name)
            if client is None:
                continue  # not configured (or its SDK is missing): health shows it
            try:
                return await self._call(name, model, client, task, cfg, tried)
            except ProviderError as exc:
                tried.append({"provider": name, "model": model, "error": exc.kind, "message": str(exc)})
        if task.offline is not None and cfg.offline_fallback:
            return await self._offline(task, tried)
        why = "; ".join(f"{t['provider']}: {t['error']}" for t in tried) or "no provider is configured"
        err = Unavailable(f"no AI provider could answer the {task.kind} request ({why})")
        err.tried = tried  # type: ignore[attr-defined]  # enhancement tells provider faults from bad content
        raise err

    async def _offline(self, task: Task, tried: list[dict[str, str]]) -> Result:
        assert task.offline is not None
        data = task.offline()
        found = problems(task.schema, data)
        if found:
            raise Internal(f"offline {task.kind} reply fails its schema: {found[:3]}")
        await self.usage.record(offline_rules.NAME, ok=True)
        self.state["offline"].stats.ok(0.0)
        return Result(data, offline_rules.NAME, offline_rules.MODEL, tried=tried)

    def request(self, task: Task) -> LLMRequest:
        cfg = self._config()
        return LLMRequest(task.system, task.user, task.schema, task.schema_name,
                          task.max_tokens or cfg.max_output_tokens, cfg.temperature)

    def worst_cost(self, task: Task, name: str, model: str, estimate: int | None = None) -> float | None:
        """The most one call of `task` to name:model can cost (USD): the prompt estimate at
        the input price and every allowed reply token at the output price; None: no price."""
        prices = catalogue.price(name, model, self._config().provider(name))
        if prices is None:
            return None
        req = self.request(task)
        if estimate is None:
            estimate = estimate_tokens(task.system + task.user + schema_hint(req))
        return estimate * prices[0] + req.max_tokens * prices[1]

    async def _call(self, name: str, model: str, client: Provider, task: Task, cfg: AIConfig,
                    tried: list[dict[str, str]]) -> Result:
        st, pc, req = self.state[name], cfg.provider(name), self.request(task)
        key = cache_key(provider=name, endpoint=pc.base_url or "default", model=model,
                        schema_name=task.schema_name, schema=task.schema, system=task.system, user=task.user,
                        temperature=req.temperature, max_tokens=req.max_tokens)
        if cfg.cache and task.use_cache:
            hit = await self.cache.get(key, cfg.cache_ttl_days)
            if hit is not None and not problems(task.schema, hit.get("response")) and self._checks(task, hit):
                await self.usage.record(name, ok=True, cache_hit=True)
                return Result(hit["response"], name, hit.get("model", model), cached=True, tried=tried,
                              cache_key=key)
        held = st.held_models.get(model)
        if held is not None and trio.current_time() < held[0]:
            raise ProviderSkipped(f"{name}: model {model} held: {held[1]}", provider=name)
        estimate = estimate_tokens(task.system + task.user + schema_hint(req))
        worst = self.worst_cost(task, name, model, estimate)
        if cfg.daily_budget and worst is None:
            raise ProviderSkipped(f"{name}: no known price for {model}, so the daily budget cannot count it "
                                  f"(set [ai.{name}] cost_input_per_1k/cost_output_per_1k)", provider=name)
        for attempt in range(pc.retries + 1):
            allowed, why = st.breaker.allow()
            if not allowed:
                raise ProviderSkipped(f"{name}: {why}", provider=name)
            reserved = worst if cfg.daily_budget and worst is not None else 0.0
            if reserved and not self.usage.reserve(reserved, cfg.daily_budget):
                st.breaker.release()
                raise ProviderSkipped(f"{name}: daily AI budget of ${cfg.daily_budget:g} spent (or reserved "
                                      f"by calls in flight)", provider=name)
            try:
                await self._admit(name, st, estimate, cfg.queue_wait)
                err, result = await self._attempt(name, model, client, task, req, pc, estimate)
            except BaseException:
                st.breaker.release()  # cancelled or skipped: no verdict on the provider
                raise
            finally:
                self.usage.release(reserved)
            if err is None:
                assert result is not None
                result.tried, result.cache_key = tried, key
                if cfg.cache and task.use_cache:
                    put = self._putter(key, result)
                    if task.defer_cache:
                        result._pending = put
                    else:
                        await put()
                return result
            self._verdict(st, model, err, cfg)
            if not err.retryable or attempt == pc.retries:
                raise err
            delay = err.retry_after if err.retry_after is not None else \
                cfg.backoff * (2 ** attempt) * (0.5 + random.random() / 2)
            if isinstance(err, ProviderRateLimited) and err.retry_after is not None and \
                    err.retry_after > cfg.backoff_max:
                st.breaker.hold(err.retry_after)
                raise err
            tried.append({"provider": name, "model": model, "error": err.kind, "message": str(err)})
            await trio.sleep(min(delay, cfg.backoff_max))
        raise AssertionError("unreachable")

    def _putter(self, key: str, result: Result) -> Callable[[], Awaitable[None]]:
        async def put() -> None:
            await self.cache.put(key, result.provider, result.model, result.data, result.tokens_in,
                                 result.tokens_out)
        return put

    def _verdict(self, st: _State, model: str, err: ProviderError, cfg: AIConfig) -> None:
        """What a failed attempt says about the provider: only its own faults count on the
        breaker; spent quotas and credits hold it; a gone model is held on its own."""
        if err.fault:
            st.breaker.failure()
        elif isinstance(err, ProviderQuotaExhausted):
            st.breaker.release()
            st.breaker.hold(err.retry_after if err.retry_after is not None else 3600.0)
        elif isinstance(err, ProviderOutOfCredit):
            st.breaker.release()
            st.breaker.hold(cfg.credit_hold)
        elif isinstance(err, ModelUnavailable):
            st.breaker.release()
            st.held_models[model] = (trio.current_time() + cfg.model_hold, f"{err.kind}: {err}")
        else:  # the provider answered; the content was unusable
            st.breaker.answered()

    def _checks(self, task: Task, hit: dict[str, Any]) -> bool:
        if task.check is None:
            return True
        try:
            task.check(hit["response"])
            return True
        except ProviderError:
            return False

    async def _admit(self, name: str, st: _State, tokens: int, max_wait: float) -> None:
        while True:
            wait = max(st.rpm.wait_time(1), st.tpm.wait_time(tokens), st.server.wait_time(tokens))
            if wait <= 0:
                st.rpm.take(1)
                st.tpm.take(tokens)
                st.server.take(tokens)
                return
            if wait > max_wait:
                raise ProviderSkipped(f"{name}: rate limit, next slot in {wait:.1f} s", provider=name)
            await trio.sleep(wait)

    async def _attempt(self, name: str, model: str, client: Provider, task: Task, req: LLMRequest,
                       pc: Any, estimate: int) -> tuple[ProviderError | None, Result | None]:
        """One call; (error, None) or (None, result). Accounts and times it either way: a
        failed call that reported (or, for Groq's json_validate_failed, implies) tokens is
        charged for them."""
        st = self.state[name]
        started = trio.current_time()
        completion: Completion | None = None
        err: ProviderError | None = None
        try:
            with trio.fail_after(pc.timeout):
                completion = await client.complete(req, model)
            data = parse_reply(completion.text, task.schema, name)
            if task.check is not None:
                task.check(data)
        except trio.TooSlowError:
            err = ProviderTimeout(f"{name}: no reply within {pc.timeout:g} s", provider=name)
        except ProviderError as exc:
            err = exc
        seconds = trio.current_time() - started
        source: Any = completion if completion is not None else err
        tokens_in, tokens_out = int(source.tokens_in), int(source.tokens_out)
        thinking = int(source.tokens_thinking)
        headers = completion.rate_headers if completion is not None else (err.rate_headers if err else {})
        if headers:
            st.server.update(headers)
        prices = catalogue.price(name, model, pc) or (0.0, 0.0)
        cost = tokens_in * prices[0] + tokens_out * prices[1]
        st.tpm.take(tokens_in + tokens_out - estimate)  # settle the estimate with the real count
        await self.usage.record(name, ok=err is None, tokens_in=tokens_in, tokens_out=tokens_out, cost=cost,
                                tokens_thinking=thinking)
        self._observe(f"ai.{name}", seconds, err is None)
        if err is not None:
            st.stats.failed(f"{err.kind}: {err}")
            log.warning("AI %s call to %s/%s failed: %s", task.kind, name, model, err)
            return err, None
        st.breaker.success()
        st.stats.ok(seconds)
        assert completion is not None
        return None, Result(data, name, completion.model or model, tokens_in=tokens_in, tokens_out=tokens_out,
                            tokens_thinking=thinking, cost=cost)

    # ------------------------------------------------------------ health
    def provider_rows(self, secrets: Any) -> dict[str, dict[str, Any]]:
        cfg = self._config()
        rows: dict[str, dict[str, Any]] = {}
        for name in PROVIDERS:
            st = self.state[name]
            row: dict[str, Any] = {
                "configured": registry.is_configured(name, cfg, secrets),
                "enabled": True if name == "offline" else cfg.provider(name).enabled,
                "model": offline_rules.MODEL if name == "offline" else cfg.provider(name).model,
                "breaker": st.breaker.current(), "consecutive_failures": st.breaker.failures,
                "last_success_at": st.stats.last_success_at, "last_failure_at": st.stats.last_failure_at,
                "last_error": st.stats.last_error, "p50_ms": st.stats.p50_ms(),
                "calls": st.stats.calls, "failures": st.stats.failures,
            }
            if st.unavailable:
                row["unavailable"] = st.unavailable
            if name != "offline":
                pc = cfg.provider(name)
                prices = catalogue.price(name, pc.model, pc)
                row.update(rpm=pc.rpm, tpm=pc.tpm, endpoint="custom" if pc.base_url else "default",
                           usd_per_1m=None if prices is None else [round(p * 1e6, 4) for p in prices])
                server = st.server.snapshot()
                if server:
                    row["server_limits"] = server
                now = trio.current_time()
                held = {m: why for m, (until, why) in st.held_models.items() if now < until}
                if held:
                    row["held_models"] = held
            rows[name] = row
        return rows
