"""Jobs in the supervisor, in process, against a real local HTTP server: every state
transition, pause/resume/stop, queue clear, stop --all, adaptive limits, schedules,
jobs_dir loading, crash recovery of a job this daemon was running, quiesce."""

from __future__ import annotations

import time

import pytest
import trio

from scraped.engine import jobs
from scraped.engine import spec as specs
from scraped.engine.frontier import FRONTIER, IN_FLIGHT, new_entry
from scraped.engine.repo import QUESTIONS
from scraped.errors import StoreError
from scraped.store.sqlite import SqliteStore
from tests.engine_app import make_app, running_engine, wait_for, wait_status
from tests.engine_site import SHARED_QUESTION, Site


async def _texts(store) -> set[str]:
    return {d["question"] async for d in store.iterate(QUESTIONS)}


async def _submit(service, text: str) -> dict:
    return await service.supervisor.submit(specs.parse(text), owner=0, source="submit")


async def test_a_job_runs_to_completion_and_stores_every_question_once(tmp_path):
    with Site(pages=25, broken=2) as site:
        async with running_engine(tmp_path) as svc:
            job = await _submit(svc, site.spec("full"))
            done = await wait_status(svc, job["_id"], jobs.COMPLETED)
            store = svc.app.store
            assert await _texts(store) == site.expected_texts()
            p = done["progress"]
            assert p["pages_fetched"] == len(site.all_paths())
            assert p["pages_failed"] == 2  # the two /missing/ links: recorded, not fatal
            assert p["questions_new"] == len(site.expected_texts())
            assert p["questions_found"] == 25 * site.per_page
            assert {f["kind"] for f in done["failures"]} == {"http_status"}
            assert all(f["url"].startswith(site.base + "/missing/") and f["reason"] for f in done["failures"])
            assert [h["to"] for h in done["history"]] == [jobs.QUEUED, jobs.RUNNING, jobs.COMPLETED]
            shared = (await store.find(QUESTIONS, {"question": SHARED_QUESTION}))[0]
            assert len(shared["sources"]) == 25  # one document, a source per page
            assert shared["answer"] == 2 and shared["enhancement"]["state"] == "pending"
            # Kept: it has failed pages (jobs failures, jobs retry-failed read it); the end says so.
            assert await store.count(FRONTIER, {"job_id": job["_id"], "state": "failed"}) == 2
            assert done["outcome"]["pages_failed"] == 2 and "2 failed: http_status 2" in done["outcome"]["reason"]
            assert max(site.hits[p] for p in site.all_paths()) == 1  # no page fetched twice
            totals = (await svc.system_status())["totals"]
            assert totals["pages_fetched"] == p["pages_fetched"]  # engine-wide, persisted


async def test_max_pages_and_max_depth_bound_the_crawl(tmp_path):
    with Site(pages=40) as site:
        async with running_engine(tmp_path) as svc:
            a = await _submit(svc, site.spec("bounded", max_pages=7))
            b = await _submit(svc, site.spec("shallow", max_depth=1))
            da = await wait_status(svc, a["_id"], jobs.COMPLETED)
            db = await wait_status(svc, b["_id"], jobs.COMPLETED)
            assert da["progress"]["pages_fetched"] == 7
            assert "max_pages (7) reached" in da["history"][-1]["why"]
            # "/" and the listings: pagination (rel=next) does not count as a level of depth
            assert db["progress"]["pages_fetched"] == 1 + site.lists


async def test_pause_keeps_the_frontier_and_resume_finishes_without_refetching(tmp_path):
    with Site(pages=40, delay=0.05) as site:
        async with running_engine(tmp_path, {"job_concurrency": 4}) as svc:
            sup = svc.supervisor
            job = await _submit(svc, site.spec("pausable"))
            await wait_for(lambda: _fetched_at_least(sup, job["_id"], 8))
            paused = await sup.pause(job["_id"])
            assert paused["status"] == jobs.PAUSED and not sup.running
            store = svc.app.store
            counts = await store.count_by(FRONTIER, "state", {"job_id": job["_id"]})
            assert counts.get("pending", 0) > 0 and IN_FLIGHT not in counts
            hits_at_pause = sum(site.hits.values())
            await trio.sleep(0.3)
            assert sum(site.hits.values()) == hits_at_pause  # a paused job fetches nothing
            await sup.resume(job["_id"])
            done = await wait_status(svc, job["_id"], jobs.COMPLETED)
            assert await _texts(store) == site.expected_texts()
            assert done["progress"]["questions_new"] == len(site.expected_texts())
            twice = [p for p in site.all_paths() if site.hits[p] > 1]
            assert len(twice) <= 4  # only pages in flight at the pause (job_concurrency)
            assert [h["to"] for h in done["history"]] == [
                jobs.QUEUED, jobs.RUNNING, jobs.PAUSED, jobs.QUEUED, jobs.RUNNING, jobs.COMPLETED]


