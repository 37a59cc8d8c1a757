"""A loopback quiz site whose markup changes in the middle of a crawl (real HTTP on 127.0.0.1).

    /            a link to /q/1
    /q/N         `per_page` questions, and a link to /q/N+1 (a chain: with one page fetched
                 at a time the crawl order is the page order)
    /long/1      one long page: `long_questions` questions as text lines (ai mode)
    `extra`      more pages, by path, served as given

After `switch_after` question pages have been served, every page is served in the new
markup: the same tags, the CSS classes renamed (qblock/qtext/opts/ans/expl become
card/stem/choices/key/why), the commonest way a site breaks a scraper's selectors.
`switch_after=None`: never.
"""

from __future__ import annotations

import http.server
import threading
from typing import Any

OLD = {"block": "qblock", "question": "qtext", "options": "opts", "answer": "ans", "explanation": "expl"}
NEW = {"block": "card", "question": "stem", "options": "choices", "answer": "key", "explanation": "why"}
OLD_RULES = {"block": "div.qblock", "question": ".qtext", "options": "ol.opts li", "answer": ".ans",
             "explanation": ".expl"}
NEW_RULES = {"block": "div.card", "question": ".stem", "options": "ol.choices li", "answer": ".key",
             "explanation": ".why"}
CSS_SPEC = "\n".join(["[extract]", 'mode = "css"'] + [f'{k} = "{v}"' for k, v in OLD_RULES.items()]) + "\n"


def question(page: int, i: int) -> tuple[str, list[str], int]:
    right = page * 10 + i
    return f"Page {page} question {i}: what is {page * 10} plus {i}?", [str(right - 1), str(right), str(right + 1),
                                                                        str(right + 2)], 1


def long_question(i: int) -> tuple[str, list[str], int]:
    return f"Question {i}: how many sides does a polygon named shape-{i} have in this puzzle?", [
        f"{i + 2} sides", f"{i + 3} sides", f"{i + 4} sides", f"{i + 5} sides"], i % 4


class DriftSite:
    def __init__(self, pages: int = 20, per_page: int = 3, switch_after: int | None = 8, long_questions: int = 14,
                 extra: dict[str, str] | None = None):
        self.extra = dict(extra or {})  # path: HTML served as is
        self.pages = pages
        self.per_page = per_page
        self.switch_after = switch_after
        self.long_questions = long_questions
        self.served = 0  # question pages served
        self.switched_at: int | None = None  # the first page number served in the new markup
        self._lock = threading.Lock()
        self.server: http.server.ThreadingHTTPServer | None = None

    def markup(self) -> dict[str, str]:
        with self._lock:
            new = self.switch_after is not None and self.served >= self.switch_after
            self.served += 1
            return NEW if new else OLD

    def question_page(self, n: int) -> str:
        cls = self.markup()
        if cls is NEW and self.switched_at is None:
            self.switched_at = n
        blocks = []
        for i in range(1, self.per_page + 1):
            text, options, answer = question(n, i)
            opts = "".join(f"<li>{o}</li>" for o in options)
            blocks.append(f'<div class="{cls["block"]}"><p class="{cls["question"]}">{text}</p>'
                          f'<ol class="{cls["options"]}">{opts}</ol><p>Answer: <span class="{cls["answer"]}">'
                          f'Option {"ABCD"[answer]}</span></p><p class="{cls["explanation"]}">'
                          f'{n * 10} + {i} = {n * 10 + i}.</p></div>')
        nxt = f'<a href="/q/{n + 1}">next</a>' if n < self.pages else ""
        return (f"<html><head><title>Quiz {n}</title></head><body><div id=\"main\"><h1>Quiz {n}</h1>"
                f"{''.join(blocks)}</div><div id=\"nav\">{nxt}</div></body></html>")

    def long_page(self) -> str:
        lines = ["<h1>Practice set</h1>", "<p>Read each question and pick one option.</p>"]
        for i in range(1, self.long_questions + 1):
            text, options, answer = long_question(i)
            lines.append(f"<p>{text}</p>")
            lines += [f"<p>{'ABCD'[k]}) {o}</p>" for k, o in enumerate(options)]
            lines.append(f"<p>Answer: {'ABCD'[answer]}</p>")
            lines.append(f"<p>Worked note {i}: count the sides of shape-{i} one by one, then check twice.</p>")
        return f"<html><body><div id=\"main\">{''.join(lines)}</div></body></html>"

    def route(self, path: str) -> tuple[int, str]:
        if path == "/":
            return 200, '<html><body><a href="/q/1">start</a></body></html>'
        head, _, num = path.rpartition("/")
        if head == "/q" and num.isdigit() and 1 <= int(num) <= self.pages:
            return 200, self.question_page(int(num))
        if path == "/long/1":
            return 200, self.long_page()
        if path in self.extra:
            return 200, self.extra[path]
        return 404, "<html><body>not found</body></html>"

    def start(self) -> DriftSite:
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?", 1)[0]
                status, body = (404, "") if path == "/robots.txt" else site.route(path)
                data = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def spec(self, name: str, mode: str, start: str = "/", extra: str = "") -> str:
        head = (f'name = "{name}"\nstart_urls = ["{self.base}{start}"]\nmax_depth = 100\nconcurrency = 1\n')
        if mode == "css":
            return head + CSS_SPEC + extra
        return head + f'[extract]\nmode = "{mode}"\n' + extra

    def __enter__(self) -> DriftSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
