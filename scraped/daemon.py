"""The `scraped` daemon: entry point, root nursery, lifecycle, signals, sd_notify.

    scraped [--config FILE]                run in the foreground (systemd, make run)
    scraped --daemonize --pidfile PATH     detach (hosts without systemd)
    scraped --check-config FILE            validate and exit 0/1
    scraped --print-default-config         the commented default config
    scraped --print-job-reference          docs/jobs.md, from the job spec's declarations
    scraped extract PAGE [...]             run extraction on one page, no daemon

Lifecycle: lock the state directory (one daemon per state: a second `scraped` on the
same config exits at once, before it opens the store, so it cannot take the live
daemon's running jobs for crashed ones), open the store, start every service with `nursery.start` (each reports ready
only when it is), listen on the control socket, then READY=1. SIGHUP reloads the config
(an invalid file keeps the old one); SIGTERM/SIGINT stop accepting, give running work
`daemon.shutdown_grace` seconds to checkpoint, and exit 0.

A start-up failure is one line on stderr (`scraped: cannot start: ...`), STATUS= and
ERRNO= to systemd, and a sysexits status (see START_EXIT): 64 usage, 69 a dependency is
unavailable, 70 internal error, 71 OS error, 73 cannot create a file or socket, 75 another
scraped holds the state directory or socket, 77 permission denied, 78 invalid config.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trio

from scraped import __version__, core_commands, errors, logs, paths
from scraped.api import all_commands
from scraped.app import App
from scraped.config import Config, load_config, render_default_config, restart_needed
from scraped.control import ControlServer
from scraped.sdnotify import Notifier
from scraped.secrets import Secrets
from scraped.settings import changed_keys
from scraped.startup import (
    EX_SOFTWARE,
    EX_TEMPFAIL,
    EX_USAGE,
    leaves,
    lock_state_dir,
    start_failure,
)
from scraped.store import open_store

if TYPE_CHECKING:  # imported when the daemon builds them: `scraped extract` stays light
    from scraped.ai.ai_service import AIService
    from scraped.engine.engine_service import EngineService
    from scraped.ops.data_service import DataService
    from scraped.ops.ops_service import OpsService
    from scraped.scheduler import SchedulerService
    from scraped.service import Service

Reload = Callable[[str], Awaitable[dict[str, Any]]]

log = logging.getLogger("scraped.daemon")


@dataclass(frozen=True)
class Services:
    """The daemon's long-lived services, each built with the others it uses."""

    scheduler: SchedulerService
    ai: AIService
    engine: EngineService
    ops: OpsService
    data: DataService

    def in_start_order(self) -> list[Service]:
        """A service starts after those it was given (the engine's jobs find the AI service
        ready; tasks registered with the scheduler run once it runs); ops, which watches
        the others, last. They checkpoint in the reverse order at shutdown."""
        return [self.scheduler, self.ai, self.engine, self.data, self.ops]


def build_services(app: App, clock: Callable[[], float] = time.time) -> Services:
    """The composition root: every service and what it needs, passed in (no service finds
    another through `App`). `app` gives the config, secrets, the open store and the
    telemetry (perf, errors, security); `clock` drives the engine's and the scheduler's
    timing (epoch seconds)."""
    from scraped.ai.ai_service import AIService
    from scraped.engine.engine_service import EngineService
    from scraped.ops.alerts import Alerts
    from scraped.ops.data_service import DataService
    from scraped.ops.ops_service import OpsService
    from scraped.scheduler import SchedulerService

    scheduler = SchedulerService(app, clock=clock)
    ai = AIService(app)
    alerts = Alerts(app, app.errors)  # the monitors' and the engine's storage alerts, one webhook
    engine = EngineService(app, ai=ai, alerts=alerts, clock=clock)
    ops = OpsService(app, scheduler=scheduler, engine=engine, alerts=alerts)
    data = DataService(app, scheduler=scheduler, quiesce=(engine, ai))  # a restore pauses both
    return Services(scheduler=scheduler, ai=ai, engine=engine, ops=ops, data=data)


