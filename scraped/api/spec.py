"""Declarations of control commands.

A command is declared once, in the `COMMANDS` list of a module of this package
(`core`, `jobs`, `ops`, `ai`, ...). The daemon binds a handler to every declared name
(and refuses to start if one is missing); scrapedctl builds its sub-commands, help and
argument parsing from the same declarations; the server validates arguments against
them before a handler runs, so handlers see only well-typed input.
"""

from __future__ import annotations

from scraped.errors import BadRequest, UnknownCommand

TYPE_CHECKING = False  # scrapedctl's start-up budget has no room for `typing` (6 ms)
if TYPE_CHECKING:
    from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
    "any": (object,),
}


class Arg:
    """One argument of a command. (A plain class: `dataclasses` costs scrapedctl 18 ms.)

    type: str, int, float, bool, list, dict or any. positional: `jobs show ID` rather
    than `--id ID` in scrapedctl. file: scrapedctl reads this path and sends its text.
    """

    __slots__ = ("name", "type", "help", "required", "default", "positional", "choices",
                 "minimum", "maximum", "cli_flag", "file")

    def __init__(self, name: str, type: str = "str", help: str = "", required: bool = False,
                 default: Any = None, positional: bool = False, choices: tuple[Any, ...] | None = None,
                 minimum: float | None = None, maximum: float | None = None,
                 cli_flag: str | None = None, file: bool = False):
        if type not in _TYPES:
            raise ValueError(f"argument {name}: unknown type {type!r}")
        self.name, self.type, self.help, self.required = name, type, help, required
        self.default, self.positional, self.choices = default, positional, choices
        self.minimum, self.maximum, self.cli_flag, self.file = minimum, maximum, cli_flag, file

    def __repr__(self) -> str:
        return f"Arg({self.name!r}, {self.type!r})"

    def check(self, value: Any) -> Any:
        if value is None:
            if self.required:
                raise BadRequest(f"argument {self.name!r} is required")
            return self.default
        allowed = _TYPES[self.type]
        if self.type != "any" and (
            not isinstance(value, allowed) or (self.type in ("int", "float") and isinstance(value, bool))
        ):
            raise BadRequest(f"argument {self.name!r} must be of type {self.type}")
        if self.choices is not None and value not in self.choices:
            raise BadRequest(f"argument {self.name!r} must be one of {', '.join(map(str, self.choices))}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise BadRequest(f"argument {self.name!r} must be at least {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise BadRequest(f"argument {self.name!r} must be at most {self.maximum}")
        return value


class Command:
    """A control command. name is dotted ("jobs.pause"; scrapedctl spells it "jobs pause");
    admin: mutating, so root, the daemon's uid or configured admins only; stream: replies
    with "more": true until the last; runbook: the runbook endpoint or operation it
    replaces; timeout: the server-side bound in seconds (streams have none)."""

    __slots__ = ("name", "help", "args", "admin", "stream", "runbook", "timeout")

    def __init__(self, name: str, help: str, args: tuple[Arg, ...] = (), admin: bool = False,
                 stream: bool = False, runbook: str = "", timeout: float | None = 60.0):
        self.name, self.help, self.args, self.admin = name, help, tuple(args), admin
        self.stream, self.runbook, self.timeout = stream, runbook, timeout

    def __repr__(self) -> str:
        return f"Command({self.name!r})"

    def check_args(self, args: Any) -> dict[str, Any]:
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise BadRequest("args must be a map")
        known = {a.name: a for a in self.args}
        unknown = sorted(str(k) for k in args if k not in known)
        if unknown:
            raise BadRequest(f"unknown argument(s) for {self.name}: {', '.join(unknown)}")
        return {name: a.check(args.get(name)) for name, a in known.items()}



def _load() -> dict[str, Command]:
    from scraped.api import ai, bank, core, data, db, engine, ops  # stdlib-only modules

    table: dict[str, Command] = {}
    for module in (core, engine, bank, ops, data, ai, db):
        for cmd in module.COMMANDS:
            if cmd.name in table:
                raise RuntimeError(f"command {cmd.name} declared twice")
            table[cmd.name] = cmd
    return table


_TABLE: dict[str, Command] | None = None


def all_commands() -> dict[str, Command]:
    global _TABLE
    if _TABLE is None:
        _TABLE = _load()
    return _TABLE


def get_command(name: Any) -> Command:
    if not isinstance(name, str):
        raise BadRequest("cmd must be a string")
    cmd = all_commands().get(name)
    if cmd is None:
        raise UnknownCommand(f"unknown command {name!r}; `hello` lists them")
    return cmd