def _idle(sup):
    async def check() -> bool:
        return not sup.running
    return check


async def _fetched_at_least(sup, job_id: str, n: int) -> bool:
    handle = sup.running.get(job_id)
    return handle is not None and handle.runner is not None and handle.runner.progress["pages_fetched"] >= n


async def test_stop_goes_through_stopping_and_drops_the_frontier(tmp_path):
    with Site(pages=40, delay=0.05) as site:
        async with running_engine(tmp_path, {"job_concurrency": 2}) as svc:
            sup = svc.supervisor
            job = await _submit(svc, site.spec("stoppable"))
            await wait_for(lambda: _fetched_at_least(sup, job["_id"], 3))
            stopped = await sup.stop(job["_id"])
            assert stopped["status"] == jobs.STOPPED
            assert [h["to"] for h in stopped["history"]][-2:] == [jobs.STOPPING, jobs.STOPPED]
            assert stopped["finished_at"] is not None
            assert await svc.app.store.count(FRONTIER, {"job_id": job["_id"]}) == 0
            for event in ("pause", "resume", "stop"):
                try:
                    await getattr(sup, event)(job["_id"])
                except Exception as exc:
                    assert type(exc).__name__ == "Conflict", exc
                else:
                    raise AssertionError(f"{event} of a STOPPED job was accepted")


async def test_queue_pause_stop_clear_and_stop_all(tmp_path):
    with Site(pages=60, delay=0.05) as site:
        async with running_engine(tmp_path, {"max_concurrent_jobs": 1, "job_concurrency": 2}) as svc:
            sup = svc.supervisor
            first = await _submit(svc, site.spec("first"))
            await wait_status(svc, first["_id"], jobs.RUNNING)
            queued = [await _submit(svc, site.spec(f"q{i}")) for i in range(4)]
            await trio.sleep(0.2)
            assert [(await sup.jobs.get(j["_id"]))["status"] for j in queued] == [jobs.QUEUED] * 4
            # QUEUED -> PAUSED -> QUEUED, and QUEUED -> STOPPED
            assert (await sup.pause(queued[0]["_id"]))["status"] == jobs.PAUSED
            assert (await sup.resume(queued[0]["_id"]))["status"] == jobs.QUEUED
            assert (await sup.stop(queued[1]["_id"]))["status"] == jobs.STOPPED
            status = await svc.queue_status()
            assert status["queued"] == 3 and status["running"] == 1 and status["slots"]["free"] == 0
            cleared = await sup.clear_queue()
            assert sorted(cleared) == sorted([queued[0]["_id"], queued[2]["_id"], queued[3]["_id"]])
            assert (await sup.jobs.get(queued[2]["_id"]))["history"][-1]["why"] == "queue cleared"
            paused_one = await _submit(svc, site.spec("later"))
            await sup.pause(paused_one["_id"])
            result = await sup.stop_all()
            assert {r["id"] for r in result} == {first["_id"], paused_one["_id"]}
            assert all(r["status"] == jobs.STOPPED for r in result)
            assert not sup.running


async def test_adaptive_limit_holds_new_jobs_back(tmp_path):
    with Site(pages=30, delay=0.05) as site:
        async with running_engine(tmp_path, {"max_concurrent_jobs": 3, "job_concurrency": 1}) as svc:
            sup = svc.supervisor
            svc.set_max_jobs(1)
            ids = [(await _submit(svc, site.spec(f"a{i}")))["_id"] for i in range(3)]
            await trio.sleep(0.3)
            assert len(sup.running) == 1 and sup.max_jobs == 1
            svc.set_max_jobs(5)  # never above the configured maximum
            await wait_for(lambda: _running_count(sup, 3))
            assert sup.max_jobs == 3
            status = await svc.system_status()
            assert status["limits"]["adaptive"] == 5 and status["limits"]["effective"] == 3
            await sup.stop_all()
            for job_id in ids:
                assert (await sup.jobs.get(job_id))["status"] == jobs.STOPPED


