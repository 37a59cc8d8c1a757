"""Human output of scrapedctl: a renderer per command where one helps, a generic one
otherwise. Standard library only at import time (scrapedctl's start-up budget is
~100 ms; rich alone costs ~150 ms, so renderers import it inside the function, if at all).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Renderer = Callable[[Any], str]


def renderers() -> dict[str, Renderer]:
    from scraped.render import core

    table: dict[str, Renderer] = dict(core.RENDERERS)
    for module_name in ("engine", "ops", "data", "ai", "mongo"):
        try:
            module = __import__(f"scraped.render.{module_name}", fromlist=["RENDERERS"])
        except ModuleNotFoundError:
            continue
        table.update(getattr(module, "RENDERERS", {}))
    return table
