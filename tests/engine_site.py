"""A generated question site served on 127.0.0.1 (port 0) for the engine's tests.

A real HTTP server (stdlib ThreadingHTTPServer in a thread, so it also serves while a
test blocks on a daemon subprocess) that counts hits per path:

    /                 index: links to /list/1
    /list/N           a listing: links to its question pages and to /list/N+1
    /q/N              a question page: `per_page` questions (one shared by every page,
                      so a second sighting is exercised), ~`page_kb` KB of markup
    /missing/N        404 (linked from /list/1 when `broken` is set)
    /error/N          500 every time
    /flaky/N          503 the first time, 200 after (linked from /list/1 when `flaky` is set)

The matching job spec uses css extraction rules (SPEC_RULES), so the expected question
set is known exactly: `site.expected_keys()` needs the extractor, `expected_texts()` not.
"""

from __future__ import annotations

import collections
import http.server
import json
import threading
import time
from pathlib import Path
from typing import Any

SHARED_QUESTION = "Which of these numbers is prime?"

# [engine] settings for crawls of this site by a daemon subprocess: loopback allowed,
# fast flushes and saves.
DAEMON_ENGINE = {"allow_private_networks": True, "write_interval": 0.05, "progress_interval": 0.2,
                 "stop_grace": 5.0, "host_concurrency": 16}


def job_of(daemon: Any, job_id: str) -> dict[str, Any]:
    """`jobs show` of a job over a daemon's socket (a tests.daemon_harness.DaemonProcess)."""
    return daemon.call("jobs.show", id=job_id)


def submit_file(daemon: Any, tmp_path: Path, text: str) -> str:
    """Submit a spec as an operator does (`scrapedctl jobs submit FILE --json`); its job id."""
    path = tmp_path / f"spec-{time.monotonic_ns()}.toml"
    path.write_text(text)
    out = daemon.ctl("jobs", "submit", str(path), "--json")
    assert out.returncode == 0, out.stderr
    return str(json.loads(out.stdout)["job"]["id"])

SPEC_RULES = """
[extract]
mode = "css"
block = "div.qblock"
question = ".qtext"
options = "ol.opts li"
answer = ".ans"
explanation = ".expl"

[follow]
deny = ["/nofollow/"]
"""


class Site:
    def __init__(self, pages: int = 30, per_list: int = 10, per_page: int = 3, page_kb: int = 2,
                 delay: float = 0.0, broken: int = 0, shared: bool = True, flaky: int = 0):
        self.pages = pages
        self.flaky = flaky
        self.shared = shared
        self.per_list = per_list
        self.per_page = per_page
        self.page_kb = page_kb
        self.delay = delay
        self.broken = broken
        self.hits: collections.Counter[str] = collections.Counter()
        self.agents: collections.Counter[str] = collections.Counter()  # question pages per User-Agent
        self._lock = threading.Lock()
        self.server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ content
    @property
    def lists(self) -> int:
        return (self.pages + self.per_list - 1) // self.per_list

    def question_text(self, page: int, i: int) -> str:
        return f"Page {page} question {i}: what is {page} plus {i * 7}?"

    def expected_texts(self) -> set[str]:
        texts = {self.question_text(p, i) for p in range(1, self.pages + 1) for i in range(1, self.per_page)}
        return texts | {SHARED_QUESTION} if self.shared else texts

    def all_paths(self) -> set[str]:
        return ({"/"} | {f"/list/{n}" for n in range(1, self.lists + 1)}
                | {f"/q/{p}" for p in range(1, self.pages + 1)})

    def _question_block(self, text: str, options: list[str], answer: int, expl: str) -> str:
        opts = "".join(f"<li>{o}</li>" for o in options)
        return (f'<div class="qblock"><p class="qtext">{text}</p><ol class="opts">{opts}</ol>'
                f'<p>Answer: <span class="ans">Option {"ABCD"[answer]}</span></p><p class="expl">{expl}</p></div>')

    def question_page(self, page: int) -> str:
        blocks = [self._question_block(SHARED_QUESTION, ["4", "6", "7", "9"], 2, "7 has no divisors but 1 and 7.")
                  ] if self.shared else []
        for i in range(1, self.per_page):
            right = page + i * 7
            blocks.append(self._question_block(self.question_text(page, i),
                                               [str(right - 1), str(right), str(right + 1), str(right + 2)],
                                               1, f"{page} + {i * 7} = {right}."))
        filler = ("<p class='ad'>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do "
                  "eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>")
        pad = filler * max(0, (self.page_kb * 1024) // len(filler) - 2)
        nav = '<a href="/">home</a> <a href="/nofollow/x">skip me</a>'
        return f"<html><head><title>Q{page}</title></head><body>{nav}{''.join(blocks)}{pad}</body></html>"

    def list_page(self, n: int) -> str:
        first = (n - 1) * self.per_list + 1
        links = [f'<a href="/q/{p}">question page {p}</a>'
                 for p in range(first, min(first + self.per_list, self.pages + 1))]
        if n < self.lists:
            links.append(f'<a rel="next" href="/list/{n + 1}">next</a>')
        if n == 1:
            links += [f'<a href="/missing/{k}">gone {k}</a>' for k in range(self.broken)]
            links += [f'<a href="/flaky/{k}">flaky {k}</a>' for k in range(self.flaky)]
        return f"<html><body><h1>List {n}</h1>{' '.join(links)}</body></html>"

    def route(self, path: str) -> tuple[int, str]:
        if path == "/":
            return 200, '<html><body><a href="/list/1">start</a></body></html>'
        head, _, num = path.rpartition("/")
        if not num.isdigit():
            return 404, "<html><body>not found</body></html>"
        n = int(num)
        if head == "/list" and 1 <= n <= self.lists:
            return 200, self.list_page(n)
        if head == "/q" and 1 <= n <= self.pages:
            return 200, self.question_page(n)
        if head == "/error":
            return 500, "<html><body>boom</body></html>"
        if head == "/flaky":  # 503 the first time, fine afterwards
            return (503, "<html><body>busy</body></html>") if self.hits[path] == 1 else (
                200, "<html><body>fine now</body></html>")
        return 404, "<html><body>not found</body></html>"

    # ------------------------------------------------------------ serving
    def start(self) -> Site:
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?", 1)[0]
                with site._lock:
                    site.hits[path] += 1
                    if path.startswith("/q/"):
                        site.agents[self.headers.get("User-Agent", "")] += 1
                if site.delay and path.startswith("/q/"):
                    time.sleep(site.delay)
                if path == "/robots.txt":
                    status, body = 404, ""
                else:
                    status, body = site.route(path)
                data = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler went away mid-response (a pause, a kill)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a crawler killed mid-request resets its connections: expected here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def spec(self, name: str = "site", extra: str = "", **fields: Any) -> str:
        lines = [f'name = "{name}"', f'start_urls = ["{self.base}/"]']
        for key, value in fields.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, str):
                value = f'"{value}"'
            lines.append(f"{key} = {value}")
        return "\n".join(lines) + "\n" + SPEC_RULES + extra

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> Site:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
