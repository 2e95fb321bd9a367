"""SMS through the whole gateway (CONTRACT §4.4): inbound webhook → Rasa → outbox → the SMS
gateway's send URL, delivery reports, keywords, redelivery, forged and malformed requests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.cli import build
from core.settings import Settings
from core.smstext import is_gsm7
from tests.conftest import LocalServer
from tests.integration.gateway_harness import Gateway, start_gateway, wait_for

TOKEN = "sms-secret-token"
PHONE = "+84912345678"


@dataclass
class FakeSmsGateway:
    sent: list[dict[str, Any]] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)

    def app(self) -> Starlette:
        async def send(request: Request) -> Response:
            self.auth.append(request.headers.get("authorization"))
            self.sent.append(await request.json())
            return JSONResponse({"id": f"gw-{len(self.sent)}"}, status_code=202)

        return Starlette(routes=[Route("/send", send, methods=["POST"])])


@dataclass
class Env:
    gateway: Gateway
    sms: FakeSmsGateway
    client: httpx.Client

    def post(
        self,
        body: Any,
        *,
        path: str = "/webhooks/sms/http",
        token: str | None = TOKEN,
        raw: bytes | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        content = raw if raw is not None else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
        return self.client.post(self.gateway.url + path, content=content, headers=headers)


@pytest.fixture
def env(tmp_path: Path, local_server: Callable[[Any], LocalServer]) -> Iterator[Env]:
    sms = FakeSmsGateway()
    sms_server = local_server(sms.app())
    gateway = start_gateway(
        tmp_path,
        local_server,
        sms_provider="http",
        sms_http_send_url=sms_server.url + "/send",
        sms_http_token=TOKEN,
    )
    with httpx.Client(timeout=10) as client:
        yield Env(gateway=gateway, sms=sms, client=client)
    gateway.engine.dispose()


def test_an_sms_is_answered_by_sms_with_the_web_chats_content(env: Env) -> None:
    response = env.post({"id": "in-1", "from": "0912 345 678", "text": "Lệ phí kết hôn?"})
    assert response.status_code == 200
    wait_for(lambda: len(env.sms.sent) == 2)
    assert env.gateway.rasa.received == [{"sender": f"tel:{PHONE}", "message": "Lệ phí kết hôn?"}]
    first, second = env.sms.sent
    assert first["to"] == PHONE
    assert first["text"] == "Da, ban noi: Le phi ket hon?"
    assert "Le phi" in second["text"]  # the button, written out
    assert all(is_gsm7(m["text"]) for m in env.sms.sent)
    assert set(env.sms.auth) == {f"Bearer {TOKEN}"}
    assert len({m["id"] for m in env.sms.sent}) == 2
    wait_for(lambda: env.gateway.outbox_states() == [("sms", "sent"), ("sms", "sent")])


def test_a_redelivered_sms_is_acknowledged_and_not_answered_twice(env: Env) -> None:
    body = {"id": "in-7", "from": PHONE, "text": "xin chao"}
    assert env.post(body).status_code == 200
    wait_for(lambda: len(env.sms.sent) == 2)
    assert env.post(body).status_code == 200
    assert env.post(body).status_code == 200
    env.client.get(env.gateway.url + "/healthz")
    assert len(env.gateway.rasa.received) == 1
    assert env.gateway.inbox_count() == 1
    assert len(env.sms.sent) == 2


@pytest.mark.parametrize(
    ("token", "raw", "status"),
    [
        (None, None, 401),
        ("wrong", None, 401),
        (TOKEN, b"{not json", 400),
        (TOKEN, b"[1, 2]", 400),
        (TOKEN, json.dumps({"id": "x", "from": "12", "text": "hi"}).encode(), 400),
        (TOKEN, json.dumps({"id": "x", "text": "hi"}).encode(), 400),
        (TOKEN, b'{"id": "x", "from": "0912345678", "text": "' + b"a" * 70_000 + b'"}', 413),
    ],
)
def test_forged_and_malformed_requests_change_nothing(
    env: Env, token: str | None, raw: bytes | None, status: int
) -> None:
    response = env.post(
        None,
        token=token,
        raw=raw or json.dumps({"id": "f-1", "from": PHONE, "text": "xin chao"}).encode(),
    )
    assert response.status_code == status
    assert "\n" not in response.text.strip()
    assert env.gateway.inbox_count() == 0
    assert env.gateway.rasa.received == []


def test_delivery_reports_mark_the_message_delivered(env: Env) -> None:
    env.post({"id": "in-2", "from": PHONE, "text": "xin chao"})
    wait_for(lambda: len(env.sms.sent) == 2)
    wait_for(lambda: env.gateway.outbox_states() == [("sms", "sent"), ("sms", "sent")])
    ours = env.sms.sent[0]["id"]
    report = {"id": ours, "status": "delivered"}
    assert env.post(report, path="/webhooks/sms/http/status").status_code == 200
    assert env.post(report, path="/webhooks/sms/http/status").status_code == 200
    assert env.gateway.outbox_states() == [("sms", "delivered"), ("sms", "sent")]
    assert env.post(report, path="/webhooks/sms/http/status", token="x").status_code == 401


def test_stop_keyword_opts_out_and_is_not_sent_to_the_nlu(env: Env) -> None:
    env.post({"id": "in-3", "from": PHONE, "text": "Hủy"})
    wait_for(lambda: len(env.sms.sent) == 1)
    assert env.gateway.rasa.received == []
    assert "ngung gui thong bao" in env.sms.sent[0]["text"]


def test_status_keyword_asks_the_assistant_as_the_phones_owner(env: Env) -> None:
    env.post({"id": "in-4", "from": PHONE, "text": "hs 000.00.12.h49 - 241105 - 0012"})
    wait_for(lambda: len(env.sms.sent) == 2)
    assert env.gateway.rasa.received == [
        {"sender": f"tel:{PHONE}", "message": "tình trạng hồ sơ 000.00.12.H49-241105-0012"}
    ]


def test_another_providers_path_is_not_mounted(env: Env) -> None:
    response = env.post({"id": "x", "from": PHONE, "text": "hi"}, path="/webhooks/sms/esms")
    assert response.status_code == 404
    assert env.post({}, path="/webhooks/telegram").status_code == 404


def test_by_default_the_gateway_only_queues_and_the_workers_delivery_sends(
    tmp_path: Path, local_server: Callable[[Any], LocalServer]
) -> None:
    """MOTCUA_GATEWAY_DELIVERY off (the default): no platform call is made from the gateway,
    so a gateway that dies never leaves one in doubt; the worker's delivery sends the reply."""
    sms = FakeSmsGateway()
    channel = {
        "sms_provider": "http",
        "sms_http_send_url": local_server(sms.app()).url + "/send",
        "sms_http_token": TOKEN,
    }
    gateway = start_gateway(tmp_path, local_server, gateway_delivery=False, **channel)
    with httpx.Client(timeout=10) as client:
        response = client.post(
            gateway.url + "/webhooks/sms/http",
            json={"id": "in-1", "from": PHONE, "text": "Lệ phí kết hôn?"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 200
        wait_for(lambda: gateway.outbox_states() == [("sms", "queued"), ("sms", "queued")])
        time.sleep(0.5)
        assert sms.sent == []
        delivery = client.get(gateway.url + "/healthz").json()["delivery"]
        assert delivery["by"] == "worker"
        assert delivery["oldest_waiting_seconds"] >= 0.5

    _worker, dispatcher = build(Settings(database_url=str(gateway.engine.url), **channel))

    async def deliver() -> int:
        try:
            return await dispatcher.drain_once()
        finally:
            for platform in dispatcher.channels.values():
                await platform.aclose()

    assert asyncio.run(deliver()) == 2
    assert [m["to"] for m in sms.sent] == [PHONE, PHONE]
    assert sms.sent[0]["text"].startswith("Da, ban noi: Le phi ket hon?")
    assert gateway.outbox_states() == [("sms", "sent"), ("sms", "sent")]
    gateway.engine.dispose()
