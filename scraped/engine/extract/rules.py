"""The [extract] and [follow] tables of a job spec, checked and compiled once.

A selector is CSS (parsel's dialect, with ``::text`` and ``::attr(name)``) unless it
starts with "/", "(", "./" or "../", which makes it XPath. Every selector is compiled
when the rules are built, so a typo is a ConfigError naming its key path, not a job that
silently finds nothing. Selectors of the question fields are relative to the block: an
XPath field written "//p" means ".//p" inside the block (an absolute path there would
pick the same nodes for every block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from cssselect import SelectorError
from lxml import etree
from parsel.csstranslator import css2xpath

from scraped.errors import ConfigError

__all__ = ["ExtractRules", "FollowRules", "MODES", "DEFAULT_DENY_EXTENSIONS", "compiled", "is_xpath", "to_xpath"]

MODES = ("auto", "css", "ai", "ai-schema")

# Links to these are never pages with questions (Scrapy's LinkExtractor skips the same kind).
DEFAULT_DENY_EXTENSIONS = (
    "7z", "apk", "avi", "bin", "bmp", "bz2", "css", "csv", "deb", "dmg", "doc", "docx", "eot",
    "exe", "flv", "gif", "gz", "ico", "iso", "jar", "jpeg", "jpg", "js", "json", "m4a", "m4v",
    "mkv", "mov", "mp3", "mp4", "mpeg", "mpg", "msi", "odp", "ods", "odt", "ogg", "otf", "pdf",
    "png", "ppt", "pptx", "ps", "rar", "rpm", "rss", "svg", "swf", "tar", "tgz", "tif", "tiff",
    "ttf", "wav", "webm", "webp", "wma", "wmv", "woff", "woff2", "xls", "xlsx", "xml", "xz", "zip",
)


def is_xpath(selector: str) -> bool:
    return selector.lstrip().startswith(("/", "(", "./", "../"))


@lru_cache(maxsize=1024)
def to_xpath(selector: str, relative: bool = False) -> str:
    """The XPath of a CSS or XPath selector; raises ValueError with the reason if invalid."""
    sel = selector.strip()
    if not sel:
        raise ValueError("empty selector")
    if is_xpath(sel):
        xp = sel
        if relative:
            if xp.startswith("/"):
                xp = "." + xp
            elif xp.startswith("(/"):
                xp = "(." + xp[1:]
    else:
        try:
            xp = css2xpath(sel)
        except SelectorError as exc:
            raise ValueError(f"invalid CSS selector {selector!r}: {exc}") from None
        except Exception as exc:  # cssselect raises ExpressionError etc. for unsupported bits
            raise ValueError(f"unsupported CSS selector {selector!r}: {exc}") from None
    try:
        etree.XPath(xp)
    except etree.XPathError as exc:
        raise ValueError(f"invalid XPath {selector!r}: {exc}") from None
    return xp


@lru_cache(maxsize=1024)
def compiled(selector: str, relative: bool = False) -> etree.XPath:
    """`to_xpath`, compiled once: `element.xpath(str)` compiles its expression on every
    call, which cost more than evaluating it (css extraction runs the field selectors
    once per question block)."""
    return etree.XPath(to_xpath(selector, relative))


def _check_keys(data: Any, path: str, known: set[str], problems: list[str]) -> dict:
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: must be a table, not {type(data).__name__}"])
    for key in data:
        if key not in known:
            problems.append(f"{path}.{key}: unknown key (expected one of {', '.join(sorted(known))})")
    return data


def _selector(data: dict, key: str, path: str, problems: list[str], relative: bool) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{path}.{key}: must be a string (a CSS or XPath selector)")
        return None
    try:
        to_xpath(value, relative)
    except ValueError as exc:
        problems.append(f"{path}.{key}: {exc}")
        return None
    return value


def _strings(data: dict, key: str, path: str, problems: list[str]) -> tuple[str, ...]:
    value = data.get(key, ())
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        problems.append(f"{path}.{key}: must be a string or a list of strings")
        return ()
    return tuple(value)


@dataclass(frozen=True)
class ExtractRules:
    """How to find questions on a page: `auto` heuristics or `css` selectors.

    In css mode `block` selects one element per question and `question` is required;
    the other field selectors are relative to the block. `options` selects one node per
    option (or one node whose text holds the options inline, "A) 1 B) 2"); `answer` the
    answer as written ("Option B", "b", "15", "Answer: Option C", "Correct answer is B":
    one that names an option becomes that option); `category`/`difficulty` hints.
    "ai" and "ai-schema" need a model: a job runs them through scraped.engine.extraction
    (extract_questions alone extracts them like "auto").
    """

    mode: str = "auto"
    block: str | None = None
    question: str | None = None
    options: str | None = None
    answer: str | None = None
    explanation: str | None = None
    category: str | None = None
    difficulty: str | None = None

    @classmethod
    def from_dict(cls, data: dict, path: str = "extract") -> ExtractRules:
        problems: list[str] = []
        known = {f.name for f in fields(cls)}
        _check_keys(data, path, known, problems)
        mode = data.get("mode", "auto")
        if not isinstance(mode, str) or mode not in MODES:
            problems.append(f"{path}.mode: must be one of {', '.join(MODES)}, not {mode!r}")
            mode = "auto"
        values: dict[str, Any] = {"mode": mode}
        for name in ("block", "question", "options", "answer", "explanation", "category", "difficulty"):
            values[name] = _selector(data, name, path, problems, relative=name != "block")
        if mode == "css":
            for name in ("block", "question"):
                if data.get(name) is None:
                    problems.append(f"{path}.{name}: required when mode is \"css\"")
        if problems:
            raise ConfigError(problems)
        return cls(**values)


@dataclass(frozen=True)
class FollowRules:
    """Which links of a page to follow.

    `selectors` pick <a>/<area> elements, containers of them, or href attributes
    (empty: every link). `allow` regexes: a link must match one (if any are given);
    `deny` regexes drop a link; both are searched in the canonical URL. `pagination`
    selectors pick "next page" links: they are followed even when `selectors`/`allow`
    would not pick them (deny still applies), and the engine does not count them as a
    level of depth (a listing's page 7 is as deep as its page 1). <link rel="next"> and
    <a rel="next"> count as pagination too. Links whose path ends in one of
    `deny_extensions` (images, archives, documents...) are dropped.
    """

    selectors: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    pagination: tuple[str, ...] = ()
    deny_extensions: tuple[str, ...] = DEFAULT_DENY_EXTENSIONS

    @classmethod
    def from_dict(cls, data: dict, path: str = "follow") -> FollowRules:
        problems: list[str] = []
        known = {f.name for f in fields(cls)}
        _check_keys(data, path, known, problems)
        values: dict[str, Any] = {}
        for name in ("selectors", "pagination"):
            sels = _strings(data, name, path, problems)
            for i, sel in enumerate(sels):
                try:
                    to_xpath(sel)
                except ValueError as exc:
                    problems.append(f"{path}.{name}[{i}]: {exc}")
            values[name] = sels
        for name in ("allow", "deny"):
            pats = _strings(data, name, path, problems)
            for i, pat in enumerate(pats):
                try:
                    re.compile(pat)
                except re.error as exc:
                    problems.append(f"{path}.{name}[{i}]: invalid regex {pat!r}: {exc}")
            values[name] = pats
        if "deny_extensions" in data:
            exts = _strings(data, "deny_extensions", path, problems)
            values["deny_extensions"] = tuple(e.lower().lstrip(".") for e in exts)
        if problems:
            raise ConfigError(problems)
        return cls(**values)
