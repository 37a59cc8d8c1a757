"""Crawl benchmark: the scraped daemon vs a Scrapy spider vs a bare loop, one nginx site, one run.

    .venv/bin/python bench/crawl_vs_scrapy.py [--sizes 1000,5000] [--rounds 1] [--concurrency 16]
        [--per-page 5] [--extract css|auto] [--timeout 900] [--json RAW.json]

What it does (issue 3, "Benchmark"):
1. Installs nginx with apt-get if it is missing, and Scrapy into bench/.venv-scrapy.
2. For each size N, generates a site of N question pages (~12 KB, `--per-page` multiple-
   choice questions each, in the demo's card layout that the `auto` extractor handles),
   reached from index.html through paginated listing pages (50 links each, rel="next"),
   and serves it with nginx on 127.0.0.1 (temp nginx.conf, free port, own pid/log files).
3. Each round runs the three crawlers back to back on that site (the order rotates):
   - scraped: the real daemon (`scraped --config TMP.toml`, state in a temp dir, the
     embedded SQLite store), a job submitted with `scrapedctl jobs submit`, polled over
     the control socket in-process. pages/s = pages_fetched / (finished_at - started_at);
     CPU = the daemon's utime+stime from submit to the job's end; peak RSS = its VmHWM.
     Frontier and questions are persisted in the store.
   - bare: bench/crawl_bare.py, httpx + trio + parsel with the same selectors and link
     following, nothing persisted: the floor the engine's overhead is measured against.
   - Scrapy: a CrawlerProcess script with the same CSS selectors (parsel in all three),
     the same CONCURRENT_REQUESTS / _PER_DOMAIN, no AutoThrottle, robots off, no depth
     limit, items to a JSONL feed. pages/s = response_received_count / elapsed_time_seconds
     from its stats; CPU from the spider's creation; peak RSS = ru_maxrss.
4. Checks all three found N * per_page questions and prints Markdown tables (medians
   over --rounds; ratios are taken within each round, then their median).

`--extract css` (default) gives scraped the spider's own selectors (same extraction);
`--extract auto` uses scraped's structural extractor instead (no selectors; costlier).
Every process is bounded by --timeout and stopped (SIGTERM, then SIGKILL) in `finally`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv" / "bin"
SCRAPY_VENV = REPO / "bench" / ".venv-scrapy"
SCRAPY_VERSION = "2.19.0"
LIST_SIZE = 50

# The selectors both crawlers use (parsel's CSS dialect).
SEL = {"block": "div.card", "question": "p.question", "options": "ul.choices li",
       "answer": "div.answer p.ans", "explanation": "div.answer p.expl"}

FILLER = ("Practice each question under time pressure, then read the explanation even when "
          "you got it right: the method matters more than the number. ")


# -- the site ---------------------------------------------------------------------------

def _page(title: str, body: str, extra_head: str = "") -> str:
    nav = "".join(f'<li><a href="/list-{i}.html">Section {i}</a></li>' for i in range(1, 6))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="stylesheet" href="/style.css">{extra_head}</head><body>\n'
            f'<header class="site-header"><a class="brand" href="/index.html">Aptitude Bench</a>'
            f'<nav class="main-nav"><ul>{nav}<li><a href="/about.html">About</a></li></ul></nav></header>\n'
            f'<main class="content">\n{body}\n</main>\n<footer class="site-footer"><p>{FILLER}</p>'
            f'<p><a href="/about.html">About</a> &middot; <a href="/index.html">Home</a></p></footer>'
            f'</body></html>\n')


def _question_page(n: int, per_page: int, total: int) -> str:
    cards = []
    for k in range(per_page):
        a, b = n * 7 + k + 3, k + 2
        opts = [a * b - 2, a * b, a * b + 2, a * b + 5]
        right = (n + k) % 4
        opts[right], opts[1] = opts[1], opts[right]
        letter = "ABCD"[right]
        lis = "".join(f"\n      <li>{o}</li>" for o in opts)
        cards.append(
            f'<div class="card" id="q{k + 1}">\n'
            f'    <div class="card-head"><span class="qno">Question {k + 1}</span>'
            f' <span class="difficulty">Easy</span></div>\n'
            f'    <p class="question">Page {n}, item {k + 1}: a crate holds {a} boxes of {b} bolts each. '
            f'How many bolts are in the crate?</p>\n'
            f'    <ul class="choices" style="list-style-type: upper-alpha">{lis}\n    </ul>\n'
            f'    <button type="button" data-reveal="a{k + 1}">Show answer</button>\n'
            f'    <div class="answer" id="a{k + 1}" hidden>\n'
            f'      <p class="ans"><strong>Answer:</strong> {letter}. {a * b}</p>\n'
            f'      <p class="expl">{a} boxes of {b} bolts make {a} &times; {b} = {a * b} bolts. {FILLER}</p>\n'
            f'    </div>\n  </div>')
    prev_link = f'<a href="/q/{n - 1}.html" rel="prev">Previous</a>' if n > 1 else ""
    next_link = f'<a href="/q/{n + 1}.html">Next</a>' if n < total else ""
    body = (f'<h1>Practice set {n}</h1>\n<p class="lead">{FILLER * 3}</p>\n'
            f'<section class="cards">\n  ' + "\n  ".join(cards) + '\n</section>\n'
            f'<nav class="pager">{prev_link} {next_link} '
            f'<a href="/list-{(n - 1) // LIST_SIZE + 1}.html">Back to the list</a></nav>\n')
    html = _page(f"Practice set {n}", body)
    pad = 12_000 - len(html)
    if pad > 0:  # bring every page to ~12 KB with prose (not options, not questions)
        html = html.replace("</main>", f'<article class="notes"><p>{(FILLER * (pad // len(FILLER) + 1))[:pad]}'
                                       f'</p></article>\n</main>', 1)
    return html


def make_site(root: Path, n: int, per_page: int) -> int:
    """Writes the site; returns how many HTML pages a full crawl fetches."""
    (root / "q").mkdir(parents=True)
    lists = (n + LIST_SIZE - 1) // LIST_SIZE
    for i in range(1, n + 1):
        (root / "q" / f"{i}.html").write_text(_question_page(i, per_page, n))
    for li in range(1, lists + 1):
        lo, hi = (li - 1) * LIST_SIZE + 1, min(li * LIST_SIZE, n)
        links = "".join(f'<li><a href="/q/{i}.html">Practice set {i}</a></li>' for i in range(lo, hi + 1))
        nxt = f'<a href="/list-{li + 1}.html" rel="next">Next page</a>' if li < lists else ""
        head = f'<link rel="next" href="/list-{li + 1}.html">' if li < lists else ""
        (root / f"list-{li}.html").write_text(_page(
            f"Practice sets, page {li}", f'<h1>Practice sets, page {li} of {lists}</h1><ul class="sets">{links}</ul>'
            f'<nav class="pager">{nxt}</nav>', head))
    (root / "index.html").write_text(_page("Home", '<h1>Aptitude Bench</h1><p><a href="/list-1.html">'
                                           'All practice sets</a></p>'))
    (root / "about.html").write_text(_page("About", f"<h1>About</h1><p>{FILLER}</p>"))
    (root / "style.css").write_text("body{font-family:sans-serif}\n")
    # index + about + listing pages (at most 5 of which nav links the first pages) + questions
    return 2 + lists + n + max(0, 5 - lists)  # nav links /list-1..5: missing ones are 404s


# -- processes --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_nginx() -> str:
    found = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-q", "nginx-light"]
    if subprocess.run(install, env=env, timeout=600).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, timeout=600, check=True)
        if subprocess.run(install, env=env, timeout=600).returncode != 0:
            subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "nginx"], env=env, timeout=600, check=True)
    return shutil.which("nginx") or "/usr/sbin/nginx"


def ensure_scrapy() -> Path:
    py = SCRAPY_VENV / "bin" / "python"
    if not (SCRAPY_VENV / "bin" / "scrapy").exists():
        subprocess.run([sys.executable, "-m", "venv", str(SCRAPY_VENV)], check=True, timeout=300)
        subprocess.run([str(py), "-m", "pip", "install", "-q", f"scrapy=={SCRAPY_VERSION}"], check=True, timeout=900)
    return py


def start_nginx(nginx: str, site: Path, tmp: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(textwrap.dedent(f"""\
        daemon off;
        worker_processes 1;
        pid {tmp}/nginx.pid;
        error_log {tmp}/nginx-error.log warn;
        events {{ worker_connections 1024; }}
        http {{
            types {{ text/html html; text/css css; }}
            default_type application/octet-stream;
            access_log off;
            sendfile on;
            keepalive_requests 100000;
            client_body_temp_path {tmp}/nginx-body;
            proxy_temp_path {tmp}/nginx-proxy;
            fastcgi_temp_path {tmp}/nginx-fastcgi;
            uwsgi_temp_path {tmp}/nginx-uwsgi;
            scgi_temp_path {tmp}/nginx-scgi;
            server {{
                listen 127.0.0.1:{port};
                root {site};
            }}
        }}
    """))
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp), "-e", str(tmp / "nginx-error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_port(port, proc, "nginx")
    return proc, port


def wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


def vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(proc: subprocess.Popen | None, grace: float = 10.0, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


# -- scraped ----------------------------------------------------------------------------

def ctl(sock: Path, *args: str, timeout: float = 60.0) -> dict:
    out = subprocess.run([str(VENV / "scrapedctl"), "--socket", str(sock), "--json", *args],
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"scrapedctl {' '.join(args)}: {out.stderr.strip() or out.stdout.strip()}")
    return json.loads(out.stdout)


def run_scraped(port: int, tmp: Path, n_pages: int, args: argparse.Namespace, tree: str | None = None,
                engine: tuple[str, ...] = ()) -> dict:
    state, sock = tmp / "state", tmp / "ctl.sock"
    spy = None
    state.mkdir()
    conf = tmp / "scraped.toml"
    conf.write_text(textwrap.dedent(f"""\
        [daemon]
        socket = "{sock}"
        state_dir = "{state}"
        [ai]
        enabled = false
        [engine]
        allow_private_networks = true
    """) + "".join(line + "\n" for line in engine))
    extract = {"mode": "css", **SEL} if args.extract == "css" else {"mode": "auto"}
    spec_lines = [f'name = "bench-{n_pages}"', f'start_urls = ["http://127.0.0.1:{port}/index.html"]',
                  'allowed_domains = ["127.0.0.1"]', "max_pages = 0", "max_depth = 10",
                  f"concurrency = {args.concurrency}", "", "[politeness]",
                  f"concurrency = {args.concurrency}", "delay = 0.0", "autothrottle = false",
                  "obey_robots = false", "", "[extract]"]
    spec_lines += [f"{k} = {json.dumps(v)}" for k, v in extract.items()]
    spec = tmp / "job.toml"
    spec.write_text("\n".join(spec_lines) + "\n")
    log = open(tmp / "scraped.log", "wb")
    env = {**os.environ, "PYTHONPATH": tree} if tree else None  # --base-tree: another copy of the package
    daemon = subprocess.Popen([str(VENV / "scraped"), "--config", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                              env=env)
    try:
        end = time.monotonic() + 30
        while True:
            if daemon.poll() is not None:
                raise RuntimeError(f"daemon exited: {(tmp / 'scraped.log').read_text()[-2000:]}")
            try:
                ctl(sock, "hello", timeout=5)
                break
            except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError):
                if time.monotonic() > end:
                    raise
                time.sleep(0.2)
        rss_idle = vm_hwm_kb(daemon.pid)
        job = ctl(sock, "jobs", "submit", str(spec))["job"]
        cpu0 = cpu_seconds(daemon.pid)
        spy = None
        if args.profile:  # py-spy (pip install py-spy into .venv) samples the daemon during the job
            svg = Path(args.profile).with_suffix(f".{n_pages}.{tmp.name}.txt")
            gil = ["--gil"] if os.environ.get("CRAWLBENCH_GIL") else []  # only the thread holding the GIL
            spy = subprocess.Popen([str(VENV / "py-spy"), "record", "--pid", str(daemon.pid), "--format", "raw",
                                    "--rate", "200", "--nonblocking", *gil, "--output", str(svg)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + args.timeout
        # Poll in-process (a scrapedctl per poll would take CPU from the daemon on 2 cores).
        from scraped.client import Client

        with Client(sock) as client:
            while True:
                doc = client.call("jobs.show", id=job["id"])
                if doc["status"] not in ("QUEUED", "RUNNING"):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"scraped job still {doc['status']} after {args.timeout}s")
                time.sleep(1.0)
            cpu = cpu_seconds(daemon.pid) - cpu0
            hwm = vm_hwm_kb(daemon.pid)
            perf = client.call("perf", prefix="")
            count = client.call("questions.count")
        secs = doc["finished_at"] - doc["started_at"]
        prog = doc.get("progress", doc)
        return {"status": doc["status"], "pages": prog["pages_fetched"], "failed": prog["pages_failed"],
                "questions": prog["questions_found"], "questions_new": prog["questions_new"],
                "stored": count, "seconds": secs, "rate": prog["pages_fetched"] / secs, "cpu": cpu,
                "rss_mb": hwm / 1024, "rss_idle_mb": rss_idle / 1024, "perf": perf}
    finally:
        if spy is not None:
            stop(spy, 20, sig=signal.SIGINT)
        stop(daemon, 20)
        log.close()


# -- Scrapy -----------------------------------------------------------------------------

SPIDER = """
import json
import resource
import sys

