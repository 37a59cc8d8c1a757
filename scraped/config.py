"""The daemon's configuration: one frozen `Config` built from a TOML file.

Sections are declared where they are used (engine, ai, ops each own theirs); this module
composes them, loads a file with `tomllib`, and reports every problem by key path.
Secrets never come from the file (see `scraped.secrets`).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scraped import paths
from scraped.ai.ai_config import AIConfig
from scraped.engine.engine_config import EngineConfig
from scraped.errors import ConfigError
from scraped.ops.ops_config import OpsConfig
from scraped.settings import changed_keys, load_section, render_section, setting, to_dict


@dataclass(frozen=True)
class DaemonConfig:
    """The daemon process and its control socket."""

    socket: str = setting("", "Control socket path. Empty: /run/scraped/control.sock for root,\n"
                          "$XDG_RUNTIME_DIR/scraped/control.sock for others.", live=False)
    socket_mode: int = setting(0o660, "Permission bits of the control socket.",
                               live=False, minimum=0, maximum=0o777, octal=True)
    socket_group: str = setting("", "Group that owns the socket; its members may run read commands.\n"
                                "Empty: the daemon's own group.", live=False)
    admin_uids: tuple[int, ...] = setting((), "Uids allowed to run mutating commands besides root\n"
                                          "and the daemon's own uid.")
    admin_groups: tuple[str, ...] = setting((), "Groups whose members may run mutating commands.")
    state_dir: str = setting("", "Where the embedded store, backups and spool live. Empty:\n"
                             "$STATE_DIRECTORY, /var/lib/scraped for root, ~/.local/state/scraped otherwise.",
                             live=False)
    max_frame_bytes: int = setting(1 << 20, "Largest control request accepted, in bytes.",
                                   minimum=1024, maximum=64 << 20)
    max_connections: int = setting(64, "Control connections served at once; more wait (at most as many again,\n"
                                   "each up to idle_timeout), the rest are refused.",
                                   minimum=2, maximum=10_000, live=False)
    reserved_connections: int = setting(4, "Of max_connections, slots only root, the daemon's user and admins\n"
                                        "may use: other local users holding every slot they may cannot lock\n"
                                        "an operator out.", minimum=1, maximum=9_999)
    max_connections_per_uid: int = setting(16, "Connections (served or waiting) one uid other than root, the\n"
                                           "daemon's user and admins may hold; more are refused at once.",
                                           minimum=1, maximum=10_000)
    requests_per_second: float = setting(200.0, "Token-bucket rate of control requests per peer uid.",
                                         minimum=0.1)
    request_burst: int = setting(400, "Burst size of that bucket.", minimum=1)
    idle_timeout: float = setting(300.0, "Seconds an idle control connection is kept open.", minimum=1)
    send_timeout: float = setting(30.0, "Seconds one reply (or one part of a streamed reply) may take to be\n"
                                  "sent; a peer that stops reading is disconnected.", minimum=1, maximum=3600)
    shutdown_grace: float = setting(10.0, "Seconds running work gets to checkpoint on SIGTERM.",
                                    minimum=0, maximum=600)
    log_level: str = setting("info", "debug, info, warning or error.",
                             choices=("debug", "info", "warning", "error"))

    def validate(self) -> list[str]:
        if self.reserved_connections >= self.max_connections:
            return [f"reserved_connections: must be below max_connections ({self.max_connections}), "
                    f"got {self.reserved_connections}"]
        return []

    def socket_path(self) -> Path:
        return Path(self.socket or paths.default_socket_path())

    def state_path(self) -> Path:
        return Path(self.state_dir or paths.default_state_dir())


@dataclass(frozen=True)
class StoreConfig:
    """Where questions, jobs and operational data are kept."""

    uri: str = setting("", "Empty: the embedded SQLite store in state_dir. mongodb://...: MongoDB\n"
                       "(TLS and auth options go in the URI).", live=False)
    sqlite_file: str = setting("scraped.db", "File name of the SQLite store inside state_dir.", live=False)
    sqlite_synchronous: str = setting("full", "SQLite durability: full fsyncs every commit (a power loss or a kernel\n"
                                      "read-only remount loses nothing committed); normal syncs the WAL only at\n"
                                      "checkpoints: about 6 % faster crawls and ~2x faster single writes, but the\n"
                                      "last commits (a job just submitted) can be lost on power loss.",
                                      choices=("full", "normal"), live=False)
    database: str = setting("production_scraping_db", "MongoDB database name.", live=False)
    threads: int = setting(4, "Worker threads for blocking store calls.", minimum=1, maximum=64,
                           live=False)
    timeout: float = setting(10.0, "Seconds a store call may take before it counts as failed.",
                             minimum=0.1)
    connect_timeout: float = setting(5.0, "Seconds to connect / select a MongoDB server.",
                                     minimum=0.1, live=False)
    spool_max_bytes: int = setting(256 << 20, "MongoDB outages: writes go to a local spool (state_dir/spool/)\n"
                                   "and are replayed in order when the database answers; at most this\n"
                                   "many bytes. 0: no spool (writes fail while the database is down).",
                                   minimum=0, live=False)
    spool_retry_max: float = setting(30.0, "Longest wait in seconds between two replays of the spool.",
                                     minimum=0.1, maximum=3600, live=False)
    check_interval: float = setting(3600.0, "SQLite: seconds between two `PRAGMA quick_check` runs of the store file\n"
                                    "(it also runs at every start; a damaged file stops the start). Health\n"
                                    "reports the last result. 0: only at start.", minimum=0, maximum=7 * 86400)
    slow_ms: float = setting(100.0, "db slow-ops: operations at least this slow (ms) in MongoDB's profiler.",
                             minimum=0)
    mongodump: str = setting("", "MongoDB backups: \"auto\" uses the mongodump binary on PATH, a path names\n"
                             "one; empty: the built-in BSON writer (same layout, nothing to install).",
                             live=False)

    @property
    def backend(self) -> str:
        return "mongodb" if self.uri.startswith(("mongodb://", "mongodb+srv://")) else "sqlite"

    def validate(self) -> list[str]:
        problems = []
        if self.uri and self.backend != "mongodb":
            problems.append("uri: must start with mongodb:// or mongodb+srv:// (or be empty for SQLite)")
        if 0 < self.check_interval < 60:
            problems.append(f"check_interval: 0 (only at start) or at least 60 seconds, got {self.check_interval:g}")
        if self.mongodump not in ("", "auto") and not self.mongodump.startswith("/"):
            problems.append('mongodump: must be "", "auto" or an absolute path to the binary')
        return problems


@dataclass(frozen=True)
class Config:
    daemon: DaemonConfig = setting(factory=DaemonConfig)
    store: StoreConfig = setting(factory=StoreConfig)
    engine: EngineConfig = setting(factory=EngineConfig)
    ai: AIConfig = setting(factory=AIConfig)
    ops: OpsConfig = setting(factory=OpsConfig)


def parse_config(data: dict[str, Any], source: str | None = None) -> Config:
    problems: list[str] = []
    config = load_section(Config, data, "", problems)
    if problems:
        raise ConfigError(problems, source)
    return config


def load_config(path: str | Path | None) -> Config:
    """Read and validate a config file; a missing default file means all defaults."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(["file not found"], str(path)) from None
    except OSError as exc:
        raise ConfigError([f"cannot read: {exc.strerror}"], str(path)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError([f"not UTF-8 at byte {exc.start}"], str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], str(path)) from None
    return parse_config(data, str(path))


def restart_needed(old: Config, new: Config) -> list[str]:
    """Key paths that changed but only take effect after a restart."""
    return [key for key, live in changed_keys(old, new) if not live]


def show(config: Config) -> dict[str, Any]:
    return to_dict(config, redact=True, display=True)


def render_default_config() -> str:
    """The commented default config file (`etc/scraped.toml`)."""
    header = [
        "# scraped configuration. Every key is shown commented out with its default value;",
        "# uncomment a key to change it. Reload with `systemctl reload scraped` (SIGHUP).",
        "# Secrets (API keys) never go here: they come from the environment",
        "# (GEMINI_API_KEY, GROQ_API_KEY, HUGGINGFACE_API_TOKEN) or systemd credentials.",
        "",
    ]
    body: list[str] = []
    for f in dataclasses.fields(Config):
        body.extend(render_section(f.default_factory, f.name))  # type: ignore[arg-type]
        body.append("")
    return "\n".join(header + body).rstrip() + "\n"