def _collect_handlers(app: App, reload: Reload, control: ControlServer) -> dict[str, Any]:
    from scraped.bank.commands import handlers as bank_handlers

    table: dict[str, Any] = dict(core_commands.handlers(app, reload, control))
    table.update(bank_handlers(app))
    for service in app.services:
        for name, handler in service.handlers().items():
            if name in table:
                raise RuntimeError(f"command {name} is handled twice")
            table[name] = handler
    unknown = sorted(set(table) - set(all_commands()))
    if unknown:
        raise RuntimeError(f"handlers for undeclared commands: {', '.join(unknown)}")
    return table


class Daemon:
    def __init__(self, app: App, notifier: Notifier):
        self.app = app
        self.notifier = notifier
        self.control: ControlServer | None = None
        self._stopping = False
        self._reload_lock = trio.Lock()
        self.services: Services | None = None
        self.ready = False

    # ------------------------------------------------------------ reload
    async def reload(self, source: str = "SIGHUP") -> dict[str, Any]:
        """Validate the file again; apply it live, or keep the old config and say why."""
        app = self.app
        async with self._reload_lock:
            if app.config_path is None:
                raise errors.Conflict("the daemon was started without a config file; nothing to reload")
            try:
                new = await trio.to_thread.run_sync(load_config, app.config_path)
            except errors.ConfigError as exc:
                log.error("reload refused (%s): %s; still running on the previous config", source, exc,
                          extra={"config_file": str(app.config_path), "problems": "; ".join(exc.problems)})
                raise
            self.notifier.reloading()
            old = app.config
            app.secrets = Secrets.load()
            logs.set_secrets(app.secrets.values())
            app.config = new
            logs.set_level(new.daemon.log_level)
            for service in app.services:
                try:
                    await service.reload(old, new)
                except Exception as exc:
                    app.capture_exception(exc, category="reload", context={"service": service.name})
            changed = [k for k, _ in changed_keys(old, new)]
            needs_restart = restart_needed(old, new)
            self.notifier.ready(f"running; config reloaded ({len(changed)} changes)")
            log.info("config reloaded from %s (%s): %d changed, %d need a restart", app.config_path, source,
                     len(changed), len(needs_restart))
            return {"path": str(app.config_path), "changed": changed,
                    "applied": [k for k in changed if k not in needs_restart],
                    "restart_needed": needs_restart}

    # ------------------------------------------------------------ run
    async def run(self) -> None:
        app = self.app
        # First of all, before the store opens: recover() would take a live daemon's
        # RUNNING jobs (same host, same state dir) for crashed ones.
        self.notifier.status("locking the state directory")
        lock_fd = await trio.to_thread.run_sync(lock_state_dir, app.state_dir)
        try:
            await self._run_locked()
        finally:
            os.close(lock_fd)

    async def _run_locked(self) -> None:
        app = self.app
        # Bound before the store opens and any service starts: a socket in use or unusable
        # fails the start before the engine's recovery takes a job for a crashed one.
        self.notifier.status("binding the control socket")
        control = ControlServer(app)
        control.bind()
        try:
            await self._serve(control)
        finally:
            control.close()

    async def _serve(self, control: ControlServer) -> None:
        app = self.app
        self.notifier.status("opening store")
        app.store = open_store(app.config, app.state_dir)
        await app.store.open()
        try:
            async with trio.open_nursery() as root:
                spool_run = getattr(app.store, "run", None)  # MongoDB's outage spool replays
                if spool_run is not None:
                    await root.start(spool_run)
                self.services = build_services(app)
                app.services = self.services.in_start_order()
                for service in app.services:
                    self.notifier.status(f"starting {service.name}")
                    await root.start(service.run)
                # Accepts once every handler is in place (bound since the start).
                app.handlers = _collect_handlers(app, self.reload, control)
                self.control = await root.start(control.run)
                root.start_soon(self._watchdog)
                self.ready = True
                self.notifier.ready(f"running; control socket {self.control.path}")
                log.info("scraped %s ready: store %s, socket %s", __version__, app.store.backend,
                         self.control.path)
                await self._signals(root)
        finally:
            with trio.CancelScope(shield=True):
                await app.store.close()
        log.info("scraped stopped")

    async def _signals(self, root: trio.Nursery) -> None:
        # When the receiver closes, trio restores the handlers it found and re-raises any
        # signal still queued in it: with the defaults back, a SIGHUP or second SIGTERM
        # during shutdown killed the daemon by that signal. Found ignored, they are dropped.
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT, signal.SIGHUP) as signals:
            async for signum in signals:
                if signum == signal.SIGHUP:
                    if self._stopping:
                        continue  # a reload while shutting down would race the checkpoint
                    try:
                        await self.reload("SIGHUP")
                    except errors.ConfigError:
                        pass  # logged by reload(); the daemon keeps its old config
                    continue
                await self._shutdown(signal.Signals(signum).name)
                root.cancel_scope.cancel()
                return

    async def _shutdown(self, why: str) -> None:
        self._stopping = True
        log.info("stopping (%s): checkpointing within %.0f s", why, self.app.config.daemon.shutdown_grace)
        self.notifier.stopping()
        if self.control is not None:
            self.control.stop_accepting()
        with trio.move_on_after(self.app.config.daemon.shutdown_grace) as grace:
            for service in reversed(self.app.services):
                try:
                    await service.checkpoint()
                except Exception as exc:
                    self.app.capture_exception(exc, category="shutdown", context={"service": service.name})
            if self.services is not None:  # what the others reported while they checkpointed
                await self.services.ops.flush()
        if grace.cancelled_caught:
            log.warning("shutdown grace of %.0f s ran out; stopping what is left",
                        self.app.config.daemon.shutdown_grace)

    async def _watchdog(self) -> None:
        """WATCHDOG=1 from a task of the event loop itself: a stuck loop stops the pings."""
        interval = self.notifier.watchdog_interval()
        if interval is None:
            return
        while True:
            self.notifier.watchdog()
            await trio.sleep(interval)