async def _running_count(sup, n: int) -> bool:
    return len(sup.running) == n


@pytest.mark.slow
async def test_a_cron_schedule_starts_runs_and_never_stacks_them(tmp_path):
    with Site(pages=3) as site:
        async with running_engine(tmp_path) as svc:
            sup = svc.supervisor
            spec = specs.parse(site.spec("every-second", schedule="* * * * * *"))
            sched = await sup.schedules.register(spec, source="submit", owner=0)
            assert sched["next_run_at"] <= time.time() + 1.0
            runs = await wait_for(lambda: _jobs_named(sup, "every-second", 2), within=10)
            assert all(r["source"] == "schedule:every-second" for r in runs)
            for r in runs:
                await wait_status(svc, r["_id"], jobs.COMPLETED)
            await sup.schedules.remove("every-second")
            assert await sup.schedules.list() == []
            # A run is skipped while the previous one is still active (here: paused).
            slow = specs.parse(site.spec("slow", schedule="* * * * * *"))
            held = await sup.jobs.create(slow.raw, "slow", owner=0, source="schedule:slow",
                                         digest=slow.digest(), status=jobs.PAUSED)
            await sup.schedules.register(slow, source="submit", owner=0)
            await trio.sleep(2.2)
            sched = (await sup.schedules.list())[0]
            assert sched["skipped"] >= 1 and sched["runs"] == 0
            assert [j["_id"] for j in await sup.jobs.list(name="slow")] == [held["_id"]]


async def _jobs_named(sup, name: str, n: int) -> list | None:
    found = await sup.jobs.list(name=name)
    return found if len(found) >= n else None


async def test_jobs_dir_is_loaded_at_start_and_on_reload(tmp_path):
    with Site(pages=3) as site:
        jobs_dir = tmp_path / "jobs.d"
        jobs_dir.mkdir()
        (jobs_dir / "once.toml").write_text(site.spec("from-file"))
        (jobs_dir / "nightly.toml").write_text(site.spec("nightly", schedule="0 3 * * *"))
        (jobs_dir / "broken.toml").write_text('name = "broken"\nmax_pages = "many"\n')
        (jobs_dir / "ignored.txt").write_text("not a spec")
        async with running_engine(tmp_path, {"jobs_dir": str(jobs_dir)}) as svc:
            sup = svc.supervisor
            report = sup.jobs_dir_report
            assert len(report["jobs"]) == 1 and report["schedules"] == ["nightly"]
            assert any(p.startswith("max_pages:") for p in report["errors"]["broken.toml"])
            assert any(p.startswith("start_urls:") for p in report["errors"]["broken.toml"])
            job = await sup.jobs.get(report["jobs"][0])
            assert job["source"] == "file:once.toml"
            await wait_status(svc, job["_id"], jobs.COMPLETED)
            health = (await svc.health())["scraping_engine"]
            assert health["status"] == "degraded" and "invalid file" in health["reason"]
            # Reload: an unchanged file is not run again; a removed file's schedule goes.
            (jobs_dir / "nightly.toml").unlink()
            (jobs_dir / "broken.toml").unlink()
            report = await sup.load_jobs_dir()
            assert report["unchanged"] == ["once.toml"] and report["removed"] == ["nightly"]
            assert len(await sup.jobs.list()) == 1 and await sup.schedules.list() == []
            # A changed file is a new job.
            (jobs_dir / "once.toml").write_text(site.spec("from-file", max_pages=2))
            report = await sup.load_jobs_dir()
            assert len(report["jobs"]) == 1 and len(await sup.jobs.list()) == 2


