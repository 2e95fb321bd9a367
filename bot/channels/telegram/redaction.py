"""Keeps the bot token and citizens' messages out of the logs of the libraries we drive.

The Bot API puts the token in the URL path (`{base_url}{token}/sendMessage`), so python-telegram-bot
logs it when a Bot is built (`Set Bot API URL: …`, DEBUG) and httpx logs it with every request
(`HTTP Request: POST …/bot<token>/sendMessage`, INFO). PTB also logs every call's parameters and
result at DEBUG: message texts and shared phone numbers. A `logging.Filter` on each of those
loggers rewrites the record before any handler sees it, whatever the log configuration.
"""

from __future__ import annotations

import logging
import re
import threading

# Telegram tokens look like `123456789:AAH…` (https://core.telegram.org/bots/api#authorizing-your-bot).
_TOKEN_SHAPE = re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{20,}")
REDACTED = "<token>"

# The loggers that see request URLs or payloads (names as PTB's own `get_logger` makes them).
_LOGGERS = (
    "httpx",
    "telegram.Bot",
    "telegram.request.BaseRequest",
    "telegram.request.HTTPXRequest",
)
# PTB log templates that carry payloads, and what is kept of them (arguments kept: the first n).
_PAYLOAD_TEMPLATES: dict[str, tuple[str, int]] = {
    "Calling Bot API endpoint `%s` with parameters `%s`": ("Calling Bot API endpoint `%s`", 1),
    "Call to Bot API endpoint `%s` finished with return value `%s`": (
        "Call to Bot API endpoint `%s` finished",
        1,
    ),
    "Error while parsing updates! Received data was %r": ("Error while parsing updates", 0),
    'Can not load invalid JSON data: "%s"': ("Can not load invalid JSON data", 0),
}

# Replaced whole, never mutated: a filter may read it on another thread.
_tokens: tuple[str, ...] = ()
_lock = threading.Lock()


def redact(text: str) -> str:
    """`text` with every known token, and anything shaped like a token, replaced."""
    for token in _tokens:
        text = text.replace(token, REDACTED)
    return _TOKEN_SHAPE.sub(REDACTED, text)


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg in _PAYLOAD_TEMPLATES:
            template, kept = _PAYLOAD_TEMPLATES[record.msg]
            args = record.args if isinstance(record.args, tuple) else ()
            record.msg, record.args = template, args[:kept]
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        record.msg, record.args = redact(message), None
        return True


_FILTER = _RedactFilter()


def protect(token: str) -> None:
    """Registers `token` for redaction and installs the filter (idempotent)."""
    global _tokens
    with _lock:
        if token and token not in _tokens:
            _tokens = tuple(sorted((*_tokens, token), key=len, reverse=True))
        for name in _LOGGERS:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
