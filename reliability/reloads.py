"""SIGHUP under load: 50 reloads, valid and invalid edits of the config file, during a
crawl of the loopback site; then SIGTERM (with a SIGHUP 50 ms behind it, as a reload racing
a stop does under systemd) and a restart to the end of the crawl.

Figures: reloads applied / refused / unanswered (each edit's outcome read from the
daemon's own log line, within 5 s), refusals of valid edits and acceptances of invalid
ones, whether the job ran on untouched (no INTERRUPTED, no FAILED in its history before
the stop), the stop's exit status and seconds against shutdown_grace, and questions lost
or duplicated once the restarted daemon finishes the crawl.
"""

from __future__ import annotations

import random
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from reliability.common import (
    Budget,
    Report,
    count,
    daemon,
    engine_config,
    job,
    questions,
    site,
    wait_end,
)
from tests.daemon_harness import dump_toml

SECTION = "reload"
GRACE = 5.0
APPLIED, REFUSED = "config reloaded from", "reload refused ("

# Invalid edits, each appended to a valid config: every one must be refused with the reason.
INVALID = (
    "[engine]\nwrite_interval = nan\n",
    "[daemon]\nshutdown_grace = inf\n",
    "[daemon]\nidle_timeout = -5.0\n",
    "[engine]\nno_such_setting = 1\n",
    '[engine]\njob_concurrency = "eight"\n',
    "[engine\njob_concurrency = 4\n",
    '[daemon]\nlog_level = "loud"\n',
    "[engine]\nlease_seconds = nan\n",
)


def _valid(rng: random.Random) -> dict[str, Any]:
    return {"daemon": {"requests_per_second": float(rng.choice([150, 200, 300])),
                       "idle_timeout": float(rng.choice([120, 300])), "shutdown_grace": GRACE},
            "engine": engine_config(progress_interval=rng.choice([0.2, 0.3, 0.5]),
                                    host_concurrency=rng.choice([8, 12, 16]))}


def run(report: Report, *, hups: int = 50, pages: int = 1000, seconds: float = 60.0, seed: int = 50) -> None:
    budget = Budget(seconds)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="rel-hup-") as tmp, site(pages, delay=0.02) as s:
        d = daemon(Path(tmp), {"daemon": {"shutdown_grace": GRACE}})
        base = d.config
        outcomes = {"applied": 0, "refused": 0, "unanswered": 0, "valid refused": 0, "invalid applied": 0}
        try:
            d.start()
            job_id = d.call("jobs.submit", spec=s.spec("reloads"))["job"]["id"]
            d.wait_until(lambda: job(d, job_id)["progress"]["pages_fetched"] >= 20, timeout=budget.cap(60))
            for i in range(hups):
                if budget.left < 15:
                    report.note(SECTION, f"stopped after {i} reloads: out of time")
                    break
                bad = i % 2 == 1
                cfg = {**base, **_valid(rng)}
                text = dump_toml(cfg) + (rng.choice(INVALID) if bad else "")
                d.write_config(text)
                log = d.log()
                applied0, refused0 = log.count(APPLIED), log.count(REFUSED)
                mark = applied0 + refused0
                d.send_signal(signal.SIGHUP)
                deadline = time.monotonic() + 5.0
                while time.monotonic() < deadline:
                    log = d.log()
                    if log.count(APPLIED) + log.count(REFUSED) > mark:
                        break
                    time.sleep(0.02)
                log = d.log()
                applied, refused = log.count(APPLIED), log.count(REFUSED)
                if applied + refused == mark:
                    outcomes["unanswered"] += 1
                elif refused > refused0:
                    outcomes["refused"] += 1
                    outcomes["valid refused"] += 0 if bad else 1
                else:
                    outcomes["applied"] += 1
                    outcomes["invalid applied"] += 1 if bad else 0
            during = job(d, job_id)
            d.write_config(base)
            assert d.proc is not None
            t0 = time.monotonic()
            d.send_signal(signal.SIGTERM)
            time.sleep(0.05)
            if d.proc.poll() is None:
                d.send_signal(signal.SIGHUP)
            try:
                rc: int | None = d.proc.wait(GRACE + 10)
            except Exception:
                rc = None
            stop_s = time.monotonic() - t0
            tail = d.log()[-2000:]
            d.start()
            end = wait_end(d, job_id, budget.cap(120))
            c = count(s.expected_texts(), questions(d))
        finally:
            d.close()
    history = [h["to"] for h in during["history"]]
    done = outcomes["applied"] + outcomes["refused"] + outcomes["unanswered"]
    report.add(SECTION, "SIGHUPs sent / planned", f"{done} / {hups}", "all", ok=done == hups)
    report.add(SECTION, "reloads applied / refused / unanswered",
               f"{outcomes['applied']} / {outcomes['refused']} / {outcomes['unanswered']}")
    report.add(SECTION, "valid edits refused, invalid edits applied",
               f"{outcomes['valid refused']}, {outcomes['invalid applied']}", "0, 0",
               ok=outcomes["valid refused"] == 0 and outcomes["invalid applied"] == 0 and not outcomes["unanswered"])
    cont = during["status"] == "RUNNING" and "INTERRUPTED" not in history and "FAILED" not in history
    report.add(SECTION, "job during the reloads", f"{during['status']} ({' > '.join(history)})",
               "RUNNING, never interrupted", ok=cont)
    report.add(SECTION, "SIGTERM (+SIGHUP 50 ms later): exit status, seconds",
               f"{rc}, {stop_s:.1f}", f"0, within the grace ({GRACE:g} s)", ok=rc == 0 and stop_s <= GRACE + 1)
    if rc != 0:
        report.note(SECTION, "log at the stop: " + " | ".join(tail.splitlines()[-3:])[:400])
    report.add(SECTION, "after the restart: end state, questions lost / duplicated",
               f"{end['status']}, {c.lost} / {c.duplicated}", "COMPLETED, 0 / 0",
               ok=end["status"] == "COMPLETED" and c.lost == 0 and c.duplicated == 0)
