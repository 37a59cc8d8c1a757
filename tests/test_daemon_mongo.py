"""The real daemon on the MongoDB backend (nx-27017 stands in for MongoDB here, or the
server named by SCRAPED_TEST_MONGODB_URI): it starts, answers, reports the database,
and the MongoDB-only commands work through scrapedctl."""

from __future__ import annotations

import uuid

from tests.daemon_harness import DaemonProcess


def test_daemon_runs_on_mongodb(tmp_path, mongo_uri):
    db = f"scraped_daemon_{uuid.uuid4().hex[:10]}"
    with DaemonProcess(tmp_path, {"store": {"uri": mongo_uri, "database": db},
                                  "ai": {"enabled": False}}) as d:
        status = d.call("status")
        assert status["store"] == "mongodb"
        health = d.call("health", component="database")
        assert health["status"] == "healthy", health
        out = d.ctl("db", "indexes", "--json")
        assert out.returncode == 0, out.stderr
        slow = d.ctl("db", "slow-ops", "--json")
        assert slow.returncode == 0, slow.stderr
