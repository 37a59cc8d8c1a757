"""Provider-reported limits: Groq's reset durations and x-ratelimit-* remainders, and when
Gemini's daily quotas reset (midnight Pacific time, daylight saving included)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import trio

from scraped.ai.limits import ServerLimits, parse_duration
from scraped.ai.providers.gemini import until_quota_reset


@pytest.mark.parametrize("text, seconds", [("2m59.56s", 179.56), ("7.66s", 7.66), ("1h2m3s", 3723.0),
                                           ("250ms", 0.25), ("12", 12.0), ("0s", 0.0)])
def test_groq_reset_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", None, "soon", "1x", "5s later", "-"])
def test_unreadable_durations_are_none(text):
    assert parse_duration(text) is None


async def test_server_limits_hold_until_reset_then_forget(autojump_clock):
    limits = ServerLimits()
    assert limits.wait_time(100) == 0 and limits.snapshot() is None
    limits.update({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "30s",
                   "x-ratelimit-limit-requests": "1000", "x-ratelimit-remaining-tokens": "500",
                   "x-ratelimit-reset-tokens": "6s", "x-ratelimit-limit-tokens": "8000"})
    assert limits.wait_time(10) == pytest.approx(30)
    assert limits.snapshot() == {"remaining_requests": 0, "limit_requests": 1000, "remaining_tokens": 500,
                                 "limit_tokens": 8000}
    await trio.sleep(30)
    assert limits.wait_time(10) == 0  # the day's window reset: the count is unknown again
    assert limits.wait_time(600) == 0  # the minute's window (6 s) reset too
    limits.update({"x-ratelimit-remaining-tokens": "100", "x-ratelimit-reset-tokens": "7.66s"})
    assert limits.wait_time(50) == 0 and limits.wait_time(150) == pytest.approx(7.66)
    limits.take(50)
    assert limits.tokens == 50 and limits.wait_time(60) == pytest.approx(7.66)
    limits.update({"x-ratelimit-remaining-tokens": "not a number"})  # ignored, not a crash
    assert limits.tokens == 50


@pytest.mark.parametrize("now, seconds", [
    (datetime(2026, 12, 3, 7, 30, tzinfo=UTC), 1800),     # 23:30 PST
    (datetime(2026, 7, 1, 6, 0, tzinfo=UTC), 3600),       # 23:00 PDT
    (datetime(2026, 3, 8, 9, 0, tzinfo=UTC), 79200),      # 01:00 PST on a 23-hour day (clocks go forward): 22 h
])
def test_gemini_daily_quota_resets_at_midnight_pacific(now, seconds):
    assert until_quota_reset(now) == pytest.approx(seconds)
