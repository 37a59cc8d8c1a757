"""A full disk and a read-only state dir during a crawl: the job pauses with the reason,
health says down, an alert is raised, nothing extracted is lost, and the job resumes by
itself when the store takes writes again.

Disk full is real: the daemon subprocess's state dir is a small tmpfs (mounted here, as
root), filled with a file mid-crawl and freed later. A read-only state dir cannot be made
under an open SQLite file (the kernel refuses to remount a mount with files open for
writing: EBUSY), so that one is injected at the store seam, in process: every write raises
what SQLite raises then ("attempt to write a readonly database")."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import trio

from scraped.engine import jobs
from scraped.engine import spec as specs
from scraped.engine.repo import QUESTIONS
from scraped.errors import Conflict, StoreError
from scraped.store.sqlite import SqliteStore
from tests.daemon_harness import DaemonProcess
from tests.engine_app import make_app, running_engine, wait_for, wait_status
from tests.engine_site import DAEMON_ENGINE, Site
from tests.engine_site import job_of as _job


def _mount_tmpfs(path: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def _fill(path: Path) -> Path:
    """Write a file until the filesystem is full."""
    filler = path / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        block = b"\0" * 65536
        while True:
            try:
                os.write(fd, block)
            except OSError:
                if len(block) == 1:
                    break
                block = block[: len(block) // 2]  # the last few pages too
    finally:
        os.close(fd)
    return filler


@pytest.mark.slow
def test_disk_full_pauses_the_job_alerts_and_it_resumes_losing_nothing(tmp_path):
    state = tmp_path / "state"
    if not _mount_tmpfs(state, "12m"):
        pytest.skip("needs root to mount a tmpfs")
    try:
        engine = {**DAEMON_ENGINE, "job_concurrency": 4}
        with Site(pages=60, delay=0.05) as site, DaemonProcess(tmp_path, config={"engine": engine}) as d:
            job_id = d.call("jobs.submit", spec=site.spec("fill-me"))["job"]["id"]
            d.wait_until(lambda: _job(d, job_id)["progress"]["pages_fetched"] >= 8, interval=0.05)
            filler = _fill(state)

            held = d.wait_until(lambda: (j := _job(d, job_id))["status"] == "PAUSED" and j, timeout=60)
            assert held["reason"].startswith("disk full"), held
            health = d.call("health", component="scraping_engine")
            assert health["status"] == "down" and "disk full" in health["reason"], health
            out = d.ctl("jobs", "list", "--json")
            assert out.returncode == 0 and '"PAUSED"' in out.stdout
            dash = d.call("errors.dashboard", limit=50)
            alerts = [e for e in dash["recent_errors"] if e["type"] == "Alert" and e["category"] == "storage"]
            assert alerts and "disk full" in alerts[0]["message"], dash["recent_errors"]
            monitors = d.call("monitors")
            assert any(a["monitor"] == "storage" for a in monitors["last_alerts"]), monitors["last_alerts"]

            filler.unlink()  # space returns
            done = d.wait_until(lambda: (j := _job(d, job_id))["status"] in ("COMPLETED", "FAILED") and j,
                                timeout=90)
            assert done["status"] == "COMPLETED" and done["pages_failed"] == 0, done
            whys = [(h["to"], h["why"]) for h in done["history"]]
            assert any(to == "PAUSED" and why.startswith("disk full") for to, why in whys), whys
            assert any(to == "QUEUED" and "disk full is over" in why for to, why in whys), whys
            out = d.ctl("questions", "export", "--bank", "raw")
            got = {__import__("json").loads(line)["question"] for line in out.stdout.splitlines()}
            assert got == site.expected_texts()  # nothing extracted was lost
            assert d.call("health", component="scraping_engine")["status"] == "healthy"
    finally:
        subprocess.run(["umount", "-l", str(state)], capture_output=True)


class ReadOnlyStore(SqliteStore):
    """The real SQLite store; while `ro`, every write fails as SQLite's does on a
    read-only state dir (sqlite3.OperationalError mapped to StoreError by the store)."""

    ro = False
    refused = 0

    def _check(self) -> None:
        if self.ro:
            self.refused += 1
            raise StoreError("sqlite: attempt to write a readonly database")

    async def claim(self, *a, **kw):
        self._check()
        return await super().claim(*a, **kw)

    async def find_one_and_update(self, *a, **kw):
        self._check()
        return await super().find_one_and_update(*a, **kw)

    async def insert_many(self, *a, **kw):
        self._check()
        return await super().insert_many(*a, **kw)

    async def bulk_upsert(self, *a, **kw):
        self._check()
        return await super().bulk_upsert(*a, **kw)

    async def bulk_update(self, *a, **kw):
        self._check()
        return await super().bulk_update(*a, **kw)

    async def update_one(self, *a, **kw):
        self._check()
        return await super().update_one(*a, **kw)

    async def update_many(self, *a, **kw):
        self._check()
        return await super().update_many(*a, **kw)


@pytest.mark.slow
async def test_a_read_only_state_dir_pauses_the_job_and_it_resumes_when_writable(tmp_path, monkeypatch):
    from scraped.engine import storage

    monkeypatch.setattr(storage, "PROBE_SECONDS", 0.2)
    with Site(pages=40, delay=0.03) as site:
        app = make_app(tmp_path, {"job_concurrency": 4, "lease_seconds": 5.0})
        app.store = ReadOnlyStore(tmp_path / "state" / "scraped.db")
        async with running_engine(tmp_path, app=app) as svc:
            sup = svc.supervisor
            job = await sup.submit(specs.parse(site.spec("ro")), owner=0, source="submit")
            await wait_for(_async(lambda: _progressed(sup, job["_id"])))
            app.store.ro = True
            await wait_for(_async(lambda: job["_id"] in sup.holds))
            held = sup.holds.held[job["_id"]]
            assert held.reason == "state dir read-only" and not held.recorded
            health = (await svc.health())["scraping_engine"]
            assert health["status"] == "down" and "state dir read-only" in health["reason"]
            with pytest.raises(Conflict, match="resumes by itself"):
                await sup.resume(job["_id"])  # a second runner would only hit the same wall
            await trio.sleep(6.0)  # past the lease: still held, not interrupted by the sweep
            assert job["_id"] in sup.holds and not sup.running
            app.store.ro = False
            done = await wait_status(svc, job["_id"], jobs.COMPLETED, within=30)
            tos = [h["to"] for h in done["history"]]
            assert tos == [jobs.QUEUED, jobs.RUNNING, jobs.PAUSED, jobs.QUEUED, jobs.RUNNING, jobs.COMPLETED], tos
            assert done["history"][2]["why"].startswith("state dir read-only")
            texts = {d["question"] async for d in app.store.iterate(QUESTIONS)}
            assert texts == site.expected_texts()
            assert max(site.hits[p] for p in site.all_paths()) <= 2
            assert (await svc.health())["scraping_engine"]["status"] == "healthy"


def _async(fn):
    async def check():
        return fn()
    return check


def _progressed(sup, job_id: str) -> bool:
    h = sup.running.get(job_id)
    return h is not None and h.runner is not None and h.runner.progress["pages_fetched"] >= 5
