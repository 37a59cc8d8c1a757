"""Storage: one interface (`Store`), two backends (SQLite embedded default, MongoDB)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scraped.store.base import Store

if TYPE_CHECKING:
    from scraped.config import Config


def open_store(config: Config) -> Store:
    """The configured backend, not yet opened (call `await store.open()`)."""
    if config.store.backend == "mongodb":
        from scraped.store.mongo import MongoStore  # imports pymongo only when used

        return MongoStore(config.store.uri, config.store.database,
                          threads=config.store.threads,
                          connect_timeout=config.store.connect_timeout,
                          timeout=config.store.timeout)
    from scraped.store.sqlite import SqliteStore

    return SqliteStore(config.daemon.state_path() / config.store.sqlite_file, threads=config.store.threads)


__all__ = ["Store", "open_store"]
