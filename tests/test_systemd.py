"""The systemd files in systemd/: checked by systemd's own tools, not by reading them.

- The real daemon runs under the unit's own process sandbox (its SystemCallFilter=,
  SystemCallErrorNumber=, RestrictAddressFamilies=, NoNewPrivileges=,
  MemoryDenyWriteExecute=) applied with libseccomp and PR_SET_MDWE, since no systemd runs
  as PID 1 here: it must get READY=1, answer, reload on SIGHUP and exit 0 on SIGTERM.
- `systemd-analyze verify` on the unit (its exit status is 0 even for an unknown key, so the
  output is what is checked), and on a copy with a typo to prove the check can fail.
- `systemd-analyze security --offline=true`: the exposure score must stay <= 2.0.
- `systemd-sysusers` and `systemd-tmpfiles --create` applied to a temporary --root, then
  the resulting passwd entry, directories, modes and owners are inspected.
- The three files agree with each other (user name, directory modes, credential paths).

Skipped only where the systemd tool is missing, or (for tmpfiles, which chowns) when not
running as root.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

SYSTEMD = Path(__file__).resolve().parent.parent / "systemd"
UNIT = SYSTEMD / "scraped.service"
SYSUSERS = SYSTEMD / "scraped.sysusers"
TMPFILES = SYSTEMD / "scraped.tmpfiles"
INSTALL_BIN = "/opt/scraped/.venv/bin/"  # the install layout the unit is written for
MAX_EXPOSURE = 2.0


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed on this host (no systemd here)")
    return path


def _run(*argv: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def _entries(text: str) -> list[tuple[str, str, str]]:
    """(section, key, value) for every assignment: unit files repeat keys, configparser can't."""
    out, section = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out.append((section, key.strip(), value.strip()))
    return out


def _values(key: str) -> list[str]:
    return [v for _, k, v in _entries(UNIT.read_text()) if k == key]


def _one(key: str) -> str:
    values = _values(key)
    assert len(values) == 1, f"{key}= should be set once, found {values}"
    return values[0]


def _local_binary(name: str) -> str:
    """This checkout's console script; verify insists that ExecStart binaries exist.

    The venv's bin/ is sys.executable's directory. While the package is not installed yet
    (the lead may still be building it) fall back to PATH, then to /bin/true: the check is
    about the unit, not the binary.
    """
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which(name) or "/bin/true"


def _local_unit(tmp_path: Path, text: str | None = None) -> Path:
    """A copy of the unit whose /opt/scraped paths point at binaries that exist here."""
    text = UNIT.read_text() if text is None else text
    text = re.sub(re.escape(INSTALL_BIN) + r"(\w+)", lambda m: _local_binary(m.group(1)), text)
    assert INSTALL_BIN not in text
    path = tmp_path / "scraped.service"  # the name matters: verify reports by unit name
    path.write_text(text)
    return path


def _verify_complaints(unit: Path) -> tuple[int, list[str]]:
    """Exit status and the output lines that concern our unit.

    verify also loads the host units ours refers to (network-online.target, ...); lines
    about those are the host's business, not ours, and are dropped.
    """
    proc = _run(_tool("systemd-analyze"), "verify", str(unit), cwd=unit.parent)
    lines = (proc.stdout + proc.stderr).splitlines()
    return proc.returncode, [line for line in lines if "scraped" in line or str(unit.parent) in line]


# ------------------------------------------------------------------ systemd-analyze verify


def test_unit_passes_systemd_analyze_verify(tmp_path):
    status, complaints = _verify_complaints(_local_unit(tmp_path))
    assert complaints == [], "systemd-analyze verify:\n" + "\n".join(complaints)
    assert status == 0


def test_verify_check_catches_a_misspelt_directive(tmp_path):
    """verify exits 0 on an unknown key: prove that reading its output does catch one."""
    broken = UNIT.read_text().replace("ProtectSystem=strict", "ProtectSytem=strict")
    _, complaints = _verify_complaints(_local_unit(tmp_path, broken))
    assert any("ProtectSytem" in line for line in complaints), complaints


# ---------------------------------------------------------------- systemd-analyze security


def test_security_exposure_is_at_most_2(tmp_path):
    unit = _local_unit(tmp_path)
    proc = _run(_tool("systemd-analyze"), "security", "--offline=true", "--no-pager", str(unit),
                cwd=tmp_path)
    match = re.search(r"Overall exposure level for scraped\.service: (\d+(?:\.\d+)?) (\w+)", proc.stdout)
    assert match, f"no exposure line in:\n{proc.stdout}\n{proc.stderr}"
    score, verdict = float(match.group(1)), match.group(2)
    print(f"systemd-analyze security --offline=true: exposure {score} {verdict}")
    failing = [line for line in proc.stdout.splitlines() if line.startswith("✗")]
    assert score <= MAX_EXPOSURE, f"exposure {score} > {MAX_EXPOSURE}; still exposed:\n" + "\n".join(failing)


