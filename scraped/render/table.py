"""Plain-text tables and key/value listings (stdlib only, fast to import)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence

TYPE_CHECKING = False  # scrapedctl's start-up budget: no typing/datetime/shutil imports
if TYPE_CHECKING:
    from typing import Any


def fmt(value: Any, key: str = "") -> str:
    """A cell: times (`*_at` epoch seconds) as UTC, floats shortened, lists joined."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and (key.endswith("_at") or key in ("at", "timestamp", "last_seen",
                                                                       "first_seen")):
        if value > 1e8:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(value))
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:.3g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v) for v in value)
    if isinstance(value, Mapping):
        return " ".join(f"{k}={fmt(v, str(k))}" for k, v in value.items())
    return str(value)


def _terminal_width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return int(os.environ.get("COLUMNS", "120"))


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None,
          max_width: int | None = None) -> str:
    if not rows:
        return "(none)"
    if columns is None:
        columns = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
    width = max_width or _terminal_width()
    cells = [[fmt(row.get(c), c) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    # Shrink the widest columns until the table fits the terminal.
    while sum(widths) + 2 * (len(widths) - 1) > width and max(widths) > 12:
        widths[widths.index(max(widths))] -= 1

    def line(values: Sequence[str]) -> str:
        out = []
        for v, w in zip(values, widths, strict=True):
            out.append(v if len(v) <= w else v[: max(w - 1, 1)] + "…")
        return "  ".join(o.ljust(w) for o, w in zip(out, widths, strict=True)).rstrip()

    header = line([c.upper() for c in columns])
    return "\n".join([header, *(line(r) for r in cells)])


def kv(data: Mapping[str, Any], indent: int = 0) -> str:
    """Key/value listing; nested maps are indented, lists of maps become tables."""
    lines: list[str] = []
    pad = " " * indent
    keys = [str(k) for k in data]
    key_width = max((len(k) for k in keys), default=0)
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            lines.append(f"{pad}{key}:")
            lines.append(kv(value, indent + 2))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            lines.append(f"{pad}{key}:")
            lines.extend(pad + "  " + row for row in table(value).splitlines())
        else:
            lines.append(f"{pad}{str(key).ljust(key_width)}  {fmt(value, str(key))}")
    return "\n".join(lines)


def generic(result: Any) -> str:
    if isinstance(result, Mapping):
        return kv(result)
    if isinstance(result, list) and result and all(isinstance(r, Mapping) for r in result):
        return table(result)
    if isinstance(result, list):
        return "\n".join(fmt(r) for r in result) or "(none)"
    return fmt(result)
