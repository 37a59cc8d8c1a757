"""100,000 hostile control frames against a real daemon, from root and from local users.

Frames (reliability/frames.py): hypothesis-generated envelopes and bodies, random bytes,
lying lengths, wrong argument types, unknown commands, near-limit strings, deep nesting,
and valid reads (distinct 64 K search strings among them: the daemon's memory must stay
bounded under valid requests). Connections: each of 4 local uids (members of the socket's
group, as a read-only operator account is) holds every slot it may, idle, through the
flood and tries more; slow-drip senders; a connect/close flood. Meanwhile a well-behaved
root client runs `status` on a new connection every 20 ms (as scrapedctl does).

Figures: daemon crashes, hangs (no reply within 10 s, or `hello` unanswered after),
malformed replies, replies missing where one is owed, internal errors, RSS before /
peak / after, the root client's status p99 before and during the flood, stored security
rows (and the most per peer, kind and minute), unique errors in the tracker.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reliability import frames
from reliability.common import Budget, Report, daemon, rss_mb
from reliability.peers import Probe, Sampler, dripper, drop_to, flooder, holder
from scraped.client import Client

SECTION = "fuzz"
LOCAL_UIDS = (40001, 40002, 40003, 40004)  # local users in the socket's group
IDLE_TIMEOUT = 10.0  # the fuzzed daemon's daemon.idle_timeout (300 s by default): drips end in time


def config(idle_timeout: float) -> dict[str, Any]:
    return {"daemon": {"socket_group": "nogroup", "socket_mode": 0o660, "idle_timeout": idle_timeout,
                       "send_timeout": 5.0, "requests_per_second": 2000.0, "request_burst": 2000}}

# (kind, share of the frames, connection: "keep" reuses one, "fresh" one per frame)
PLAN = (("hypothesis envelopes", 0.04, "keep"), ("hypothesis bodies", 0.02, "fresh"),
        ("random bytes", 0.15, "fresh"), ("bad lengths", 0.06, "fresh"), ("wrong types", 0.20, "keep"),
        ("unknown commands", 0.15, "keep"), ("huge strings", 0.003, "keep"), ("deep nesting", 0.02, "fresh"),
        ("valid reads", 0.357, "keep"))  # hypothesis draws ~150 examples/s here: 6 % of the frames


def _generator(kind: str, rng: random.Random) -> Callable[[int], tuple[bytes, str]]:
    simple = {"wrong types": frames.wrong_types, "unknown commands": frames.unknown_command,
              "valid reads": frames.valid, "huge strings": frames.huge_string}
    if kind in simple:
        fn = simple[kind]
        return lambda i: (fn(rng, i), "reply")
    if kind == "deep nesting":
        return lambda i: frames.deep(rng, i)
    if kind == "random bytes":
        return lambda i: (frames.garbage(rng), "reply")
    if kind == "bad lengths":
        return lambda i: frames.bad_length(rng)
    raise ValueError(kind)


class Sender:
    """Sends frames one by one (a fresh connection each, or one kept) and checks each reply."""

    def __init__(self, path: str, fresh: bool, out: Counter[str], deadline: float):
        self.path, self.fresh, self.out, self.deadline = path, fresh, out, deadline
        self.conn: frames.Conn | None = None

    @property
    def expired(self) -> bool:
        return time.monotonic() > self.deadline

    def one(self, req_id: int | None, data: bytes, owed: str) -> None:
        out = self.out
        if self.conn is None or self.fresh:
            self.close()
            try:
                self.conn = frames.Conn(self.path)
            except OSError as exc:
                out[f"connect failed: {exc.strerror}"] += 1
                return
        conn = self.conn
        out["frames"] += 1
        sent = conn.send(data)
        if owed == "none":
            self.close()
            return
        what, obj = conn.reply()
        if what == "reply":
            problem = frames.check_reply(obj, frames.ANY_ID if req_id is None else req_id)
            if problem:
                out["malformed"] += 1
                out[f"malformed: {problem}"] += 1
            else:
                out["replies"] += 1
                out["code " + ("ok" if obj["ok"] else obj["error"]["code"])] += 1
            return
        if what == "hang":
            out["hangs"] += 1
        elif what == "malformed":
            out["malformed"] += 1
            out[f"malformed: {obj}"] += 1
        else:
            out["missing" if sent else "closed before sent"] += 1
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _hypothesis_run(kind: str, n: int, seed: int, sender: Sender) -> None:
    """Examples drawn by hypothesis (its generate phase, no shrinking, no database), each
    sent as it is drawn."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    scalar = (st.none() | st.booleans() | st.integers(-(1 << 63), (1 << 64) - 1) | st.floats()
              | st.text(max_size=40) | st.binary(max_size=40))
    value = st.recursive(scalar, lambda c: st.lists(c, max_size=5) | st.dictionaries(st.text(max_size=12), c,
                                                                                   max_size=5), max_leaves=20)
    strategy: Any
    if kind == "hypothesis envelopes":
        strategy = st.fixed_dictionaries(
            {"v": st.sampled_from([1, 1, 1, 0, 2, True, 1.0, "1", None]),
             "cmd": st.sampled_from(frames.COMMANDS) | st.text(max_size=30)},
            optional={"args": value | st.dictionaries(st.sampled_from(["id", "limit", "skip", "search", "spec",
                                                                       "component", "x"]), value, max_size=4),
                      "extra": value})
        encode = "envelope"
    else:
        strategy = st.binary(min_size=0, max_size=600) | value.map(
            lambda v: frames.msgpack.packb(v, use_bin_type=True))
        encode = "body"
    sent = [0]

    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=False)
    @given(strategy)
    def draw(example: Any) -> None:
        if sent[0] >= n or sender.expired:
            return
        sent[0] += 1
        if encode == "envelope":
            example = {**example, "id": sent[0]}
            try:
                data = frames.pack(example)
            except (OverflowError, ValueError, TypeError):  # not representable in msgpack
                sender.out["not encodable"] += 1
                return
            sender.one(sent[0], data, "reply")
        else:
            sender.one(None, frames.frame(example), "reply")

    random.seed(seed)
    draw()
    if sent[0] < n:
        sender.out["stopped for time"] += n - sent[0]


