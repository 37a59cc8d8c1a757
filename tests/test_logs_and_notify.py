"""journald priority prefixes, JSON lines, secret redaction; sd_notify on a real datagram socket."""

from __future__ import annotations

import io
import json
import logging
import os
import socket

from scraped import logs
from scraped.sdnotify import Notifier


def _emit(fmt: str, *args, **extra) -> str:
    stream = io.StringIO()
    logs.setup(fmt, "debug", stream=stream)
    logging.getLogger("scraped.test").warning(*args, extra=extra or None)
    return stream.getvalue()


def test_journal_format_has_priority_prefixes_on_every_line():
    out = _emit("journal", "two\nlines")
    assert out.splitlines() == ["<4>scraped.test: two", "<4>lines"]


def test_json_format_is_one_object_per_line_with_fields():
    out = _emit("json", "alert %s", "cpu", event="high_cpu", cpu_percent=91.5)
    obj = json.loads(out)
    assert obj["level"] == "warning" and obj["msg"] == "alert cpu"
    assert obj["event"] == "high_cpu" and obj["cpu_percent"] == 91.5


def test_secrets_are_redacted_from_messages_and_tracebacks():
    stream = io.StringIO()
    logs.setup("text", "info", stream=stream)
    logs.set_secrets(["sk-very-secret-123"])
    try:
        log = logging.getLogger("scraped.test")
        log.error("calling with key %s", "sk-very-secret-123")
        try:
            raise ValueError("bad key sk-very-secret-123")
        except ValueError:
            log.exception("failed")
    finally:
        logs.set_secrets([])
    assert "sk-very-secret-123" not in stream.getvalue()
    assert stream.getvalue().count("[redacted]") >= 2


def test_under_journald_matches_stderr_identity(monkeypatch):
    st = os.fstat(2)
    monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
    assert logs.under_journald()
    monkeypatch.setenv("JOURNAL_STREAM", "1:2")
    assert not logs.under_journald()


def test_notifier_is_silent_without_notify_socket():
    n = Notifier(environ={})
    assert not n.enabled and n.watchdog_interval() is None
    n.ready()  # no error, nothing sent


def test_notifier_sends_to_a_socket_and_abstract_names(tmp_path):
    for address, bind in ((str(tmp_path / "n.sock"), str(tmp_path / "n.sock")),
                          (f"@scraped-test-{os.getpid()}", f"\0scraped-test-{os.getpid()}")):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(bind)
        sock.settimeout(2)
        n = Notifier(address)
        n.ready("up")
        n.reloading()
        n.watchdog()
        n.stopping()
        got = [sock.recv(1024).decode() for _ in range(4)]
        assert got[0] == "READY=1\nSTATUS=up"
        assert got[1].startswith("RELOADING=1\nMONOTONIC_USEC=")
        assert got[2:] == ["WATCHDOG=1", "STOPPING=1"]
        n.close()
        sock.close()


def test_watchdog_interval_is_half_and_honours_watchdog_pid():
    assert Notifier("x", environ={"WATCHDOG_USEC": "30000000"}).watchdog_interval() == 15.0
    other = Notifier("x", environ={"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"})
    assert other.watchdog_interval() is None
    mine = Notifier("x", environ={"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())})
    assert mine.watchdog_interval() == 1.0
