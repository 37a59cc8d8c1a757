"""Storage: one interface (`Store`), two backends (SQLite embedded default, MongoDB)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scraped.store.base import Store

if TYPE_CHECKING:
    from scraped.config import Config


def open_store(config: Config, state_dir: Path | None = None) -> Store:
    """The configured backend, not yet opened (call `await store.open()`).

    MongoDB is wrapped in the outage spool (unless `store.spool_max_bytes` is 0): writes
    that fail while the server is unreachable go to a local file and are replayed in
    order; the wrapper's `run` task does the replaying.
    """
    state_dir = state_dir or config.daemon.state_path()
    if config.store.backend == "mongodb":
        from scraped.store.mongo import MongoStore  # imports pymongo only when used
        from scraped.store.spool import SpoolingStore

        store: Store = MongoStore(config.store.uri, config.store.database,
                                  threads=config.store.threads,
                                  connect_timeout=config.store.connect_timeout,
                                  timeout=config.store.timeout, mongodump=config.store.mongodump)
        if config.store.spool_max_bytes > 0:
            store = SpoolingStore(store, state_dir / "spool" / "store.jsonl",
                                  max_bytes=config.store.spool_max_bytes,
                                  retry_max=config.store.spool_retry_max)
        return store
    from scraped.store.sqlite import SqliteStore

    return SqliteStore(state_dir / config.store.sqlite_file, threads=config.store.threads,
                       check_interval=config.store.check_interval, check_on_open=True,
                       synchronous=config.store.sqlite_synchronous)


__all__ = ["Store", "open_store"]
