"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest

from scraped.store.sqlite import SqliteStore
from tests.mongo_server import NxServer, external_uri, nx_binary


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory):
    """A MongoDB for the tests: the server named by SCRAPED_TEST_MONGODB_URI, else one
    nx-27017 started for the session on a loopback port (each test uses its own
    database); skipped when neither exists."""
    uri = external_uri()
    if uri:
        yield uri
        return
    if nx_binary() is None:
        pytest.skip("no nx-27017 and no SCRAPED_TEST_MONGODB_URI")
    server = NxServer(tmp_path_factory.mktemp("nx"))
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


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


# ---------------------------------------------------------------- the `slow` marker
# A test is slow when its setup or call takes SLOW_SECONDS or more on the 2-core reference
# machine; such tests carry @pytest.mark.slow, so `pytest -m "not slow"` is the quick loop
# while `make test` runs everything. Unmarked ones that took that long are listed at the
# end of the run (a note to mark them, not a failure: a busy machine is slower).
SLOW_SECONDS = 4.0
_unmarked_slow: list[tuple[float, str]] = []


def pytest_runtest_logreport(report):
    if report.when in ("setup", "call") and report.duration >= SLOW_SECONDS and "slow" not in report.keywords:
        _unmarked_slow.append((report.duration, f"{report.nodeid} ({report.when})"))


def pytest_terminal_summary(terminalreporter):
    if _unmarked_slow:
        terminalreporter.section(f"took {SLOW_SECONDS:g} s or more without @pytest.mark.slow")
        for seconds, what in sorted(_unmarked_slow, reverse=True):
            terminalreporter.write_line(f"{seconds:6.1f} s  {what}")
