"""The daemon-wide processing gate: many pages at once, or one suspect page alone.

A page seen in flight at two crashes is a suspect (scraped.engine.frontier). To learn
whether it is what kills the daemon, it must be processed with nothing else being
processed anywhere in this daemon (every job shares one gate): a crash then is plausibly
its doing, and only such crashes are counted against it.

    async with gate.shared():   # an ordinary page: fetch + extract
    async with gate.alone():    # a suspect: waits for the shared ones to finish, blocks new ones

A waiting `alone()` holds new `shared()` entries back (suspects are rare and go first).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import trio


class Gate:
    def __init__(self) -> None:
        self._shared = 0
        self._alone = False
        self._waiting_alone = 0
        self._changed = trio.Event()
        self._lock = trio.Lock()  # one suspect at a time

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    @property
    def busy(self) -> int:
        return self._shared + (1 if self._alone else 0)

    @contextlib.asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        while self._alone or self._waiting_alone:
            await self._changed.wait()
        self._shared += 1
        try:
            yield
        finally:
            self._shared -= 1
            self._notify()

    @contextlib.asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        async with self._lock:
            self._waiting_alone += 1
            try:
                while self._shared:
                    await self._changed.wait()
                self._alone = True
            finally:
                self._waiting_alone -= 1
                if not self._alone:
                    self._notify()  # cancelled while waiting: let the shared ones go
            try:
                yield
            finally:
                self._alone = False
                self._notify()
