"""Zalo Notification Service (ZNS) client: an approved template message to a phone number.

`POST {business_base}/message/template`, header `access_token` (the OA's token), JSON
`{"phone": "849…", "template_id", "template_data", "tracking_id"}` (CONTRACT §4.3). The phone
goes without the plus; `tracking_id` (at most 48 characters) is echoed back in the
`user_received_message` delivery event. Errors follow the same table as the OA API
(https://zalo.cloud/zns/guidelines/handle-error-code).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import httpx

from bot.channels.zalo._http import AccessTokenSource, post_with_token
from bot.channels.zalo.errors import utcnow

DEFAULT_BUSINESS_BASE_URL: Final = "https://business.openapi.zalo.me"
MAX_TRACKING_ID_CHARS: Final = 48


@dataclass(frozen=True, slots=True)
class ZnsResult:
    msg_id: str | None
    sent_time: str | None


def zns_phone(phone: str) -> str:
    """`+84912345678` → `84912345678`, the form the ZNS API takes."""
    digits = phone.removeprefix("+")
    if not (digits.startswith("84") and digits.isdigit()):
        raise ValueError("a ZNS phone must be a Vietnamese number in the form +84…")
    return digits


class Client:
    """The ZNS API. Failures raise `errors.ZaloError` subclasses; a call refused for its
    access token is retried once with a refreshed token."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        tokens: AccessTokenSource,
        business_base_url: str = DEFAULT_BUSINESS_BASE_URL,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._http = http
        self._tokens = tokens
        self._url = business_base_url.rstrip("/") + "/message/template"
        self._clock = clock

    async def send_zns_message(
        self,
        phone: str,
        template_id: str,
        template_data: Mapping[str, str],
        tracking_id: str,
    ) -> ZnsResult:
        """Sends template `template_id` to `phone` (`+84…` or `84…`)."""
        if not tracking_id or len(tracking_id) > MAX_TRACKING_ID_CHARS:
            raise ValueError(f"tracking_id must be 1 to {MAX_TRACKING_ID_CHARS} characters")
        body = await post_with_token(
            self._http,
            self._url,
            {
                "phone": zns_phone(phone),
                "template_id": template_id,
                "template_data": dict(template_data),
                "tracking_id": tracking_id,
            },
            tokens=self._tokens,
            clock=self._clock,
        )
        data = body.get("data")
        data = data if isinstance(data, dict) else {}
        msg_id, sent_time = data.get("msg_id"), data.get("sent_time")
        return ZnsResult(
            msg_id=msg_id if isinstance(msg_id, str) and msg_id else None,
            sent_time=sent_time if isinstance(sent_time, str) and sent_time else None,
        )
