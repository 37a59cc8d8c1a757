"""Logging set up for where the daemon runs.

- under systemd (JOURNAL_STREAM names our stderr): "<N>" syslog priority prefixes, which
  journald turns into priorities; no timestamps (journald adds them);
- in a terminal or a file: plain lines with a timestamp;
- `--log-format json`: one JSON object a line (structured fields from `extra=`).

Every record passes a redaction filter holding the current secrets, so a key that ends up
in a message or an exception is replaced before any handler sees it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


class JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prio = _PRIORITY.get(record.levelno, 6)
        text = f"{record.name}: {record.getMessage()}"
        fields = _extras(record)
        if fields:
            text += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        # Every line of a multi-line message keeps the priority.
        return "\n".join(f"<{prio}>{line}" for line in text.splitlines())


class PlainFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = _extras(record)
        if fields:
            first, _, rest = text.partition("\n")
            text = first + " " + " ".join(f"{k}={v}" for k, v in fields.items()) + ("\n" + rest if rest else "")
        return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        obj: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        obj.update(_extras(record))
        if record.exc_info:
            obj["exc"] = self.formatException(record.exc_info)
        return json.dumps(obj, default=str, ensure_ascii=False)


class RedactSecrets(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.values:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        changed = False
        for value in self.values:
            if value in message:
                message, changed = message.replace(value, "[redacted]"), True
            if record.exc_text and value in record.exc_text:
                record.exc_text = record.exc_text.replace(value, "[redacted]")
        if changed:
            record.msg, record.args = message, None
        return True


REDACTOR = RedactSecrets()


def under_journald() -> bool:
    stream = os.environ.get("JOURNAL_STREAM")
    if not stream:
        return False
    try:
        dev, ino = (int(x) for x in stream.split(":"))
        st = os.fstat(sys.stderr.fileno())
    except (ValueError, OSError):
        return False
    return (st.st_dev, st.st_ino) == (dev, ino)


def setup(fmt: str = "auto", level: str = "info", stream: Any = None) -> None:
    """fmt: auto | journal | text | json."""
    if fmt == "auto":
        fmt = "journal" if under_journald() else "text"
    formatter = {"journal": JournalFormatter(), "json": JsonFormatter()}.get(fmt, PlainFormatter())
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(REDACTOR)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    set_level(level)
    # HTTP clients log every request at INFO: one line per fetched page or AI call.
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def set_level(level: str) -> None:
    logging.getLogger().setLevel(level.upper())


def set_secrets(values: list[str]) -> None:
    REDACTOR.values = [v for v in values if len(v) >= 4]
