"""The [ai] section: providers, the router's limits, and the enhancement worker."""

from __future__ import annotations

from dataclasses import dataclass

from scraped.settings import setting

PROVIDERS = ("gemini", "groq", "huggingface", "openai_compat", "offline")
# The secret that holds each provider's key (environment or systemd credential).
KEY_NAMES = {"gemini": "GEMINI_API_KEY", "groq": "GROQ_API_KEY",
             "huggingface": "HUGGINGFACE_API_TOKEN", "openai_compat": "OPENAI_COMPAT_API_KEY"}
_MODEL_ORDER = ("gemini", "groq", "huggingface", "openai_compat", "offline")


@dataclass(frozen=True)
class ProviderConfig:
    """One AI provider. It is used when enabled and its key is set (GEMINI_API_KEY,
    GROQ_API_KEY, HUGGINGFACE_API_TOKEN in the environment or as systemd credentials)."""

    enabled: bool = setting(True, "Use this provider when its key is set.")
    model: str = setting("", "Default model (a task's order may name another: \"groq:MODEL\").")
    base_url: str = setting("", "API endpoint override (a proxy or local server). Empty: the provider's own.")
    timeout: float = setting(30.0, "Seconds one call may take.", minimum=0.1, maximum=600.0)
    retries: int = setting(2, "Retries of a call after a timeout, connection error, per-minute 429 or 5xx.",
                           minimum=0, maximum=10)
    rpm: int = setting(0, "Requests per minute allowed (0: no limit).", minimum=0)
    tpm: int = setting(0, "Tokens per minute allowed, prompt and reply (0: no limit).", minimum=0)
    cost_input_per_1k: float = setting(0.0, "USD per 1,000 prompt tokens for every model of this provider\n"
                                       "(0, with cost_output_per_1k 0: the model catalogue's price).",
                                       minimum=0.0)
    cost_output_per_1k: float = setting(0.0, "USD per 1,000 reply tokens, thinking included (0, with\n"
                                        "cost_input_per_1k 0: the model catalogue's price).", minimum=0.0)


@dataclass(frozen=True)
class GeminiConfig(ProviderConfig):
    """Google Gemini through google-genai (key: GEMINI_API_KEY)."""

    model: str = setting("gemini-3.1-flash-lite", "Default model (see scraped/ai/catalogue.toml).")
    thinking_level: str = setting("low", "How hard a Gemini 3 model thinks before it answers (thinking\n"
                                  "tokens are billed and count against max_output_tokens): minimal,\n"
                                  "low, medium, high; \"default\" sends none (the model's own, and\n"
                                  "the only choice for Gemini 2.x models).",
                                  choices=("default", "minimal", "low", "medium", "high"))
    rpm: int = setting(10, "Requests per minute allowed (0: no limit).", minimum=0)
    tpm: int = setting(250_000, "Tokens per minute allowed (0: no limit).", minimum=0)


@dataclass(frozen=True)
class GroqConfig(ProviderConfig):
    """Groq through its async SDK (key: GROQ_API_KEY)."""

    model: str = setting("openai/gpt-oss-120b", "Default model (see scraped/ai/catalogue.toml).")
    reasoning_effort: str = setting("low", "How hard a reasoning model (gpt-oss) thinks; its reasoning\n"
                                    "tokens are billed as output: low, medium, high; \"default\"\n"
                                    "sends none (the only choice for models that do not reason).",
                                    choices=("default", "low", "medium", "high"))
    rpm: int = setting(30, "Requests per minute allowed (0: no limit); Groq's x-ratelimit-* headers\n"
                       "also hold calls back while the account has none left.", minimum=0)
    tpm: int = setting(8_000, "Tokens per minute allowed (0: no limit).", minimum=0)


@dataclass(frozen=True)
class HuggingFaceConfig(ProviderConfig):
    """Hugging Face inference (chat completion) through huggingface_hub (key: HUGGINGFACE_API_TOKEN)."""

    model: str = setting("openai/gpt-oss-120b", "Default model (see scraped/ai/catalogue.toml).")
    reasoning_effort: str = setting("low", "How hard a reasoning model (gpt-oss) thinks; its reasoning\n"
                                    "tokens are billed as output: low, medium, high; \"default\"\n"
                                    "sends none (the only choice for models that do not reason).",
                                    choices=("default", "low", "medium", "high"))
    rpm: int = setting(30, "Requests per minute allowed (0: no limit).", minimum=0)


@dataclass(frozen=True)
class OpenAICompatConfig(ProviderConfig):
    """Any server with the OpenAI chat-completions API (Ollama, vLLM, llama.cpp server).
    Used when base_url is set; OPENAI_COMPAT_API_KEY is sent as a Bearer key if present."""

    model: str = setting("llama3.2", "Model name the server knows.")
    response_format: str = setting("json_object", "Structured output the server takes: json_schema (the\n"
                                   "schema enforced), json_object (JSON mode) or none (prompt only).",
                                   choices=("json_schema", "json_object", "none"))
    timeout: float = setting(120.0, "Seconds one call may take (local models are slow).",
                             minimum=0.1, maximum=600.0)


@dataclass(frozen=True)
class EnhanceConfig:
    """The background enhancement worker (raw questions → the verified bank)."""

    batch_size: int = setting(10, "Questions sent in one request.", minimum=1, maximum=50)
    workers: int = setting(1, "Batches enhanced at once.", minimum=1, maximum=16)
    max_attempts: int = setting(3, "Tries per question before it is marked failed (with the reason).",
                                minimum=1, maximum=20)
    lease_seconds: float = setting(300.0, "A claimed batch's lease: after a crash, its questions are\n"
                                   "claimed again once it expires.", minimum=5.0, maximum=86_400.0)
    retry_delay: float = setting(60.0, "Seconds before a question whose try failed is tried again.",
                                 minimum=0.0)
    poll_interval: float = setting(5.0, "Seconds between looks for new raw questions when idle.",
                                   minimum=0.05, maximum=3600.0)


