"""Telegram (CONTRACT §4.2): webhook updates in, Bot API calls out, through python-telegram-bot.

`TelegramChannel` implements the Channel seam; `polling.poll` feeds the same events from
`getUpdates` for local development without a public webhook URL.
"""

from bot.channels.telegram.channel import (
    ALLOWED_UPDATES,
    GLOBAL_PER_SECOND,
    PER_CHAT_PER_SECOND,
    SECRET_HEADER,
    TelegramChannel,
)
from bot.channels.telegram.mapping import NAME

__all__ = [
    "ALLOWED_UPDATES",
    "GLOBAL_PER_SECOND",
    "NAME",
    "PER_CHAT_PER_SECOND",
    "SECRET_HEADER",
    "TelegramChannel",
]
