"""scrapedctl: the operator's command line, one sub-command per control command.

Sub-commands, their arguments and help come from the command table (scraped/api), the
same one the daemon dispatches on. Imports only msgpack and the standard library, so a
call costs little more than the interpreter's start-up.

Exit statuses (sysexits-style, so scripts can tell failures apart):
    0 ok · 3 health degraded · 4 health down (`health` and `status`, the daemon not
    running included) · 64 usage / unknown command · 65 bad request · 66 not found ·
    69 daemon or dependency unavailable · 70 internal error · 75 conflict or rate limited
    (try again) · 77 permission denied · 141 the output pipe was closed (`| head`)
With --json, an error is also a JSON object on stdout:
    {"error": {"code": "not_found", "message": "...", "exit": 66}}
"""

from __future__ import annotations

import argparse
import os
import sys

from scraped import __version__, errors
from scraped.api import Arg, Command, all_commands
from scraped.client import Client, DaemonUnreachable

TYPE_CHECKING = False  # scrapedctl imports no `typing`/`pathlib` at run time
if TYPE_CHECKING:
    from typing import Any, NoReturn

EXIT = {
    "bad_request": 65, "unknown_command": 64, "not_found": 66, "conflict": 75, "forbidden": 77,
    "rate_limited": 75, "unavailable": 69, "internal": 70,
}
HEALTH_EXIT = {"healthy": 0, "degraded": 3, "down": 4}
EX_USAGE = 64
EX_PIPE = 141  # what a shell reports for a tool killed by SIGPIPE
_JSON_ERRORS = False  # --json was given: errors are a JSON object on stdout too


def _json_error(code: str, message: str, exit_status: int, **extra: Any) -> None:
    if _JSON_ERRORS:
        print(_dumps({"error": {"code": code, "message": message, "exit": exit_status}, **extra}),
              flush=True)


class UsageParser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error; scrapedctl and scraped exit 64 (EX_USAGE)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        _json_error("usage", message, EX_USAGE)
        sys.exit(EX_USAGE)


def _escape(text: str) -> str:
    """argparse %-formats help texts: a bare % ("50%") would crash --help."""
    return text.replace("%", "%%")


def _flag(arg: Arg) -> str:
    return arg.cli_flag or "--" + arg.name.replace("_", "-")


def _json_object(text: str) -> Any:
    import json

    return json.loads(text)


def _dumps(value: Any, indent: int | None = 2) -> str:
    import json  # only for --json: 4 ms of start-up the human output does not need

    return json.dumps(value, indent=indent, ensure_ascii=False, default=str)


def _add_arg(parser: argparse.ArgumentParser, arg: Arg) -> None:
    kind = {"int": int, "float": float}.get(arg.type, str)
    help_text = _escape(arg.help + (f" (default {arg.default})" if arg.default not in (None, False) else ""))
    if arg.positional:
        parser.add_argument(arg.name, type=kind, help=help_text, choices=arg.choices,
                            nargs=None if arg.required else "?", metavar=arg.name.upper())
    elif arg.type == "bool":
        parser.add_argument(_flag(arg), dest=arg.name, action="store_true", default=None, help=help_text)
    elif arg.type == "list":
        parser.add_argument(_flag(arg), dest=arg.name, action="append", help=help_text + " (repeatable)")
    elif arg.type == "dict":
        parser.add_argument(_flag(arg), dest=arg.name, type=_json_object, help=help_text + " (JSON object)")
    else:
        parser.add_argument(_flag(arg), dest=arg.name, type=kind, choices=arg.choices, help=help_text,
                            required=arg.required, metavar=arg.name.upper())