def worker(path: str, kind: str, n: int, seed: int, uid: int | None, seconds: float, q: Any) -> None:
    drop_to(uid)
    out: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    fresh = dict((k, c) for k, _, c in PLAN)[kind] == "fresh"
    sender = Sender(path, fresh, out, deadline)
    try:
        if kind.startswith("hypothesis"):
            _hypothesis_run(kind, n, seed, sender)
        else:
            gen = _generator(kind, random.Random(seed))
            known_id = kind not in ("random bytes", "bad lengths", "deep nesting")
            for i in range(1, n + 1):
                if sender.expired:
                    out["stopped for time"] += n - i + 1
                    break
                data, owed = gen(i)
                sender.one(i if known_id else None, data, owed)
        sender.close()
    except Exception as exc:
        out[f"worker error: {type(exc).__name__}: {exc}"[:160]] += 1
    q.put((kind, dict(out)))




# ---------------------------------------------------------------- the run


def _spawn(ctx: Any, target: Callable[..., None], *args: Any) -> Any:
    p = ctx.Process(target=target, args=args, daemon=True)
    p.start()
    return p


def _collect(q: Any, procs: list[Any], timeout: float) -> list[tuple[str, dict[str, Any]]]:
    got: list[tuple[str, dict[str, Any]]] = []
    deadline = time.monotonic() + timeout
    while len(got) < len(procs) and time.monotonic() < deadline:
        try:
            got.append(q.get(timeout=max(0.1, deadline - time.monotonic())))
        except Exception:
            break
    for p in procs:
        p.join(timeout=max(0.1, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
    return got


def run(report: Report, *, frames: int = 100_000, seconds: float = 170.0, short: bool = False) -> None:
    budget = Budget(seconds)
    idle_timeout = 3.0 if short else IDLE_TIMEOUT
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    with tempfile.TemporaryDirectory(prefix="rel-fuzz-") as tmp:
        d = daemon(Path(tmp), config(idle_timeout))
        with d:
            os.chmod(d.rundir, 0o755)  # local users reach the socket (mode 0660, group nogroup)
            path = str(d.socket_path)
            assert d.proc is not None
            pid = d.proc.pid
            probe, sampler = Probe(d.socket_path), Sampler(pid)
            probe.start()
            sampler.start()
            time.sleep(2.0)
            base_n, rss_before = len(probe.lat), rss_mb(pid)
            base_p99 = probe.p99_ms()

            # Phase 1: local users hold every slot they may, drip, and flood connections.
            hold_s = idle_timeout + 6
            probe.phase = "slots held"
            procs = [_spawn(ctx, holder, path, uid, hold_s, q) for uid in LOCAL_UIDS]
            procs.append(_spawn(ctx, dripper, path, 40005, 3 if short else 8, idle_timeout, q))
            procs.append(_spawn(ctx, flooder, path, 40006, 300 if short else 3000, q))
            slots_n = len(probe.lat)
            conn_results = _collect(q, procs, budget.cap(hold_s + 30))
            slots_p99 = probe.p99_ms(slots_n)
            slots_root = len(probe.lat) - slots_n

            # Phase 2: the frames, from root (per-pid buckets) and one local uid (valid reads).
            flood_n = len(probe.lat)
            probe.phase = "frame flood"
            failed_before = sum(probe.failed.values())
            procs = []
            for i, (kind, share, _) in enumerate(PLAN):
                n = max(1, round(frames * share))
                uid = 40010 if kind == "valid reads" else None
                procs.append(_spawn(ctx, worker, path, kind, n, 1000 + i, uid, budget.cap(budget.left - 8), q))
            frame_results = _collect(q, procs, budget.cap(budget.left - 4))
            flood_p99 = probe.p99_ms(flood_n)
            probe.stop.set()
            sampler.stop.set()
            alive = d.proc.poll() is None
            hello_ok = False
            if alive:
                try:
                    with Client(d.socket_path, timeout=5) as c:
                        hello_ok = c.call("hello")["server"] == "scraped"
                    time.sleep(1.0)
                    with Client(d.socket_path, timeout=10) as c:
                        sec = c.call("security.events", limit=1000)
                        errs = c.call("errors.stats")
                        perf = c.call("perf")
                    rows = (perf.get("performance_metrics") or {}).get("cmd:status") or {}
                    report.add(SECTION, "status p99 inside the daemon, whole run (ms)", rows.get("p99_ms", "?"))
                except Exception as exc:
                    report.note(SECTION, f"after the flood: {type(exc).__name__}: {exc}")
                    sec, errs = {}, {}
            rss_after = rss_mb(pid)
            log = d.log()
        _figures(report, frames, frame_results, conn_results, alive, hello_ok, sec if alive else {},
                 errs if alive else {}, log, (rss_before, sampler.peak, rss_after),
                 (base_p99, slots_p99, slots_root, flood_p99, len(probe.lat) - flood_n,
                  sum(probe.failed.values()) - failed_before, dict(probe.failed)), base_n, idle_timeout)


def _figures(report: Report, planned: int, frame_results: list[Any], conn_results: list[Any], alive: bool,
             hello_ok: bool, sec: dict[str, Any], errs: dict[str, Any], log: str,
             rss: tuple[float, float, float], lat: tuple[Any, ...], base_n: int, idle_timeout: float) -> None:
    total: Counter[str] = Counter()
    for kind, out in frame_results:
        total.update(out)
        if out.get("stopped for time"):
            report.note(SECTION, f"{kind}: {out['stopped for time']} frames not sent (out of time)")
    missing_kinds = {k for k, _, _ in PLAN} - {k for k, _ in frame_results}
    if missing_kinds:
        report.note(SECTION, f"no figures from: {', '.join(sorted(missing_kinds))} (worker killed at the deadline)")
    add = report.add
    add(SECTION, "frames sent / planned", f"{total['frames']:,} / {planned:,}", "all",
        ok=total["frames"] >= planned * 0.98)
    add(SECTION, "daemon crashes", 0 if alive else 1, "0", ok=alive)
    add(SECTION, "tracebacks in the daemon's log", log.count("Traceback"), "0", ok="Traceback" not in log)
    add(SECTION, "hangs (no reply in 10 s; hello after)", total["hangs"] + (0 if hello_ok else 1), "0",
        ok=total["hangs"] == 0 and hello_ok)
    add(SECTION, "malformed replies", total["malformed"], "0", ok=total["malformed"] == 0)
    add(SECTION, "owed replies missing (closed without one)", total["missing"], "0", ok=total["missing"] == 0)
    codes = {k[5:]: v for k, v in sorted(total.items()) if k.startswith("code ")}
    add(SECTION, "replies by code", codes)
    add(SECTION, "internal-error replies", codes.get("internal", 0), "0", ok=codes.get("internal", 0) == 0)
    odd = {k: v for k, v in total.items() if k.startswith(("malformed:", "worker error", "connect failed"))}
    for k, v in list(odd.items())[:5]:
        report.note(SECTION, f"{k}: {v}")
    before, peak, after = rss
    add(SECTION, "daemon RSS before / peak / after (MB)", f"{before:.0f} / {peak:.0f} / {after:.0f}", "< 150",
        ok=peak < 150)
    base_p99, slots_p99, slots_root, flood_p99, flood_root, failed, failures = lat
    add(SECTION, f"root status p99 idle ({base_n} calls) (ms)", round(base_p99, 1))
    add(SECTION, f"root status p99 while local users hold every slot ({slots_root} calls) (ms)",
        round(slots_p99, 1), "< 50", ok=slots_p99 < 50)
    add(SECTION, f"root status p99 during the frame flood ({flood_root} calls) (ms)", round(flood_p99, 1),
        "< 50", ok=flood_p99 < 50)
    add(SECTION, "root status calls failed", sum(failures.values()), "0", ok=not failures)
    for k, v in failures.items():
        report.note(SECTION, f"root status failed ({v}x) {k}")
    conn = {k: v for k, v in conn_results}
    holders = [v for k, v in conn_results if k == "holder"]
    held = sum(h["held"] for h in holders)
    add(SECTION, f"local-user slots held / refused ({len(holders)} uids)",
        f"{held} / {sum(h['refused'] for h in holders)}")
    if "drip" in conn:
        drip = conn["drip"]
        add(SECTION, "slow-drip connections cut / opened (max s)",
            f"{drip['cut']} / {drip['connections']} ({drip['cut_after_max_s']})",
            f"all, by idle_timeout {idle_timeout:g} s", ok=drip["cut"] == drip["connections"])
    if "flood" in conn:
        add(SECTION, "connection flood: connections / connect failures",
            f"{conn['flood']['connections']:,} / {conn['flood']['connect failed']}")
    rows = sec.get("events", [])
    per = Counter((r.get("minute"), r.get("peer_uid"), r.get("kind")) for r in rows)
    add(SECTION, "security events counted / rows stored",
        f"{sum(sec.get('counts_since_start', {}).values()):,} / {sec.get('total_stored', '?')}")
    add(SECTION, "stored rows per peer, kind and minute (max)", max(per.values(), default=0), "<= 1",
        ok=max(per.values(), default=0) <= 1)
    add(SECTION, "security events dropped", sec.get("dropped", "?"))
    add(SECTION, "unique errors in the tracker", errs.get("total_unique_errors", "?"), "bounded (< 50)",
        ok=isinstance(errs.get("total_unique_errors"), int) and errs["total_unique_errors"] < 50)
