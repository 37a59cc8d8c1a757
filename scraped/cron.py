"""Standard cron lines as APScheduler 3 triggers, with cron's own weekday numbers.

APScheduler 3's `CronTrigger.from_crontab` numbers the weekdays Monday 0 .. Sunday 6, so
`0 3 * * 1` fired on Tuesday, `@weekly` (`0 0 * * 0`) on Monday and `7` was refused.
Here a cron line means what crontab(5) says: weekdays 0-7 with 0 and 7 Sunday, names
sun..sat, ranges, lists and steps; and when both day-of-month and day-of-week are
restricted, the job runs when EITHER matches (an OrTrigger of the two).

Used by the ops scheduler ([ops.schedule]) and by job schedules (`schedule = ...`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

ALIASES = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
           "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *",
           "@annually": "0 0 1 1 *"}
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron's 0..6 (7 is Sunday again)
_APS_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # APScheduler's 0..6


def _day_number(token: str, field: str) -> int:
    token = token.strip().lower()
    if token in _CRON_DAYS:
        return _CRON_DAYS.index(token)
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise ValueError(f"day of week {field!r}: {token!r} is not 0-7 (0 and 7 are Sunday) or sun..sat")


def cron_weekdays(field: str) -> set[int]:
    """The weekdays (cron numbering, Sunday 0) a day-of-week field selects."""
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ValueError(f"day of week {field!r}: bad step {step_text!r}")
            step = int(step_text)
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            low, _, high = base.partition("-")
            first = _day_number(low, field)
            last = 7 if high.strip() in ("7",) else _day_number(high, field)
            if low.strip() in ("7",):
                first = 7
            if first > last:
                raise ValueError(f"day of week {field!r}: range {base!r} runs backwards")
        else:
            first = _day_number(base, field)
            last = 6 if step_text else first  # "1/2" is "1-6/2", as in cron
        days.update(d % 7 for d in range(first, last + 1, step))
    if not days:
        raise ValueError(f"day of week {field!r} selects no day")
    return days


def _aps_weekdays(days: set[int]) -> str:
    if len(days) == 7:
        return "*"
    return ",".join(_APS_DAYS[(d - 1) % 7] for d in sorted(days, key=lambda d: (d - 1) % 7))


def _restricted(field: str) -> bool:
    return not field.startswith("*")


def cron_trigger(expr: str, timezone: Any = dt.UTC, *, allow_seconds: bool = False) -> BaseTrigger:
    """A trigger for a 5-field cron line or an @alias (6 fields, seconds first, with
    allow_seconds). Raises ValueError saying what is wrong."""
    text = " ".join(str(expr).split())
    text = ALIASES.get(text.lower(), text)
    fields = text.split()
    if len(fields) == 5:
        second = "0"
        minute, hour, day, month, dow = fields
    elif len(fields) == 6 and allow_seconds:
        second, minute, hour, day, month, dow = fields
    else:
        want = "5 fields (or 6 with seconds first)" if allow_seconds else "5 fields"
        raise ValueError(f"a cron expression has {want}, got {len(fields)}: {expr!r}")
    weekdays = "*" if dow == "*" else _aps_weekdays(cron_weekdays(dow))

    def make(day_field: str, dow_field: str) -> CronTrigger:
        try:
            return CronTrigger(second=second, minute=minute, hour=hour, day=day_field, month=month.lower(),
                               day_of_week=dow_field, timezone=timezone)
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"invalid cron line {expr!r}: {exc}") from None

    if _restricted(day) and _restricted(dow):
        # crontab(5): "if both fields are restricted, the command runs when either matches".
        return OrTrigger([make(day, "*"), make("*", weekdays)])
    return make(day, weekdays)
