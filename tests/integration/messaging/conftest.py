"""A channel stand-in that records provider calls."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels.base import InboundEvent, OutboundMessage, SendError, SendResult, WebhookRequest


@dataclass
class ScriptedChannel:
    """A platform stand-in: each send pops the next scripted outcome (default: success)."""

    name: str = "sms"
    script: list[SendError | None] = field(default_factory=list)
    sent: list[OutboundMessage] = field(default_factory=list)
    attempts: int = 0

    async def parse(self, request: WebhookRequest) -> list[InboundEvent]:
        return []

    def split(self, message: OutboundMessage) -> list[OutboundMessage]:
        return [message]

    async def send(self, message: OutboundMessage) -> SendResult:
        self.attempts += 1
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        self.sent.append(message)
        return SendResult(provider_message_id=f"p{len(self.sent)}", segments=1, cost_vnd=850.0)

    async def acknowledge(self, event: InboundEvent) -> None:
        return None

    async def aclose(self) -> None:
        return None
