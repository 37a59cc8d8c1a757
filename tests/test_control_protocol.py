"""Bad input on the real socket: each gets a clear error or a closed connection, and the
daemon keeps answering others. Also authorization by peer credentials."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraped import protocol
from scraped.errors import BadRequest, UnknownCommand
from tests.daemon_harness import REPO, DaemonProcess


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    d = DaemonProcess(tmp_path_factory.mktemp("proto"), {"daemon": {"max_frame_bytes": 4096}})
    d.start()
    yield d
    d.close()


def raw(d: DaemonProcess) -> socket.socket:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(str(d.socket_path))
    return s


def read_reply(s: socket.socket) -> dict | None:
    """One reply, or None when the daemon closed the connection."""
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    (n,) = struct.unpack(">I", head)
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        if not chunk:
            return None
        body += chunk
    return msgpack.unpackb(body)


def still_serving(d: DaemonProcess) -> None:
    assert d.call("hello")["protocol"] == 1


def test_garbage_bytes_get_an_error_and_a_closed_connection(daemon):
    s = raw(daemon)
    s.sendall(struct.pack(">I", 5) + b"\xc1\xc1\xc1\xc1\xc1")
    reply = read_reply(s)
    assert reply["ok"] is False and reply["error"]["code"] == "bad_request"
    assert read_reply(s) is None
    still_serving(daemon)


def test_a_frame_over_the_cap_is_refused_before_it_is_read(daemon):
    s = raw(daemon)
    s.sendall(struct.pack(">I", 10_000_000))  # claims 10 MB; nothing more is sent
    reply = read_reply(s)
    assert reply["error"]["code"] == "bad_request" and "over the limit" in reply["error"]["message"]
    assert read_reply(s) is None
    still_serving(daemon)


@pytest.mark.parametrize("obj, words", [
    ([1, 2, 3], "must be a map"),
    ({"v": 2, "id": 1, "cmd": "hello"}, "protocol version"),
    ({"v": True, "id": 1, "cmd": "hello"}, "protocol version"),  # True == 1 in Python
    ({"v": 1.0, "id": 1, "cmd": "hello"}, "protocol version"),  # and so is 1.0
    ({"v": 1, "id": "one", "cmd": "hello"}, "id must be an integer"),
    ({"v": 1, "id": 1, "cmd": 7}, "cmd must be a string"),
    ({"v": 1, "id": 1, "cmd": "hello", "extra": 1}, "unknown request field"),
])
def test_valid_msgpack_of_the_wrong_shape_gets_a_clear_error(daemon, obj, words):
    s = raw(daemon)
    s.sendall(protocol.pack(obj))
    reply = read_reply(s)
    assert reply["ok"] is False and words in reply["error"]["message"]
    # The framing is intact, so the same connection keeps working.
    s.sendall(protocol.pack({"v": 1, "id": 9, "cmd": "hello"}))
    assert read_reply(s)["id"] == 9


def test_unknown_command_and_bad_arguments(daemon):
    with daemon.client() as c:
        with pytest.raises(UnknownCommand):
            c.call("jobs.explode")
        with pytest.raises(BadRequest, match="unknown argument"):
            c.call("health", colour="red")
        with pytest.raises(BadRequest, match="must be one of"):
            c.call("health", component="kitchen")
        with pytest.raises(BadRequest, match="type str"):
            c.call("health", component=5)
        assert c.call("hello")["server"] == "scraped"  # same connection still fine


def test_half_sent_frame_then_disconnect(daemon):
    s = raw(daemon)
    s.sendall(struct.pack(">I", 100) + b"\x81\xa1")
    s.close()
    still_serving(daemon)


def test_many_requests_pipelined_on_one_connection(daemon):
    s = raw(daemon)
    s.sendall(b"".join(protocol.pack({"v": 1, "id": i, "cmd": "hello"}) for i in range(50)))
    assert [read_reply(s)["id"] for _ in range(50)] == list(range(50))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=0, max_size=300))
def test_fuzzed_frames_never_break_the_daemon(daemon, payload):
    s = raw(daemon)
    try:
        s.sendall(struct.pack(">I", len(payload)) + payload)
        s.shutdown(socket.SHUT_WR)
        reply = read_reply(s)
        assert reply is None or isinstance(reply, dict)
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.text(max_size=20),
                                                      st.lists(st.integers(0, 9), max_size=3)), max_size=5))
def test_fuzzed_envelopes_get_an_answer(daemon, obj):
    s = raw(daemon)
    try:
        s.sendall(protocol.pack(obj))
        reply = read_reply(s)
        assert reply is not None and reply["ok"] is False
    finally:
        s.close()
    still_serving(daemon)


# ---------------------------------------------------------------- authorization

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"),
    reason="switching users needs root and a system python of the same version")


# The venv's interpreter may live under /root, which nobody cannot enter: run the client
# with the system python3 (same minor version) and the venv's packages on the path.
SYSTEM_PYTHON = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"


def _as_nobody(d: DaemonProcess, *argv: str) -> subprocess.CompletedProcess:
    site = next(p for p in sys.path if p.endswith("site-packages"))
    return subprocess.run([SYSTEM_PYTHON, "-m", "scraped.cli", "--socket", str(d.socket_path), *argv],
                          cwd="/", capture_output=True, text=True, timeout=30, user="nobody",
                          group="nogroup", env={"PYTHONPATH": f"{REPO}:{site}", "PATH": os.environ["PATH"]})


@needs_root
def test_socket_permissions_keep_out_other_users(tmp_path):
    with DaemonProcess(tmp_path) as d:
        os.chmod(d.rundir, 0o755)
        out = _as_nobody(d, "status")
        assert out.returncode == 77 and "permission denied" in out.stderr


@pytest.mark.slow
@needs_root
def test_group_members_read_but_only_admins_change_state(tmp_path):
    with DaemonProcess(tmp_path, {"daemon": {"socket_group": "nogroup"}}) as d:
        os.chmod(d.rundir, 0o755)
        assert _as_nobody(d, "status", "--json").returncode == 0
        refused = _as_nobody(d, "config", "reload")
        assert refused.returncode == 77 and "only root" in refused.stderr
    with DaemonProcess(tmp_path / "b", {"daemon": {"socket_mode": 0o666}}) as d:
        os.chmod(d.rundir, 0o755)
        outsider = _as_nobody(d, "status")
        assert outsider.returncode == 77 and "group" in outsider.stderr
        assert "security event auth_failure" in d.log()


def test_rate_limit_per_peer(tmp_path):
    with DaemonProcess(tmp_path, {"daemon": {"requests_per_second": 1.0, "request_burst": 5}}) as d:
        with d.client() as c:
            codes = []
            for _ in range(8):
                try:
                    c.call("hello")
                    codes.append("ok")
                except Exception as exc:  # noqa: BLE001
                    codes.append(type(exc).__name__)
        assert codes.count("ok") <= 6 and "RateLimited" in codes
        assert "rate_limit_violation" in d.log()
