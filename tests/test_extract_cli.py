"""`scraped extract`: main() in-process, and as `python -m scraped.engine.extract.cli`.

Pages are fetched from a real HTTP server on 127.0.0.1 started by the test, through the
jobs' fetcher: a config that allows private networks (as a test daemon's does) lets the
loopback server through; without it the guard refuses it, as it would a job's.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scraped.engine.extract.cli import main

PAGES = Path(__file__).parent / "fixtures" / "pages"
REPO = Path(__file__).resolve().parent.parent
RADIO = str(PAGES / "radio_quiz.html")


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/quiz":
            body = (PAGES / "bix_style.html").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
        elif self.path == "/latin1":
            body = "<p>Q1. Café costs? (a) 1 € (b) 2 (c) 3</p><p>Answer: b</p>".encode("cp1252")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=windows-1252")
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/quiz")
            body = b""
        elif self.path == "/robots.txt":
            body = b"User-agent: *\nDisallow: /private\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
        elif self.path == "/private":
            body = (PAGES / "bix_style.html").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
        elif self.path == "/slow":
            threading.Event().wait(3)
            return
        else:
            body = b"not here"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def loopback(tmp_path_factory) -> list[str]:
    """--config FILE letting the fetcher reach 127.0.0.1 (the guard refuses it by default)."""
    path = tmp_path_factory.mktemp("cfg") / "scraped.toml"
    path.write_text("[engine]\nallow_private_networks = true\n")
    return ["--config", str(path)]


def _json(capsys) -> list[dict]:
    return json.loads(capsys.readouterr().out)


def test_json_output_of_a_file(capsys):
    assert main([RADIO, "--json"]) == 0
    out = _json(capsys)
    assert len(out) == 5
    assert out[0] == {"question": "Choose the word most nearly SIMILAR in meaning to ABANDON.",
                      "options": ["Keep", "Forsake", "Cherish", "Adopt"], "answer": 1,
                      "answer_text": "Forsake", "explanation": None}


def test_readable_listing_with_links_and_counts(capsys):
    assert main([str(PAGES / "bix_style.html"), "--base-url", "http://apt.test/aptitude/profit/"]) == 0
    out = capsys.readouterr().out
    assert "1. A trader sold an article" in out and "B) 300  <- answer" in out
    assert "http://apt.test/aptitude/" in out and "[next page]" in out
    assert "5 questions (5 with an answer)" in out


def test_fetch_a_url_and_follow_a_redirect(server, loopback, capsys):
    assert main([server + "/moved", "--json", *loopback]) == 0
    assert len(_json(capsys)) == 5


def test_the_page_charset_is_honoured(server, loopback, capsys):
    assert main([server + "/latin1", "--json", *loopback]) == 0
    (q,) = _json(capsys)
    assert q["question"] == "Café costs?" and q["options"][0] == "1 €" and q["answer"] == 1


@pytest.mark.parametrize("argv, message", [
    (["/no/such/page.html"], "no such file: /no/such/page.html"),
    ([str(PAGES)], "is a directory"),
    ([RADIO, "--rules", "/no/rules.toml"], "rules file not found"),
])
def test_errors_exit_1_with_a_clear_message(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("scraped extract: error: ") and message in err


def test_http_errors_and_refused_connections(server, loopback, capsys):
    assert main([server + "/missing", *loopback]) == 1
    assert "HTTP 404" in capsys.readouterr().err
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main([f"http://127.0.0.1:{port}/x", *loopback]) == 1
    assert "fetch failed" in capsys.readouterr().err


def test_a_url_goes_through_the_jobs_guard_and_robots(server, loopback, capsys):
    """The defaults refuse a private address, as a job's fetch does; with it allowed,
    robots.txt still decides (the page is there, Disallowed)."""
    assert main([server + "/quiz", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("scraped extract: error: fetch failed: ") and "127.0.0.1" in err
    assert main([server + "/private", "--json", *loopback]) == 1
    assert "robots.txt" in capsys.readouterr().err
    assert main([server + "/quiz", "--json", *loopback]) == 0 and len(_json(capsys)) == 5


def test_an_invalid_config_is_one_line(tmp_path, server, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[engine]\nallow_private_networks = 3\n")
    assert main([server + "/quiz", "--config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"scraped extract: error: invalid config {bad}: ") and err.count("\n") == 1


def test_a_fetch_that_takes_too_long_times_out(server, loopback, capsys):
    assert main([server + "/slow", "--timeout", "0.3", *loopback]) == 1
    assert "timed out after 0.3 s" in capsys.readouterr().err


def test_rules_from_a_job_spec(tmp_path, capsys):
    spec = tmp_path / "job.toml"
    spec.write_text('name = "x"\nstart_urls = ["http://a.test/"]\n[extract]\nmode = "css"\n'
                    'block = "div.quiz-question"\nquestion = "p.qtext"\noptions = "label"\n'
                    'answer = "::attr(data-answer)"\n[follow]\ndeny = ["premium"]\n')
    assert main([RADIO, "--rules", str(spec), "--json"]) == 0
    out = _json(capsys)
    assert len(out) == 5 and out[0]["answer"] == 1 and out[1]["answer"] is None


def test_bad_rules_list_every_problem(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[extract]\nmode = "css"\nblock = "div["\nbogus = 1\n[follow]\nallow = ["("]\n')
    assert main([RADIO, "--rules", str(bad)]) == 1
    err = capsys.readouterr().err
    for key in ("extract.bogus", "extract.block", "extract.question", "follow.allow[0]"):
        assert key in err
    notoml = tmp_path / "no.toml"
    notoml.write_text("[extract\n")
    assert main([RADIO, "--rules", str(notoml)]) == 1
    assert "not valid TOML" in capsys.readouterr().err
    empty = tmp_path / "empty.toml"
    empty.write_text('name = "x"\n')
    assert main([RADIO, "--rules", str(empty)]) == 1
    assert "no [extract] or [follow] table" in capsys.readouterr().err


def test_usage_errors_and_help():
    assert main([]) == 64  # EX_USAGE, as `scraped --bogus` and scrapedctl
    assert main(["--help"]) == 0
    assert main([RADIO, "--bogus"]) == 64


def test_a_reader_leaving_is_no_traceback():
    # `scraped extract page.html | head -1`: before, a BrokenPipeError traceback (the
    # handler sat under `if __name__ == "__main__"`, which `scraped extract` never runs).
    # The read end is closed before the tool starts, so its first write fails, every run.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        out = subprocess.run([sys.executable, "-m", "scraped.daemon", "extract", RADIO], stdout=write_end,
                             stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=60)
    finally:
        os.close(write_end)
    assert (out.returncode, out.stderr) == (141, "")


def test_empty_and_binary_pages(tmp_path, capsys):
    for data in (b"", b"\x00\xff\xfe" * 1000, bytes(range(256)) * 50):
        f = tmp_path / "junk.html"
        f.write_bytes(data)
        assert main([str(f), "--json"]) == 0
        assert _json(capsys) == []


def test_as_a_module_subprocess(server, loopback):
    run = subprocess.run([sys.executable, "-m", "scraped.engine.extract.cli", RADIO, "--json"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert run.returncode == 0, run.stderr
    assert len(json.loads(run.stdout)) == 5
    run = subprocess.run([sys.executable, "-m", "scraped.engine.extract.cli", server + "/quiz", *loopback],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert run.returncode == 0 and "5 questions" in run.stdout
    run = subprocess.run([sys.executable, "-m", "scraped.engine.extract.cli", "/nope.html"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert run.returncode == 1 and "no such file" in run.stderr and run.stdout == ""


def test_stdin(tmp_path):
    run = subprocess.run([sys.executable, "-m", "scraped.engine.extract.cli", "-", "--json"],
                         input=Path(RADIO).read_bytes(), capture_output=True, cwd=REPO, timeout=60)
    assert run.returncode == 0 and len(json.loads(run.stdout)) == 5


# -- --explain ---------------------------------------------------------------------------------

REAL = Path(__file__).parent / "fixtures" / "real"


def test_explain_lists_each_candidate_with_its_evidence_and_verdict(capsys):
    page = REAL / "tutorialspoint" / "c-online-quiz.html"
    assert main([str(page), "--explain"]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("  lines ")]
    kept = [ln for ln in lines if ": kept: " in ln]
    assert len(kept) == 10  # the page's ten questions, one line each
    assert "label, 4 options, answer A (text), score 7 [+3 4 labelled options; +2 an answer;" in kept[0]
    assert "Compile error" not in kept[0] and "'What is the output of the following code snippet?" in kept[0]
    dropped = [ln for ln in lines if ": dropped: " in ln]
    assert dropped and all(("score" in ln and "< 3" in ln) or "no question text" in ln for ln in dropped)
    assert "dropped: no question text above the options" in out  # the page's menu
    assert "10 kept of" in out and "10 questions from the markup" in out
    assert "10 questions (10 with an answer)" in out  # the usual listing follows


def test_explain_says_why_a_page_gives_nothing(capsys):
    assert main([str(PAGES / "article.html"), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "0 kept of" in out and "0 questions" in out
    assert all(": dropped: " in ln for ln in out.splitlines() if ln.startswith("  lines "))


def test_explain_with_json_keeps_stdout_json(capsys):
    assert main([RADIO, "--json", "--explain"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 5
    assert "candidate blocks" in captured.err and "5 kept of" in captured.err


def test_explain_reports_json_scripts(tmp_path, capsys):
    ld = ('{"@type": "Quiz", "hasPart": [{"@type": "Question", "text": "Which gas do plants take in?", '
          '"suggestedAnswer": [{"@type": "Answer", "text": "Oxygen"}], '
          '"acceptedAnswer": {"@type": "Answer", "text": "Carbon dioxide"}}]}')
    page = tmp_path / "spa.html"
    page.write_text(f'<html><head><script type="application/ld+json">{ld}</script></head>'
                    '<body><div id="root"></div></body></html>')
    assert main([str(page), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "none: no run of 2-8 options" in out
    assert "JSON scripts: 1 that mention questions, 1 questions in them (used as the page's questions)" in out
    assert "1 questions (1 with an answer)" in out


def test_explain_refuses_css_rules(tmp_path, capsys):
    spec = tmp_path / "job.toml"
    spec.write_text('[extract]\nmode = "css"\nblock = "div.q"\nquestion = "p"\noptions = "li"\n')
    assert main([RADIO, "--rules", str(spec), "--explain"]) == 1
    assert "--explain explains auto mode" in capsys.readouterr().err
