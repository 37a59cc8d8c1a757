"""Local HTTP servers that speak each AI provider's real wire format.

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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


class FakeProvider:
    def __init__(self, kind: str, responder: Callable[[Recorded], Any] | None = None):
        if kind not in PATHS:
            raise ValueError(kind)
        self.kind = kind
        self.responder = responder or smart_reply
        self.requests: list[Recorded] = []
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

    def _render(self, rec: Recorded, content: Any) -> dict[str, Any]:
        text = content if isinstance(content, str) else json.dumps(content)
        rec.tokens_in = count_tokens(rec.system + rec.user)
        rec.tokens_out = count_tokens(text)
        if self.kind == "gemini":
            return {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                                    "finishReason": "STOP", "index": 0}],
                    "usageMetadata": {"promptTokenCount": rec.tokens_in, "candidatesTokenCount": rec.tokens_out,
                                      "totalTokenCount": rec.tokens_in + rec.tokens_out},
                    "modelVersion": rec.model}
        return {"id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
                "model": rec.model, "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": rec.tokens_in, "completion_tokens": rec.tokens_out,
                          "total_tokens": rec.tokens_in + rec.tokens_out}}

    def _error_body(self, reply: Reply) -> dict[str, Any]:
        if self.kind == "gemini":
            status = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 401: "UNAUTHENTICATED",
                      403: "PERMISSION_DENIED", 400: "INVALID_ARGUMENT"}.get(reply.status, "UNKNOWN")
            return {"error": {"code": reply.status, "message": reply.message, "status": status}}
        return {"error": {"message": reply.message, "type": "api_error", "code": str(reply.status)}}

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
                reply = fake._next() or Reply.ok(None)
                if reply.delay and fake._closing.wait(reply.delay):
                    return
                if reply.body is not None:
                    return self._send(reply.status, reply.body, rec)
                if reply.status != 200:
                    extra = {"Retry-After": reply.retry_after} if reply.retry_after is not None else {}
                    return self._send(reply.status, json.dumps(fake._error_body(reply)).encode(), rec, extra)
                content = reply.content if reply.content is not None else fake.responder(rec)
                self._send(200, json.dumps(fake._render(rec, content)).encode(), rec)

            def _send(self, status: int, payload: bytes, rec: Recorded, extra: dict[str, str] | None = None) -> None:
                rec.status = status
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

    from scraped.ai.service import AIService

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
