"""Zalo Official Account API client: consultation ("tư vấn") messages to one user.

Names follow the Zalo SDKs: `oa.Client.send_message(recipient_user_id, message)` with
`TextMessage` or `TemplateButtonsMessage`.

`POST {api_base}/v3.0/oa/message/cs`, header `access_token`, JSON
`{"recipient": {"user_id": …}, "message": {…}}` (CONTRACT §4.3). A consultation message may
only go to a user who interacted with the OA in the last 7 days (free for 48 hours); outside
that window Zalo answers -213/-230 and `OutsideWindow` is raised.
Buttons are a `template` attachment next to the text, each button an `oa.query.show` action
whose payload the user's tap sends back as an ordinary `user_send_text` event (button
structure: Zalo OA API appendix "Cấu trúc của tham số buttons",
https://docs.zaloplatforms.com/docs/OA/phu-luc/cau-truc-cua-tham-so-buttons).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

import httpx

from bot.channels.zalo._http import AccessTokenSource, post_with_token
from bot.channels.zalo.errors import (
    AccessTokenError,
    OutsideWindow,
    RecipientUnreachable,
    ZaloAPIError,
    ZaloError,
    ZaloTransportError,
    utcnow,
)

__all__ = [
    "AccessTokenError",
    "Client",
    "Message",
    "OutsideWindow",
    "QueryButton",
    "RecipientUnreachable",
    "SendMessageResult",
    "TemplateButtonsMessage",
    "TextMessage",
    "ZaloAPIError",
    "ZaloError",
    "ZaloTransportError",
]

DEFAULT_API_BASE_URL: Final = "https://openapi.zalo.me"
MAX_TEXT_CHARS: Final = 2000  # a consultation text message carries at most 2,000 characters
MAX_BUTTONS: Final = 5
MAX_BUTTON_TITLE_CHARS: Final = 100
MAX_BUTTON_PAYLOAD_CHARS: Final = 1000


@dataclass(frozen=True, slots=True)
class QueryButton:
    """A button that sends `payload` to the OA as if the user typed it (`oa.query.show`), or
    without showing it in the chat (`oa.query.hide`)."""

    title: str
    payload: str
    type: Literal["oa.query.show", "oa.query.hide"] = "oa.query.show"

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "type": self.type, "payload": self.payload}


@dataclass(frozen=True, slots=True)
class TextMessage:
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text}

    def __repr__(self) -> str:
        return f"TextMessage(chars={len(self.text)})"


@dataclass(frozen=True, slots=True)
class TemplateButtonsMessage:
    text: str
    buttons: tuple[QueryButton, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "attachment": {
                "type": "template",
                "payload": {"buttons": [button.to_json() for button in self.buttons]},
            },
        }

    def __repr__(self) -> str:
        return f"TemplateButtonsMessage(chars={len(self.text)}, buttons={len(self.buttons)})"


Message = TextMessage | TemplateButtonsMessage


@dataclass(frozen=True, slots=True)
class SendMessageResult:
    message_id: str | None
    user_id: str | None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class Client:
    """The OA message API. Failures raise `errors.ZaloError` subclasses; a call refused for
    its access token is retried once with a refreshed token."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        tokens: AccessTokenSource,
        api_base_url: str = DEFAULT_API_BASE_URL,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._http = http
        self._tokens = tokens
        self._url = api_base_url.rstrip("/") + "/v3.0/oa/message/cs"
        self._clock = clock

    async def send_message(self, recipient_user_id: str, message: Message) -> SendMessageResult:
        body = await post_with_token(
            self._http,
            self._url,
            {"recipient": {"user_id": recipient_user_id}, "message": message.to_json()},
            tokens=self._tokens,
            clock=self._clock,
        )
        data = body.get("data")
        data = data if isinstance(data, dict) else {}
        return SendMessageResult(
            message_id=_str_or_none(data.get("message_id")),
            user_id=_str_or_none(data.get("user_id")),
        )
