"""The state dir failing under a crawl, and a damaged store at start (real daemon, real
filesystems, root needed for the mounts; without root those two are reported skipped).

- disk full: the state dir is a small tmpfs, filled by a file mid-crawl, freed later;
- read-only: the state dir is an ext4 image (loop device, errors=remount-ro) that the
  kernel turns read-only mid-crawl (/sys/fs/ext4/DEV/trigger_fs_error: what a disk error
  does in production, open files and all); the operator's repair follows: stop the
  daemon, unmount, e2fsck, mount, start;
- corrupt store at start: 10 random 4 KiB pages of scraped.db overwritten after a crawl
  and a backup; then a 0-byte scraped.db; then the daemon's own hint followed (move the
  file aside, start, `scrapedctl restore NAME --yes`);
- store outage: the daemon on MongoDB (nx-27017, the stand-in the tests use) stopped
  mid-crawl and started again; the spool keeps the writes.

Figures: questions lost, whether the fault showed in `jobs show`, `health` and an alert,
the end states, the start-up line and exit status.
"""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reliability.common import (
    END_STATES,
    Budget,
    OutOfTime,
    Report,
    count,
    daemon,
    job,
    questions,
    site,
    wait_end,
)
from scraped.errors import NotFound, Unavailable
from tests.daemon_harness import DaemonProcess
from tests.engine_site import Site

SECTION = "storage"


def _mount(args: list[str]) -> bool:
    return os.geteuid() == 0 and subprocess.run(args, capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True)
    if os.path.ismount(path):
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(path: Path) -> Path:
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
                block = block[: len(block) // 2]
    finally:
        os.close(fd)
    return filler


def _signals(d: DaemonProcess, job_id: str, words: str) -> dict[str, bool]:
    """Where the fault shows: the job's reason, health, an alert in the tracker."""
    j = job(d, job_id)
    health = d.call("health", component="scraping_engine")
    dash = d.call("errors.dashboard", limit=50)
    alert = any(e["type"] == "Alert" and words in e["message"] for e in dash["recent_errors"])
    return {"job": j["status"] == "PAUSED" and words in (j.get("reason") or ""),
            "health": health["status"] == "down" and words in (health.get("reason") or ""), "alert": alert}


def _wait_signals(d: DaemonProcess, job_id: str, words: str, timeout: float) -> dict[str, bool]:
    deadline, last = time.monotonic() + timeout, {"job": False, "health": False, "alert": False}
    while time.monotonic() < deadline:
        last = _signals(d, job_id, words)
        if all(last.values()):
            break
        time.sleep(0.3)
    return last


def _shown(flags: dict[str, bool]) -> str:
    return ", ".join(k for k, v in flags.items() if v) or "nowhere"


def _crawl_until(d: DaemonProcess, s: Site, name: str, pages: int, budget: Budget) -> str:
    job_id: str = d.call("jobs.submit", spec=s.spec(name))["job"]["id"]
    d.wait_until(lambda: job(d, job_id)["progress"]["pages_fetched"] >= pages, timeout=budget.cap(60),
                 interval=0.05)
    return job_id


def disk_full(report: Report, s: Site, tmp: Path, budget: Budget) -> None:
    state = tmp / "state"
    state.mkdir(parents=True)
    if not _mount(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(state)]):
        report.add(SECTION, "disk full: skipped (needs root to mount a tmpfs)", "-")
        return
    try:
        with daemon(tmp) as d:
            job_id = _crawl_until(d, s, "disk-full", 30, budget)
            filler = _fill(state)
            shown = _wait_signals(d, job_id, "disk full", budget.cap(60))
            held_at = time.monotonic()
            time.sleep(3.0)
            filler.unlink()
            end = wait_end(d, job_id, budget.cap(120))
            c = count(s.expected_texts(), questions(d))
            healthy = d.call("health", component="scraping_engine")["status"] == "healthy"
        _figures(report, "disk full (24 MB tmpfs)", shown, c.lost + c.duplicated, end, healthy)
        report.add(SECTION, "disk full: seconds held before space returned", round(time.monotonic() - held_at, 1))
    finally:
        _umount(state)


