"""AIService.quiesce: a restore waits for running enhancement batches and none starts inside."""

from __future__ import annotations

import pytest
import trio

from scraped.ai.ai_service import AIService
from scraped.errors import Conflict


def _app():
    from scraped.app import App
    from scraped.config import Config
    from scraped.secrets import Secrets

    return App(Config(), None, Secrets({}))


async def test_quiesce_waits_for_active_batches_and_blocks_new_ones():
    service = AIService(_app())
    service._batch_started()

    async def finish_batch():
        await trio.sleep(0.2)
        service._batch_done()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(finish_batch)
        start = trio.current_time()
        async with service.quiesce():
            assert trio.current_time() - start >= 0.2
            assert service._paused == 1 and service._active == 0
    assert service._paused == 0


async def test_quiesce_gives_up_with_a_clear_error():
    service = AIService(_app())
    service._batch_started()
    with pytest.raises(Conflict, match="still running"):
        async with service.quiesce(wait=0.1):
            pass
    assert service._paused == 0
