"""What a local peer may take from the control server, on the real daemon and socket:
connection slots (a reserve for root, a cap per uid, waiting connections counted), the
send side of streams, rate buckets per client, argument bounds, the perf table, and a
request over max_frame_bytes as scrapedctl sees it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from scraped import protocol
from scraped.errors import BadRequest, RateLimited
from scraped.store.sqlite import SqliteStore
from tests.daemon_harness import REPO, DaemonProcess

SYSTEM_PYTHON = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON),
    reason="another local user needs root (to switch to nobody) and a system python of the same version")


class Nobody:
    """tests/control_peer.py as the user nobody: a local member of the socket's group."""

    def __init__(self, d: DaemonProcess):
        site = next(p for p in sys.path if p.endswith("site-packages"))
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, "-m", "tests.control_peer", str(d.socket_path)], cwd="/", user="nobody",
            group="nogroup", env={"PYTHONPATH": f"{REPO}:{site}", "PATH": os.environ["PATH"]},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def open(self, n: int) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"open {n}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(20)


@pytest.mark.slow
@needs_root
def test_a_local_user_holding_every_slot_it_may_does_not_lock_root_out(tmp_path):
    config = {"daemon": {"socket_group": "nogroup", "max_connections": 20, "reserved_connections": 4,
                         "max_connections_per_uid": 30, "idle_timeout": 120}}
    with DaemonProcess(tmp_path, config) as d:
        os.chmod(d.rundir, 0o755)
        peer = Nobody(d)
        try:
            held = peer.open(30)
            assert held == {"open": 30, "refused": []}  # 16 served, 14 waiting
            # Old code: 20 slots in one pool, all nobody's: root's status waited for a slot
            # for as long as nobody kept them (up to idle_timeout, renewable).
            status = d.ctl("--timeout", "10", "status", "--json", timeout=30)
            assert status.returncode in (0, 3), status.stderr
            with d.client(timeout=10) as c:
                control = c.call("health", component="control")
                assert control["unprivileged_open"] == 16 and control["waiting"] == 14
                assert control["status"] == "degraded" and "kept for root and admins" in control["reason"]
                assert control["top_uids"] == [{"uid": 65534, "connections": 30}]

            # The per-uid cap is live: past it, a connection is refused at once, and says why.
            d.config["daemon"]["max_connections_per_uid"] = 8
            d.write_config(d.config)
            assert "daemon.max_connections_per_uid" in d.call("config.reload")["applied"]
            more = peer.open(2)
            assert more["open"] == 30 and len(more["refused"]) == 2
            assert "too many connections from uid 65534 (at most 8)" in more["refused"][0]
            events = d.call("security.events", kind="connection_limit")
            assert events["events"][0]["count"] == 2 and events["events"][0]["peer_uid"] == 65534
            assert events["events"][0]["reason"] == "per-uid connection limit"
        finally:
            peer.close()
        # Everything nobody held is given back.
        d.wait_until(lambda: d.call("health", component="control")["unprivileged_open"] == 0)


def _fill_store(d: DaemonProcess, n: int) -> None:
    """Raw questions written straight into the store file before the daemon starts."""
    import trio

    async def fill() -> None:
        store = SqliteStore(d.state_dir / "scraped.db")
        await store.open()
        await store.insert_many("raw_extracted_questions", [
            {"_id": f"{i:040x}", "question": f"Question {i}: " + "why? " * 200, "options": ["a", "b"],
             "answer": 0, "extracted_at": 1.0, "enhancement": {"state": "pending"}} for i in range(n)])
        await store.close()

    d.state_dir.mkdir(parents=True, exist_ok=True)
    trio.run(fill)


def test_an_export_the_peer_never_reads_is_cut_after_send_timeout(tmp_path):
    d = DaemonProcess(tmp_path, {"daemon": {"send_timeout": 1.0, "idle_timeout": 600}})
    _fill_store(d, 4000)  # ~4 MB of JSONL: far more than the socket's buffers
    with d:
        s = socket.socket(socket.AF_UNIX)
        s.connect(str(d.socket_path))
        s.sendall(protocol.pack({"v": 1, "id": 1, "cmd": "questions.export", "args": {"bank": "raw"}}))
        # Old code: a stream had no time limit at all, the slot was held until the peer left.
        d.wait_until(lambda: d.call("health", component="control")["open"] == 1, timeout=20)
        s.settimeout(5)
        received = 0
        while True:  # what was buffered, then EOF: the daemon closed its end
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            received += len(chunk)
        assert 0 < received < 3_000_000
        s.close()
        with d.client() as c:  # a reading client gets the whole export
            parts = list(c.stream("questions.export", bank="raw"))
        assert parts[-1]["rows"] == 4000


