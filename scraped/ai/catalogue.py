"""The model catalogue (scraped/ai/catalogue.toml): prices, what is billed, shutdown dates.

The router prices calls from it (a provider's cost_*_per_1k, when set, wins), providers
pick native structured output from it, and `health ai_services` warns from it about
configured models that are unknown, unpriced, past or near their shutdown date.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

WARN_DAYS = 30  # warn this many days before a shutdown
STRUCTURED = ("json_schema_strict", "json_schema", "json_object")
# Providers that serve the operator's own models (Ollama, vLLM, llama.cpp): no per-token
# price and no shutdown dates, unless cost_*_per_1k say otherwise (a paid proxy).
LOCAL = ("openai_compat",)


@dataclass(frozen=True)
class ModelInfo:
    provider: str
    model: str
    price_in: float | None   # USD per 1M prompt tokens; None: no published price known
    price_out: float | None  # USD per 1M reply tokens (thinking included where billed)
    thinking_billed: bool
    context_window: int
    max_output: int
    structured: str
    released: date | None
    shutdown: date | None
    replacement: str

    def retired(self, today: date) -> bool:
        return self.shutdown is not None and today >= self.shutdown


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _price(value: float) -> float | None:
    return None if value < 0 else float(value)


def parse(text: str) -> dict[tuple[str, str], ModelInfo]:
    """Entries by (provider, model); ValueError names the first bad entry."""
    out: dict[tuple[str, str], ModelInfo] = {}
    for i, row in enumerate(tomllib.loads(text).get("model", [])):
        try:
            info = ModelInfo(str(row["provider"]), str(row["model"]), _price(row["price_in"]),
                             _price(row["price_out"]), bool(row["thinking_billed"]),
                             int(row["context_window"]), int(row["max_output"]), str(row["structured"]),
                             _day(row.get("released", "")), _day(row.get("shutdown", "")),
                             str(row.get("replacement", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"catalogue model[{i}]: {type(exc).__name__}: {exc}") from None
        if info.structured not in STRUCTURED:
            raise ValueError(f"catalogue model[{i}]: structured must be one of {STRUCTURED}")
        out[(info.provider, info.model)] = info
    return out


@functools.cache
def catalogue() -> dict[tuple[str, str], ModelInfo]:
    return parse(resources.files("scraped.ai").joinpath("catalogue.toml").read_text("utf-8"))


def lookup(provider: str, model: str) -> ModelInfo | None:
    return catalogue().get((provider, model))


def price(provider: str, model: str, pc: Any) -> tuple[float, float] | None:
    """(USD per prompt token, USD per reply token), or None when no price is known.
    A provider's cost_input_per_1k / cost_output_per_1k, when either is set, override the
    catalogue for every model of that provider."""
    if pc is not None and (pc.cost_input_per_1k or pc.cost_output_per_1k):
        return pc.cost_input_per_1k / 1000.0, pc.cost_output_per_1k / 1000.0
    if provider in LOCAL:
        return 0.0, 0.0
    info = lookup(provider, model)
    if info is None or info.price_in is None or info.price_out is None:
        return None
    return info.price_in / 1e6, info.price_out / 1e6


def model_warnings(entries: list[tuple[str, str]], cfg: Any, today: date) -> tuple[list[str], list[str]]:
    """(problems, warnings) for configured (provider, model) pairs: a model past its shutdown
    date is a problem (its calls fail); unknown, unpriced or soon-retired ones are warnings."""
    problems: list[str] = []
    warnings: list[str] = []
    for provider, model in dict.fromkeys(entries):
        if provider in LOCAL:
            continue
        info = lookup(provider, model)
        name = f"{provider}:{model}"
        if info is None:
            warnings.append(f"{name} is not in the model catalogue (price and shutdown date unknown)")
        elif info.retired(today):
            instead = f"; use {info.replacement}" if info.replacement else ""
            problems.append(f"{name} was shut down on {info.shutdown}{instead}")
        elif info.shutdown is not None and (info.shutdown - today).days <= WARN_DAYS:
            warnings.append(f"{name} shuts down on {info.shutdown} ({(info.shutdown - today).days} days)")
        if price(provider, model, cfg.provider(provider)) is None and (info is None or not info.retired(today)):
            counted = " - the daily budget will not call it" if cfg.daily_budget else ""
            warnings.append(f"{name} has no known price (set [ai.{provider}] cost_input_per_1k and "
                            f"cost_output_per_1k){counted}")
    return problems, warnings
