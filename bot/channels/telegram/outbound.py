"""What goes out to Telegram: message parts within the length limit, and inline keyboards."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.base import Button

# "Text of the message to be sent, 1-4096 characters after entities parsing"
# (https://core.telegram.org/bots/api#sendmessage). Telegram counts UTF-16 code units, as it
# does for entity offsets, so an emoji outside the BMP costs two.
MAX_MESSAGE_UNITS = 4096
# "Data to be sent in a callback query to the bot when the button is pressed, 1-64 bytes"
# (https://core.telegram.org/bots/api#inlinekeyboardbutton).
MAX_CALLBACK_BYTES = 64
# A payload longer than 64 bytes travels as `#` + 32 hex digits of its SHA-256 (33 bytes). Telegram
# echoes the keyboard in `callback_query.message`, so the press is read back as the button's title.
HASHED_PREFIX = "#"
_HASHED = re.compile(r"#[0-9a-f]{32}")
_SPACE = re.compile(r"\s")


def units(text: str) -> int:
    """Length in UTF-16 code units, the way Telegram counts."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_text(text: str, *, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """`text` in parts of at most `limit` UTF-16 units, cut at a paragraph break, else a line
    break, else a space; inside a word only when one word alone is longer than a part. The
    whitespace at a cut is dropped; every word is kept, in order."""
    parts: list[str] = []
    rest = text
    while units(rest) > limit:
        window = max(_prefix_within(rest, limit), 1)
        cut, resume = _cut(rest, window)
        part = rest[:cut].rstrip()
        if part:
            parts.append(part)
        rest = rest[resume:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def _prefix_within(text: str, limit: int) -> int:
    """The number of characters of `text` that fit in `limit` UTF-16 units."""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _cut(text: str, window: int) -> tuple[int, int]:
    """Where the part ends and where the next one starts, for a part of at most `window` chars."""
    head = text[: window + 1]  # a separator right after the window still makes a clean cut
    half = window // 2
    for separator in ("\n\n", "\n"):
        at = head.rfind(separator, 0, window + 1)
        if at >= max(half, 1):
            return at, at + len(separator)
    spaces = [m.start() for m in _SPACE.finditer(head)]
    if spaces and spaces[-1] > 0:
        return spaces[-1], spaces[-1] + 1
    return window, window


def callback_data(button: Button) -> str:
    """The button's `callback_data`: its payload (its title when the payload is empty), or the
    hashed form when that is longer than Telegram's 64 bytes."""
    data = button.payload or button.title
    if 0 < len(data.encode()) <= MAX_CALLBACK_BYTES:
        return data
    return HASHED_PREFIX + hashlib.sha256(data.encode()).hexdigest()[:32]


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup:
    """An inline keyboard with one button per row, in order."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.title, callback_data=callback_data(b))] for b in buttons]
    )


def pressed(data: str, markup: InlineKeyboardMarkup | None) -> str | None:
    """What a button press says: its `callback_data`, or for the hashed form the title of the
    button that carries it in `markup` (None when the keyboard is gone)."""
    if not _HASHED.fullmatch(data):
        return data
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