# ------------------------------------------------------------------ what the unit promises


def test_unit_has_the_lifecycle_the_daemon_implements():
    assert _one("Type") == "notify"  # not notify-reload: that needs systemd 253, this is 252
    assert _one("NotifyAccess") == "main"
    assert _one("ExecStart") == INSTALL_BIN + "scraped --config /etc/scraped/scraped.toml"
    assert _one("ExecStartPre") == INSTALL_BIN + "scraped --check-config /etc/scraped/scraped.toml"
    assert _values("ExecReload")[-1] == "/bin/kill -HUP $MAINPID"
    assert _one("Restart") == "on-failure"
    assert _one("WatchdogSec").endswith("s") and int(_one("WatchdogSec")[:-1]) >= 10
    # SIGTERM gets daemon.shutdown_grace (10 s by default) before systemd's SIGKILL.
    assert int(_one("TimeoutStopSec").rstrip("s")) > 10
    execs = [v for _, k, v in _entries(UNIT.read_text()) if k.startswith("Exec")]
    assert not any("--daemonize" in v for v in execs)  # Type=notify: never fork


def test_unit_sandbox_keeps_what_the_daemon_needs():
    assert _one("User") == _one("Group") == "scraped"
    assert _values("DynamicUser") == []
    assert _one("CapabilityBoundingSet") == "" and _one("AmbientCapabilities") == ""
    assert _one("RestrictAddressFamilies").split() == ["AF_UNIX", "AF_INET", "AF_INET6"]
    assert _one("ProtectSystem") == "strict"
    assert _one("RuntimeDirectoryMode") == "0750"  # group scraped must reach control.sock
    # psutil reads /proc/meminfo, /proc/stat, /proc/loadavg: ProcSubset=pid would hide them.
    assert _values("ProcSubset") == []
    # Other users' processes hidden: control.py reads a peer's groups with SO_PEERGROUPS,
    # not from /proc/<pid>/status (which hidepid would hide).
    assert _one("ProtectProc") == "invisible"
    # PrivateUsers maps every other uid to 65534, breaking admin_uids/admin_groups.
    assert _values("PrivateUsers") == []


# ------------------------------------------------------------------- sysusers and tmpfiles


def _credential_paths_of_unit() -> dict[str, str]:
    return dict(value.split(":", 1) for value in _values("LoadCredential"))


def test_unit_loads_the_three_api_keys():
    assert set(_credential_paths_of_unit()) == {"GEMINI_API_KEY", "GROQ_API_KEY", "HUGGINGFACE_API_TOKEN"}


def test_sysusers_dry_run_creates_the_scraped_user(tmp_path):
    (tmp_path / "etc").mkdir()
    proc = _run(_tool("systemd-sysusers"), f"--root={tmp_path}", "--dry-run", str(SYSUSERS))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    assert "Creating group 'scraped'" in out and "Creating user 'scraped'" in out, out
    assert not (tmp_path / "etc" / "passwd").exists()  # a dry run writes nothing


def _sysusers_into(root: Path) -> tuple[int, int]:
    (root / "etc").mkdir(exist_ok=True)
    proc = _run(_tool("systemd-sysusers"), f"--root={root}", str(SYSUSERS))
    assert proc.returncode == 0, proc.stderr
    for line in (root / "etc" / "passwd").read_text().splitlines():
        name, _, uid, gid, _, home, shell = line.split(":")
        if name == "scraped":
            assert home == "/var/lib/scraped" and shell.endswith("nologin")
            assert int(uid) < 1000  # a system user
            return int(uid), int(gid)
    raise AssertionError("systemd-sysusers did not create scraped")


def _tmpfiles_create(root: Path) -> subprocess.CompletedProcess:
    proc = _run(_tool("systemd-tmpfiles"), "--create", f"--root={root}", str(TMPFILES))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture
def installed_root(tmp_path):
    """sysusers then tmpfiles applied to an empty --root, as docs/install.md does on /."""
    _tool("systemd-sysusers")
    _tool("systemd-tmpfiles")
    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles --create chowns to scraped: needs root (the dry-run test covers sysusers)")
    uid, gid = _sysusers_into(tmp_path)
    _tmpfiles_create(tmp_path)
    return tmp_path, uid, gid


