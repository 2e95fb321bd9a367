"""The Channel seam: what every messaging platform adapter receives and sends.

`parse(request) -> list[InboundMessage]`: an empty list means acknowledged and ignored; a bad
signature or secret raises `Unauthorized`; a malformed body raises `InvalidRequest`.
`send(message) -> SendResult`: failures raise `SendError(retryable=…, retry_after=…)`; only the
delivery layer decides to retry. Values crossing this seam are immutable, NFC-normalized text,
aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", nfc(self.text).strip())

    @property
    def sender(self) -> str:
        return f"{self.channel}:{self.user_id}"

    def __repr__(self) -> str:  # the text may hold personal data: never in reprs
        return (
            f"InboundMessage(channel={self.channel!r}, message_id={self.message_id!r}, "
            f"chars={len(self.text)})"
        )


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    channel: str
    user_id: str
    text: str
    buttons: tuple[Button, ...] = ()

    def __repr__(self) -> str:
        return (
            f"OutboundMessage(channel={self.channel!r}, chars={len(self.text)}, "
            f"buttons={len(self.buttons)})"
        )


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_message_id: str | None = None


class Channel(Protocol):
    name: str

    async def send(self, message: OutboundMessage) -> SendResult: ...