def _add_globals(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Global options, accepted before or after the sub-command (`status --json`)."""
    default = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
    parser.add_argument("--socket", default=default(None),
                        help="control socket (default: $SCRAPED_SOCKET, var/control.sock of the "
                             "make-run demo's checkout this folder is in, else the daemon's default)")
    parser.add_argument("--json", action="store_true", default=default(False),
                        help="print the raw result as JSON (for jq)")
    parser.add_argument("--timeout", type=float, default=default(60.0), help="seconds to wait for a reply")


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog="scrapedctl", description="Control a running scraped daemon.",
        epilog="Exit statuses: 0 ok, 3 degraded, 4 down, 64 usage, 65 bad request, 66 not found, "
               "69 unavailable, 70 internal, 75 conflict/rate limited, 77 permission denied, "
               "141 output pipe closed. With --json an error is a JSON object on stdout too. "
               "Without --socket: $SCRAPED_SOCKET, then var/control.sock of the `make run` demo "
               "whose checkout this folder is in (up or stopped), then the daemon's default path.")
    _add_globals(parser, suppress=False)
    parser.add_argument("--version", action="version", version=f"scrapedctl {__version__}")
    tree: dict[str, Any] = {}
    for cmd in all_commands().values():
        node = tree
        for part in cmd.name.split("."):
            node = node.setdefault(part, {})
        node[""] = cmd
    _add_level(parser, tree, "cmd0", 0)
    return parser


def _add_level(parser: argparse.ArgumentParser, tree: dict[str, Any], dest: str, depth: int) -> None:
    children = {k: v for k, v in tree.items() if k}
    if not children:
        return
    own = tree.get("")
    subs = parser.add_subparsers(dest=dest, metavar="COMMAND", required=own is None)
    for name, node in sorted(children.items()):
        cmd: Command | None = node.get("")
        help_text = cmd.help if cmd else f"{name} commands"
        if cmd and cmd.admin:
            help_text += " [admin]"
        sub = subs.add_parser(name, help=_escape(help_text), description=_escape(help_text))
        _add_globals(sub, suppress=True)
        sub.set_defaults(**{f"_node{depth}": node})
        if cmd is not None:
            for arg in cmd.args:
                _add_arg(sub, arg)
        _add_level(sub, node, f"cmd{depth + 1}", depth + 1)


def _chosen(ns: argparse.Namespace) -> Command:
    node: dict[str, Any] = {}
    depth = 0
    while hasattr(ns, f"_node{depth}"):
        node = getattr(ns, f"_node{depth}")
        depth += 1
    return node[""]


def _read_files(cmd: Command, args: dict[str, Any]) -> dict[str, Any]:
    for arg in cmd.args:
        if arg.file and args.get(arg.name):
            path = args[arg.name]
            try:
                with open(path, encoding="utf-8") as f:
                    args[arg.name] = f.read()
            except OSError as exc:
                raise errors.BadRequest(f"cannot read {path}: {exc.strerror}") from None
            except UnicodeDecodeError:
                raise errors.BadRequest(f"{path} is not UTF-8 text") from None
    return args


def _print(cmd: Command, result: Any, as_json: bool) -> None:
    if as_json:
        print(_dumps(result))
        return
    from scraped.render import renderer_for
    from scraped.render.table import generic

    print((renderer_for(cmd.name) or generic)(result))


def _exit_status(cmd: Command, result: Any) -> int:
    if cmd.name in ("health", "status") and isinstance(result, dict):
        state = result.get("status") if cmd.name == "health" else result.get("health")
        return HEALTH_EXIT.get(str(state), 0)
    return 0


def _run_stream(client: Client, cmd: Command, args: dict[str, Any], as_json: bool) -> int:
    from scraped.render import renderer_for

    stream_render = renderer_for(cmd.name + ":stream")
    results = client.stream(cmd.name, **args)
    if stream_render is not None and not as_json:
        return int(stream_render(results) or 0)  # a stream renderer returns the exit status
    for partial in results:
        if as_json:
            print(_dumps(partial, indent=None), flush=True)
        else:
            _print(cmd, partial, False)
    return 0


def main(argv: list[str] | None = None) -> int:
    global _JSON_ERRORS
    argv = sys.argv[1:] if argv is None else argv
    _JSON_ERRORS = "--json" in argv
    try:
        return _main(argv)
    except BrokenPipeError:
        # `scrapedctl ... | head`: the reader left. No traceback, and none at exit either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EX_PIPE
    except KeyboardInterrupt:
        return 130


def _main(argv: list[str]) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    cmd = _chosen(ns)
    where = cmd.name.replace(".", " ")
    args = {a.name: getattr(ns, a.name, None) for a in cmd.args}
    try:
        args = _read_files(cmd, {k: v for k, v in args.items() if v is not None})
        with Client(ns.socket, timeout=ns.timeout) as client:
            if cmd.stream:
                return _run_stream(client, cmd, args, ns.json)
            result = client.call(cmd.name, **args)
    except DaemonUnreachable as exc:
        print(f"scrapedctl: {exc}", file=sys.stderr)
        if exc.permission:
            status = 77
        else:  # health and status say "down" (4) when there is no daemon to ask
            status = HEALTH_EXIT["down"] if cmd.name in ("health", "status") else 69
        extra = {"status": "down"} if status == HEALTH_EXIT["down"] else {}
        _json_error("forbidden" if exc.permission else "unavailable", str(exc), status, **extra)
        return status
    except errors.ScrapedError as exc:
        print(f"scrapedctl: {where}: {exc}", file=sys.stderr)
        status = EXIT.get(exc.code, 70)
        _json_error(exc.code, str(exc), status)
        return status
    _print(cmd, result, ns.json)
    return _exit_status(cmd, result)


if __name__ == "__main__":
    sys.exit(main())
