"""Logging set-up for every service: one JSON object per line, or plain text in development.

Only allow-listed fields leave the process: a log line carries references, event ids, kinds and
Message-IDs, never an e-mail address, a name, a phone number, a description or a token.
The event being handled travels in a contextvar, so every line logged while handling it says so.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, TextIO

# Fields a caller may attach with `extra=`; anything else given that way is dropped.
CONTEXT_FIELDS = ("event_id", "reference", "case_type", "kind", "message_id", "notification_id",
                  "task", "outcome")
# Read-only, and replaced (never changed) by log_context: one default is shared by every context.
_context: ContextVar[Mapping[str, Any]] = ContextVar("samhandling_log_context",
                                                     default=MappingProxyType({}))
# Paths whose last segment is a credential: tracking pages, e-mail action links (their payload
# carries the contact's address) and sign-in links.
_TOKEN_PATHS = re.compile(r"""(/(?:sak|handling|logg-inn)/)[^/?#\s\\"'<>]+""", re.IGNORECASE)


def redact(text: str) -> str:
    """The text with the token of every tracking, action or sign-in path replaced by `…`."""
    return _TOKEN_PATHS.sub(r"\1…", text)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Attach these fields (e.g. event_id) to every line logged inside the block."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def context_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {name: value for name, value in _context.get().items() if name in CONTEXT_FIELDS}
    for name in CONTEXT_FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            fields[name] = value
    return fields


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
            **context_fields(record),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The human-readable line, with the same allow-listed fields appended as key=value."""

    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{name}={value}" for name, value in context_fields(record).items())
        return redact(f"{line} {fields}" if fields else line)


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stderr is now (test runners swap it), like logging.lastResort."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def make_formatter(service_name: str, log_format: str) -> logging.Formatter:
    return TextFormatter(service_name) if log_format == "text" else JsonFormatter(service_name)


def configure_logging(service_name: str, level: str = "INFO", log_format: str = "json") -> None:
    """Put one handler of ours on the root logger; calling it again replaces it, never stacks."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "samhandling", False)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.samhandling = True  # type: ignore[attr-defined]
    handler.setFormatter(make_formatter(service_name, log_format))
    root.addHandler(handler)
    root.setLevel(level.upper())
