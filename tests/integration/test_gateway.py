"""The gateway over real HTTP, against a fake Rasa server on loopback.

The fake speaks Rasa's REST channel and /status as Rasa 3.6 does; its behaviour per case is
set by the test. Our own code (gateway, router, Rasa client) runs unmocked.
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from structlog.testing import capture_logs

from bot.app import build_gateway, create_app
from bot.channels.base import OutboundMessage
from bot.outbox import Envelope
from core.cli import alembic_config
from core.settings import Settings
from tests.conftest import LocalServer, free_port

BUSY = "hệ thống đang bận"


@dataclass
class FakeRasa:
    mode: str = "ok"  # ok | empty | error | slow | garbage
    received: list[dict[str, Any]] = field(default_factory=list)
    model_loaded: bool = True

    def app(self) -> Starlette:
        async def webhook(request: Request) -> Response:
            body = await request.json()
            self.received.append(body)
            if self.mode == "empty":
                return JSONResponse([])
            if self.mode == "error":
                return JSONResponse({"error": "boom"}, status_code=500)
            if self.mode == "garbage":
                return Response("<html>", media_type="text/html")
            if self.mode == "slow":
                await asyncio.sleep(3)
            return JSONResponse(
                [
                    {"recipient_id": body["sender"], "text": f"Dạ, bạn nói: {body['message']}"},
                    {
                        "recipient_id": body["sender"],
                        "text": "Chọn một mục:",
                        "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}],
                    },
                ]
            )

        async def status(_request: Request) -> Response:
            return JSONResponse(
                {"model_file": "models/motcua-x.tar.gz" if self.model_loaded else None}
            )

        return Starlette(
            routes=[
                Route("/webhooks/rest/webhook", webhook, methods=["POST"]),
                Route("/status", status),
            ]
        )


@dataclass
class Env:
    rasa: FakeRasa
    url: str
    client: httpx.Client

    def chat(self, message: Any, sender: Any = "web:abc") -> httpx.Response:
        return self.client.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
        )


def _settings(tmp_path: Path, rasa_url: str, **extra: Any) -> Settings:
    database_url = f"sqlite:///{tmp_path}/gw.db"
    command.upgrade(alembic_config(database_url), "head")
    return Settings(
        database_url=database_url,
        rasa_url=rasa_url,
        rasa_timeout_seconds=1.0,
        hotline="0203 1234 567",
        **extra,
    )


@pytest.fixture
def env(tmp_path: Path, local_server: Callable[[Any], LocalServer]) -> Iterator[Env]:
    rasa = FakeRasa()
    rasa_server = local_server(rasa.app())
    gateway = local_server(create_app(_settings(tmp_path, rasa_server.url)))
    with httpx.Client(timeout=10) as client:
        yield Env(rasa=rasa, url=gateway.url, client=client)


def test_reply_with_buttons_passes_through(env: Env) -> None:
    response = env.chat("xin chào")
    assert response.status_code == 200
    assert response.json() == [
        {"recipient_id": "web:abc", "text": "Dạ, bạn nói: xin chào"},
        {
            "recipient_id": "web:abc",
            "text": "Chọn một mục:",
            "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}],
        },
    ]


@pytest.mark.parametrize(
    ("sender", "rasa_sender"),
    [
        ("web:abc", "web:abc"),
        ("abc", "web:abc"),
        # A REST client cannot pose as a Zalo or phone identity.
        ("zalo:6142494823", "web:zalo:6142494823"),
        ("tel:+84912345678", "web:tel:+84912345678"),
    ],
)
def test_sender_names_channel_and_user(env: Env, sender: str, rasa_sender: str) -> None:
    response = env.chat("hi", sender=sender)
    assert response.status_code == 200
    assert env.rasa.received[-1]["sender"] == rasa_sender
    assert response.json()[0]["recipient_id"] == sender


def test_text_is_nfc_normalized_before_rasa(env: Env) -> None:
    decomposed = unicodedata.normalize("NFD", "  hồ sơ của tôi  ")
    env.chat(decomposed)
    assert env.rasa.received[-1]["message"] == "hồ sơ của tôi"
    assert unicodedata.is_normalized("NFC", env.rasa.received[-1]["message"])


@pytest.mark.parametrize("mode", ["empty", "error", "slow", "garbage"])
def test_rasa_failure_gets_a_polite_answer_never_5xx(env: Env, mode: str) -> None:
    env.rasa.mode = mode
    response = env.chat("lệ phí làm căn cước")
    assert response.status_code == 200
    [reply] = response.json()
    assert BUSY in reply["text"]
    assert "0203 1234 567" in reply["text"]
    assert reply["recipient_id"] == "web:abc"


def test_rasa_down_gets_a_polite_answer(tmp_path: Path, local_server: Any) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    gateway = local_server(create_app(_settings(tmp_path, closed)))
    response = httpx.post(
        f"{gateway.url}/webhooks/rest/webhook", json={"sender": "web:x", "message": "alo"}
    )
    assert response.status_code == 200
    assert BUSY in response.json()[0]["text"]
    health = httpx.get(f"{gateway.url}/healthz")
    assert health.status_code == 503
    assert health.json()["checks"]["rasa"].startswith("error")


def test_empty_message_is_answered_without_rasa(env: Env) -> None:
    response = env.chat("   ")
    assert response.status_code == 200
    assert "vui lòng nhập câu hỏi" in response.json()[0]["text"]
    assert env.rasa.received == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"message": "hi"}).encode(), "'sender'"),
        (json.dumps({"sender": "", "message": "hi"}).encode(), "'sender'"),
        (json.dumps({"sender": "web:a", "message": 5}).encode(), "'message'"),
        (json.dumps({"sender": "web:a b", "message": "hi"}).encode(), "'sender'"),
        (json.dumps({"sender": "x" * 200, "message": "hi"}).encode(), "'sender'"),
        (json.dumps({"sender": "web:a", "message": "a" * 2001}).encode(), "longer than"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_malformed_body_is_400_with_a_reason(env: Env, body: bytes, reason: str) -> None:
    response = env.client.post(
        f"{env.url}/webhooks/rest/webhook",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert reason in response.text
    assert "\n" not in response.text.strip()
    assert env.rasa.received == []


def test_oversized_body_is_refused(env: Env) -> None:
    response = env.client.post(
        f"{env.url}/webhooks/rest/webhook",
        content=b'{"sender": "web:a", "message": "' + b"a" * 70_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert env.rasa.received == []


def test_healthz_ready_with_model(env: Env) -> None:
    response = env.client.get(f"{env.url}/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"] == {
        "database": "ok",
        "redis": "in-process",
        "rasa": "ok",
        "model": "motcua-x.tar.gz",
    }


def test_healthz_not_ready_without_model(env: Env) -> None:
    env.rasa.model_loaded = False
    response = env.client.get(f"{env.url}/healthz")
    assert response.status_code == 503
    assert "no model" in response.json()["checks"]["rasa"]


def test_metrics_count_messages_and_failures(env: Env) -> None:
    env.chat("một")
    env.rasa.mode = "empty"
    env.chat("hai")
    text = env.client.get(f"{env.url}/metrics").text
    assert 'motcua_messages_total{channel="web",direction="in"}' in text
    assert 'motcua_rasa_failures_total{reason="no_reply"}' in text
    assert "motcua_turn_seconds_bucket" in text


def test_chat_page_is_served_in_vietnamese(env: Env) -> None:
    page = env.client.get(f"{env.url}/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'lang="vi"' in page.text
    assert "Một Cửa" in page.text
    script = env.client.get(f"{env.url}/static/chat.js")
    assert script.status_code == 200
    assert "webhooks/rest/webhook" in script.text


@pytest.mark.storage
def test_healthz_with_real_redis(tmp_path: Path, local_server: Any, redis_url: str) -> None:
    rasa = local_server(FakeRasa().app())
    gateway = local_server(create_app(_settings(tmp_path, rasa.url, redis_url=redis_url)))
    response = httpx.get(f"{gateway.url}/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


def test_healthz_with_redis_down(tmp_path: Path, local_server: Any) -> None:
    rasa = local_server(FakeRasa().app())
    settings = _settings(tmp_path, rasa.url, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    gateway = local_server(create_app(settings))
    response = httpx.get(f"{gateway.url}/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


@pytest.mark.storage
def test_healthz_with_real_postgres(local_server: Any, postgres_url: str, tmp_path: Path) -> None:
    rasa = local_server(FakeRasa().app())
    settings = Settings(database_url=postgres_url, rasa_url=rasa.url)
    gateway = local_server(create_app(settings))
    response = httpx.get(f"{gateway.url}/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_healthz_with_database_down(local_server: Any) -> None:
    rasa = local_server(FakeRasa().app())
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    gateway = local_server(create_app(Settings(database_url=url, rasa_url=rasa.url)))
    response = httpx.get(f"{gateway.url}/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("error")


async def test_the_gateway_warns_when_outbound_messages_wait(tmp_path: Path) -> None:
    """Nobody delivers (no worker running): the operator is told, with how long they waited."""
    settings = _settings(tmp_path, "http://127.0.0.1:9")
    gateway = build_gateway(settings)
    try:
        past = datetime.now(UTC) - timedelta(minutes=5)
        message = OutboundMessage(channel="sms", user_id="+84912345678", text="Dạ")
        await asyncio.to_thread(gateway.outbox.enqueue, [Envelope("k1", message)], now=past)
        with capture_logs() as logs:
            watch = asyncio.create_task(gateway.watch_outbox(every=0.01, warn_after=60))
            async with asyncio.timeout(5):
                while not any("is the worker" in e["event"] for e in logs):  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            gateway.stop.set()
            await watch
        warning = next(e for e in logs if "is the worker" in e["event"])
        assert warning["log_level"] == "warning"
        assert 290 <= warning["oldest_waiting_seconds"] <= 400
        assert warning["gateway_delivery"] is False
        assert "+84912345678" not in str(logs)
    finally:
        await gateway.aclose()


async def test_no_warning_while_nothing_waits(tmp_path: Path) -> None:
    gateway = build_gateway(_settings(tmp_path, "http://127.0.0.1:9"))
    try:
        with capture_logs() as logs:
            watch = asyncio.create_task(gateway.watch_outbox(every=0.01, warn_after=60))
            await asyncio.sleep(0.2)
            gateway.stop.set()
            await watch
        assert not [e for e in logs if e["log_level"] == "warning"]
        assert await gateway.outbox_wait_seconds() == 0.0
    finally:
        await gateway.aclose()