import scrapy
from scrapy.crawler import CrawlerProcess

SEL = {sel!r}


def text(sel):
    return " ".join(" ".join(sel.css("::text").getall()).split())


class BenchSpider(scrapy.Spider):
    name = "bench"
    start_urls = [{start!r}]
    allowed_domains = ["127.0.0.1"]

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        ru = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu0 = ru.ru_utime + ru.ru_stime

    def parse(self, response):
        for block in response.css(SEL["block"]):
            q = block.css(SEL["question"])
            if not q:
                continue
            yield {{
                "url": response.url,
                "question": text(q[:1]),
                "options": [t for t in (text(o) for o in block.css(SEL["options"])) if t],
                "answer": text(block.css(SEL["answer"])[:1]),
                "explanation": text(block.css(SEL["explanation"])[:1]),
            }}
        yield from response.follow_all(css="a")
        yield from response.follow_all(css="link[rel=next]")


process = CrawlerProcess(settings={{
    "CONCURRENT_REQUESTS": {conc}, "CONCURRENT_REQUESTS_PER_DOMAIN": {conc},
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
    "LOG_LEVEL": "INFO", "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False, "DEPTH_LIMIT": 0,
    "FEEDS": {{{feed!r}: {{"format": "jsonlines"}}}},
}})
crawler = process.create_crawler(BenchSpider)
process.crawl(crawler)
process.start()
st = crawler.stats.get_stats()
ru = resource.getrusage(resource.RUSAGE_SELF)
st["bench_cpu"] = ru.ru_utime + ru.ru_stime - crawler.spider.cpu0
st["bench_rss_mb"] = ru.ru_maxrss / 1024
with open({stats!r}, "w") as f:
    json.dump(st, f, default=str)