def _owner_mode(path: Path) -> tuple[int, int, int]:
    st = path.lstat()
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def test_tmpfiles_creates_the_layout_the_unit_expects(installed_root):
    root, uid, gid = installed_root
    assert _owner_mode(root / "etc/scraped") == (0, gid, 0o750)
    assert _owner_mode(root / "etc/scraped/credentials") == (0, 0, 0o700)
    for name, source in _credential_paths_of_unit().items():
        path = root / source.lstrip("/")
        assert _owner_mode(path) == (0, 0, 0o600), name
        assert path.read_bytes() == b""  # exists (LoadCredential= needs it), empty = unset
    assert _owner_mode(root / "var/lib/scraped") == (uid, gid, 0o750)
    assert _owner_mode(root / "var/log/scraped") == (uid, gid, 0o750)
    assert not (root / "run/scraped").exists()  # RuntimeDirectory= owns it


def test_tmpfiles_again_keeps_keys_and_fixes_the_config_mode(installed_root):
    root, _, gid = installed_root
    key = root / "etc/scraped/credentials/GROQ_API_KEY"
    key.write_text("placeholder-not-a-key\n")
    config = root / "etc/scraped/scraped.toml"
    config.write_text("# copied by the operator\n")
    config.chmod(0o644)
    _tmpfiles_create(root)  # what boot (systemd-tmpfiles-setup.service) does every time
    assert key.read_text() == "placeholder-not-a-key\n"  # "f" never truncates
    assert _owner_mode(config) == (0, gid, 0o640)


def test_directory_modes_agree_between_unit_and_tmpfiles():
    """systemd 252 does not chmod an existing directory; it logs a warning at each start."""
    modes = {}
    for line in TMPFILES.read_text().splitlines():
        fields = line.split()
        if fields and fields[0] == "d":
            modes[fields[1]] = fields[2]
    assert modes["/etc/scraped"] == _one("ConfigurationDirectoryMode")
    assert modes["/var/lib/scraped"] == _one("StateDirectoryMode")
    assert modes["/var/log/scraped"] == _one("LogsDirectoryMode")
    assert "/run/scraped" not in modes


def test_sysusers_names_the_unit_user():
    entries = [line.split() for line in SYSUSERS.read_text().splitlines()
               if line.strip() and not line.lstrip().startswith("#")]
    assert [(e[0], e[1]) for e in entries] == [("u", _one("User"))]


# ------------------------------------------------- the daemon under the unit's process sandbox


def _syscall_groups() -> dict[str, list[str]]:
    out = _run(_tool("systemd-analyze"), "syscall-filter", "--no-pager").stdout
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif line.startswith("    ") and not line.strip().startswith("#") and current is not None:
            current.append(line.strip())
    return groups


def _allowed_syscalls() -> list[str]:
    """SystemCallFilter= of the unit, resolved the way systemd does (allow list, then ~ removals)."""
    groups = _syscall_groups()

    def expand(item: str) -> set[str]:
        return set().union(*(expand(i) for i in groups[item])) if item.startswith("@") else {item}

    allowed: set[str] = set()
    for value in _values("SystemCallFilter"):
        deny = value.startswith("~")
        names = set().union(*(expand(i) for i in value.lstrip("~").split()))
        allowed = allowed - names if deny else allowed | names
    # systemd always permits these in allow-list mode (systemd.exec(5)).
    return sorted(allowed | {"execve", "exit", "exit_group", "getrlimit", "rt_sigreturn", "sigreturn"})


def _sandbox_exec(spec_json: str, argv: list[str]) -> None:
    """Child side: NoNewPrivileges, MemoryDenyWriteExecute, the seccomp filter, then exec."""
    spec = json.loads(spec_json)
    libc = ctypes.CDLL(None, use_errno=True)
    seccomp = ctypes.CDLL(spec["libseccomp"], use_errno=True)
    seccomp.seccomp_init.restype = ctypes.c_void_p
    seccomp.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]

    class ArgCmp(ctypes.Structure):
        _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                    ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]

    allow, eq = 0x7FFF0000, 4  # SCMP_ACT_ALLOW, SCMP_CMP_EQ
    assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
    if spec["mdwe"]:
        assert libc.prctl(65, 1, 0, 0, 0) == 0  # PR_SET_MDWE: PR_MDWE_REFUSE_EXEC_GAIN
    ctx = ctypes.c_void_p(seccomp.seccomp_init(0x00050000 | spec["errno"]))  # SCMP_ACT_ERRNO
    for name in spec["allowed"]:
        nr = seccomp.seccomp_syscall_resolve_name(name.encode())
        if nr >= 0 and name != "socket":
            assert seccomp.seccomp_rule_add(ctx, allow, nr, 0) == 0, name
    nr = seccomp.seccomp_syscall_resolve_name(b"socket")
    for family in spec["families"]:  # RestrictAddressFamilies=
        assert seccomp.seccomp_rule_add(ctx, allow, nr, 1, ArgCmp(0, eq, family, 0)) == 0
    assert seccomp.seccomp_load(ctx) == 0, os.strerror(ctypes.get_errno())
    os.execv(argv[0], argv)