# ---------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    from scraped.cli import UsageParser  # usage errors exit 64, as scrapedctl's do

    p = UsageParser(prog="scraped", description="The scraped daemon.",
                    epilog="scraped extract PAGE [--rules FILE] [--base-url URL] [--json]: run "
                           "extraction on a saved page or URL, no daemon needed (scraped extract --help). Exit statuses: 0 stopped "
                           "cleanly, 64 usage, 69 unavailable, 70 internal, 71 OS error, 73 cannot "
                           "create, 75 state directory or socket in use, 77 permission denied, "
                           "78 invalid config.")
    p.add_argument("--config", metavar="FILE", help="config file (default: $SCRAPED_CONFIG, "
                   "/etc/scraped/scraped.toml for root, ./etc/scraped.toml otherwise, if present)")
    p.add_argument("--check-config", metavar="FILE", help="validate FILE and exit 0 (valid) or 1")
    p.add_argument("--print-default-config", action="store_true", help="print the commented default config")
    p.add_argument("--print-job-reference", action="store_true",
                   help="print the job spec reference (docs/jobs.md), generated from the spec's declarations")
    p.add_argument("--daemonize", action="store_true", help="detach from the terminal (not under systemd)")
    p.add_argument("--pidfile", metavar="PATH", help="with --daemonize: the pid file to write")
    p.add_argument("--log-file", metavar="PATH", help="log here instead of stderr (default with --daemonize: "
                   "STATE_DIR/scraped.log)")
    p.add_argument("--log-format", choices=("auto", "text", "journal", "json"), default="auto")
    p.add_argument("--log-level", choices=("debug", "info", "warning", "error"),
                   help="overrides daemon.log_level until the next reload")
    p.add_argument("--version", action="version", version=f"scraped {__version__}")
    return p


