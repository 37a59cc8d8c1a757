"""The composition root (scraped/daemon.py build_services) and the injectable clock.

What broken wiring would fail here: a service that finds another through `App` (there
is no slot to find it in), a collaborator not passed (ops without the engine, data
without the quiesced services, the engine without the AI service or the alerts), a start
order that starts a service before one it was given, a supervisor that schedules by the
wall clock instead of the clock it was given. Real parts: the real services on a real
SQLite store; the scheduled job crawls a real loopback site.
"""

from __future__ import annotations

import time

import trio

from scraped.app import App
from scraped.config import parse_config
from scraped.daemon import build_services
from scraped.engine import jobs
from scraped.engine import spec as specs
from scraped.engine.engine_service import EngineService
from scraped.secrets import Secrets
from scraped.store.sqlite import SqliteStore
from tests.engine_app import make_app, wait_for, wait_status
from tests.engine_site import Site


def _app(tmp_path) -> App:
    app = App(parse_config({"daemon": {"state_dir": str(tmp_path)}}), None, Secrets({}))
    app.store = SqliteStore(tmp_path / "scraped.db")
    return app


async def test_every_service_gets_what_it_uses_from_the_root(tmp_path):
    app = _app(tmp_path)
    await app.store.open()
    try:
        s = build_services(app)
        assert s.engine.ai is s.ai  # jobs in mode ai/ai-schema ask this AI service
        assert s.ops.scheduler is s.scheduler and s.data.scheduler is s.scheduler
        assert s.ops.sampler.engine is s.engine and s.ops.adaptive.engine is s.engine
        assert s.ops.alerts is s.engine.alerts is s.ops.monitors.alerts  # one webhook, one list
        assert s.ops.monitors.sampler is s.ops.sampler
        assert s.data.backups.quiesce == (s.engine, s.ai)  # what a restore pauses
        for slot in ("engine", "ai", "ops", "scheduler", "notifier", "reloader"):
            assert not hasattr(app, slot), slot  # services never sit on the shared context
        assert app.perf is s.ops.perf and app.errors is s.ops.errors and app.security is s.ops.security
    finally:
        await app.store.close()


async def test_a_service_starts_after_every_service_it_was_given(tmp_path):
    app = _app(tmp_path)
    await app.store.open()
    try:
        s = build_services(app)
        order = s.in_start_order()
        position = {id(svc): i for i, svc in enumerate(order)}
        given = {s.engine: [s.ai], s.ops: [s.scheduler, s.engine], s.data: [s.scheduler, s.engine, s.ai]}
        for service, deps in given.items():
            for dep in deps:
                assert position[id(dep)] < position[id(service)], (service.name, dep.name)
        assert sorted(svc.name for svc in order) == ["ai", "data", "engine", "ops", "scheduler"]
    finally:
        await app.store.close()


async def test_the_supervisor_fires_a_schedule_by_its_clock_not_the_wall_clock(tmp_path):
    """A daily schedule's run is hours away by the wall clock; moving the injected clock
    past it makes the next tick start the job (and a real crawl completes)."""
    now = [time.time()]
    with Site(pages=2) as site:
        app = make_app(tmp_path)
        await app.store.open()
        try:
            async with trio.open_nursery() as nursery:
                svc = await nursery.start(EngineService(app, clock=lambda: now[0]).run)
                sup = svc.supervisor
                spec = specs.parse(site.spec("nightly", schedule="0 3 * * *"))
                sched = await sup.schedules.register(spec, source="submit", owner=0)
                assert sched["next_run_at"] > now[0]
                now[0] += 1  # still hours before the run: a tick at this time starts nothing
                sup.wake()
                with trio.fail_after(10):
                    while sup.last_tick_at != now[0]:  # noqa: ASYNC110 (a bounded poll: that tick has run)
                        await trio.sleep(0.02)
                assert await sup.jobs.list(name="nightly") == []
                now[0] = sched["next_run_at"] + 1
                sup.wake()
                found = await wait_for(lambda: sup.jobs.list(name="nightly"), within=10)
                assert found[0]["source"] == "schedule:nightly"
                await wait_status(svc, found[0]["_id"], jobs.COMPLETED)
                after = (await sup.schedules.list())[0]
                assert after["last_run_at"] == now[0] and after["next_run_at"] > now[0]
                assert sup.last_tick_at == now[0]  # the health's "supervisor not running" reads it
                nursery.cancel_scope.cancel()
        finally:
            await app.store.close()
