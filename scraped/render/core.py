"""Renderers of the daemon's own commands."""

from __future__ import annotations

from scraped.render.table import fmt, kv, table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_MARK = {"healthy": "ok", "degraded": "DEGRADED", "down": "DOWN"}


def _components(components: dict[str, Any]) -> str:
    rows = [{"component": name, "status": _MARK.get(c.get("status"), c.get("status")),
             "reason": c.get("reason", "")} for name, c in components.items()]
    return table(rows, ["component", "status", "reason"])


def status(r: dict[str, Any]) -> str:
    head = kv({k: r.get(k) for k in ("version", "pid", "uptime_s", "config_path", "socket",
                                      "state_dir", "store")})
    return f"{head}\nhealth      {_MARK.get(r['health'], r['health'])}\n\n{_components(r['components'])}"


def health(r: dict[str, Any]) -> str:
    if "component" in r:
        return kv(r)
    return f"overall: {_MARK.get(r['status'], r['status'])}\n\n{_components(r['components'])}"


def hello(r: dict[str, Any]) -> str:
    rows = [{"command": c["name"].replace(".", " "), "admin": c["admin"], "help": c["help"]}
            for c in r["commands"]]
    return f"scraped {r['version']} (protocol {r['protocol']})\n\n" + table(rows)


def reload(r: dict[str, Any]) -> str:
    lines = [f"reloaded {r['path']}: {len(r['changed'])} change(s)"]
    lines += [f"  applied: {k}" for k in r["applied"]]
    lines += [f"  needs a restart: {k}" for k in r["restart_needed"]]
    return "\n".join(lines)


def config_show(r: dict[str, Any]) -> str:
    secrets = ", ".join(f"{k}={'set' if v else 'unset'}" for k, v in r["secrets"].items())
    return f"# {fmt(r['path'])}\n{kv(r['config'])}\n\nsecrets: {secrets}"


RENDERERS = {"status": status, "health": health, "hello": hello, "config.reload": reload,
             "config.show": config_show}
