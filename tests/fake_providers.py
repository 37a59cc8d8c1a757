"""Local HTTP servers that speak each AI provider's real wire format, errors included.

Fake: only the provider's account and the internet. The real SDKs (google-genai, groq,
huggingface_hub) and our httpx client talk to these over real sockets on 127.0.0.1:

    gemini          POST /v1beta/models/MODEL:generateContent   key in x-goog-api-key
    groq            POST /openai/v1/chat/completions            Authorization: Bearer KEY
    huggingface     POST /v1/chat/completions                   Authorization: Bearer KEY
    openai_compat   POST /v1/chat/completions                   Authorization: Bearer KEY (optional)

Each server is scriptable per test: `server.script(Reply.error(429, retry_after=1),
Reply.ok(...))` queues replies used before the default responder, which answers our own
prompts sensibly (it reads the "INPUT JSON:" block of the user message). Every request is
recorded (path, headers, body, the tokens reported) so tests assert call counts and tokens.

As the real services do (docs/architecture.md "Providers" lists the pages read):
- models: only the catalogue's models of that provider are served (openai_compat: the
  names given); an unknown or shut-down model gets the provider's own error body -
  Gemini 404 NOT_FOUND, Groq 404 model_not_found / 400 model_decommissioned, Hugging Face
  400 model_not_supported, Ollama-style 404;
- Gemini: a 429 carries its delay in error.details[] (google.rpc.RetryInfo retryDelay)
  and no Retry-After header, with google.rpc.QuotaFailure per-minute or per-day quota ids
  (`Reply.quota`); thinking is reported as usageMetadata.thoughtsTokenCount
  (`Reply.thinking`); `Reply.max_tokens` ends with finishReason MAX_TOKENS and no content
  parts, its thoughts using the whole maxOutputTokens; `Reply.blocked` is a
  promptFeedback.blockReason with no candidates, `Reply.safety` a SAFETY finish;
- Groq: JSON mode and json_schema never answer 200 with text that is not JSON: 400
  json_validate_failed with failed_generation (strict json_schema also for a schema
  miss); x-ratelimit-* headers on every reply (`server.ratelimit` sets them), retry-after
  on a 429 (`Reply.quota` for Groq: per-minute TPM or per-day RPD);
- Hugging Face: `Reply.no_credit()` is the router's 402.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scraped.ai import catalogue
from tests import fake_provider_errors as errors

PATHS = {"gemini": re.compile(r"^/v1beta/models/(?P<model>[^/:]+):generateContent$"),
         "groq": re.compile(r"^/openai/v1/chat/completions$"),
         "huggingface": re.compile(r"^/v1/chat/completions$"),
         "openai_compat": re.compile(r"^/v1/chat/completions$")}


@dataclass
class Reply:
    status: int = 200
    content: Any = None          # the model's text (a str) or an object sent as JSON text
    body: bytes | None = None    # a raw HTTP body instead (malformed responses)
    retry_after: str | None = None
    delay: float = 0.0
    message: str = ""
    thoughts: int = 0            # thinking tokens reported (Gemini thoughtsTokenCount, reasoning_tokens)
    special: str = ""            # max_tokens, blocked, safety, quota, no_credit
    per_day: bool = False        # quota: a per-day quota (not transient)
    retry_delay: str = "17s"     # quota: Gemini's RetryInfo retryDelay

    @classmethod
    def ok(cls, content: Any) -> Reply:
        return cls(content=content)

    @classmethod
    def error(cls, status: int, message: str = "scripted error", retry_after: float | str | None = None) -> Reply:
        return cls(status=status, message=message, retry_after=None if retry_after is None else str(retry_after))

    @classmethod
    def slow(cls, seconds: float, content: Any = None) -> Reply:
        return cls(content=content, delay=seconds)

    @classmethod
    def raw(cls, body: bytes, status: int = 200) -> Reply:
        return cls(status=status, body=body)

    @classmethod
    def thinking(cls, thoughts: int, content: Any = None) -> Reply:
        """A normal answer that also spent `thoughts` billed thinking tokens."""
        return cls(content=content, thoughts=thoughts)

    @classmethod
    def max_tokens(cls) -> Reply:
        """The thinking used the whole maxOutputTokens: MAX_TOKENS and no content (Gemini),
        finish_reason "length" with a cut-off text (OpenAI-style)."""
        return cls(special="max_tokens")

    @classmethod
    def blocked(cls, reason: str = "SAFETY") -> Reply:
        """Gemini: the prompt was blocked (promptFeedback.blockReason, no candidates)."""
        return cls(special="blocked", message=reason)

    @classmethod
    def safety(cls) -> Reply:
        """Gemini: the candidate stopped with finishReason SAFETY and no content."""
        return cls(special="safety")

    @classmethod
    def quota(cls, per_day: bool = False, retry_delay: str = "17s", retry_after: float = 2.0) -> Reply:
        """A 429 as each provider sends it: Gemini's body details (no header), Groq's
        rate_limit_exceeded with retry-after (per minute: TPM; per day: RPD)."""
        return cls(status=429, special="quota", per_day=per_day, retry_delay=retry_delay,
                   retry_after=str(retry_after))

    @classmethod
    def no_credit(cls) -> Reply:
        """Hugging Face: 402, the monthly credits are spent."""
        return cls(status=402, special="no_credit")


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    model: str
    system: str
    user: str
    status: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    at: float = field(default_factory=time.time)
    response_headers: dict[str, str] = field(default_factory=dict)


def count_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def input_json(user: str) -> Any:
    _, sep, rest = user.partition("INPUT JSON:")
    return json.loads(rest) if sep else None


def smart_reply(rec: Recorded) -> Any:
    """What a well-behaved model would answer to our prompts (by the task named in the system prompt)."""
    task = re.search(r"\(task: (\w+)\)", rec.system)
    kind = task.group(1) if task else ""
    data = input_json(rec.user)
    if kind == "enhance":
        out = []
        for q in data["questions"]:
            answer = q.get("answer")
            out.append({"id": q["id"], "question": q["question"].strip(), "options": q["options"],
                        "correct_index": answer if isinstance(answer, int) else 0,
                        "explanation": "Fake model explanation.", "category": "quantitative",
                        "difficulty": "medium", "topics": ["arithmetic"], "quality_score": 0.9})
        return {"questions": out}
    if kind == "generate":
        n, base = data["count"], int(time.time() * 1000) % 10_000
        return {"questions": [
            {"question": f"Model question {base + i}: what is {base + i} plus {i + 7} in total?",
             "options": [str(base + 2 * i + 7), str(base + 2 * i + 8), str(base + 2 * i + 9)],
             "correct_index": 0, "explanation": "Add them.", "topics": ["arithmetic"]} for i in range(n)]}
    if kind == "feedback":
        return {"explanation": "Model explanation of the answer."}
    if kind == "extract":
        return {"questions": [{"question": "What is 6 times 7?", "options": ["42", "36"], "answer": 0,
                               "answer_text": "42", "explanation": None}]}
    if kind == "layout":
        return {"block": ".q", "question": ".text", "options": "li", "answer": ".ans", "explanation": None}
    return {}


OPENAI_COMPAT_MODELS = ("llama3.2",)


def served_models(kind: str, today: Any = None) -> tuple[set[str], set[str]]:
    """(served, shut down) model names of a provider, from the catalogue as of today."""
    day = today or datetime.now(UTC).date()
    if kind == "openai_compat":
        return set(OPENAI_COMPAT_MODELS), set()
    infos = [i for (p, _), i in catalogue.catalogue().items() if p == kind]
    return {i.model for i in infos if not i.retired(day)}, {i.model for i in infos if i.retired(day)}


class FakeProvider:
    def __init__(self, kind: str, responder: Callable[[Recorded], Any] | None = None,
                 models: tuple[str, ...] | None = None):
        if kind not in PATHS:
            raise ValueError(kind)
        self.kind = kind
        self.responder = responder or smart_reply
        self.requests: list[Recorded] = []
        self.models, self.retired = served_models(kind)
        if models is not None:
            self.models = set(models)
        # Groq's account as its x-ratelimit-* headers tell it: requests per day, tokens per
        # minute (a fixed one-minute window here, so reset-tokens counts down and refills).
        self.ratelimit: dict[str, Any] = {"limit_requests": 14_400, "remaining_requests": 14_400,
                                          "reset_requests": "1m26.4s", "limit_tokens": 250_000,
                                          "remaining_tokens": 250_000, "reset_tokens": "60s"}
        self._token_window = time.monotonic()
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def script(self, *replies: Reply) -> FakeProvider:
        with self._lock:
            self._script.extend(replies)
        return self

    def clear(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()

    @property
    def calls(self) -> int:
        return len(self.requests)

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ serving
    def _next(self) -> Reply | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _parse(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> Recorded:
        if self.kind == "gemini":
            m = PATHS["gemini"].match(path)
            system = " ".join(p.get("text", "") for p in (body.get("systemInstruction") or {}).get("parts", []))
            user = " ".join(p.get("text", "") for c in body.get("contents", []) for p in c.get("parts", []))
            return Recorded(path, headers, body, m.group("model") if m else "", system, user)
        msgs = body.get("messages", [])
        system = " ".join(m["content"] for m in msgs if m.get("role") == "system")
        user = " ".join(m["content"] for m in msgs if m.get("role") == "user")
        return Recorded(path, headers, body, body.get("model", ""), system, user)

    def _max_tokens(self, rec: Recorded) -> int:
        if self.kind == "gemini":
            return int((rec.body.get("generationConfig") or {}).get("maxOutputTokens") or 8192)
        return int(rec.body.get("max_tokens") or rec.body.get("max_completion_tokens") or 8192)

    def _render(self, rec: Recorded, content: Any, reply: Reply) -> dict[str, Any]:
        text = content if isinstance(content, str) else json.dumps(content)
        rec.tokens_in = count_tokens(rec.system + rec.user)
        thoughts = reply.thoughts
        finish = "STOP" if self.kind == "gemini" else "stop"
        if reply.special == "max_tokens":  # the thinking ate the budget
            thoughts = self._max_tokens(rec) - (0 if self.kind == "gemini" else 5)
            text, finish = ("", "MAX_TOKENS") if self.kind == "gemini" else (text[:20], "length")
        rec.tokens_out = (count_tokens(text) if text else 0) + thoughts
        if self.kind == "gemini":
            usage = {"promptTokenCount": rec.tokens_in, "totalTokenCount": rec.tokens_in + rec.tokens_out}
            if text:
                usage["candidatesTokenCount"] = rec.tokens_out - thoughts
            if thoughts:
                usage["thoughtsTokenCount"] = thoughts
            if reply.special == "blocked":
                rec.tokens_out = 0
                return {"promptFeedback": {"blockReason": reply.message, "safetyRatings": [
                    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}]},
                    "usageMetadata": {"promptTokenCount": rec.tokens_in, "totalTokenCount": rec.tokens_in},
                    "modelVersion": rec.model}
            candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"} if text
                                         else {"role": "model"}, "finishReason": finish, "index": 0}
            if reply.special == "safety":
                candidate = {"finishReason": "SAFETY", "index": 0, "safetyRatings": [
                    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": True}]}
            return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": rec.model}
        usage = {"prompt_tokens": rec.tokens_in, "completion_tokens": rec.tokens_out,
                 "total_tokens": rec.tokens_in + rec.tokens_out}
        if thoughts:
            usage["completion_tokens_details"] = {"reasoning_tokens": thoughts}
        return {"id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
                "model": rec.model, "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "logprobs": None, "finish_reason": finish}],
                "usage": usage}

    # ------------------------------------------------------------ the providers' own errors
    def _model_error(self, rec: Recorded) -> tuple[int, dict[str, Any]] | None:
        if rec.model in self.models:
            return None
        return errors.unknown_model(self.kind, rec.model, rec.model in self.retired)

    def _json_error(self, rec: Recorded, text: str) -> dict[str, Any] | None:
        return errors.json_validate_failed(self.kind, rec.body, text)

    def _error_body(self, reply: Reply, rec: Recorded) -> dict[str, Any]:
        return errors.error_body(self.kind, reply, rec.model)

    def _rate_headers(self, rec: Recorded) -> dict[str, str]:
        """Groq's x-ratelimit-* headers, sent on every reply; the account is charged here."""
        if self.kind != "groq":
            return {}
        with self._lock:
            rl, now = self.ratelimit, time.monotonic()
            if now - self._token_window >= 60.0:
                self._token_window, rl["remaining_tokens"] = now, rl["limit_tokens"]
            rl["remaining_requests"] = max(0, rl["remaining_requests"] - 1)
            rl["remaining_tokens"] = max(0, rl["remaining_tokens"] - rec.tokens_in - rec.tokens_out)
            rl["reset_tokens"] = f"{60.0 - (now - self._token_window):.2f}s"
            return {f"x-ratelimit-{k.replace('_', '-')}": str(v) for k, v in rl.items()}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body in separate writes: no 40 ms delayed ACK
            wbufsize = -1  # buffered; http.server flushes after each request

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                path = self.path.split("?")[0]
                rec = fake._parse(path, headers, body)
                with fake._lock:
                    fake.requests.append(rec)
                if not PATHS[fake.kind].match(path):
                    return self._send(404, json.dumps({"error": {"message": f"no route {path}"}}).encode(), rec)
                wrong_model = fake._model_error(rec)
                if wrong_model is not None:
                    return self._send(wrong_model[0], json.dumps(wrong_model[1]).encode(), rec,
                                      fake._rate_headers(rec))
                reply = fake._next() or Reply.ok(None)
                if reply.delay and fake._closing.wait(reply.delay):
                    return
                if reply.body is not None:
                    return self._send(reply.status, reply.body, rec)
                if reply.status != 200:
                    # Gemini's 429 has its delay in the body only; the others send Retry-After.
                    extra = {"Retry-After": reply.retry_after} if reply.retry_after is not None and not (
                        fake.kind == "gemini" and reply.special == "quota") else {}
                    extra.update(fake._rate_headers(rec))
                    return self._send(reply.status, json.dumps(fake._error_body(reply, rec)).encode(), rec, extra)
                content = reply.content if reply.content is not None else fake.responder(rec)
                rendered = fake._render(rec, content, reply)
                text = content if isinstance(content, str) else json.dumps(content)
                invalid = fake._json_error(rec, text) if reply.special != "max_tokens" else None
                if invalid is not None:
                    return self._send(400, json.dumps(invalid).encode(), rec, fake._rate_headers(rec))
                self._send(200, json.dumps(rendered).encode(), rec, fake._rate_headers(rec))

            def _send(self, status: int, payload: bytes, rec: Recorded, extra: dict[str, str] | None = None) -> None:
                rec.status = status
                rec.response_headers = dict(extra or {})
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for k, v in (extra or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler


# ---------------------------------------------------------------- helpers for the AI tests

KEY = "test-key-not-secret-123"
KEYS = {"GEMINI_API_KEY": KEY, "GROQ_API_KEY": KEY, "HUGGINGFACE_API_TOKEN": KEY, "OPENAI_COMPAT_API_KEY": KEY}
KINDS = ("gemini", "groq", "huggingface", "openai_compat")


def ai_settings(fakes: dict[str, FakeProvider], order: tuple[str, ...] = KINDS + ("offline",),
                **overrides: Any) -> dict[str, Any]:
    """An [ai] table pointing every provider at its fake, with test-sized limits."""
    table: dict[str, Any] = {"enabled": False, "backoff": 0.01, "backoff_max": 1.0, "breaker_threshold": 3,
                             "breaker_cooldown": 0.3, "queue_wait": 1.0}
    for task in ("enhance", "generate", "feedback", "extract"):
        table[f"{task}_order"] = [o for o in order if not (task == "extract" and o == "offline")]
    for kind, fake in fakes.items():
        table[kind] = {"base_url": fake.url, "rpm": 0, "tpm": 0, "timeout": 2.0, "retries": 1}
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(table.get(key), dict):
            table[key] = {**table[key], **value}
        else:
            table[key] = value
    return table


class AIHarness:
    """An AIService's surroundings in-process: App, config, secrets, a real SqliteStore."""

    def __init__(self, tmp_path: Any, ai: dict[str, Any] | None, secrets: dict[str, str] | None):
        from scraped.app import App
        from scraped.secrets import Secrets
        from scraped.store.sqlite import SqliteStore

        self.tmp_path = tmp_path
        self.app = App(self._config(ai or {}), None, Secrets(KEYS if secrets is None else secrets))
        self.app.store = SqliteStore(tmp_path / "ai.db")
        self.service: Any = None

    def _config(self, ai: dict[str, Any]) -> Any:
        from scraped.config import parse_config

        return parse_config({"daemon": {"state_dir": str(self.tmp_path)}, "ai": ai})

    async def reload(self, ai: dict[str, Any], secrets: dict[str, str] | None = None) -> None:
        """What the daemon does on SIGHUP: new config and secrets, then service.reload."""
        from scraped.secrets import Secrets

        old, self.app.config = self.app.config, self._config(ai)
        if secrets is not None:
            self.app.secrets = Secrets(secrets)
        await self.service.reload(old, self.app.config)


@asynccontextmanager
async def ai_service(tmp_path: Any, ai: dict[str, Any] | None = None,
                     secrets: dict[str, str] | None = None) -> AsyncIterator[AIHarness]:
    """An AIService running in-process (started with nursery.start, as the daemon does)."""
    import trio

    from scraped.ai.ai_service import AIService

    h = AIHarness(tmp_path, ai, secrets)
    await h.app.store.open()
    try:
        async with trio.open_nursery() as nursery:
            h.service = AIService(h.app)
            await nursery.start(h.service.run)
            yield h
            nursery.cancel_scope.cancel()
    finally:
        await h.app.store.close()
