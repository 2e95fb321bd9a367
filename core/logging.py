"""Structured logs with citizens' personal data and secrets redacted by construction.

Every log event passes `redact_event`: values under sensitive keys are masked, and phone numbers
anywhere in a string are masked to their last two digits (`+84*******78`), so an operator can
still correlate a complaint without the log holding the number.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

# Vietnamese mobile and landline numbers in the forms people write them:
# 0912345678, 0912 345 678, 0912.345.678, +84912345678, 84912345678.
_PHONE = re.compile(r"(?<![\w.])(?:\+?84|0)(?:[\s.-]?\d){8,10}(?![\w])")
_SECRET_KEYS = ("token", "secret", "password", "signature", "authorization", "api_key")
_PERSONAL_KEYS = ("name", "phone", "applicant", "note", "address")


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return ("+" if phone.startswith("+") else "") + "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_name(name: str) -> str:
    """'Nguyễn Văn An' -> 'N. V. A.': enough to tell people apart in a log, not to identify."""
    return " ".join(part[:1] + "." for part in name.split()) or "*"


def redact_text(text: str) -> str:
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def _redact_value(key: str, value: Any) -> Any:
    lowered = key.lower()
    if any(s in lowered for s in _SECRET_KEYS):
        return "***" if value not in (None, "") else value
    if isinstance(value, str):
        if "phone" in lowered:
            return mask_phone(value)
        if any(s in lowered for s in _PERSONAL_KEYS) and lowered not in ("event", "logger"):
            return mask_name(value)
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(key, v) for v in value]
    return value


def redact_event(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event):
        if key in ("event", "logger", "level", "timestamp"):
            if isinstance(event[key], str):
                event[key] = redact_text(event[key])
            continue
        event[key] = _redact_value(key, event[key])
    return event


class _RedactingFilter(logging.Filter):
    """Applies the same masking to records of libraries that log through `logging`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        record.msg = redact_text(message)
        record.args = None
        return True


def _processors(renderer: Any) -> list[Any]:
    # Tracebacks become plain text before redaction, so they are redacted like any field; a
    # rich traceback with the frames' local variables would print tokens and phone numbers.
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=False),
        structlog.processors.format_exc_info,
        redact_event,
        renderer,
    ]


def _console(colors: bool) -> Any:
    return structlog.dev.ConsoleRenderer(
        colors=colors, exception_formatter=structlog.dev.plain_traceback
    )


def configure_logging(*, level: str = "INFO", fmt: str = "console") -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else _console(sys.stderr.isatty())
    )
    structlog.configure(
        processors=_processors(renderer),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)


# Until a program configures logging, structlog's defaults would render rich tracebacks with
# local variables: the same redacted, plain set-up is the default instead.
if not structlog.is_configured():
    structlog.configure(processors=_processors(_console(False)))
