"""The error bodies the fake provider servers answer with, as each real service words them
(docs/architecture.md "Providers" lists the pages and threads they come from)."""

from __future__ import annotations

import json
from typing import Any

from scraped.ai.schema import problems


def unknown_model(kind: str, model: str, retired: bool) -> tuple[int, dict[str, Any]]:
    """(status, body) for a model the provider does not serve (or no longer does)."""
    if kind == "gemini":
        return 404, {"error": {"code": 404, "status": "NOT_FOUND", "message":
                               f"models/{model} is not found for API version v1beta, or is not supported "
                               f"for generateContent. Call ListModels to see the list of available models "
                               f"and their supported methods."}}
    if kind == "groq":
        if retired:
            return 400, {"error": {"message": f"The model `{model}` has been decommissioned and is no longer "
                                   f"supported. Please refer to https://console.groq.com/docs/deprecations "
                                   f"for a recommendation on which model to use instead.",
                                   "type": "invalid_request_error", "code": "model_decommissioned"}}
        return 404, {"error": {"message": f"The model `{model}` does not exist or you do not have access "
                               f"to it.", "type": "invalid_request_error", "code": "model_not_found"}}
    if kind == "huggingface":
        return 400, {"error": {"message": f"The requested model '{model}' is not supported by any provider "
                               f"you have enabled.", "type": "invalid_request_error", "param": "model",
                               "code": "model_not_supported"}}
    return 404, {"error": {"message": f"model \"{model}\" not found, try pulling it first",
                           "type": "not_found_error"}}


def json_validate_failed(kind: str, body: dict[str, Any], text: str) -> dict[str, Any] | None:
    """Groq validates JSON mode and json_schema replies itself: 400, never a bad 200."""
    fmt = body.get("response_format") or {}
    if kind != "groq" or fmt.get("type") not in ("json_object", "json_schema"):
        return None
    try:
        value = json.loads(text)
        ok = isinstance(value, dict)
    except ValueError:
        ok = False
    spec = fmt.get("json_schema") or {}
    if ok and fmt["type"] == "json_schema" and spec.get("strict"):
        ok = not problems(spec.get("schema") or {}, value)  # constrained decoding: never a miss
    if ok:
        return None
    return {"error": {"message": "Failed to generate JSON. Please adjust your prompt. See "
                      "'failed_generation' for more details.", "type": "invalid_request_error",
                      "code": "json_validate_failed", "failed_generation": text}}


def error_body(kind: str, reply: Any, model: str) -> dict[str, Any]:
    """The body of a scripted error reply (tests.fake_providers.Reply)."""
    if reply.special == "no_credit":
        return {"error": "You have exceeded your monthly included credits for Inference Providers. "
                         "Subscribe to PRO to get 20x more monthly included credits."}
    if kind == "gemini":
        status = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 401: "UNAUTHENTICATED",
                  403: "PERMISSION_DENIED", 400: "INVALID_ARGUMENT"}.get(reply.status, "UNKNOWN")
        error: dict[str, Any] = {"code": reply.status, "message": reply.message, "status": status}
        if reply.special == "quota":
            scope = "PerDay" if reply.per_day else "PerMinute"
            error["message"] = ("You exceeded your current quota, please check your plan and billing details. "
                                "For more information on this error, head to: "
                                "https://ai.google.dev/gemini-api/docs/rate-limits.")
            error["details"] = [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                    "quotaId": f"GenerateRequests{scope}PerProjectPerModel-FreeTier",
                    "quotaDimensions": {"location": "global", "model": model}, "quotaValue": "250"}]},
                {"@type": "type.googleapis.com/google.rpc.Help", "links": [
                    {"description": "Learn more about Gemini API quotas",
                     "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": reply.retry_delay}]
        return {"error": error}
    if reply.special == "quota":
        what = "requests per day (RPD): Limit 1000, Used 1000, Requested 1" if reply.per_day else \
            "tokens per minute (TPM): Limit 8000, Used 7900, Requested 400"
        return {"error": {"message": f"Rate limit reached for model `{model}` in organization "
                          f"`org_fake` service tier `on_demand` on {what}. Please try again in "
                          f"{reply.retry_after}s.", "type": "requests" if reply.per_day else "tokens",
                          "code": "rate_limit_exceeded"}}
    return {"error": {"message": reply.message, "type": "api_error", "code": str(reply.status)}}
