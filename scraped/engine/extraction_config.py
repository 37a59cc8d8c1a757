"""The [engine.extraction] section: the model-driven extraction modes and selector drift."""

from __future__ import annotations

from dataclasses import dataclass

from scraped.settings import setting


@dataclass(frozen=True)
class ExtractionConfig:
    """How jobs use a model to extract (modes "ai" and "ai-schema", and auto's fallback)
    and how selector drift is caught (modes "css" and "ai-schema"). The providers are
    [ai] extract_order's; a chunk of page text is at most [ai] extract_max_chars."""

    ai_fallback: bool = setting(False, "In auto mode, ask a model for the questions of a page that looks\n"
                                "like a quiz page (answer and option markers) but gives none. Off\n"
                                "when no model provider is configured (jobs show says so).")
    chunk_overlap: int = setting(2000, "Characters shared by consecutive chunks of a long page's text in\n"
                                 "ai mode, so that a question cut at one chunk's end is whole in the\n"
                                 "next; the copies are merged.", minimum=0, maximum=100_000)
    max_chunks: int = setting(25, "Chunks of one page sent to the model at most in ai mode; text past\n"
                              "them is counted on the job (jobs show: text_cut), not sent.",
                              minimum=1, maximum=1000)
    validate_pages: int = setting(3, "Pages of a new layout that ai-schema rules are checked on before\n"
                                  "they are used (the first pages of the layout that hold questions).",
                                  minimum=3, maximum=20)
    drift_window: int = setting(10, "Pages of a layout looked at for selector drift in css and\n"
                                "ai-schema jobs (0: drift is not watched).", minimum=0, maximum=10_000)
    drift_ratio: float = setting(0.9, "Share of the window's pages giving no question that counts as\n"
                                 "drift, for a layout whose earlier pages gave questions.",
                                 minimum=0.1, maximum=1.0)
    drift_min_pages: int = setting(3, "Earlier pages of a layout that must have given questions before a\n"
                                   "drop in its yield counts as drift.", minimum=1, maximum=10_000)
