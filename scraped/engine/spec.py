"""Job specs: a TOML file (or `jobs submit` text) checked into a frozen `JobSpec`.

    name = "indiabix-aptitude"
    start_urls = ["https://example.org/aptitude/"]
    allowed_domains = ["example.org"]      # default: the hosts of start_urls
    max_pages = 5000                       # default engine.max_pages; 0: no limit
    max_depth = 4                          # default engine.max_depth
    schedule = "0 3 * * *"                 # optional cron, UTC (6 fields: seconds first)

    [politeness]                           # defaults from [engine]
    concurrency = 4                        # per host
    delay = 0.5                            # seconds between requests to one host
    autothrottle = true
    obey_robots = true

    [defaults]                             # for questions that carry none
    category = "quantitative"
    difficulty = "medium"
    company_tags = ["tcs"]

    [follow]                               # link following: see scraped.engine.extract
    [extract]                              # extraction: mode = "auto" | "css" | ...

Every problem is reported at once, by key path (`follow.allow[2]: invalid regex ...`).
The spec's plain dict is what the job document stores; `from_dict` rebuilds it on resume.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scraped.errors import ConfigError
from scraped.settings import load_section, setting

if TYPE_CHECKING:
    from scraped.engine.engine_config import EngineConfig

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,99}$")
MAX_SPEC_BYTES = 256 * 1024


@dataclass(frozen=True)
class Politeness:
    """Per-host politeness; unset keys take [engine]'s defaults."""

    concurrency: int | None = setting(None, "Requests in flight per host.", minimum=1, maximum=256)
    delay: float | None = setting(None, "Seconds between requests to one host.", minimum=0.0, maximum=3600.0)
    autothrottle: bool | None = setting(None, "Adapt the delay to the host's latency.")
    obey_robots: bool | None = setting(None, "Obey robots.txt.")


@dataclass(frozen=True)
class Defaults:
    """Values given to extracted questions that carry none."""

    category: str = setting("", "Category of questions without one.")
    difficulty: str = setting("", "Difficulty of questions without one.")
    company_tags: tuple[str, ...] = setting((), "Company tags added to every question.")


@dataclass(frozen=True)
class _Fields:
    name: str = setting("", "Job name.")
    description: str = setting("", "Free text.")
    start_urls: tuple[str, ...] = setting((), "Where the crawl starts.")
    allowed_domains: tuple[str, ...] = setting((), "Hosts (and their subdomains) the crawl may visit.")
    max_pages: int | None = setting(None, "Pages fetched at most (0: no limit).", minimum=0)
    max_depth: int | None = setting(None, "Link depth from a start URL.", minimum=0, maximum=100)
    concurrency: int | None = setting(None, "Pages this job fetches at once.", minimum=1, maximum=1024)
    schedule: str = setting("", "Cron expression (UTC) for recurring runs.")
    politeness: Politeness = setting(factory=Politeness)
    defaults: Defaults = setting(factory=Defaults)

    def validate(self) -> list[str]:
        problems = []
        if not self.name:
            problems.append("name: required")
        elif not _NAME.match(self.name):
            problems.append("name: 1-100 letters, digits, spaces or ._:- (starting with a letter or digit)")
        if not self.start_urls:
            problems.append("start_urls: at least one URL is required")
        for i, url in enumerate(self.start_urls):
            if isinstance(url, str) and _canonical(url) is None:
                problems.append(f"start_urls[{i}]: not an absolute http(s) URL: {url!r}")
        for i, host in enumerate(self.allowed_domains):
            if isinstance(host, str) and not re.match(r"^[A-Za-z0-9.-]+(:\d+)?$", host.strip(".")):
                problems.append(f"allowed_domains[{i}]: not a host name: {host!r}")
        if self.schedule:
            try:
                cron_trigger(self.schedule)
            except ValueError as exc:
                problems.append(f"schedule: {exc}")
        return problems


def _canonical(url: str) -> str | None:
    from scraped.engine.fetch.urls import canonicalize

    try:
        return canonicalize(url)
    except ValueError:
        return None


def cron_trigger(expr: str) -> Any:
    """A trigger in UTC from 5 cron fields (cron's weekdays: 0 and 7 Sunday), an @alias, or
    6 fields with seconds first (scraped.cron)."""
    from scraped.cron import cron_trigger as make

    return make(expr, dt.UTC, allow_seconds=True)


def next_fire(expr: str, now: float) -> float | None:
    """Epoch seconds of the next run strictly after `now`, or None if there is none."""
    trigger = cron_trigger(expr)
    after = dt.datetime.fromtimestamp(now, dt.UTC)
    fire = trigger.get_next_fire_time(None, after)
    if fire is not None and fire.timestamp() <= now:
        fire = trigger.get_next_fire_time(fire, after + dt.timedelta(microseconds=1))
    return fire.timestamp() if fire is not None else None


