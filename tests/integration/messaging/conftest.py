"""A migrated database of each SQL tier, and a channel stand-in that records provider calls."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.channels.base import InboundEvent, OutboundMessage, SendError, SendResult, WebhookRequest
from core.db import make_engine
from tests.unit.dossiers.storage import SQL_TIERS, migrated_database


@pytest.fixture(params=SQL_TIERS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_database(request.param, request, tmp_path) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


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
