"""A fake SMS provider served over real HTTP on loopback, and the case-table helpers."""

from __future__ import annotations

import asyncio
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.base import (
    Button,
    DeliveryReport,
    InboundEvent,
    InboundMessage,
    OutboundMessage,
    SendResult,
)
from tests.conftest import LocalServer, free_port

FIXTURES = Path(__file__).parent / "fixtures"


def cases(name: str) -> list[Any]:
    """The rows of `fixtures/<name>.json`, as pytest params named by their `name` (or text)."""
    rows = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return [pytest.param(row, id=str(row.get("name", row.get("text")))) for row in rows]


def expand(value: Any) -> Any:
    """Long texts in fixtures: `{"repeat": s, "times": n}` (or `repeat_stripped`, the same
    stripped of surrounding spaces, plus an optional `suffix`)."""
    if isinstance(value, dict) and ("repeat" in value or "repeat_stripped" in value):
        text = (value.get("repeat") or value["repeat_stripped"]) * value["times"]
        if "repeat_stripped" in value:
            text = text.strip()
        return text + value.get("suffix", "")
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    return value


def outbound(row: dict[str, Any]) -> OutboundMessage:
    return OutboundMessage(
        channel="sms",
        user_id=row["user_id"],
        text=expand(row["text"]),
        buttons=tuple(Button(title, payload) for title, payload in row.get("buttons", [])),
        idempotency_key=row.get("idempotency_key"),
    )


def event_as_row(event: InboundEvent) -> dict[str, Any]:
    """An event as the fixtures spell it (received_at only where the provider gives it)."""
    if isinstance(event, InboundMessage):
        assert event.channel == "sms"
        return {
            "type": "message",
            "user_id": event.user_id,
            "text": event.text,
            "message_id": event.message_id,
            "received_at": event.received_at.isoformat(),
        }
    assert isinstance(event, DeliveryReport)
    assert event.channel == "sms"
    return {
        "type": "report",
        "message_id": event.message_id,
        "status": event.status,
        "by_provider_id": event.by_provider_id,
        "event_id": event.event_id,
    }


def matches(event: InboundEvent, expected: dict[str, Any]) -> bool:
    actual = event_as_row(event)
    return all(actual[k] == v for k, v in expected.items())


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def result_row(result: SendResult) -> dict[str, Any]:
    return {
        "provider_message_id": result.provider_message_id,
        "segments": result.segments,
        "cost_vnd": result.cost_vnd,
    }


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeProvider:
    """Records every call and answers what the case says: status, headers, a JSON body
    (`body`, None = empty) or a raw `text`, after an optional `delay`."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=lambda: {"status": 200, "body": {}})

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            self.requests.append(
                Recorded(
                    request.method,
                    request.url.path,
                    dict(request.headers),
                    json.loads(raw) if raw else None,
                )
            )
            answer = self.answer
            if answer.get("delay"):
                await asyncio.sleep(answer["delay"])
            status = int(answer.get("status", 200))
            headers = answer.get("headers") or {}
            if "text" in answer:
                return Response(answer["text"], status, headers, media_type="text/html")
            if answer.get("body") is None:
                return Response(b"", status, headers)
            return JSONResponse(answer["body"], status, headers)

        return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])


@pytest.fixture
def fake_provider(local_server: Callable[[Any], LocalServer]) -> FakeProvider:
    fake = FakeProvider()
    fake.url = local_server(fake.app()).url
    return fake


@pytest.fixture
def unreachable_url() -> str:
    """A loopback port nobody listens on."""
    return f"http://127.0.0.1:{free_port()}"