@dataclass(frozen=True)
class JobSpec:
    fields: _Fields
    extract: Any  # ExtractRules
    follow: Any  # FollowRules
    raw: dict[str, Any]

    @property
    def name(self) -> str:
        return self.fields.name

    @property
    def schedule(self) -> str:
        return self.fields.schedule

    @property
    def extractor(self) -> str:
        return str(self.raw.get("extract", {}).get("mode", "auto"))

    def digest(self) -> str:
        """A stable hash of the spec (jobs_dir uses it to notice a changed file)."""
        return hashlib.sha1(json.dumps(self.raw, sort_keys=True).encode()).hexdigest()

    def allowed_hosts(self) -> tuple[str, ...]:
        if self.fields.allowed_domains:
            return tuple(h.strip(".").lower() for h in self.fields.allowed_domains)
        from scraped.engine.fetch.urls import host_of

        # IDNA (punycode), as canonical URLs spell them: "bücher.example" would match no link.
        return tuple(dict.fromkeys(_ascii_host(h) for h in (host_of(u) for u in self.fields.start_urls) if h))

    def target_problems(self, allow_private: bool) -> list[str]:
        """Start URLs the fetch guard refuses whatever DNS says (IP literals in refused
        ranges, in any spelling inet_aton takes; localhost names), so a submit says so
        instead of a job that ends COMPLETED with 0 pages. Names are resolved at fetch
        time, not here: a submit must not fail because DNS is down."""
        import ipaddress
        import socket

        from scraped.engine.fetch.guard import Guard
        from scraped.engine.fetch.urls import host_of

        guard = Guard(allow_private=allow_private)
        out = []
        for i, url in enumerate(self.fields.start_urls):
            host = host_of(url)
            host = host[1:host.index("]")] if host.startswith("[") else host.rsplit(":", 1)[0]
            host = host.rstrip(".")
            if host == "localhost" or host.endswith(".localhost"):
                address = "127.0.0.1"
            else:
                try:
                    address = str(ipaddress.ip_address(host.split("%", 1)[0]))
                except ValueError:
                    try:  # 2130706433, 127.1, 0x7f.0.0.1: what the resolver would connect to
                        address = socket.inet_ntoa(socket.inet_aton(host))
                    except OSError:
                        continue
            why = guard.refusal(address)
            if why:
                out.append(f"start_urls[{i}]: {why}")
        return out

    # Effective values: the spec's, else the engine config's.
    def max_pages(self, cfg: EngineConfig) -> int:
        return cfg.max_pages if self.fields.max_pages is None else self.fields.max_pages

    def max_depth(self, cfg: EngineConfig) -> int:
        return cfg.max_depth if self.fields.max_depth is None else self.fields.max_depth

    def concurrency(self, cfg: EngineConfig) -> int:
        return cfg.job_concurrency if self.fields.concurrency is None else self.fields.concurrency

    def politeness(self, cfg: EngineConfig) -> dict[str, Any]:
        p = self.fields.politeness

        def pick(mine: Any, default: Any) -> Any:
            return default if mine is None else mine

        return {"concurrency": pick(p.concurrency, cfg.host_concurrency),
                "delay": pick(p.delay, cfg.host_delay),
                "autothrottle": pick(p.autothrottle, cfg.autothrottle),
                "obey_robots": pick(p.obey_robots, cfg.obey_robots)}


def _ascii_host(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _plain(value: Any, path: str, problems: list[str]) -> Any:
    """TOML dates have no place in a stored spec: report them by path."""
    if isinstance(value, dict):
        return {k: _plain(v, f"{path}.{k}" if path else k, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        problems.append(f"{path}: dates and times are not supported here")
        return None
    return value


def from_dict(data: Any, source: str | None = None) -> JobSpec:
    """Check a spec table; raises ConfigError listing every problem by key path."""
    from scraped.engine.extract import ExtractRules, FollowRules

    if not isinstance(data, dict):
        raise ConfigError(["a job spec is a table"], source)
    problems: list[str] = []
    data = _plain(data, "", problems)
    rules: dict[str, Any] = {}
    for key, cls in (("extract", ExtractRules), ("follow", FollowRules)):
        table = data.get(key, {})
        if not isinstance(table, dict):
            problems.append(f"{key}: expected a table, got {type(table).__name__}")
            table = {}
        try:
            rules[key] = cls.from_dict(table, key)
        except ConfigError as exc:
            problems.extend(exc.problems)
            rules[key] = None
    plain = {k: v for k, v in data.items() if k not in ("extract", "follow")}
    fields = load_section(_Fields, plain, "", problems)
    if problems:
        raise ConfigError(problems, source)
    return JobSpec(fields, rules["extract"], rules["follow"], data)


def parse(text: str, source: str | None = None) -> JobSpec:
    """A spec from TOML text (`jobs submit`, a jobs_dir file)."""
    if len(text.encode("utf-8", "replace")) > MAX_SPEC_BYTES:
        raise ConfigError([f"a job spec is at most {MAX_SPEC_BYTES // 1024} KiB"], source)
    try:
        return from_dict(tomllib.loads(text), source)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], source) from None
    except RecursionError:  # thousands of nested arrays: tomllib and _plain recurse
        raise ConfigError(["nested too deeply (arrays or tables inside each other)"], source) from None


def field_names() -> list[str]:
    return [f.name for f in dataclasses.fields(_Fields)] + ["extract", "follow"]
