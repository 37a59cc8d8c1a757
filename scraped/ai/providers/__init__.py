"""AI providers behind one small interface (`base.Provider.complete`).

Each module imports its SDK and maps that SDK's exceptions to scraped.ai.errors in one
place. Modules are imported only when their provider is configured, so a daemon without
keys (or without the `ai` extra installed) never loads an SDK.
"""

from __future__ import annotations

import logging
from typing import Any

import trio

from scraped.ai.ai_config import KEY_NAMES, AIConfig
from scraped.ai.providers.base import Provider

log = logging.getLogger(__name__)


def key_for(name: str, secrets: Any) -> str | None:
    key_name = KEY_NAMES.get(name)
    return secrets.get(key_name) if key_name and secrets is not None else None


def is_configured(name: str, config: AIConfig, secrets: Any) -> bool:
    """Whether a provider can be called: enabled and keyed (openai_compat: has a base_url)."""
    if name == "offline":
        return True
    pc = config.provider(name)
    if not pc.enabled:
        return False
    if name == "openai_compat":
        return bool(pc.base_url)
    return bool(key_for(name, secrets))


def build(name: str, config: AIConfig, secrets: Any, limiter: trio.CapacityLimiter) -> Provider:
    """A client for one configured provider. Raises ProviderRejected when its SDK is missing."""
    from scraped.ai.errors import ProviderRejected

    pc = config.provider(name)
    key = key_for(name, secrets)
    cls: type[Provider]
    try:
        if name == "gemini":
            from scraped.ai.providers.gemini import GeminiProvider as cls
        elif name == "groq":
            from scraped.ai.providers.groq import GroqProvider as cls
        elif name == "huggingface":
            from scraped.ai.providers.huggingface import HuggingFaceProvider as cls
        elif name == "openai_compat":
            from scraped.ai.providers.openai_compat import OpenAICompatProvider as cls
        else:
            raise ValueError(f"no client for provider {name!r}")
    except ImportError as exc:
        raise ProviderRejected(f"{name}: SDK not installed ({exc.name}); pip install 'scraped[ai]'",
                               provider=name) from None
    return cls(pc, key, limiter)