def test_root_clients_have_a_bucket_each(tmp_path):
    with DaemonProcess(tmp_path, {"daemon": {"requests_per_second": 0.1, "request_burst": 5}}) as d:
        with d.client() as c, pytest.raises(RateLimited):
            for _ in range(6):  # a burst of 5 (the harness's readiness probes took some)
                c.call("hello")
        # Another root process (scrapedctl): its own bucket. Old code: one bucket per uid,
        # so two root status loops rate-limited each other.
        out = d.ctl("status", "--json")
        assert out.returncode in (0, 3), out.stderr
        with d.client() as c, pytest.raises(RateLimited):  # this pid's bucket is still empty
            c.call("hello")


def test_unknown_command_names_share_one_perf_row(tmp_path):
    with DaemonProcess(tmp_path) as d:
        with d.client() as c:
            for i in range(300):
                with pytest.raises(Exception, match="unknown command"):
                    c.call(f"no.such.command.{i}")
            ops = c.call("perf")["performance_metrics"]
        assert "cmd:<unknown>" in ops and ops["cmd:<unknown>"]["count"] == 300
        assert not [op for op in ops if "no.such" in op]


def test_arguments_over_their_bounds_are_bad_requests(tmp_path):
    with DaemonProcess(tmp_path) as d:
        # 2**64 - 1 reached SQLite as an OFFSET: OverflowError, an internal error (exit 70).
        out = d.ctl("questions", "list", "--skip", "18446744073709551615")
        assert out.returncode == 65 and "out of range" in out.stderr, out.stderr
        with d.client() as c:
            with pytest.raises(BadRequest, match="over the limit of 65536"):
                c.call("questions.count", search="x" * 1_000_000)
            nested: list = []
            for _ in range(100):
                nested = [nested]
            with pytest.raises(BadRequest, match="nested more than 16"):
                c.call("ai.feedback", question="q", answer="a", options=nested)
            with pytest.raises(BadRequest, match="finite"):
                c.call("capacity", hours=float("nan"))
            with pytest.raises(BadRequest, match="elements is over the limit"):
                c.call("jobs.list", status=["QUEUED"] * 20_000)
            # A search is a substring match, metacharacters and all (no regex compiled).
            assert c.call("questions.count", search="(a+)+$ [", bank="raw")["total"] == 0
            assert c.call("hello")["protocol"] == 1
        deep = tmp_path / "deep.toml"
        deep.write_text('name = "deep"\nstart_urls = ["http://127.0.0.1:9/"]\nx = ' + "[" * 5000 + "]" * 5000)
        out = d.ctl("jobs", "submit", str(deep))
        assert out.returncode == 65 and "nested too deeply" in out.stderr, out.stderr
        nan = tmp_path / "nan.toml"
        nan.write_text('name = "nan"\nstart_urls = ["http://127.0.0.1:9/"]\n[politeness]\ndelay = nan\n')
        out = d.ctl("jobs", "submit", str(nan))
        assert out.returncode == 65 and "politeness.delay: must be a finite number" in out.stderr, out.stderr


def test_a_request_over_max_frame_bytes_is_a_clear_error_not_success(tmp_path):
    with DaemonProcess(tmp_path) as d:
        big = tmp_path / "big.toml"
        big.write_text('name = "big"\nstart_urls = ["http://127.0.0.1:9/"]\n' + "# padding\n" * 120_000)
        out = d.ctl("jobs", "submit", str(big))
        # Old code: the server refused the frame and closed; scrapedctl took the
        # BrokenPipeError on the socket for a closed stdout and exited 0, silently.
        assert out.returncode == 65, (out.returncode, out.stderr)
        assert "over the limit of 1048576" in out.stderr
        assert d.call("hello")["protocol"] == 1


def test_submit_refuses_targets_the_fetch_guard_would_refuse(tmp_path):
    with DaemonProcess(tmp_path) as d:  # allow_private_networks is off by default
        for url, words in (("http://127.0.0.1:8080/quiz", "127.0.0.1 is a loopback address"),
                           ("http://2130706433/", "127.0.0.1 is a loopback address"),
                           ("http://localhost/", "127.0.0.1 is a loopback address"),
                           ("http://169.254.169.254/latest/meta-data/", "denied address")):
            spec = tmp_path / "ssrf.toml"
            spec.write_text(f'name = "ssrf"\nstart_urls = ["{url}"]\n')
            out = d.ctl("jobs", "submit", str(spec))
            # Old code: accepted; the fetch refused it and the job ended COMPLETED, 0 pages.
            assert out.returncode == 65 and words in out.stderr, (url, out.stderr)
        assert d.call("jobs.list")["jobs"] == []


def test_an_idn_start_url_is_in_its_own_allowed_hosts():
    from scraped.engine import spec
    from scraped.engine.fetch.urls import canonicalize, in_domains

    s = spec.parse('name = "idn"\nstart_urls = ["http://bücher.example/quiz"]\n')
    assert s.allowed_hosts() == ("xn--bcher-kva.example",)
    # Old code: ("bücher.example",), which no canonical (punycode) link matched.
    assert in_domains(canonicalize("http://bücher.example/quiz?page=2"), s.allowed_hosts())
