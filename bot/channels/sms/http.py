"""The generic HTTP SMS gateway (CONTRACT §4.4, `MOTCUA_SMS_PROVIDER=http`).

Outbound: `POST {send_url}` with `Authorization: Bearer <token>` and JSON
`{"id": "<our message id>", "to": "+84…", "text": "…"}`; any 2xx is accepted, 429 and 5xx are
retried, other 4xx are permanent. Inbound: `POST /webhooks/sms/http` with the same bearer token
and `{"id", "from", "text"}`. Delivery reports: `POST /webhooks/sms/http/status` with
`{"id": "<our message id>", "status": "delivered" | "failed"}`, also with the bearer token.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels.base import (
    DeliveryReport,
    InboundEvent,
    InboundMessage,
    InvalidRequest,
    OutboundMessage,
    SendError,
    SendResult,
    Unauthorized,
    WebhookRequest,
)
from bot.channels.client import provider_client
from bot.channels.sms.common import (
    CHANNEL,
    DEFAULT_PRICE_PER_PART_VND,
    bearer_matches,
    post_checked,
    render_text,
    split_text,
)
from core.dossiers.model import normalize_phone
from core.logging import get_logger
from core.settings import Settings
from core.smstext import segments

if TYPE_CHECKING:
    from bot.channels.base import Channel

log = get_logger("motcua.channels.sms")

PROVIDER: Final = "http"
MAX_TEXT_CHARS: Final = 2000
MAX_ID_CHARS: Final = 128


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    sender: str = Field(alias="from", min_length=1, max_length=32)
    text: str = Field(max_length=MAX_TEXT_CHARS)


class _Status(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS)
    status: Literal["delivered", "failed"]


def _route(subpath: str) -> Literal["inbound", "status"] | None:
    """`subpath` relative to `/webhooks/sms` (`/http`, `/http/status`) or to
    `/webhooks/sms/http` (``, `/`, `/status`)."""
    path = subpath.strip("/")
    path = path.removeprefix(PROVIDER).strip("/") if path.split("/")[0] == PROVIDER else path
    if path == "":
        return "inbound"
    if path == "status":
        return "status"
    return None


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidRequest("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidRequest("body must be a JSON object")
    return data


def _reason(exc: ValidationError) -> str:
    """A one-line reason naming the fields, never their values (a phone, a message)."""
    fields = sorted({str(err["loc"][0]) if err["loc"] else "body" for err in exc.errors()})
    return "invalid or missing field(s): " + ", ".join(fields)


class HttpSmsChannel:
    """The generic gateway adapter. One outbox row is one gateway call: the gateway
    concatenates multi-part SMS, and `split` keeps each message within `max_parts` parts."""

    name = CHANNEL
    provider = PROVIDER
    # Default pace for the delivery layer; a province sets its gateway's real limit.
    REQUESTS_PER_SECOND: ClassVar[float] = 5.0

    def __init__(
        self,
        *,
        send_url: str,
        token: str,
        price_per_part_vnd: float = DEFAULT_PRICE_PER_PART_VND,
        max_parts: int = 5,
        timeout_seconds: float = 10.0,
        requests_per_second: float | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not token:
            raise ValueError("the SMS gateway token is empty")
        if max_parts < 1:
            raise ValueError("max_parts must be at least 1")
        self._send_url = send_url
        self._token = token
        self.price_per_part_vnd = price_per_part_vnd
        self.max_parts = max_parts
        self.requests_per_second = requests_per_second or self.REQUESTS_PER_SECOND
        self._owns_client = client is None
        self._client = client or provider_client(timeout=timeout_seconds)

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpSmsChannel:
        """The adapter from `MOTCUA_SMS_HTTP_SEND_URL` and `MOTCUA_SMS_HTTP_TOKEN`, plus the
        optional `MOTCUA_SMS_HTTP_PRICE_PER_PART_VND` when the settings carry it."""
        if settings.sms_http_send_url is None or settings.sms_http_token is None:
            raise ValueError(
                "MOTCUA_SMS_HTTP_SEND_URL and MOTCUA_SMS_HTTP_TOKEN are required "
                "when MOTCUA_SMS_PROVIDER=http"
            )
        price = getattr(settings, "sms_http_price_per_part_vnd", None)
        return cls(
            send_url=settings.sms_http_send_url,
            token=settings.sms_http_token.get_secret_value(),
            price_per_part_vnd=DEFAULT_PRICE_PER_PART_VND if price is None else float(price),
        )

    def __repr__(self) -> str:
        return f"HttpSmsChannel(send_url={self._send_url!r}, max_parts={self.max_parts})"

    async def parse(self, request: WebhookRequest) -> list[InboundEvent]:
        """An inbound SMS or a delivery report. A missing or wrong bearer token raises
        `Unauthorized` before the body is read; a malformed body raises `InvalidRequest`; an
        empty SMS is acknowledged and ignored."""
        route = _route(request.subpath)
        if not bearer_matches(request.headers, self._token):
            raise Unauthorized("missing or wrong bearer token")
        if route is None:
            raise InvalidRequest("unknown SMS webhook path")
        data = _json_object(request.body)
        if route == "status":
            try:
                report = _Status.model_validate(data)
            except ValidationError as exc:
                raise InvalidRequest(_reason(exc)) from None
            return [
                DeliveryReport(
                    channel=CHANNEL,
                    message_id=report.id,
                    status=report.status,
                    event_id=f"{report.id}:{report.status}",
                )
            ]
        try:
            inbound = _Inbound.model_validate(data)
        except ValidationError as exc:
            raise InvalidRequest(_reason(exc)) from None
        try:
            phone = normalize_phone(inbound.sender)
        except ValueError:
            raise InvalidRequest("'from' is not a Vietnamese mobile number") from None
        message = InboundMessage(
            channel=CHANNEL,
            user_id=phone,
            text=inbound.text,
            message_id=inbound.id,
            received_at=datetime.now(UTC),
        )
        return [message] if message.text else []

    def split(self, message: OutboundMessage) -> list[OutboundMessage]:
        """The message as GSM-7 text with its buttons as lines, cut into messages of at most
        `max_parts` parts each (none if there is nothing to send)."""
        return [
            replace(message, text=part, buttons=())
            for part in split_text(render_text(message), max_parts=self.max_parts)
        ]

    async def send(self, message: OutboundMessage) -> SendResult:
        """One gateway call. `message.idempotency_key` is sent as `id` (the gateway
        deduplicates on it and reports delivery by it)."""
        text = render_text(message)
        if not text:
            raise SendError("nothing to send: empty text", retryable=False)
        try:
            to = normalize_phone(message.user_id)
        except ValueError:
            raise SendError(
                "recipient is not a Vietnamese mobile number", retryable=False
            ) from None
        message_id = message.idempotency_key or uuid.uuid4().hex
        response = await post_checked(
            self._client,
            self._send_url,
            provider=PROVIDER,
            message_id=message_id,
            json={"id": message_id, "to": to, "text": text},
            headers={"authorization": f"Bearer {self._token}"},
        )
        parts = segments(text)
        log.debug("sms sent", provider=PROVIDER, message_id=message_id, segments=parts)
        return SendResult(
            provider_message_id=_provider_id(response),
            segments=parts,
            cost_vnd=parts * self.price_per_part_vnd,
        )

    async def acknowledge(self, event: InboundEvent) -> None:
        return None

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _provider_id(response: httpx.Response) -> str | None:
    try:
        data: Any = response.json()
    except (ValueError, UnicodeDecodeError):
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return str(value) if isinstance(value, str | int) and str(value) else None


if TYPE_CHECKING:
    _: Channel = HttpSmsChannel(send_url="", token="")
