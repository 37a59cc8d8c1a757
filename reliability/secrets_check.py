"""Secrets: distinctive fake keys set for every provider and the alert webhook, every AI
call failing, then every output, log, state file and backup grepped for them.

Fake: the providers (no account here). A local server stands in for all four on
127.0.0.1 and fails every call, half the time with an error body that echoes the key it
was sent (as some providers' "invalid API key: ..." messages do), so a daemon that logs or
stores a provider's error text verbatim is caught. The daemon crawls the loopback site
with the enhancement worker on, serves `ai generate`, `ai feedback`, `health`,
`config show`, `errors dashboard`, takes a backup and reloads on SIGHUP; every stdout and
stderr of those commands, the daemon's log, each file under the state dir (SQLite pages
included, as raw bytes) and each member of each backup archive (gunzipped) is searched.

Figure: occurrences of any key (whole, or its distinctive 16-character tail) — goal 0.
"""

from __future__ import annotations

import gzip
import http.server
import io
import json
import signal
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from reliability.common import Budget, Report, daemon, job, site, wait_end

SECTION = "secrets"
KEYS = {
    "GEMINI_API_KEY": "AIzaFAKE-rel-gemini-Qm7w2Kx9Lp4Zt8Vn",
    "GROQ_API_KEY": "gsk_FAKE_rel_groq_R5tY8uI1oP3aS6dF",
    "HUGGINGFACE_API_TOKEN": "hf_FAKErelHuggingJ2kL5zX8cV1bN4mQ",
    "OPENAI_COMPAT_API_KEY": "sk-FAKE-rel-compat-W9eR3tY6uI0oP2aS",
}
WEBHOOK_TOKEN = "FAKE-rel-webhook-T7gH1jK4lZ0xC3vB"


class FailingProviders:
    """Every provider's endpoint on one loopback server; every call fails (401 or 500)."""

    def __init__(self) -> None:
        self.calls = 0
        self.hooks: list[bytes] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path.startswith("/hook/"):
                    owner.hooks.append(body)
                    self._send(204, b"")
                    return
                owner.calls += 1
                sent = self.headers.get("authorization", "") or self.headers.get("x-goog-api-key", "")
                if owner.calls % 2:
                    msg = {"error": {"message": f"Incorrect API key provided: {sent}", "type": "invalid_request_error",
                                     "code": "invalid_api_key", "status": "UNAUTHENTICATED"}}
                    self._send(401, json.dumps(msg).encode())
                else:
                    self._send(500, json.dumps({"error": {"message": "internal error", "code": 500}}).encode())

            def _send(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET = _answer  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _needles() -> list[bytes]:
    """Each secret's distinctive last 16 characters: found in every whole copy, and in a
    copy cut short at the front (a masked 'sk-...xyz' keeps no 16-character tail)."""
    return [v[-16:].encode() for v in (*KEYS.values(), WEBHOOK_TOKEN)]


def _hits(data: bytes, needles: list[bytes]) -> int:
    return sum(data.count(n) for n in needles)


def _archive_members(path: Path) -> list[tuple[str, bytes]]:
    out = []
    try:
        with tarfile.open(path, "r:gz") as tar:
            for m in tar.getmembers():
                f = tar.extractfile(m) if m.isfile() else None
                if f is not None:
                    data = f.read()
                    if data[:2] == b"\x1f\x8b":
                        data = gzip.GzipFile(fileobj=io.BytesIO(data)).read()
                    out.append((f"{path.name}:{m.name}", data))
    except (tarfile.TarError, OSError, EOFError) as exc:
        out.append((f"{path.name}: unreadable ({exc})", b""))
    return out


def run(report: Report, *, pages: int = 40, seconds: float = 50.0) -> None:
    budget = Budget(seconds)
    fake = FailingProviders()
    outputs: list[tuple[str, bytes]] = []
    try:
        ai: dict[str, Any] = {"enabled": True, "backoff": 0.01, "backoff_max": 0.2, "breaker_threshold": 3,
                              "breaker_cooldown": 0.5, "queue_wait": 1.0}
        order = ["gemini", "groq", "huggingface", "openai_compat"]
        for task in ("enhance", "generate", "feedback", "extract"):
            ai[f"{task}_order"] = order + ([] if task == "extract" else ["offline"])
        for kind in order:
            ai[kind] = {"base_url": fake.url, "rpm": 0, "tpm": 0, "timeout": 2.0, "retries": 1}
        ai["openai_compat"]["model"] = "local-model"
        env = {**KEYS, "SCRAPED_ALERT_WEBHOOK_URL": f"{fake.url}/hook/{WEBHOOK_TOKEN}"}
        with tempfile.TemporaryDirectory(prefix="rel-secrets-") as tmp, site(pages) as s:
            # A monitor that always breaches (CPU over 0.01 %), so an alert goes to the webhook.
            ops = {"monitors": {"cpu_percent": 0.01, "cpu_window": 0.0}}
            d = daemon(Path(tmp), {"ai": ai, "ops": ops}, env=env)
            try:
                d.start()
                job_id = d.call("jobs.submit", spec=s.spec("secrets"))["job"]["id"]
                wait_end(d, job_id, budget.cap(60))
                commands = [
                    ("ai", "generate", "--category", "logical", "--count", "2"),
                    ("ai", "feedback", "--question", "What is 2+2?", "--answer", "4"),
                    ("ai", "providers", "--json"), ("ai", "usage", "--json"), ("health", "ai_services", "--json"),
                    ("health", "--json"), ("config", "show", "--json"), ("errors", "dashboard", "--json"),
                    ("errors", "stats", "--json"), ("monitors", "--json"), ("status", "--json"),
                    ("jobs", "show", job_id, "--json"), ("security", "events", "--json"), ("backup", "run", "--json"),
                    ("scheduler", "run", "monitors"), ("monitors", "--json"),
                ]
                for argv in commands:
                    out = d.ctl(*argv, timeout=budget.cap(30))
                    outputs.append((f"scrapedctl {' '.join(argv[:2])}", (out.stdout + out.stderr).encode()))
                d.send_signal(signal.SIGHUP)
                time.sleep(1.0)
                outputs.append(("jobs.show reply", json.dumps(job(d, job_id), default=str).encode()))
                d.stop()
            finally:
                d.close()
            root = Path(tmp)
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                data = path.read_bytes()
                outputs.append((str(path.relative_to(root)), data))
                if path.name.endswith(".tar.gz"):
                    outputs.extend(_archive_members(path))
    finally:
        fake.close()
    needles = _needles()
    found = {name: _hits(data, needles) for name, data in outputs}
    leaks = {k: v for k, v in found.items() if v}
    hooks = sum(_hits(b, needles) for b in fake.hooks)
    report.add(SECTION, "AI calls made (all failing)", fake.calls, "> 0", ok=fake.calls > 0)
    members = sum(1 for name, _ in outputs if ".tar.gz:" in name)
    files = sum(1 for name, _ in outputs if not name.startswith(("scrapedctl ", "jobs.show")) and ".tar.gz:" not in name)
    report.add(SECTION, "searched: command outputs / files (log, state, backups) / backup members",
               f"{len(outputs) - files - members} / {files} / {members}")
    report.add(SECTION, "occurrences of a fake key", sum(leaks.values()), "0", ok=not leaks)
    report.add(SECTION, "alert webhook deliveries / occurrences in them", f"{len(fake.hooks)} / {hooks}",
               "> 0 / 0", ok=bool(fake.hooks) and hooks == 0)
    for name, n in list(leaks.items())[:6]:
        report.note(SECTION, f"a fake key {n}x in {name}")
