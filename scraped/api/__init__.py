"""The control protocol's command table: names, arguments, help, who may run them.

This package imports only the standard library, so scrapedctl can build its argument
parser and help text from the same table the daemon dispatches on.
"""

from scraped.api.spec import Arg, Command, all_commands, get_command

__all__ = ["Arg", "Command", "all_commands", "get_command"]
