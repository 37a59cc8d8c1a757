"""Commands of the ai area (declared here, handled in scraped/ai/commands.py)."""

from scraped.api.spec import Arg, Command  # noqa: F401

COMMANDS: list[Command] = []
