"""Commands of the engine area (declared here, handled in scraped/engine/commands.py)."""

from scraped.api.spec import Arg, Command  # noqa: F401

COMMANDS: list[Command] = []
