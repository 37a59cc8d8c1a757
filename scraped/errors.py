"""The project's error tree.

Every layer below raises these, never a library's own exceptions: each IO library
(sqlite3, pymongo, httpx, the AI SDKs) is mapped in the one module that imports it.

    ScrapedError                 code          meaning
    ├── BadRequest               bad_request   the caller's input is wrong
    │   └── ConfigError          bad_request   a config file or job spec is invalid
    ├── UnknownCommand           unknown_command
    ├── NotFound                 not_found
    ├── Conflict                 conflict      the object is in a state that forbids this
    ├── Forbidden                forbidden     the peer may not run this command
    ├── RateLimited              rate_limited
    ├── Unavailable              unavailable   a dependency (store, provider) is down
    │   └── StoreError           unavailable
    └── Internal                 internal

The control protocol sends `code` and `str(error)`; scrapedctl maps codes to exit statuses.
"""

from __future__ import annotations


class ScrapedError(Exception):
    code = "internal"


class BadRequest(ScrapedError):
    code = "bad_request"


class ConfigError(BadRequest):
    """A config file or job spec is invalid; `problems` lists each one by key path."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(self.problems))


class UnknownCommand(ScrapedError):
    code = "unknown_command"


class NotFound(ScrapedError):
    code = "not_found"


class Conflict(ScrapedError):
    code = "conflict"


class Forbidden(ScrapedError):
    code = "forbidden"


class RateLimited(ScrapedError):
    code = "rate_limited"


class Unavailable(ScrapedError):
    code = "unavailable"


class StoreError(Unavailable):
    """The store failed or cannot be reached."""


class DuplicateKey(ScrapedError):
    """An insert collided with an existing unique key."""

    code = "conflict"


class Internal(ScrapedError):
    code = "internal"


ERROR_CODES = (
    "bad_request",
    "unknown_command",
    "not_found",
    "conflict",
    "forbidden",
    "rate_limited",
    "unavailable",
    "internal",
)
