"""Human output of scrapedctl: a renderer per command where one helps, a generic one
otherwise. Standard library only at import time (scrapedctl's start-up budget is
~100 ms; rich alone costs ~150 ms, so renderers import it inside the function, if at all).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Renderer = Callable[[Any], str]


_AREAS = ("engine", "bank", "ops", "data", "db", "ai")


def renderer_for(name: str) -> Renderer | None:
    """The renderer of one command; area modules are imported only when needed (a
    `status` never imports the engine's renderers)."""
    from scraped.render import core

    found = core.RENDERERS.get(name)
    if found is not None:
        return found
    for area in _AREAS:
        try:
            module = __import__(f"scraped.render.{area}", fromlist=["RENDERERS"])
        except ModuleNotFoundError:
            continue
        found = getattr(module, "RENDERERS", {}).get(name)
        if found is not None:
            return found
    return None
