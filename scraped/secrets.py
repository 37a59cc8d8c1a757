"""API keys and other secrets: from the environment or systemd credentials, never TOML.

A `Secrets` object never shows its values in repr/str, so it cannot leak into a log line
or a reply by accident; callers ask for one value where they need it.
"""

from __future__ import annotations

import os
from pathlib import Path

KNOWN = ("GEMINI_API_KEY", "GROQ_API_KEY", "HUGGINGFACE_API_TOKEN", "OPENAI_COMPAT_API_KEY",
         "SCRAPED_ALERT_WEBHOOK_URL")


def _from_credentials(name: str) -> str | None:
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        return None
    for candidate in (name, name.lower()):
        path = Path(directory) / candidate
        try:
            return path.read_text(encoding="utf-8").strip() or None
        except OSError:
            continue
    return None


class Secrets:
    """A snapshot of the secrets, read once per (re)load."""

    def __init__(self, values: dict[str, str]):
        self._values = dict(values)

    @classmethod
    def load(cls, names: tuple[str, ...] = KNOWN) -> Secrets:
        values: dict[str, str] = {}
        for name in names:
            value = os.environ.get(name) or _from_credentials(name)
            if value:
                values[name] = value
        return cls(values)

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def configured(self) -> dict[str, bool]:
        """Which secrets are set: the only view of them that may be shown."""
        return {name: name in self._values for name in KNOWN}

    def values(self) -> list[str]:
        """The raw values, for log redaction only."""
        return list(self._values.values())

    def __repr__(self) -> str:
        return f"Secrets(configured={sorted(self._values)})"

    __str__ = __repr__
