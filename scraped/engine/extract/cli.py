"""`scraped extract PAGE [--rules FILE] [--base-url URL] [--json] [--explain] [--config FILE]`:
extraction without a daemon.

The tool an operator uses to write and debug a job's rules (like `scrapy parse`): run
the extractor on one saved page (a file, or "-" for stdin) or one URL, and print the
questions and links it finds. A URL is fetched as a job's pages are: the daemon's fetcher
(scraped/engine/fetch/) with the config's [engine] settings, so the same address guard
(no private networks unless allow_private_networks), robots.txt, user agent, size and
content-type limits apply; one try, no retries. The config is the daemon's (--config,
else $SCRAPED_CONFIG or the default path, else the defaults). `--rules` takes a job spec (or any TOML file) with an
[extract] table and optionally [follow]. With `--json` stdout is only a JSON array of
{question, options, answer, answer_text, explanation}; messages go to stderr.
`--explain` lists every candidate block auto mode weighed, with its evidence and verdict.

Exit status: 0 on success (also when nothing is found), 1 on a missing file, a fetch
failure or bad rules, 64 on bad usage (EX_USAGE, as `scraped` and `scrapedctl`), 141 when
the reader of stdout left (`| head`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from scraped.engine.extract.explain import explain_page
from scraped.engine.extract.links import extract_link_sets
from scraped.engine.extract.page import Page, decode_html
from scraped.engine.extract.questions import extract_questions
from scraped.engine.extract.rules import ExtractRules, FollowRules
from scraped.errors import ConfigError

__all__ = ["main"]

_LETTERS = "ABCDEFGHIJ"


class _Failure(Exception):
    """A problem reported to the user as one line on stderr, exit status 1."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="scraped extract",
        description="Extract questions and links from one saved page or URL, without a daemon.",
    )
    p.add_argument("page", metavar="PAGE", help="an HTML file, - for stdin, or an http(s) URL")
    p.add_argument("--rules", metavar="FILE", help="a job spec or TOML file with [extract] (and [follow])")
    p.add_argument("--base-url", metavar="URL", help="the page's URL, for resolving links (default: "
                   "the fetched URL, or the file's file:// URL)")
    p.add_argument("--json", action="store_true", help="print the questions as a JSON array")
    p.add_argument("--explain", action="store_true",
                   help="print each candidate block with its evidence and why it was kept or dropped "
                        "(auto mode; on stderr with --json)")
    p.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                   help="give up fetching a URL after this long (default 20)")
    p.add_argument("--config", metavar="FILE",
                   help="the daemon config whose [engine] settings fetch a URL (address guard, "
                        "robots.txt, user agent, limits); default: the daemon's default config")
    return p


def load_rules(path: str) -> tuple[ExtractRules, FollowRules]:
    """The [extract] and [follow] tables of a TOML file; _Failure naming every problem."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _Failure(f"rules file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _Failure(f"cannot read rules file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise _Failure(f"rules file {path} is not valid TOML: {exc}") from None
    if "extract" not in data and "follow" not in data:
        raise _Failure(f"rules file {path} has no [extract] or [follow] table")
    problems: list[str] = []
    extract, follow = ExtractRules(), FollowRules()
    try:
        extract = ExtractRules.from_dict(data.get("extract", {}))
    except ConfigError as exc:
        problems += exc.problems
    try:
        follow = FollowRules.from_dict(data.get("follow", {}))
    except ConfigError as exc:
        problems += exc.problems
    if problems:
        raise _Failure(f"bad rules in {path}:\n  " + "\n  ".join(problems))
    return extract, follow


def _engine_config(path: str | None) -> Any:
    """[engine] of the config the daemon would read (--config, else the default path if it
    exists, else the defaults); _Failure on an invalid file."""
    from scraped import paths
    from scraped.config import Config, load_config

    chosen = path or paths.default_config_path()
    if path is None and not Path(chosen).is_file():
        return Config().engine
    try:
        return load_config(chosen).engine
    except ConfigError as exc:
        raise _Failure(f"invalid config {chosen}: " + "; ".join(exc.problems)) from None


def _fetch(url: str, timeout: float, config: str | None) -> tuple[str, str]:
    """(text, final URL) of a page fetched by the jobs' fetcher; _Failure on any problem."""
    import dataclasses

    import trio

    from scraped.engine.fetch.fetcher import Fetcher, FetchError, FetchSettings

    settings = dataclasses.replace(FetchSettings.from_engine(_engine_config(config)), retries=0,
                                   total_timeout=timeout)

    async def one() -> tuple[str, str]:
        async with Fetcher(settings) as fetcher:
            result = await fetcher.fetch(url)
        return result.text, result.final_url

    try:
        return trio.run(one)
    except FetchError as exc:
        if exc.kind == "timeout":
            raise _Failure(f"fetch failed: {url}: timed out after {timeout:g} s") from None
        raise _Failure(f"fetch failed: {exc}") from None


