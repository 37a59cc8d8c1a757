"""Default locations, computed the same way by the daemon and by scrapedctl."""

from __future__ import annotations

import os
from pathlib import Path

SOCKET_NAME = "control.sock"


def runtime_dir() -> Path:
    """Where the control socket lives by default.

    root: /run/scraped; others: $XDG_RUNTIME_DIR/scraped, falling back to a private
    per-user directory under the temp dir when XDG_RUNTIME_DIR is unset.
    systemd's RuntimeDirectory= sets $RUNTIME_DIRECTORY, which wins over both.
    """
    if os.environ.get("RUNTIME_DIRECTORY"):
        return Path(os.environ["RUNTIME_DIRECTORY"].split(":")[0])
    if os.geteuid() == 0:
        return Path("/run/scraped")
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return Path(xdg) / "scraped"
    tmp = Path(os.environ.get("TMPDIR") or "/tmp")
    return tmp / f"scraped-{os.geteuid()}"


def default_socket_path() -> Path:
    return runtime_dir() / SOCKET_NAME


def default_state_dir() -> Path:
    """$STATE_DIRECTORY (systemd), /var/lib/scraped for root, else ~/.local/state/scraped."""
    if os.environ.get("STATE_DIRECTORY"):
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    if os.geteuid() == 0:
        return Path("/var/lib/scraped")
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "scraped"


def default_config_path() -> Path:
    """$SCRAPED_CONFIG, else /etc/scraped/scraped.toml for root, else ./etc/scraped.toml."""
    if os.environ.get("SCRAPED_CONFIG"):
        return Path(os.environ["SCRAPED_CONFIG"])
    if os.geteuid() == 0:
        return Path("/etc/scraped/scraped.toml")
    return Path("etc/scraped.toml")


def ensure_private_dir(path: Path, mode: int = 0o700) -> None:
    """Create a directory that only its owner can enter (for the fallback socket dir)."""
    path.mkdir(parents=True, exist_ok=True, mode=mode)
