"""The Channel seam: what every messaging platform adapter receives and sends.

`parse(request) -> list[InboundEvent]`: an empty list means acknowledged and ignored; a bad
signature or secret raises `Unauthorized`; a malformed body raises `InvalidRequest`.
`split(message) -> list[OutboundMessage]`: the parts one provider call each carries (length
limits); the delivery layer stores each part under its own idempotency key.
`send(message) -> SendResult`: one provider call; failures raise
`SendError(retryable=…, retry_after=…)`; only the delivery layer decides to retry.
Values crossing this seam are immutable, NFC-normalized text, phones as `+84…`, aware datetimes.
Adapters never import the web framework: a webhook reaches them as a `WebhookRequest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from nlu.text import nfc


class InvalidRequest(Exception):
    """The body is malformed: answered with 400 and a one-line reason."""


class Unauthorized(Exception):
    """The signature or secret does not match: answered with 401/403, nothing changes."""


class SendError(Exception):
    """Sending failed. `retryable` and `retry_after` (seconds) are the platform's verdict."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.retry_after = retry_after


def sender_of(channel: str, user_id: str) -> str:
    """The conversation id Rasa and the actions see: `telegram:12345`, `zalo:6142…`, and for
    SMS the phone itself, `tel:+84912345678` (a verified identity of that phone)."""
    return f"tel:{user_id}" if channel == "sms" else f"{channel}:{user_id}"


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message from a citizen. `sender` names channel and user, e.g. `telegram:12345`."""

    channel: str
    user_id: str
    text: str
    message_id: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # A button press (Telegram callback query id): the adapter answers it in `acknowledge`.
    callback_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", nfc(self.text).strip())

    @property
    def sender(self) -> str:
        return sender_of(self.channel, self.user_id)

    def __repr__(self) -> str:  # the text may hold personal data: never in reprs
        return (
            f"InboundMessage(channel={self.channel!r}, message_id={self.message_id!r}, "
            f"chars={len(self.text)})"
        )


@dataclass(frozen=True, slots=True)
class Follow:
    """The user started a conversation (Zalo `follow`, Telegram `/start`): answered with a
    welcome. `event_id` is the dedupe key of the delivery."""

    channel: str
    user_id: str
    event_id: str | None = None

    @property
    def sender(self) -> str:
        return sender_of(self.channel, self.user_id)


@dataclass(frozen=True, slots=True)
class PhoneShared:
    """The platform vouches that this user owns `phone` (Zalo `user_submit_info`, a Telegram
    contact the user shared of themselves). `phone` is `+84…`."""

    channel: str
    user_id: str
    phone: str
    event_id: str | None = None

    @property
    def sender(self) -> str:
        return sender_of(self.channel, self.user_id)

    def __repr__(self) -> str:
        return f"PhoneShared(channel={self.channel!r}, event_id={self.event_id!r})"


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A provider reports the fate of a message we sent. `message_id` is our outbox id (or the
    provider's id, with `by_provider_id=True`)."""

    channel: str
    message_id: str
    status: Literal["delivered", "failed"]
    by_provider_id: bool = False
    event_id: str | None = None


InboundEvent = InboundMessage | Follow | PhoneShared | DeliveryReport


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A webhook as the adapters see it: `subpath` is what follows `/webhooks/<channel>`
    (e.g. `/http/status` for SMS), header names are lower case, `body` is the raw bytes."""

    subpath: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Template:
    """A platform template message (Zalo ZNS): approved id and its parameters."""

    template_id: str
    data: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message to one user. `idempotency_key` is set by the delivery layer (the outbox id);
    adapters pass it to providers that deduplicate (SMS `id`, ZNS `tracking_id`)."""

    channel: str
    user_id: str
    text: str
    buttons: tuple[Button, ...] = ()
    template: Template | None = None
    idempotency_key: str | None = None

    def __repr__(self) -> str:
        return (
            f"OutboundMessage(channel={self.channel!r}, chars={len(self.text)}, "
            f"buttons={len(self.buttons)})"
        )


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_message_id: str | None = None
    # SMS: parts billed and their cost in VND, when the adapter knows them
    segments: int | None = None
    cost_vnd: float | None = None


class Channel(Protocol):
    """A messaging platform adapter (one folder under bot/channels/)."""

    name: str

    async def parse(self, request: WebhookRequest) -> list[InboundEvent]: ...

    def split(self, message: OutboundMessage) -> list[OutboundMessage]: ...

    async def send(self, message: OutboundMessage) -> SendResult: ...

    async def acknowledge(self, event: InboundEvent) -> None:
        """Called once an event is stored (e.g. answer a Telegram callback query)."""

    async def aclose(self) -> None: ...