async def test_a_job_this_daemon_was_running_when_it_died_resumes(tmp_path):
    with Site(pages=12) as site:
        app = make_app(tmp_path)
        await app.store.open()
        from scraped.engine.repo import JobsRepo
        from scraped.engine.supervisor import daemon_identity

        repo = JobsRepo(app.store)
        spec = specs.parse(site.spec("crashed"))
        job = await repo.create(spec.raw, spec.name, owner=0, source="submit", digest=spec.digest(),
                                status=jobs.RUNNING)
        dead = f"{daemon_identity(str(app.state_dir))}:99999"
        await app.store.update_one("scraping_jobs", {"_id": job["_id"]},
                                   {"$set": {"lease": {"holder": dead, "until": time.time() + 600}}})
        entry = new_entry(job["_id"], site.base + "/", 0, time.time())
        entry.update(state=IN_FLIGHT, attempts=1)
        await app.store.insert_one(FRONTIER, entry)
        await app.store.close()
        async with running_engine(tmp_path, app=app) as svc:
            done = await wait_status(svc, job["_id"], jobs.COMPLETED)
            assert [h["to"] for h in done["history"]][-4:] == [
                jobs.INTERRUPTED, jobs.QUEUED, jobs.RUNNING, jobs.COMPLETED]
            assert await _texts(svc.app.store) == site.expected_texts()


async def test_a_job_of_another_daemon_with_a_live_lease_is_left_alone(tmp_path):
    app = make_app(tmp_path, {"resume_interrupted": False})
    await app.store.open()
    from scraped.engine.repo import JobsRepo

    spec = specs.parse('name = "elsewhere"\nstart_urls = ["http://198.51.100.7/"]\n')
    job = await JobsRepo(app.store).create(spec.raw, spec.name, owner=0, source="submit",
                                           digest=spec.digest(), status=jobs.RUNNING)
    await app.store.update_one("scraping_jobs", {"_id": job["_id"]}, {"$set": {
        "lease": {"holder": "otherhost:abcd:1", "until": time.time() + 600}}})
    await app.store.close()
    async with running_engine(tmp_path, app=app) as svc:
        await trio.sleep(0.2)
        assert (await svc.supervisor.jobs.get(job["_id"]))["status"] == jobs.RUNNING
        # Its daemon pauses it at its next save: the command leaves a request.
        await svc.supervisor.pause(job["_id"])
        assert (await svc.supervisor.jobs.get(job["_id"]))["request"] == "pause"


async def test_quiesce_stops_all_work_and_resumes_after(tmp_path):
    with Site(pages=40, delay=0.03) as site:
        async with running_engine(tmp_path, {"job_concurrency": 2}) as svc:
            sup = svc.supervisor
            job = await _submit(svc, site.spec("quiet"))
            await wait_for(lambda: _fetched_at_least(sup, job["_id"], 2))
            async with svc.quiesce():
                assert not sup.running
                assert (await sup.jobs.get(job["_id"]))["status"] == jobs.INTERRUPTED
                before = sum(site.hits.values())
                await trio.sleep(0.3)
                assert sum(site.hits.values()) == before
                assert (await svc.health())["scraping_engine"]["status"] == "degraded"
            done = await wait_status(svc, job["_id"], jobs.COMPLETED)
            assert done["progress"]["questions_new"] == len(site.expected_texts())


async def test_a_retryable_failure_is_tried_again_later_and_then_succeeds(tmp_path):
    with Site(pages=5, flaky=2) as site:
        async with running_engine(tmp_path) as svc:
            job = await _submit(svc, site.spec("flaky"))
            done = await wait_status(svc, job["_id"], jobs.COMPLETED)
            assert site.hits["/flaky/0"] == 2 and site.hits["/flaky/1"] == 2
            assert done["progress"]["pages_failed"] == 0  # retried, not failed
            assert done["progress"]["pages_fetched"] == len(site.all_paths()) + 2


@pytest.mark.slow
async def test_memory_stays_bounded_on_a_wide_frontier(tmp_path):
    # One listing links to 400 pages; the runner holds at most a claim batch, the channel
    # and its workers' pages in memory, never the frontier.
    with Site(pages=400, per_list=400, page_kb=1) as site:
        cfg = {"frontier_batch": 8, "job_concurrency": 3}
        async with running_engine(tmp_path, cfg) as svc:
            sup = svc.supervisor
            job = await _submit(svc, site.spec("wide"))
            peak = 0
            claims: list[int] = []
            real_claim = svc.app.store.claim

            async def claim(*args, **kwargs):
                found = await real_claim(*args, **kwargs)
                claims.append(len(found))
                return found

            svc.app.store.claim = claim
            while (await sup.jobs.get(job["_id"]))["status"] != jobs.COMPLETED:
                handle = sup.running.get(job["_id"])
                if handle is not None and handle.runner is not None:
                    peak = max(peak, handle.runner._busy)
                await trio.sleep(0.005)
            assert max(claims) <= 8
            assert 0 < peak <= 8 + 8 + 3  # a batch in hand + the channel + the workers
            assert (await sup.jobs.get(job["_id"]))["progress"]["pages_fetched"] == 402