def _read(source: str) -> tuple[str, str]:
    """(text, URL) of a file or stdin."""
    if source == "-":
        return decode_html(sys.stdin.buffer.read()), "file:///dev/stdin"
    path = Path(source)
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise _Failure(f"no such file: {source}") from None
    except IsADirectoryError:
        raise _Failure(f"{source} is a directory, not a page") from None
    except OSError as exc:
        raise _Failure(f"cannot read {source}: {exc.strerror or exc}") from None
    return decode_html(body), path.resolve().as_uri()


def _listing(questions, links, source: str) -> str:
    out: list[str] = []
    for n, q in enumerate(questions, 1):
        out.append(f"{n}. {q.question}")
        for i, opt in enumerate(q.options):
            mark = "  <- answer" if q.answer == i else ""
            out.append(f"   {_LETTERS[i] if i < len(_LETTERS) else i + 1}) {opt}{mark}")
        if q.answer is None:
            out.append(f"   Answer: {q.answer_text}" if q.answer_text else "   Answer: (none found)")
        if q.explanation:
            out.append(f"   Explanation: {q.explanation}")
        hints = ", ".join(f"{k}: {v}" for k, v in (("category", q.category), ("difficulty", q.difficulty)) if v)
        if hints:
            out.append(f"   ({hints})")
        out.append("")
    out.append(f"Links ({len(links.follow)} to follow, {len(links.pagination)} pagination):")
    out += [f"  {u}" for u in links.follow] + [f"  {u}  [next page]" for u in links.pagination]
    answered = sum(1 for q in questions if q.answer is not None or q.answer_text)
    out.append("")
    out.append(f"{len(questions)} questions ({answered} with an answer), "
               f"{len(links.follow) + len(links.pagination)} links, from {source}")
    return "\n".join(out)


EX_USAGE, EX_PIPE = 64, 141  # sysexits' usage; what a shell reports for a tool killed by SIGPIPE


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `scraped extract page.html | head`: the reader left; no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nor one when Python flushes stdout at exit
        os.close(devnull)
        return EX_PIPE


def _main(argv: list[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (argparse's 2): a status, not an exit
        return EX_USAGE if exc.code else 0
    try:
        extract, follow = load_rules(args.rules) if args.rules else (ExtractRules(), FollowRules())
        if args.page.startswith(("http://", "https://")):
            if args.timeout <= 0:
                raise _Failure("--timeout must be positive")
            text, url = _fetch(args.page, args.timeout, args.config)
        else:
            text, url = _read(args.page)
    except _Failure as exc:
        print(f"scraped extract: error: {exc}", file=sys.stderr)
        return 1
    if extract.mode in ("ai", "ai-schema"):  # a model's work: only a daemon's job has the providers
        print(f'scraped extract: error: extract.mode = "{extract.mode}" asks a model, which runs in a daemon\'s '
              "job (scrapedctl jobs submit); this tool runs auto (no mode) and css", file=sys.stderr)
        return 1
    if args.explain and extract.mode == "css":
        print("scraped extract: error: --explain explains auto mode; these rules select blocks with "
              "css selectors", file=sys.stderr)
        return 1
    page = Page(text, args.base_url or url)
    questions = extract_questions(page, extract)
    if args.explain:
        report = "\n".join(explain_page(page))
        print(report, file=sys.stderr if args.json else sys.stdout)
    links = extract_link_sets(page, follow)
    if args.json:
        json.dump([q.to_dict() for q in questions], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(_listing(questions, links, args.page))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
