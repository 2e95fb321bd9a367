"""Rasa's REST channel format, spoken by the web chat page and by integrations.

Senders given by a REST client are confined to the `web:` namespace, so no client can pose as
a Zalo, Telegram or SMS identity (which may be linked to a verified phone number).
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.channels.base import InboundMessage, InvalidRequest, OutboundMessage

NAME = "web"
MAX_SENDER_CHARS = 128
MAX_TEXT_CHARS = 2000
_SENDER = re.compile(r"^[\w.:@+-]+$")


def parse(body: bytes) -> tuple[InboundMessage, str]:
    """The message, and the sender exactly as the client named it (the reply's recipient_id)."""
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidRequest("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidRequest("body must be a JSON object with 'sender' and 'message'")
    sender, message = data.get("sender"), data.get("message")
    if not isinstance(sender, str) or not sender.strip():
        raise InvalidRequest("'sender' must be a non-empty string")
    if not isinstance(message, str):
        raise InvalidRequest("'message' must be a string")
    sender = sender.strip()
    if len(sender) > MAX_SENDER_CHARS or not _SENDER.match(sender):
        raise InvalidRequest(
            f"'sender' must be at most {MAX_SENDER_CHARS} letters, digits or . : @ + - _"
        )
    if len(message) > MAX_TEXT_CHARS:
        raise InvalidRequest(f"'message' is longer than {MAX_TEXT_CHARS} characters")
    user_id = sender.removeprefix(f"{NAME}:")
    return InboundMessage(channel=NAME, user_id=user_id, text=message), sender


def render(recipient_id: str, replies: list[OutboundMessage]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for reply in replies:
        item: dict[str, Any] = {"recipient_id": recipient_id, "text": reply.text}
        if reply.buttons:
            item["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        out.append(item)
    return out
