"""From a Telegram `Update` to the events of the Channel seam (shared by webhook and polling).

Only private chats are read: the bot talks about personal dossiers, so a group, supergroup or
channel is acknowledged and ignored. Every event of one update carries the same dedupe key,
`u<update_id>` (https://core.telegram.org/bots/api#update: "update identifiers start from a
certain positive number and increase sequentially").
"""

from __future__ import annotations

import re

from telegram import Chat, Message, Update

from bot.channels.base import Follow, InboundEvent, InboundMessage, PhoneShared
from bot.channels.telegram.outbound import pressed
from core.dossiers.model import normalize_phone
from core.logging import get_logger

NAME = "telegram"
# `/start`, `/start@OurBot`, `/start <deep-link payload>` (https://core.telegram.org/api/links#bot-links).
_START = re.compile(r"/start(?:@\w+)?(?:\s.*)?", re.DOTALL)

log = get_logger("motcua.channels.telegram")


def dedupe_key(update: Update) -> str:
    return f"u{update.update_id}"


def events_of(update: Update) -> list[InboundEvent]:
    """The events one update carries; `[]` for everything the bot does not read (edited
    messages, channel posts, stickers, photos, group chats, membership changes, …)."""
    key = dedupe_key(update)
    if update.message is not None:
        return _from_message(update.message, key)
    if update.callback_query is not None:
        query = update.callback_query
        if query.data is None:  # a game button: no data to read
            return []
        message = query.message
        if message is not None and message.chat.type != Chat.PRIVATE:
            return []
        user_id = str(message.chat.id if message is not None else query.from_user.id)
        markup = message.reply_markup if isinstance(message, Message) else None
        text = pressed(query.data, markup)
        if not text:
            log.info("telegram button press without a readable payload", update=key)
            return []
        return [
            InboundMessage(
                channel=NAME, user_id=user_id, text=text, message_id=key, callback_id=query.id
            )
        ]
    return []


def _from_message(message: Message, key: str) -> list[InboundEvent]:
    if message.chat.type != Chat.PRIVATE:
        return []
    user_id = str(message.chat.id)
    if message.contact is not None:
        contact, author = message.contact, message.from_user
        # Only a contact of the sender themselves vouches for a phone: Telegram's "Share my
        # phone number" button sends it with `user_id` equal to the sender's id.
        if author is None or contact.user_id != author.id:
            return []
        try:
            phone = normalize_phone(contact.phone_number)
        except ValueError:
            log.info("telegram shared phone is not a Vietnamese mobile number", update=key)
            return []
        return [PhoneShared(channel=NAME, user_id=user_id, phone=phone, event_id=key)]
    text = message.text
    if text is None or not text.strip():
        return []
    if _START.fullmatch(text):
        return [Follow(channel=NAME, user_id=user_id, event_id=key)]
    return [InboundMessage(channel=NAME, user_id=user_id, text=text, message_id=key)]