def _check_config(path: str) -> int:
    try:
        load_config(path)
    except errors.ConfigError as exc:
        print(f"{path}: invalid", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{path}: ok")
    return 0


def _config_path(arg: str | None) -> Path | None:
    if arg:
        return Path(arg).resolve()
    default = Path(paths.default_config_path())
    return default.resolve() if default.is_file() else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "extract":
        from scraped.engine.extract.cli import main as extract_main

        return extract_main(argv[1:])
    args = _parser().parse_args(argv)
    if args.print_default_config:
        sys.stdout.write(render_default_config())
        return 0
    if args.print_job_reference:
        from scraped.engine.specdoc import render

        sys.stdout.write(render())
        return 0
    if args.check_config:
        return _check_config(args.check_config)
    config_path = _config_path(args.config)
    notifier = Notifier()
    try:
        config = load_config(config_path) if config_path else Config()
    except errors.ConfigError as exc:
        return _failed(exc, notifier, started=False)
    finally:
        notifier.close()
    if args.daemonize:
        return _daemonize(args, config, config_path)
    if args.log_file:
        try:
            log_file = _open_log(Path(args.log_file))
        except OSError as exc:
            return _failed(exc, Notifier(), started=False)
        with log_file:
            return _serve(args, config, config_path, log_stream=log_file)
    return _serve(args, config, config_path)


def _open_log(path: Path) -> Any:
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (closed by the caller)


def _failed(exc: BaseException, notifier: Notifier, *, started: bool, logged: bool = False) -> int:
    """One line on stderr, the reason to systemd, a sysexits status."""
    status, err, reason = start_failure(exc)
    what = "stopped on an error" if started else "cannot start"
    print(f"scraped: {what}: {reason}", file=sys.stderr, flush=True)
    if logged:  # the log goes to a file (or the journal by another stream): say it there too
        log.error("%s: %s", what, reason, exc_info=status == EX_SOFTWARE)
    notifier.send(f"STATUS={what}: {reason}", f"ERRNO={err}")
    return status


def _serve(args: argparse.Namespace, config: Config, config_path: Path | None,
           log_stream: Any = None) -> int:
    logs.setup(args.log_format, args.log_level or config.daemon.log_level, stream=log_stream)
    secrets = Secrets.load()
    logs.set_secrets(secrets.values())
    app = App(config, config_path, secrets)
    notifier = Notifier()
    daemon = Daemon(app, notifier)
    failure: BaseException | None = None
    try:
        trio.run(daemon.run)
    except* KeyboardInterrupt:
        pass
    except* Exception as group:  # errors inside the root nursery arrive as an ExceptionGroup
        found = leaves(group)
        failure = next((e for e in found if isinstance(e, errors.ScrapedError)), found[0])
    try:
        if failure is None:
            return 0
        if start_failure(failure)[0] == EX_SOFTWARE and log_stream is None:
            log.error("internal error", exc_info=failure)  # a bug: keep its traceback in the log
        return _failed(failure, notifier, started=daemon.ready, logged=log_stream is not None)
    finally:
        notifier.close()


def _daemonize(args: argparse.Namespace, config: Config, config_path: Path | None) -> int:
    """Detach with python-daemon. trio owns the signals (signal_map={}), see FACTS.md."""
    import daemon
    import daemon.pidfile

    if os.environ.get("NOTIFY_SOCKET"):
        print("scraped: --daemonize under systemd Type=notify is wrong; run in the foreground",
              file=sys.stderr)
        return EX_USAGE
    if not args.pidfile:
        print("scraped: --daemonize needs --pidfile PATH", file=sys.stderr)
        return EX_USAGE
    log_path = Path(args.log_file) if args.log_file else config.daemon.state_path() / "scraped.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    pidfile = Path(args.pidfile).resolve()
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (kept by the child)
    context = daemon.DaemonContext(
        working_directory=os.getcwd(),
        umask=0o027,
        pidfile=daemon.pidfile.TimeoutPIDLockFile(str(pidfile), acquire_timeout=2),
        signal_map={},
        stdout=log_file,
        stderr=log_file,
    )
    try:
        with context:
            return _serve(args, config, config_path, log_stream=log_file)
    except Exception as exc:  # the pid lock is held by another daemon, usually
        print(f"scraped: cannot daemonize: {exc}", file=sys.stderr)
        return EX_TEMPFAIL


if __name__ == "__main__":
    sys.exit(main())
