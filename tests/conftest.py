"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest

from scraped.store.sqlite import SqliteStore


@pytest.fixture
async def store(tmp_path):
    """An opened, empty embedded store (a module may override it, e.g. with MongoDB)."""
    s = SqliteStore(tmp_path / "t.db")
    await s.open()
    yield s
    await s.close()


class Clock:
    """A settable clock for code that takes `clock=` (seconds since the epoch)."""

    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t