async def test_a_reload_applies_the_job_limit_and_the_jobs_dir_live(tmp_path):
    import dataclasses

    with Site(pages=3) as site:
        async with running_engine(tmp_path, {"max_concurrent_jobs": 2}) as svc:
            jobs_dir = tmp_path / "specs"
            jobs_dir.mkdir()
            (jobs_dir / "a.toml").write_text(site.spec("reloaded"))
            old = svc.app.config
            new = dataclasses.replace(old, engine=dataclasses.replace(
                old.engine, max_concurrent_jobs=4, jobs_dir=str(jobs_dir), user_agent="scraped-test/2"))
            svc.app.config = new
            await svc.reload(old, new)
            assert svc.supervisor.max_jobs == 4
            job_id = svc.supervisor.jobs_dir_report["jobs"][0]
            await wait_status(svc, job_id, jobs.COMPLETED)


class OutageStore(SqliteStore):
    """The real SQLite store with an outage switch: while `down`, frontier claims, job
    saves and the writer's flushes fail with StoreError, as during a MongoDB failover."""

    down = False
    refused = 0

    def _check(self, coll: str) -> None:
        if self.down and coll in (FRONTIER, "scraping_jobs", QUESTIONS):
            self.refused += 1
            raise StoreError("connection refused (test outage)")

    async def claim(self, coll, *a, **kw):
        self._check(coll)
        return await super().claim(coll, *a, **kw)

    async def find_one_and_update(self, coll, *a, **kw):
        self._check(coll)
        return await super().find_one_and_update(coll, *a, **kw)

    async def insert_many(self, coll, *a, **kw):
        self._check(coll)
        return await super().insert_many(coll, *a, **kw)

    async def bulk_upsert(self, coll, *a, **kw):
        self._check(coll)
        return await super().bulk_upsert(coll, *a, **kw)


def _outage_app(tmp_path, lease: float):
    app = make_app(tmp_path, {"job_concurrency": 4, "lease_seconds": lease})
    app.store = OutageStore(tmp_path / "state" / "scraped.db")
    return app


async def test_a_store_outage_shorter_than_the_lease_is_ridden_out(tmp_path):
    with Site(pages=40, delay=0.03) as site:
        app = _outage_app(tmp_path, lease=30.0)
        async with running_engine(tmp_path, app=app) as svc:
            job = await _submit(svc, site.spec("outage"))
            await wait_for(lambda: _fetched_at_least(svc.supervisor, job["_id"], 5))
            app.store.down = True
            await trio.sleep(1.5)  # claims, saves and flushes fail meanwhile; they back off
            app.store.down = False
            assert app.store.refused >= 3  # the saver, the feeder and the writer all hit it
            done = await wait_status(svc, job["_id"], jobs.COMPLETED, jobs.INTERRUPTED)
            assert [h["to"] for h in done["history"]] == [jobs.QUEUED, jobs.RUNNING, jobs.COMPLETED]
            assert await _texts(app.store) == site.expected_texts()
            assert max(site.hits[p] for p in site.all_paths()) == 1  # nothing was fetched twice


@pytest.mark.slow
async def test_a_store_outage_longer_than_the_lease_interrupts_the_job(tmp_path):
    with Site(pages=40, delay=0.03) as site:
        app = _outage_app(tmp_path, lease=5.0)
        async with running_engine(tmp_path, app=app) as svc:
            job = await _submit(svc, site.spec("outage"))
            await wait_for(lambda: _fetched_at_least(svc.supervisor, job["_id"], 5))
            app.store.down = True
            await wait_for(_idle(svc.supervisor), within=15)  # the runner gives up once its lease is gone
            app.store.down = False
            done = await wait_status(svc, job["_id"], jobs.COMPLETED)  # resumed by the sweep
            assert jobs.INTERRUPTED in [h["to"] for h in done["history"]]
            assert await _texts(app.store) == site.expected_texts()