def _ext4(image: Path, state: Path) -> bool:
    """A fresh ext4 image mounted on the state dir, remounted read-only by the kernel on an error."""
    state.mkdir(parents=True, exist_ok=True)
    subprocess.run(["truncate", "-s", "96M", str(image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, capture_output=True)
    return _mount(["mount", "-o", "loop,errors=remount-ro", str(image), str(state)])


def _kernel_read_only(state: Path) -> None:
    """What a disk error does to an ext4 mounted errors=remount-ro, open files and all."""
    dev = Path(subprocess.run(["findmnt", "-n", "-o", "SOURCE", str(state)], capture_output=True,
                              text=True).stdout.strip()).name
    Path(f"/sys/fs/ext4/{dev}/trigger_fs_error").write_text("reliability suite\n")


def _repair(image: Path, state: Path) -> int:
    """The operator's repair (the daemon stopped): unmount, e2fsck -fy, mount again."""
    _umount(state)
    fsck = subprocess.run(["e2fsck", "-fy", str(image)], capture_output=True, text=True)
    if not _mount(["mount", "-o", "loop,errors=remount-ro", str(image), str(state)]):
        raise RuntimeError("could not mount the repaired image")
    return fsck.returncode


def _after_repair(d: DaemonProcess, s: Site, job_id: str, budget: Budget) -> tuple[dict[str, Any], Any]:
    d.start()
    try:
        end = wait_end(d, job_id, budget.cap(120))
    except NotFound:  # the store came back without the job: it never reached the disk
        end = {"status": "job gone after the repair", "pages_failed": "-"}
    return end, count(s.expected_texts(), questions(d))


def read_only(report: Report, s: Site, tmp: Path, budget: Budget) -> None:
    image, state = tmp / "state.img", tmp / "state"
    if not _ext4(image, state):
        report.add(SECTION, "read-only state dir: skipped (needs root and a loop device)", "-")
        return
    try:
        d = daemon(tmp)
        try:
            d.start()
            job_id = _crawl_until(d, s, "read-only", 30, budget)
            os.sync()  # what is older than the kernel's writeback delay is on disk, as in a long run
            _kernel_read_only(state)
            shown = _wait_signals(d, job_id, "state dir", budget.cap(30))  # read-only, or a write error
            during = job(d, job_id)
            status_during = during["status"]
            report.note(SECTION, f"read-only: jobs show said {status_during} {str(during.get('reason'))[:90]!r}")
            t0 = time.monotonic()
            rc = d.stop(timeout=60)
            stop_s = time.monotonic() - t0
            fsck = _repair(image, state)
            end, c = _after_repair(d, s, job_id, budget)
            healthy = d.call("health", component="scraping_engine")["status"] == "healthy"
        finally:
            d.close()
        report.add(SECTION, "read-only: job status while read-only", status_during, "PAUSED",
                   ok=status_during == "PAUSED")
        report.add(SECTION, "read-only: SIGTERM exit status, seconds", f"{rc}, {stop_s:.1f}", "0, within the grace",
                   ok=rc == 0)
        report.add(SECTION, "read-only: e2fsck exit status", fsck)
        _figures(report, "read-only (ext4 remounted ro by the kernel)", shown, c.lost + c.duplicated, end,
                 healthy)
    finally:
        _umount(state)


def read_only_young(report: Report, s: Site, tmp: Path, budget: Budget) -> None:
    """The same fault within a second of `jobs submit`: is an acknowledged job on disk?"""
    image, state = tmp / "state.img", tmp / "state"
    if not _ext4(image, state):
        return
    try:
        d = daemon(tmp)
        try:
            d.start()
            os.sync()  # the daemon's store exists on disk; the job is what is new
            t0 = time.monotonic()
            job_id = _crawl_until(d, s, "young", 5, budget)
            _kernel_read_only(state)
            after = time.monotonic() - t0
            time.sleep(2.0)
            d.stop(timeout=60)
            _repair(image, state)
            end, c = _after_repair(d, s, job_id, budget)
        finally:
            d.close()
        report.add(SECTION, f"read-only {after:.1f} s after a submit: job after the repair, questions lost",
                   f"{end['status']}, {c.lost}", "COMPLETED, 0", ok=end["status"] == "COMPLETED" and c.lost == 0)
    finally:
        _umount(state)


def _figures(report: Report, label: str, shown: dict[str, bool], lost: int, end: dict[str, Any],
             healthy: bool) -> None:
    report.add(SECTION, f"{label}: shown in", _shown(shown), "job, health, alert", ok=all(shown.values()))
    report.add(SECTION, f"{label}: questions lost or duplicated", lost, "0", ok=lost == 0)
    report.add(SECTION, f"{label}: end state, pages given up", f"{end['status']}, {end['pages_failed']}",
               "COMPLETED, 0", ok=end["status"] == "COMPLETED" and end["pages_failed"] == 0)
    report.add(SECTION, f"{label}: health healthy again", healthy, "True", ok=healthy)


def _start_fails(d: DaemonProcess) -> tuple[int | None, str]:
    """(exit status, the log's new lines) of a start that should fail."""
    before = len(d.log())
    d.start(wait=False)
    assert d.proc is not None
    try:
        rc: int | None = d.proc.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
        d.stop()
    return rc, d.log()[before:].strip()


def corrupt(report: Report, s: Site, tmp: Path, budget: Budget) -> None:
    d = daemon(tmp)
    db = d.state_dir / "scraped.db"
    try:
        d.start()
        job_id = d.call("jobs.submit", spec=s.spec("corrupt"))["job"]["id"]
        wait_end(d, job_id, budget.cap(120))
        backup = d.ctl("backup", "run", "--json")
        if backup.returncode != 0:
            raise RuntimeError(f"backup run failed: {backup.stderr.strip()[:200]}")
        d.stop()
        size = db.stat().st_size
        rng = random.Random(27)
        with open(db, "r+b") as f:
            for page in rng.sample(range(1, max(2, size // 4096)), min(10, max(1, size // 4096 - 1))):
                f.seek(page * 4096)
                f.write(rng.randbytes(4096))
        rc, lines = _start_fails(d)
        one = [line for line in lines.splitlines() if line.strip()]
        clear = rc == 1 and "Traceback" not in lines and any("restore" in line and str(db) in line for line in one)
        report.add(SECTION, "corrupt store (10 random 4 KiB pages): exit status, log lines", f"{rc}, {len(one)}",
                   "1, one clear line", ok=clear and len(one) <= 2)
        report.note(SECTION, f"corrupt store start line: {one[-1][:300] if one else '(none)'}")
        aside = tmp / "damaged"
        aside.mkdir()
        for damaged in d.state_dir.glob("scraped.db*"):
            damaged.rename(aside / damaged.name)
        db.write_bytes(b"")
        rc0, lines0 = _start_fails(d)
        report.add(SECTION, "0-byte scraped.db: exit status, traceback", f"{rc0}, {'Traceback' in lines0}",
                   "1, False", ok=rc0 == 1 and "Traceback" not in lines0)
        db.unlink()
        d.start()  # the hint: start on a fresh store, then restore the newest good backup
        names = [b["name"] for b in d.call("backup.list")["backups"]]
        out = d.ctl("restore", names[0], "--yes") if names else None
        restored = out is not None and out.returncode == 0
        c = count(s.expected_texts(), questions(d))
        report.add(SECTION, "corrupt store: restore exit status, questions lost after it",
                   f"{out.returncode if out else 'no backup'}, {c.lost}", "0, 0", ok=restored and c.lost == 0)
    finally:
        d.close()


def _wait_end_through(d: DaemonProcess, job_id: str, timeout: float) -> tuple[dict[str, Any], float]:
    """The job's end, asking through an outage's tail (reads are refused while the spool
    replays); also when the last refused read was."""
    deadline, refused = time.monotonic() + timeout, 0.0
    while time.monotonic() < deadline:
        try:
            j = job(d, job_id)
            if j["status"] in END_STATES:
                return j, refused
        except Unavailable:
            refused = time.monotonic()
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not end within {timeout:.0f} s")


def outage(report: Report, s: Site, tmp: Path, budget: Budget) -> None:
    from tests.mongo_server import NxServer

    nx = NxServer(tmp / "nx")
    nx.start()
    try:
        d = daemon(tmp, {"store": {"uri": nx.uri, "database": f"rel_{uuid.uuid4().hex[:8]}",
                                   "spool_retry_max": 1.0, "timeout": 2.0, "connect_timeout": 1.0}})
        try:
            d.start()
            job_id = _crawl_until(d, s, "outage", 30, budget)
            nx.stop()
            t0 = time.monotonic()
            time.sleep(4.0)
            try:
                j = job(d, job_id)
                shown_job = f"{j['status']} {j.get('reason') or ''}".strip()
            except Exception as exc:  # jobs show needs the store: what it says is the figure
                shown_job = f"{type(exc).__name__}: {str(exc)[:60]}"
            db_health = d.call("health", component="database")
            dash = d.call("errors.dashboard", limit=50)
            shown = {"job": shown_job != "RUNNING", "health": db_health["status"] != "healthy",
                     "alert": any(e["type"] == "Alert" for e in dash["recent_errors"])}
            report.note(SECTION, f"store outage: jobs show said {shown_job!r}; health database "
                                 f"{db_health['status']}: {str(db_health.get('reason'))[:80]}")
            nx.start()
            back = time.monotonic()
            end, refused = _wait_end_through(d, job_id, budget.cap(150))
            outage_s = time.monotonic() - t0
            c = count(s.expected_texts(), questions(d))
        finally:
            d.close()
        report.add(SECTION, "store outage (nx-27017 stopped 4 s mid-crawl): shown in", _shown(shown),
                   "job, health, alert", ok=all(shown.values()))
        report.add(SECTION, "store outage: questions lost or duplicated", c.lost + c.duplicated, "0",
                   ok=c.lost + c.duplicated == 0)
        report.add(SECTION, "store outage: end state, seconds to end", f"{end['status']}, {outage_s:.0f}",
                   "COMPLETED", ok=end["status"] == "COMPLETED")
        report.add(SECTION, "store outage: reads refused after the server was back (s)",
                   round(refused - back, 1) if refused else 0.0)
    finally:
        nx.stop()


def run(report: Report, *, pages: int = 300, seconds: float = 140.0) -> None:
    budget = Budget(seconds)
    steps: list[tuple[str, Callable[[Report, Site, Path, Budget], None]]] = [
        ("disk full", disk_full), ("read-only", read_only), ("read-only young", read_only_young),
        ("corrupt", corrupt), ("outage", outage)]
    with tempfile.TemporaryDirectory(prefix="rel-store-") as tmp, site(pages, delay=0.01) as s:
        for name, step in steps:
            try:
                budget.check(name)
                s.hits.clear()
                step(report, s, Path(tmp) / name.replace(" ", "-"), budget)
            except OutOfTime as exc:
                report.note(SECTION, str(exc))
                break
            except Exception as exc:
                report.add(SECTION, f"{name}: scenario error", f"{type(exc).__name__}: {str(exc)[:160]}",
                           "none", ok=False)
