"""python-telegram-bot's exceptions as the Channel seam's failure policy."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import SendError
from bot.channels.telegram.redaction import redact


def retry_after_seconds(exc: RetryAfter) -> float:
    """The flood-control wait in seconds. PTB 22.2+ gives an int (with a deprecation warning)
    or, with `PTB_TIMEDELTA=true` in the environment, a `timedelta`; both are read here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: object = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"unexpected RetryAfter.retry_after type {type(value).__name__}")


def send_error(exc: TelegramError) -> SendError:
    """The verdict on a failed Bot API call (https://core.telegram.org/bots/api#making-requests):
    429 flood control is retried after the wait Telegram names; timeouts, network failures and
    5xx answers are retried; a blocked bot (403), a bad request such as an unknown chat (400),
    a migrated chat and a rejected token (401/404) are not."""
    reason = f"telegram {type(exc).__name__}: {redact(exc.message)}"
    if isinstance(exc, RetryAfter):
        return SendError(reason, retryable=True, retry_after=retry_after_seconds(exc))
    # BadRequest subclasses NetworkError in PTB, so it is decided first.
    if isinstance(exc, BadRequest | Forbidden | InvalidToken | ChatMigrated):
        return SendError(reason, retryable=False)
    # NetworkError (TimedOut, 5xx, connection failures) and anything else, such as "Invalid
    # server response" for a proxy's HTML page, is worth another try.
    return SendError(reason, retryable=True)
