"""Moved: the questions commands are the bank's (scraped/bank/commands.py, declared in
scraped/api/bank.py). This module stays only until scraped/engine/commands.py stops
importing it; it handles nothing."""

from __future__ import annotations

from typing import Any


def handlers(service: Any) -> dict[str, Any]:
    return {}