def _mdwe_supported() -> bool:
    """PR_GET_MDWE exists from Linux 6.3; older kernels answer EINVAL."""
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(66, 0, 0, 0, 0) >= 0


def _sandbox_spec() -> dict:
    libseccomp = ctypes.util.find_library("seccomp")
    if libseccomp is None:
        pytest.skip("libseccomp is not installed: cannot apply the unit's SystemCallFilter= here")
    assert _one("MemoryDenyWriteExecute") == "yes" and _one("NoNewPrivileges") == "yes"
    return {"libseccomp": libseccomp, "mdwe": _mdwe_supported(), "allowed": _allowed_syscalls(),
            "errno": getattr(errno, _one("SystemCallErrorNumber")),
            "families": [int(getattr(socket, f)) for f in _one("RestrictAddressFamilies").split()]}


_PROBE = """
import mmap, os, socket
def denied(fn):
    try:
        fn()
    except OSError as exc:
        return exc.errno
    return 0
print(denied(lambda: os.setuid(0)), denied(lambda: os.nice(1)),
      denied(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)),
      denied(lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)),
      denied(lambda: socket.socket(socket.AF_INET6).close()))
"""


def test_the_emulated_sandbox_really_denies(tmp_path):
    """Guards the test below against passing vacuously: the sandbox must bite."""
    spec = _sandbox_spec()
    proc = _run(sys.executable, __file__, "--sandbox-exec", json.dumps(spec), "--", sys.executable, "-c", _PROBE)
    assert proc.returncode == 0, proc.stderr
    setuid, nice, netlink, wx, inet6 = map(int, proc.stdout.split())
    assert setuid == nice == errno.EPERM  # ~@privileged @resources, SystemCallErrorNumber=EPERM
    assert netlink == errno.EPERM  # RestrictAddressFamilies= (systemd itself says EAFNOSUPPORT)
    assert inet6 == 0
    if spec["mdwe"]:
        assert wx == errno.EACCES  # MemoryDenyWriteExecute=


@pytest.mark.slow  # the daemon's own start-up takes seconds
def test_daemon_runs_under_the_units_syscall_filter_and_mdwe(tmp_path):
    from tests.daemon_harness import REPO, DaemonProcess

    spec = _sandbox_spec()
    mdwe = spec["mdwe"]

    class SandboxedDaemon(DaemonProcess):
        def start(self, wait: bool = True, args: tuple[str, ...] = ()) -> DaemonProcess:
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    [sys.executable, __file__, "--sandbox-exec", json.dumps(spec), "--",
                     sys.executable, "-m", "scraped.daemon", "--config", str(self.config_path), *args],
                    cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if wait:
                self.wait_ready()
            return self

    print(f"sandbox: {len(spec['allowed'])} syscall names allowed, MDWE {'on' if mdwe else 'unsupported by this kernel'}")
    with SandboxedDaemon(tmp_path, notify=True, watchdog_usec=2_000_000) as d:
        d.notify.wait_for("READY=1")
        d.notify.wait_for("WATCHDOG=1")
        assert d.ctl("status").returncode in (0, 3), d.log()  # 3: degraded (no AI keys, say)
        d.ctl("health")  # exercises every component's probe (psutil, disk, store)
        seen = len(d.notify.messages)
        d.send_signal(signal.SIGHUP)
        reloaded = d.notify.wait_for("RELOADING=1", after=seen)
        d.notify.wait_for("READY=1", after=reloaded)
        assert d.stop() == 0, d.log()
        d.notify.wait_for("STOPPING=1")
    assert "Operation not permitted" not in d.log() and "Traceback" not in d.log(), d.log()


if __name__ == "__main__" and sys.argv[1:2] == ["--sandbox-exec"]:
    _sandbox_exec(sys.argv[2], sys.argv[4:])


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a child other groups needs root")
def test_peer_groups_come_from_the_kernel_not_from_proc(tmp_path):
    """ProtectProc=invisible hides other users' /proc/<pid>: the control server must get a
    peer's supplementary groups from SO_PEERGROUPS. A client started with extra groups
    connects; given a pid with no /proc entry, its groups still come back complete."""
    from scraped.control import _groups_of

    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen(1)
        child = subprocess.Popen([sys.executable, "-c", "import socket, sys, time; s = socket.socket(socket.AF_UNIX); "
                                  "s.connect(sys.argv[1]); time.sleep(10)", path], extra_groups=[4242, 4343])
        try:
            server.settimeout(10)
            conn, _ = server.accept()
            with conn:
                no_such_pid = 2**22 + 7  # above pid_max's ceiling: /proc has no such entry
                assert {4242, 4343} <= _groups_of(conn, no_such_pid, 0)
        finally:
            child.kill()
            child.wait()
