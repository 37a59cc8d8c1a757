"""docs/jobs.md, GENERATED from the job spec's declarations (like etc/scraped.toml):

    scraped --print-job-reference > docs/jobs.md

Keys, types and defaults come from the dataclasses the spec is checked against
(scraped.engine.spec: the top-level fields, [politeness], [defaults]; rules: [extract]
and [follow]); help texts from their `setting(...)` declarations. The rules dataclasses
carry no per-field help, so theirs and every key's example live in the tables below;
tests/test_readme_contract.py fails, naming the key, when a declared key has no entry
here (or an entry names no key), and when docs/jobs.md differs from this output.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from scraped.engine import spec as specs
from scraped.engine.engine_config import EngineConfig
from scraped.engine.extract.rules import MODES, ExtractRules, FollowRules
from scraped.settings import _type_name

# Keys whose unset value means "the daemon's [engine] setting".
ENGINE_DEFAULTS = {
    "max_pages": "max_pages", "max_depth": "max_depth", "concurrency": "job_concurrency",
    "politeness.concurrency": "host_concurrency", "politeness.delay": "host_delay",
    "politeness.autothrottle": "autothrottle", "politeness.obey_robots": "obey_robots",
}

RULES_HELP = {
    "extract.mode": f"How questions are found: {', '.join(MODES)}. `auto` uses structural heuristics "
                    "(no selectors; with `[engine.extraction] ai_fallback` a quiz-looking page it reads "
                    "nothing on goes to a model); `css` the selectors below; `ai` a model reads each "
                    "page's text (long pages in overlapping chunks of `[ai] extract_max_chars`); "
                    "`ai-schema` a model writes the selectors once per layout (site and template), "
                    "checked on `[engine.extraction] validate_pages` pages of it (3) against auto, then applied to every page of the layout "
                    "without a model (auto where it has none). `ai` and `ai-schema` need a model "
                    "provider (`[ai] extract_order`): without one `jobs submit` refuses the spec. In `css` "
                    "and `ai-schema` jobs a layout whose pages stop giving questions raises a selector "
                    "drift alarm (`jobs show`, `errors`); ai-schema derives its selectors again.",
    "extract.block": "css mode (required): selects one element per question.",
    "extract.question": "css mode (required): the question text, relative to the block.",
    "extract.options": "One node per option, or one node whose text holds them inline (\"A) 1 B) 2\").",
    "extract.answer": "The answer as written (\"Option B\", \"b\", \"15\", \"Correct answer is B\"); one "
                      "that names an option becomes that option.",
    "extract.explanation": "The explanation, relative to the block.",
    "extract.category": "A category hint, relative to the block.",
    "extract.difficulty": "A difficulty hint, relative to the block.",
    "follow.selectors": "`<a>`/`<area>` elements, containers of them, or href attributes to follow "
                        "(empty: every link).",
    "follow.allow": "Regexes searched in the canonical URL: a link must match one (when any are given).",
    "follow.deny": "Regexes searched in the canonical URL: a link that matches one is dropped.",
    "follow.pagination": "\"Next page\" links: followed even when selectors/allow would not pick them "
                         "(deny still applies), and not counted as a level of depth. `<link rel=\"next\">` "
                         "and `<a rel=\"next\">` count too.",
    "follow.deny_extensions": "Links whose path ends in one of these are dropped (images, archives, "
                              "documents...). Setting it replaces the whole list.",
}

EXAMPLES = {
    "name": '"indiabix-aptitude"',
    "description": '"Aptitude questions of the quantitative section"',
    "start_urls": '["https://example.org/aptitude/"]',
    "allowed_domains": '["example.org"]',
    "max_pages": "5000",
    "max_depth": "4",
    "concurrency": "16",
    "schedule": '"0 3 * * 1"',
    "politeness.concurrency": "4",
    "politeness.delay": "0.5",
    "politeness.autothrottle": "true",
    "politeness.obey_robots": "true",
    "defaults.category": '"quantitative"',
    "defaults.difficulty": '"medium"',
    "defaults.company_tags": '["tcs"]',
    "extract.mode": '"css"',
    "extract.block": '"div.question-block"',
    "extract.question": '".question-text"',
    "extract.options": '"ol.options li"',
    "extract.answer": '".answer::text"',
    "extract.explanation": '".explanation"',
    "extract.category": '".breadcrumb li:last-child"',
    "extract.difficulty": '".level"',
    "follow.selectors": '["nav.pages", "a.question-link"]',
    "follow.allow": '["/aptitude/"]',
    "follow.deny": '["/login", "\\\\?print="]',
    "follow.pagination": '["a.next"]',
    "follow.deny_extensions": '["pdf", "zip"]',
}

EXTRA_NOTES = {
    "name": "1-100 letters, digits, spaces or `._:-`, starting with a letter or digit. "
            "`jobs show NAME` finds the newest job of that name.",
    "start_urls": "At least one absolute http(s) URL.",
    "allowed_domains": "Empty: the hosts of start_urls.",
    "schedule": "A 5-field cron line in UTC as crontab(5) has it (weekdays 0-7, 0 and 7 Sunday, "
                "names; day-of-month OR day-of-week when both are set), an `@daily`-style alias, or "
                "6 fields with seconds first. A spec with a schedule registers a recurring job "
                "(`jobs schedules`, `jobs unschedule NAME`) instead of running once.",
}


def _declared(cls: type, prefix: str) -> list[tuple[str, dataclasses.Field[Any], Any]]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            continue
        out.append((f"{prefix}{f.name}", f, tp))
    return out


def keys() -> list[tuple[str, dataclasses.Field[Any], Any]]:
    """Every key of a job spec, dotted, in the order of the page."""
    fields = specs._Fields
    return (_declared(fields, "") + _declared(specs.Politeness, "politeness.")
            + _declared(specs.Defaults, "defaults.") + _declared(ExtractRules, "extract.")
            + _declared(FollowRules, "follow."))


REQUIRED = ("name", "start_urls")


def _default(key: str, f: dataclasses.Field[Any]) -> str:
    if key in REQUIRED:
        return "required"
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return "required"
    if value is None and key in ENGINE_DEFAULTS:
        setting_name = ENGINE_DEFAULTS[key]
        engine_value = getattr(EngineConfig(), setting_name)
        return f"`[engine] {setting_name}` (default {_toml(engine_value)})"
    if value is None:
        return "unset"
    if key == "follow.deny_extensions":
        return f"{len(value)} extensions: " + ", ".join(value)
    return f"`{_toml(value)}`"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def _help(key: str, f: dataclasses.Field[Any]) -> str:
    text = f.metadata.get("help") or RULES_HELP.get(key, "")
    meta = f.metadata
    bounds = []
    if meta.get("minimum") is not None:
        bounds.append(f"at least {meta['minimum']:g}")
    if meta.get("maximum") is not None:
        bounds.append(f"at most {meta['maximum']:g}")
    if bounds:
        text += f" ({', '.join(bounds)})"
    if key in EXTRA_NOTES:
        text += " " + EXTRA_NOTES[key]
    return " ".join(text.split())


def missing_entries() -> list[str]:
    """Problems that make the page incomplete: a key without help or example, or an entry
    for a key that is not declared."""
    declared = {key for key, _, _ in keys()}
    problems = []
    for key, f, _ in keys():
        if not (f.metadata.get("help") or key in RULES_HELP):
            problems.append(f"{key}: no help text (a setting(help=...) or RULES_HELP entry)")
        if key not in EXAMPLES:
            problems.append(f"{key}: no example in scraped/engine/specdoc.py EXAMPLES")
    for table in (EXAMPLES, RULES_HELP, ENGINE_DEFAULTS, EXTRA_NOTES):
        problems += [f"{key}: documented but not a key of the job spec" for key in table if key not in declared]
    return problems


def example_spec() -> str:
    """A spec with every key set to its example (the test checks that it parses)."""
    lines: list[str] = []
    table = ""
    for key, _, _ in keys():
        section, _, name = key.rpartition(".")
        if section != table:
            lines += ["", f"[{section}]"]
            table = section
        lines.append(f"{name} = {EXAMPLES[key]}")
    return "\n".join(lines).strip() + "\n"


def render() -> str:
    out = [
        "# Job specs",
        "",
        "<!-- GENERATED by `scraped --print-job-reference` from the spec's declarations",
        "     (scraped/engine/spec.py, scraped/engine/extract/rules.py, scraped/engine/specdoc.py);",
        "     edit those, then regenerate: scraped --print-job-reference > docs/jobs.md -->",
        "",
        "A job spec is a TOML file: `scrapedctl jobs submit FILE.toml` runs it once (or registers it",
        "as a recurring job when it has a `schedule`); files in `[engine] jobs_dir` are picked up",
        "by the daemon. Every problem of an invalid spec is reported at once, by key path",
        "(`follow.allow[2]: invalid regex ...`), and nothing is submitted. Unknown keys are errors.",
        f"A spec is at most {specs.MAX_SPEC_BYTES // 1024} KiB.",
        "",
        "| key | type | default | example | what it does |",
        "|---|---|---|---|---|",
    ]
    for key, f, tp in keys():
        kind = _type_name(tp).replace(" or nothing", "")
        if key in ("extract.mode",):
            kind = "string: " + " \\| ".join(MODES)
        if key.startswith("extract.") and key != "extract.mode":
            kind = "string (CSS or XPath selector)"
        if key in ("follow.selectors", "follow.pagination"):
            kind = "array of selectors"
        if key in ("follow.allow", "follow.deny"):
            kind = "array of regexes"
        what = _help(key, f).replace("|", "\\|")
        out.append(f"| `{key}` | {kind} | {_default(key, f)} | `{EXAMPLES[key]}` | {what} |")
    out += [
        "",
        "Selectors are CSS (parsel's dialect, with `::text` and `::attr(name)`) unless they start",
        "with `/`, `(`, `./` or `../`, which makes them XPath. The question fields' selectors are",
        "relative to the block. Every selector is compiled when the spec is checked, so a typo is",
        "an error naming its key, not a job that silently finds nothing.",
        "",
        "## Every key at once",
        "",
        "The examples above as one spec (checked by the tests: it is valid as written):",
        "",
        "```toml",
        example_spec().rstrip(),
        "```",
        "",
        "## The demo's sample job",
        "",
        "What `make run` submits (scraped/demo/sample_job.toml; the demo replaces the address with",
        "the port it serves the bundled site on):",
        "",
        "```toml",
        _sample().rstrip(),
        "```",
        "",
    ]
    return "\n".join(out)


def _sample() -> str:
    from pathlib import Path

    return (Path(specs.__file__).resolve().parent.parent / "demo" / "sample_job.toml").read_text(encoding="utf-8")


if __name__ == "__main__":
    import sys

    sys.stdout.write(render())