def _order(*names: str) -> tuple[str, ...]:
    return tuple(names)


@dataclass(frozen=True)
class AIConfig:
    """AI providers, the router and the tasks built on them. Keys come from the environment
    or systemd credentials, never from this file."""

    enabled: bool = setting(True, "Run the background enhancement worker.")
    enhance_order: tuple[str, ...] = setting(_order(*_MODEL_ORDER), "Providers tried in order for\n"
                                             "enhancement; \"provider\" or \"provider:model\".")
    generate_order: tuple[str, ...] = setting(_order(*_MODEL_ORDER), "Providers for `ai generate`.")
    feedback_order: tuple[str, ...] = setting(_order(*_MODEL_ORDER), "Providers that write feedback\n"
                                              "explanations (grading is always local).")
    extract_order: tuple[str, ...] = setting(_order("gemini", "groq", "huggingface", "openai_compat"),
                                             "Providers for AI extraction and ai-schema layouts.")
    offline_fallback: bool = setting(True, "When every listed provider fails, answer with the offline\n"
                                     "rules instead of failing (not for extraction).")
    threads: int = setting(4, "Worker threads for the blocking SDK calls (Gemini, Hugging Face).",
                           minimum=1, maximum=64, live=False)
    backoff: float = setting(1.0, "First retry delay in seconds; doubles each retry, with jitter.",
                             minimum=0.0)
    backoff_max: float = setting(30.0, "Longest wait before a retry. A longer Retry-After passes the\n"
                                 "call to the next provider and holds this one back that long.",
                                 minimum=0.0)
    queue_wait: float = setting(30.0, "Longest wait for a provider's rpm/tpm budget before the next\n"
                                "provider is tried.", minimum=0.0)
    breaker_threshold: int = setting(5, "Consecutive failures that open a provider's circuit breaker.",
                                     minimum=1, maximum=1000)
    breaker_cooldown: float = setting(60.0, "Seconds an open breaker waits before a trial call.",
                                      minimum=0.0)
    credit_hold: float = setting(3600.0, "Seconds a provider that answered 402 (credits spent) is left\n"
                                 "alone before it is tried again.", minimum=0.0)
    model_hold: float = setting(3600.0, "Seconds a model the provider called unknown or shut down is\n"
                                "left alone before it is tried again.", minimum=0.0)
    max_output_tokens: int = setting(4096, "Reply token limit per request.", minimum=64, maximum=65_536)
    temperature: float = setting(0.2, "Sampling temperature.", minimum=0.0, maximum=2.0)
    cache: bool = setting(True, "Keep accepted replies (ai_cache), keyed on provider, endpoint,\n"
                          "model, prompt, schema, temperature and max tokens.")
    cache_ttl_days: float = setting(30.0, "Days a cached reply is used (0: for ever).", minimum=0.0)
    daily_budget: float = setting(0.0, "Estimated USD per UTC day across providers; each call reserves\n"
                                  "its worst case first, so concurrent calls cannot overspend. Once\n"
                                  "spent, only the offline provider is used until midnight; a model\n"
                                  "with no known price is not called (0: no budget).", minimum=0.0)
    near_duplicate: float = setting(0.8, "Jaccard similarity (word shingles) at which a generated\n"
                                    "question counts as a near-duplicate of one in the bank.",
                                    minimum=0.1, maximum=1.0)
    max_generate: int = setting(50, "Most questions one `ai generate` may ask for.", minimum=1,
                                maximum=1000)
    feedback_explain: bool = setting(True, "Ask a model to explain feedback when one is configured.")
    feedback_timeout: float = setting(8.0, "Seconds feedback waits for a model's explanation before\n"
                                      "answering with the offline one.", minimum=0.1)
    extract_max_chars: int = setting(20_000, "Characters of page text per AI extraction request (a longer\n"
                                     "page is cut into overlapping chunks: [engine.extraction]), and of\n"
                                     "a sample page's HTML sent for ai-schema rules.",
                                     minimum=1000, maximum=500_000)
    layout_retry: float = setting(3600.0, "Seconds before a layout whose ai-schema rules were refused is\n"
                                  "asked for again (auto extracts its pages meanwhile).", minimum=0.0)
    gemini: GeminiConfig = setting(factory=GeminiConfig)
    groq: GroqConfig = setting(factory=GroqConfig)
    huggingface: HuggingFaceConfig = setting(factory=HuggingFaceConfig)
    openai_compat: OpenAICompatConfig = setting(factory=OpenAICompatConfig)
    enhance: EnhanceConfig = setting(factory=EnhanceConfig)

    def provider(self, name: str) -> ProviderConfig:
        return getattr(self, name)

    def order(self, task: str) -> list[tuple[str, str]]:
        """[(provider, model)] for a task ("enhance", "generate", "feedback", "extract")."""
        entries = getattr(self, f"{task}_order")
        out = []
        for entry in entries:
            name, _, model = entry.partition(":")
            if name != "offline" and not model:
                model = self.provider(name).model
            out.append((name, model or "rules"))
        return out

    def validate(self) -> list[str]:
        problems = []
        for task in ("enhance", "generate", "feedback", "extract"):
            for i, entry in enumerate(getattr(self, f"{task}_order")):
                name = entry.partition(":")[0]
                if name not in PROVIDERS:
                    problems.append(f"{task}_order[{i}]: unknown provider {name!r} "
                                    f"(known: {', '.join(PROVIDERS)})")
        return problems
