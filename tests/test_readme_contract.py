"""The README is a contract: every `scrapedctl ...` and `scraped ...` command line in
README.md and docs/*.md parses against the command table, runs as written against a live
daemon started here (placeholders such as ID, NAME, FILE.toml filled with real objects it
makes first), and exits with the status the README lists. Every declared command and flag
(scraped/api/*.py) has a line; a line that names no command fails.

What runs where: everything against the live SQLite daemon, except what cannot run here:
`scraped` lines that would start a daemon (foreground, --daemonize) or name the production
install's paths (/etc/scraped, /opt/scraped...: parsed only), and the
MongoDB-only `db slow-ops` / `db kill-op`, which must answer 75 (conflict: "only on MongoDB")
on SQLite, as the README's exit statuses say.

docs/jobs.md is generated from the job spec's declarations (`scraped --print-job-reference`)
and must be current; its example spec must be valid.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scraped.api import Command, all_commands
from scraped.cli import EXIT, HEALTH_EXIT, _chosen, _flag, build_parser
from tests.daemon_harness import REPO, DaemonProcess
from tests.engine_site import DAEMON_ENGINE, Site

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
PROMPT = re.compile(r"^(?:\S*\$\s+)")  # "alice$ ", "$ "
SPAN = re.compile(r"`([^`]+)`")
MONGO_ONLY = {"db.slow-ops": 75, "db.kill-op": 75}  # MongoDB only: a conflict (75) on SQLite
INSTALLED = ("/etc/scraped", "/opt/scraped", "/run/scraped", "/var/lib/scraped")  # production paths
SCRAPED_RUNNABLE = ("--check-config", "--print-default-config", "--print-job-reference", "extract",
                    "--help", "--version")


@dataclass(frozen=True)
class Line:
    where: str  # README.md:78
    text: str  # as written (prefix and prompt stripped)
    mention: bool = False  # an inline span in prose: may name a command without its arguments

    @property
    def tool(self) -> str:
        return self.text.split()[0]


def _clean(text: str) -> str | None:
    text = PROMPT.sub("", text.strip())
    for prefix in ("sudo -u scraped ", "sudo "):
        text = text.removeprefix(prefix)
    text = re.sub(r"^(?:\S*/)?(scrapedctl|scraped)(?=\s|$)", r"\1", text)
    words = text.split()
    if len(words) < 2 or words[0] not in ("scrapedctl", "scraped") or words[1] in ("...", "…"):
        return None  # the program's name in prose, or "scrapedctl ..." for any command
    return text


def _table_column(row: str, header: list[str]) -> str | None:
    cells = [c.strip() for c in row.strip().strip("|").split("|")]
    if "scrapedctl" in header and len(cells) == len(header):
        return cells[header.index("scrapedctl")]
    return None


def doc_lines() -> list[Line]:
    top = {name.split(".")[0] for name in all_commands()}
    found: list[Line] = []
    for path in DOCS:
        rel = path.relative_to(REPO)
        in_code, header, pending = False, None, ""
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            where = f"{rel}:{n}"
            if raw.lstrip().startswith("```"):
                in_code = not in_code
                continue
            if in_code:
                if raw.rstrip().endswith("\\"):  # a shell line continued on the next one
                    pending += raw.rstrip()[:-1] + " "
                    continue
                raw, pending = pending + raw, ""
                cleaned = _clean(raw)
                if cleaned:
                    found.append(Line(where, cleaned))
                continue
            if raw.startswith("|"):
                cells = [c.strip() for c in raw.strip().strip("|").split("|")]
                if header is None or set("".join(cells)) <= set("-: "):
                    header = cells if header is None else header
                    continue
                column = _table_column(raw, header)
            else:
                header, column = None, None
            for span in SPAN.findall(raw):
                cleaned = _clean(span)
                if cleaned:
                    found.append(Line(where, cleaned, mention=column is None))
                elif column is not None and span in column and span.split()[0] in top:
                    found.append(Line(where, "scrapedctl " + span))  # "`health ai_services`" in the table
    return found


# ---------------------------------------------------------------- parsing


def _words(text: str) -> list[str]:
    """Shell words of a line: comments, redirections and [optional] brackets dropped."""
    words = shlex.split(text.replace("[", " ").replace("]", " "), comments=True)
    for stop in (">", ">>", "|", "<"):
        if stop in words:
            words = words[: words.index(stop)]
    return words


def _command_of(words: list[str]) -> Command | None:
    table = all_commands()
    names = [w for w in words[1:] if not w.startswith("-")]
    for n in range(len(names), 0, -1):
        cmd = table.get(".".join(names[:n]))
        if cmd is not None and words[1:1 + n] == names[:n]:
            return cmd
    return None


def parse_ctl(words: list[str]) -> tuple[Command | None, str]:
    """(the command, "") or (None, argparse's complaint)."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            ns = build_parser().parse_args(words[1:])
    except SystemExit as exc:
        if exc.code == 0:  # --help, --version
            return None, ""
        return None, err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else str(exc.code)
    return _chosen(ns), ""


def _parse_scraped(words: list[str]) -> str:
    from scraped.daemon import _parser
    from scraped.engine.extract.cli import _parser as extract_parser

    parser, argv = (extract_parser(), words[2:]) if words[1:2] == ["extract"] else (_parser(), words[1:])
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(argv)
    except SystemExit as exc:
        return "" if exc.code == 0 else err.getvalue().strip() or f"exit {exc.code}"
    return ""


def _sample(arg: Any) -> str:
    if arg is not None and arg.choices:
        return str(arg.choices[0])
    if arg is not None and arg.type in ("int", "float"):
        return "5"
    return "x"


def fill(words: list[str], cmd: Command | None, values: dict[str, str]) -> list[str]:
    """Placeholders (ID, NAME, FILE.toml, N, …) become real values for this command."""
    by_flag = {_flag(a): a for a in cmd.args} if cmd else {}
    positional = [a for a in cmd.args if a.positional] if cmd else []
    out: list[str] = []
    for i, w in enumerate(words):
        before = out[-1] if out else ""
        if w in values:
            out.append(values[w])
        elif w in ("…", "...") or (re.fullmatch(r"[A-Z][A-Z_]*", w) and w not in ("QID",)):
            arg = by_flag.get(before)
            if arg is None and positional and i > 0:
                arg = positional[0]
            out.append(values.get(f"{cmd.name}:{w}" if cmd else w) or _sample(arg))
        else:
            out.append(w)
    return out


# ---------------------------------------------------------------- the static checks


LINES = doc_lines()


def test_the_docs_have_command_lines():
    assert len([x for x in LINES if x.tool == "scrapedctl"]) > 60


@pytest.mark.parametrize("line", [x for x in LINES if x.tool == "scrapedctl"], ids=lambda x: x.where)
def test_every_scrapedctl_line_parses_and_names_a_command(line):
    words = _words(line.text)
    if words[1:] and words[1] in ("--help", "--version"):
        return
    cmd, problem = parse_ctl(fill(words, _command_of(words), {}))
    if line.mention and "arguments are required" in problem:
        return  # prose naming a command ("`scrapedctl jobs submit` reads a spec"), not a line to run
    assert not problem, f"{line.where}: `{line.text}` does not parse: {problem}"
    assert cmd is not None, f"{line.where}: `{line.text}` names no command"


@pytest.mark.parametrize("line", [x for x in LINES if x.tool == "scraped"], ids=lambda x: x.where)
def test_every_scraped_line_parses(line):
    problem = _parse_scraped(fill(_words(line.text), None, {}))
    if line.mention and "arguments are required" in problem:
        return  # prose naming a command
    assert not problem, f"{line.where}: `{line.text}` does not parse: {problem}"


def _documented() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for line in LINES:
        if line.tool != "scrapedctl":
            continue
        words = _words(line.text)
        cmd = _command_of(words)
        if cmd is not None:
            seen.setdefault(cmd.name, set()).update(w.split("=")[0] for w in words if w.startswith("--"))
    return seen


def _example(cmd: Command, only: Any = None) -> str:
    """A line to add: the command with its positionals and `only` (else every) flag."""
    parts = ["scrapedctl", *cmd.name.split(".")]
    for a in cmd.args:
        if a.positional:
            parts.append(a.name.upper())
        elif only is None or a is only:
            parts.append(_flag(a) + ("" if a.type == "bool" else f" {_sample(a)}"))
    return " ".join(parts)


def test_every_declared_command_and_flag_has_a_line_in_the_docs():
    seen = _documented()
    missing = []
    for name, cmd in sorted(all_commands().items()):
        if name not in seen:
            missing.append(f"command `{name.replace('.', ' ')}` has no line in README.md or docs/*.md; "
                           f"add one to docs/commands.md, e.g. `{_example(cmd)}`")
            continue
        for arg in cmd.args:
            if not arg.positional and _flag(arg) not in seen[name]:
                missing.append(f"flag `{_flag(arg)}` of `{name.replace('.', ' ')}` has no line in "
                               f"README.md or docs/*.md; add one to docs/commands.md, e.g. "
                               f"`{_example(cmd, arg)}`")
    assert not missing, "\n".join(missing)


def test_the_exit_statuses_the_readme_lists_are_the_ones_scrapedctl_uses():
    text = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    listed = re.search(r"Exit statuses: (.*?)\.", text)
    assert listed, "README.md: no 'Exit statuses: ...' sentence"
    numbers = {int(n) for n in re.findall(r"\b(\d+) [a-z]", listed.group(1))}
    actual = {0, 64} | set(EXIT.values()) | set(HEALTH_EXIT.values())
    assert numbers == actual, f"README lists {sorted(numbers)}, scrapedctl uses {sorted(actual)}"


# ---------------------------------------------------------------- docs/jobs.md


def test_docs_jobs_md_is_generated_from_the_spec_declarations_and_current():
    from scraped.engine import specdoc

    assert specdoc.missing_entries() == []
    out = subprocess.run([sys.executable, "-m", "scraped.daemon", "--print-job-reference"], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert (REPO / "docs/jobs.md").read_text(encoding="utf-8") == out.stdout, (
        "docs/jobs.md is stale: run `scraped --print-job-reference > docs/jobs.md`")
    for key, _, _ in specdoc.keys():
        assert f"| `{key}` |" in out.stdout, key


def test_the_example_spec_of_docs_jobs_md_is_valid():
    from scraped.engine import spec as specs
    from scraped.engine.specdoc import example_spec

    spec = specs.parse(example_spec())
    assert spec.name == "indiabix-aptitude" and spec.schedule == "0 3 * * 1"
    assert spec.fields.politeness.delay == 0.5 and spec.follow.pagination == ("a.next",)


# ---------------------------------------------------------------- the live run


class World:
    """A live daemon and the objects the lines' placeholders name."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.quick = Site(pages=6, broken=1).start()
        self.slow = Site(pages=300, delay=1.0).start()  # stays RUNNING while a line acts on it
        self.daemon = DaemonProcess(tmp / "daemon", config={"engine": DAEMON_ENGINE}).start()
        self.n = 0
        self.base_job = self.finished_job(self.quick)

    def close(self) -> None:
        try:
            self.daemon.close()
        finally:
            self.quick.stop()
            self.slow.stop()

    def _name(self, kind: str) -> str:
        self.n += 1
        return f"contract-{kind}-{self.n}"

    def submit(self, site: Site, **fields: Any) -> str:
        return self.daemon.call("jobs.submit", spec=site.spec(self._name("job"), **fields))["job"]["id"]

    def wait_status(self, job_id: str, states: set[str]) -> None:
        self.daemon.wait_until(lambda: self.daemon.call("jobs.show", id=job_id)["status"] in states)

    def finished_job(self, site: Site) -> str:
        job_id = self.submit(site)
        self.wait_status(job_id, {"COMPLETED", "FAILED"})
        return job_id

    def running_job(self) -> str:
        job_id = self.submit(self.slow)
        self.wait_status(job_id, {"RUNNING"})
        return job_id

    def spec_file(self, schedule: str = "") -> str:
        path = self.tmp / f"{self._name('spec')}.toml"
        extra = {"schedule": schedule} if schedule else {}
        path.write_text(self.quick.spec(path.stem, **extra))
        return str(path)

    def values(self, cmd: Command | None, words: list[str]) -> dict[str, str]:
        """Placeholder values for one line, made fresh where the command changes them."""
        d = self.daemon
        name = cmd.name if cmd else ""
        v = {"ID": self.base_job, "FILE.toml": self.spec_file(), "FILE": str(d.config_path), "PAGE": self.page(),
             "RECURRING.toml": self.spec_file(schedule="0 3 * * 1"), "page.html": self.page()}
        if name in ("jobs.pause", "jobs.stop"):
            v["ID"] = self.running_job()
        elif name == "jobs.resume":
            job_id = self.running_job()
            d.call("jobs.pause", id=job_id)
            self.wait_status(job_id, {"PAUSED"})
            v["ID"] = job_id
        elif name in ("jobs.delete", "jobs.retry-failed"):
            v["ID"] = self.finished_job(self.quick)
        elif name == "jobs.unschedule":
            v["NAME"] = d.call("jobs.submit", spec=self.quick.spec(self._name("sched"), schedule="0 3 * * 1"))[
                "schedule"]["name"]
        elif name in ("backup.verify", "restore"):
            d.call("backup.run")
            v["NAME"] = d.call("backup.list")["backups"][0]["name"]
        elif name == "scheduler.run":
            v["NAME"] = "metrics_persist"
        if "QID" in words:
            listed = d.call("questions.list", bank="all", limit=1)["questions"]
            v["QID"] = listed[0]["id"]
        return v

    def page(self) -> str:
        import urllib.request

        path = self.tmp / "page.html"
        if not path.exists():
            with urllib.request.urlopen(self.quick.base + "/q/1") as r:  # noqa: S310 (loopback)
                path.write_bytes(r.read())
        return str(path)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("contract"))
    yield w
    w.close()


# Lines that cannot succeed here, with the status they must give instead and why: no
# provider account exists on this machine, so nothing can redo offline enhancements.
NOT_HERE = {("ai.enhance", "--upgrade"): 65}


def _expected(cmd: Command | None, words: list[str] | tuple[str, ...] = ()) -> set[int]:
    if cmd is None:
        return {0}
    for (name, flag), status in NOT_HERE.items():
        if cmd.name == name and flag in words:
            return {status}
    if cmd.name in MONGO_ONLY:
        return {MONGO_ONLY[cmd.name]}
    if cmd.name in ("health", "status"):
        return {0, 3}  # README: 0 ok, 3 degraded (a fresh daemon has no backup yet, say)
    return {0}


def _distinct(lines: list[Line], tool: str) -> list[Line]:
    seen: dict[str, Line] = {}
    for line in lines:
        if line.tool == tool:
            seen.setdefault(" ".join(_words(line.text)), line)
    return list(seen.values())


@pytest.mark.parametrize("line", _distinct(LINES, "scrapedctl"), ids=lambda x: x.where)
def test_every_scrapedctl_line_runs_as_written(world, line):
    words = _words(line.text)
    cmd = _command_of(words)
    if line.mention and "arguments are required" in parse_ctl(fill(words, cmd, {}))[1]:
        return  # a mention in prose (checked above), not a line to run
    argv = fill(words, cmd, world.values(cmd, words))
    out = subprocess.run([sys.executable, "-m", "scraped.cli", "--socket", str(world.daemon.socket_path),
                          *argv[1:]], cwd=world.tmp, capture_output=True, text=True, timeout=120)
    assert out.returncode in _expected(cmd, words), (
        f"{line.where}: `{line.text}` ran as `{shlex.join(argv)}` and exited {out.returncode}, "
        f"expected {sorted(_expected(cmd, words))}:\n{out.stderr[-2000:]}")
    if cmd is not None and cmd.name in ("jobs.pause", "jobs.resume", "jobs.stop"):
        world.daemon.call("jobs.stop", all=True)  # leave no slow job running behind


@pytest.mark.parametrize("line", _distinct(LINES, "scraped"), ids=lambda x: x.where)
def test_every_scraped_line_runs_or_parses(world, line):
    words = _words(line.text)
    problem = _parse_scraped(fill(words, None, {}))
    if line.mention and "arguments are required" in problem:
        return  # prose naming a command (checked above)
    installed = any(w.startswith(INSTALLED) for w in words)
    if installed or not any(w in SCRAPED_RUNNABLE for w in words[1:2]):
        assert not problem, line  # would start a daemon, or needs the production install: parsed only
        return
    argv = fill(words, None, world.values(None, words))
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "scraped.daemon", *argv[1:]], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, (f"{line.where}: `{line.text}` ran as `{shlex.join(argv)}` and exited "
                                 f"{out.returncode} after {time.monotonic() - started:.0f} s:\n{out.stderr[-2000:]}")
    if "--json" in argv and "extract" in argv:
        assert json.loads(out.stdout), "scraped extract --json printed no questions"
