"""Commands of the ops area (declared here, handled in scraped/ops/commands.py)."""

from scraped.api.spec import Arg, Command  # noqa: F401

COMMANDS: list[Command] = []
