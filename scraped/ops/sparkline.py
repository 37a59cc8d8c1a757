"""Sparklines for the terminal (stdlib only: scrapedctl's renderers import this)."""

from __future__ import annotations

from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"


def _resample(values: Sequence[float | None], width: int) -> list[float | None]:
    if len(values) <= width:
        return list(values)
    out: list[float | None] = []
    for i in range(width):
        chunk = [v for v in values[i * len(values) // width:(i + 1) * len(values) // width] if v is not None]
        out.append(sum(chunk) / len(chunk) if chunk else None)
    return out


def sparkline(values: Sequence[float | None], width: int = 60, low: float | None = None,
              high: float | None = None) -> str:
    """One character per point (averaged down to `width`); gaps (None) are spaces.
    `low`/`high` fix the scale (0-100 for percentages); otherwise the data's range."""
    points = _resample(values, width)
    present = [v for v in points if v is not None]
    if not present:
        return ""
    lo = min(present) if low is None else low
    hi = max(present) if high is None else high
    span = hi - lo
    chars = []
    for v in points:
        if v is None:
            chars.append(" ")
        elif span <= 0:
            chars.append(BARS[0] if v <= lo else BARS[-1])
        else:
            level = int((min(max(v, lo), hi) - lo) / span * (len(BARS) - 1) + 0.5)
            chars.append(BARS[level])
    return "".join(chars)
