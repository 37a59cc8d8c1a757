"""Job states and the transitions between them: one table, consulted by everything.

    QUEUED ──start──▶ RUNNING ──complete──▶ COMPLETED
      │  ▲             │ │ │ └──fail──────▶ FAILED
      │  └──resume──┐  │ │ └──interrupt──▶ INTERRUPTED ──resume──▶ QUEUED
      │             │  │ └──stop──▶ STOPPING ──stopped──▶ STOPPED
      │           PAUSED◀──pause──┘
      └──stop / clear──────────────────────────────────▶ STOPPED

A finished job (COMPLETED, FAILED, STOPPED) takes one more event, `retry`
(`jobs retry-failed`): its given-up pages go back to pending and it is QUEUED again.
How a crawl that ended by itself is judged COMPLETED or FAILED: scraped.engine.outcome.

A pause, stop or interrupt of a RUNNING job takes effect once its runner has saved its
work; the supervisor applies the event then. `interrupt` is what a crash (found at the
next start) or a graceful daemon shutdown does to a running job; such jobs resume by
themselves when `engine.resume_interrupted` is on.
"""

from __future__ import annotations

from scraped.errors import Conflict

QUEUED = "QUEUED"
RUNNING = "RUNNING"
PAUSED = "PAUSED"
STOPPING = "STOPPING"
STOPPED = "STOPPED"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
INTERRUPTED = "INTERRUPTED"

STATES = (QUEUED, RUNNING, PAUSED, STOPPING, STOPPED, COMPLETED, FAILED, INTERRUPTED)
TERMINAL = frozenset({STOPPED, COMPLETED, FAILED})
ACTIVE = frozenset({QUEUED, RUNNING, PAUSED, STOPPING, INTERRUPTED})

# (state, event) -> next state. Anything absent is refused with Conflict.
TRANSITIONS: dict[tuple[str, str], str] = {
    (QUEUED, "start"): RUNNING,
    (QUEUED, "pause"): PAUSED,
    (QUEUED, "stop"): STOPPED,
    (QUEUED, "clear"): STOPPED,
    (RUNNING, "pause"): PAUSED,
    (RUNNING, "stop"): STOPPING,
    (RUNNING, "complete"): COMPLETED,
    (RUNNING, "fail"): FAILED,
    (RUNNING, "interrupt"): INTERRUPTED,
    (PAUSED, "resume"): QUEUED,
    (PAUSED, "stop"): STOPPED,
    (STOPPING, "stopped"): STOPPED,
    (STOPPING, "fail"): FAILED,
    (STOPPING, "interrupt"): STOPPED,  # a crash while stopping still ends in STOPPED
    (INTERRUPTED, "resume"): QUEUED,
    (INTERRUPTED, "stop"): STOPPED,
    (COMPLETED, "retry"): QUEUED,
    (FAILED, "retry"): QUEUED,
    (STOPPED, "retry"): QUEUED,
}

EVENTS = frozenset(event for _, event in TRANSITIONS)


def next_state(state: str, event: str) -> str:
    """The state after `event`, or Conflict naming what is allowed from `state`."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        allowed = sorted(e for (s, e) in TRANSITIONS if s == state)
        if state in TERMINAL:
            hint = f"; {state} is final (only `jobs retry-failed` queues it again)"
        else:
            hint = f"; from {state} it can: {', '.join(allowed)}" if allowed else f"; {state} is final"
        raise Conflict(f"cannot {event} a job that is {state}{hint}") from None


def can(state: str, event: str) -> bool:
    return (state, event) in TRANSITIONS


def sources_of(event: str) -> list[str]:
    """States from which `event` is allowed (a filter for atomic store updates)."""
    return [s for (s, e) in TRANSITIONS if e == event]
