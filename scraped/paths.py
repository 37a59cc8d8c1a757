"""Default locations, computed the same way by the daemon and by scrapedctl."""

from __future__ import annotations

import os
import stat

# Plain strings and os.path: scrapedctl imports this module, and pathlib costs it 17 ms.
SOCKET_NAME = "control.sock"


def runtime_dir() -> str:
    """Where the control socket lives by default.

    root: /run/scraped; others: $XDG_RUNTIME_DIR/scraped, falling back to a private
    per-user directory under the temp dir when XDG_RUNTIME_DIR is unset.
    systemd's RuntimeDirectory= sets $RUNTIME_DIRECTORY, which wins over both.
    """
    if os.environ.get("RUNTIME_DIRECTORY"):
        return os.environ["RUNTIME_DIRECTORY"].split(":")[0]
    if os.geteuid() == 0:
        return "/run/scraped"
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return os.path.join(xdg, "scraped")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"scraped-{os.geteuid()}")


def default_socket_path() -> str:
    """$SCRAPED_SOCKET, else runtime_dir()/control.sock: what the daemon binds when
    [daemon] socket is empty, and what scrapedctl connects to without --socket."""
    return os.environ.get("SCRAPED_SOCKET") or os.path.join(runtime_dir(), SOCKET_NAME)


# `make run` (python -m scraped.demo) keeps its state and socket under the checkout, so a
# demo never binds the production socket nor another checkout's; scrapedctl run in that
# checkout finds it there (see scraped.client.resolve_socket).
DEMO_DIR = "var"
DEMO_SOCKET = os.path.join(DEMO_DIR, SOCKET_NAME)
DEMO_CONFIG = os.path.join(DEMO_DIR, "scraped.toml")
DEMO_MARKER = "# Written by `python -m scraped.demo`"  # the first line of the demo's var/scraped.toml


def _is_socket(path: str) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def _ran_the_demo(folder: str) -> bool:
    try:
        with open(os.path.join(folder, DEMO_CONFIG), encoding="utf-8") as f:
            return f.readline().startswith(DEMO_MARKER)
    except (OSError, UnicodeDecodeError):
        return False


def demo_socket_path(cwd: str | None = None) -> str | None:
    """The demo's socket of the checkout `cwd` is in: ./var/control.sock when it is a socket
    here, else that of the nearest folder at or above `cwd` where `make run` wrote its
    var/scraped.toml, whether its demo is up or not (a stopped demo's checkout, or its
    docs/ folder, must not reach the production daemon without a word), else None."""
    folder = os.path.abspath(cwd or os.getcwd())
    if _is_socket(os.path.join(folder, DEMO_SOCKET)):
        return os.path.join(folder, DEMO_SOCKET)
    while True:
        if _ran_the_demo(folder):
            return os.path.join(folder, DEMO_SOCKET)
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def default_state_dir() -> str:
    """$STATE_DIRECTORY (systemd), /var/lib/scraped for root, else ~/.local/state/scraped."""
    if os.environ.get("STATE_DIRECTORY"):
        return os.environ["STATE_DIRECTORY"].split(":")[0]
    if os.geteuid() == 0:
        return "/var/lib/scraped"
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "scraped")


def default_config_path() -> str:
    """$SCRAPED_CONFIG, else /etc/scraped/scraped.toml for root, else ./etc/scraped.toml."""
    if os.environ.get("SCRAPED_CONFIG"):
        return os.environ["SCRAPED_CONFIG"]
    if os.geteuid() == 0:
        return "/etc/scraped/scraped.toml"
    return "etc/scraped.toml"


def ensure_private_dir(path: str | os.PathLike[str], mode: int = 0o700) -> None:
    """Create a directory that only its owner can enter (for the fallback socket dir)."""
    os.makedirs(path, mode=mode, exist_ok=True)