"""


def run_scrapy(py: Path, port: int, tmp: Path, args: argparse.Namespace) -> dict:
    feed, stats = tmp / "items.jsonl", tmp / "scrapy-stats.json"
    spider = tmp / "bench_spider.py"
    spider.write_text(SPIDER.format(sel=SEL, start=f"http://127.0.0.1:{port}/index.html", conc=args.concurrency,
                                    feed=str(feed), stats=str(stats)))
    with open(tmp / "scrapy.log", "wb") as log:
        proc = subprocess.Popen([str(py), str(spider)], stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
        try:
            proc.wait(args.timeout)
        finally:
            stop(proc)
    if not stats.exists():
        raise RuntimeError(f"Scrapy wrote no stats: {(tmp / 'scrapy.log').read_text(errors='replace')[-2000:]}")
    st = json.loads(stats.read_text())
    secs = st["elapsed_time_seconds"]
    pages = st.get("response_received_count", 0)
    items = sum(1 for _ in feed.open()) if feed.exists() else 0
    return {"pages": pages, "questions": items, "seconds": secs, "rate": pages / secs,
            "rss_mb": st["bench_rss_mb"], "cpu": st["bench_cpu"], "reason": st.get("finish_reason")}


# -- the bare loop ----------------------------------------------------------------------

def run_bare(port: int, tmp: Path, args: argparse.Namespace) -> dict:
    out = tmp / "bare-stats.json"
    cmd = [str(VENV / "python"), str(REPO / "bench" / "crawl_bare.py"), f"http://127.0.0.1:{port}/index.html",
           "--concurrency", str(args.concurrency), "--selectors", json.dumps(SEL), "--out", str(out)]
    with open(tmp / "bare.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            proc.wait(args.timeout)
        finally:
            stop(proc)
    if not out.exists():
        raise RuntimeError(f"bare loop wrote no stats: {(tmp / 'bare.log').read_text(errors='replace')[-2000:]}")
    st = json.loads(out.read_text())
    return {**st, "rate": st["pages"] / st["seconds"]}


# -- main -------------------------------------------------------------------------------

def perf_rows(perf: dict) -> list[str]:
    rows = []
    for name, s in perf.get("performance_metrics", {}).items():
        if name.startswith("cmd:"):
            continue
        rows.append(f"| {name} | {s['count']:,} | {s['average_duration_ms']:.2f} | {s['p50_ms']:.2f} | "
                    f"{s['p95_ms']:.2f} | {s['p99_ms']:.2f} | {s['total_ms'] / 1000:.1f} |")
    return rows


CRAWLERS = ("scraped", "bare", "scrapy")


def one_round(n: int, port: int, tmp: Path, py: Path, args: argparse.Namespace, rnd: int) -> dict:
    """scraped, the bare loop and Scrapy on the same site, back to back (order rotates per round)."""
    out = {}
    names = [c for c in CRAWLERS if c in args.only.split(",")] + (["base"] if args.base_tree else [])
    order = names[rnd % len(names):] + names[:rnd % len(names)]
    for name in order:
        sub = tmp / f"{name}-{rnd}"
        sub.mkdir()
        if name == "scraped":
            out[name] = run_scraped(port, sub, n, args)
        elif name == "base":
            out[name] = run_scraped(port, sub, n, args, tree=args.base_tree, engine=tuple(args.base_engine))
        elif name == "bare":
            out[name] = run_bare(port, sub, args)
        else:
            out[name] = run_scrapy(py, port, sub, args)
        shown = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in out[name].items() if k != "perf"}
        print(f"# {n} round {rnd} {name}: {json.dumps(shown)}", file=sys.stderr, flush=True)
    return out


def median_of(rounds: list[dict], name: str) -> dict:
    runs = sorted((r[name] for r in rounds), key=lambda x: x["rate"])
    mid = dict(runs[len(runs) // 2])
    mid["rates"] = [r[name]["rate"] for r in rounds]
    mid["ratios"] = [r[name]["rate"] / r["scrapy"]["rate"] for r in rounds if "scrapy" in r]
    mid["ratio"] = statistics.median(mid["ratios"]) if mid["ratios"] else float("nan")
    mid["cpu_per_page_ms"] = 1000 * statistics.median(r[name]["cpu"] / r[name]["pages"] for r in rounds)
    mid["rss_max_mb"] = max(r[name]["rss_mb"] for r in rounds)
    return mid


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,5000", help="question-page counts, comma-separated")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--per-page", type=int, default=5)
    ap.add_argument("--extract", choices=("css", "auto"), default="css")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of all three crawlers per size (medians)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds any one crawl may take")
    ap.add_argument("--json", help="also write every raw result here")
    ap.add_argument("--only", default=",".join(CRAWLERS), help="crawlers to run (comma-separated)")
    ap.add_argument("--base-tree", help="also run the daemon with PYTHONPATH=DIR (a copy of the scraped "
                    "package at a baseline), as crawler 'base': before/after in one run")
    ap.add_argument("--base-engine", action="append", default=[], metavar="KEY=VALUE",
                    help="an [engine] setting for the 'base' crawler only (repeatable; TOML values)")
    ap.add_argument("--profile", help="py-spy the daemon during each job: collapsed stacks to PATH.<n>.<dir>.txt")
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    nginx, py = ensure_nginx(), ensure_scrapy()
    scrapy_ver = subprocess.run([str(py), "-c", "import scrapy; print(scrapy.__version__)"],
                                capture_output=True, text=True, timeout=60).stdout.strip()
    results = []
    for n in sizes:
        tmp = Path(tempfile.mkdtemp(prefix=f"crawlbench-{n}-"))
        tmp.chmod(0o755)  # nginx's worker runs as another user
        ng = None
        try:
            t0 = time.monotonic()
            expected_pages = make_site(tmp / "site", n, args.per_page)
            print(f"# site of {n} question pages generated in {time.monotonic() - t0:.1f}s ({tmp})",
                  file=sys.stderr, flush=True)
            ng, port = start_nginx(nginx, tmp / "site", tmp)
            rounds = [one_round(n, port, tmp, py, args, rnd) for rnd in range(args.rounds)]
            results.append({"n": n, "expected_q": n * args.per_page, "expected_pages": expected_pages,
                            "rounds": rounds})
        finally:
            stop(ng)
            if not args.keep:
                shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    report(results, args, scrapy_ver)
    return 0


def report(results: list[dict], args: argparse.Namespace, scrapy_ver: str) -> None:
    import httpx
    import parsel
    import trio

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.machine())
    print(f"Machine: nproc {os.cpu_count()}, {model}, Python {platform.python_version()}, Scrapy {scrapy_ver}, "
          f"trio {trio.__version__}, httpx {httpx.__version__}, parsel {parsel.__version__}; "
          f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Concurrency {args.concurrency} (scraped: job and "
          f"per host; Scrapy: CONCURRENT_REQUESTS and _PER_DOMAIN; bare: workers), {args.per_page} questions "
          f"per ~12 KB page, scraped extract mode `{args.extract}`, nginx 1 worker on 127.0.0.1; "
          f"{args.rounds} round(s) per size, medians.\n")
    print("| question pages | crawler | pages fetched | questions (expected) | seconds | pages/s | vs Scrapy | "
          "CPU ms / page | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        for name, label in (("scraped", "scraped"), ("base", "scraped (--base-tree)"),
                            ("bare", "bare httpx+trio+parsel"), ("scrapy", "Scrapy")):
            if name not in r["rounds"][0]:
                continue
            m = median_of(r["rounds"], name)
            ratio = f"{m['ratio']:.2f}x" if m["ratios"] else ""
            rates = "" if len(m["rates"]) == 1 else " (" + ", ".join(f"{x:.0f}" for x in m["rates"]) + ")"
            print(f"| {r['n']:,} | {label} | {m['pages']:,} | {m['questions']:,} ({r['expected_q']:,}) | "
                  f"{m['seconds']:.1f} | {m['rate']:.0f}{rates} | {ratio} | {m['cpu_per_page_ms']:.2f} | "
                  f"{m['rss_max_mb']:.0f} |")
    for r in results:
        for rnd, rr in enumerate(r["rounds"]):
            s = rr.get("scraped")
            if s is None:
                continue
            ok = all(rr[c]["questions"] == r["expected_q"] for c in CRAWLERS if c in rr)
            print(f"\nCheck {r['n']} round {rnd}: {'OK' if ok else 'MISMATCH'}: scraped {s['questions']} found, "
                  f"{s['questions_new']} new, store count {json.dumps(s['stored'])[:200]}; bare "
                  f"{rr.get('bare', {}).get('questions')}; Scrapy {rr.get('scrapy', {}).get('questions')} items; "
                  f"scraped status "
                  f"{s['status']}, {s['failed']} failed pages, idle RSS {s['rss_idle_mb']:.0f} MB.")
    last = results[-1]["rounds"][-1].get("scraped")
    if last is None:
        return
    print(f"\n`scrapedctl perf` after the last {results[-1]['n']}-page crawl (ms):\n")
    print("| operation | count | avg | p50 | p95 | p99 | total s |\n|---|---|---|---|---|---|---|")
    rows = perf_rows(last["perf"])
    print("\n".join(rows) if rows else f"| raw | {json.dumps(last['perf'])[:1500]} |")


if __name__ == "__main__":
    sys.exit(main())
