"""The real stack (trained model, Rasa, action server, gateway, reminder worker) with Telegram,
Zalo and SMS configured against local platform fakes: each channel answers with the content
the web chat gives, and a dossier turning ready is announced by SMS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.devstack import ROOT, Stack, newest_model
from core.smstext import to_gsm7
from tests.channels.telegram.fake_bot_api import FakeBotApi, ok, sent_message
from tests.channels.zalo.conftest import APP_ID, OA_SECRET_KEY, SECRET_KEY, sign
from tests.channels.zalo.fake_zalo import CS, FakeZalo
from tests.conftest import LocalServer, free_port
from tests.integration.channels.test_sms_gateway import FakeSmsGateway

pytestmark = pytest.mark.slow

TG_TOKEN = "7000000001:AAH-e2e-token"
TG_SECRET = "e2e-hook-secret"
SMS_TOKEN = "e2e-sms-token"
QUESTION = "lệ phí đăng ký kết hôn là bao nhiêu"


@dataclass
class Env:
    stack: Stack
    sms: FakeSmsGateway
    telegram: FakeBotApi
    zalo: FakeZalo
    db: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.stack.http_port}"


def wait_for(predicate: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    subprocess.run(["bash", "scripts/train.sh"], cwd=ROOT, check=True, capture_output=True)
    model = newest_model(ROOT / "models")
    servers: list[LocalServer] = []

    def serve(app: Any) -> str:
        server = LocalServer(app).__enter__()
        servers.append(server)
        return server.url

    sms = FakeSmsGateway()
    sms_url = serve(sms.app())
    telegram = FakeBotApi(token=TG_TOKEN)
    telegram.url = serve(telegram.app())
    zalo = FakeZalo(app_id=APP_ID, secret_key=SECRET_KEY, access_tokens={"access-0"})
    zalo.url = serve(zalo.app)
    db = tmp_path_factory.mktemp("e2e-channels") / "motcua.db"
    variables = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")} | {
        "MOTCUA_DATABASE_URL": f"sqlite:///{db}",
        "MOTCUA_HOTLINE": "0203 3 123 456",
        "MOTCUA_QUIET_HOURS": "00:00-00:00",
        "MOTCUA_SMS_PROVIDER": "http",
        "MOTCUA_SMS_HTTP_SEND_URL": sms_url + "/send",
        "MOTCUA_SMS_HTTP_TOKEN": SMS_TOKEN,
        "MOTCUA_TELEGRAM_TOKEN": TG_TOKEN,
        "MOTCUA_TELEGRAM_SECRET_TOKEN": TG_SECRET,
        "MOTCUA_TELEGRAM_API_BASE_URL": telegram.base_url,
        "MOTCUA_ZALO_APP_ID": APP_ID,
        "MOTCUA_ZALO_SECRET_KEY": SECRET_KEY,
        "MOTCUA_ZALO_OA_SECRET_KEY": OA_SECRET_KEY,
        "MOTCUA_ZALO_ACCESS_TOKEN": "access-0",
        "MOTCUA_ZALO_REFRESH_TOKEN": "refresh-0",
        "MOTCUA_ZALO_API_BASE_URL": zalo.url,
        "MOTCUA_ZALO_OAUTH_BASE_URL": zalo.url,
        "MOTCUA_ZALO_BUSINESS_BASE_URL": zalo.url,
    }
    for args in (["db", "upgrade"], ["import-procedures", "data/procedures"]):
        subprocess.run(
            [sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=variables, check=True
        )
    stack = Stack(
        rasa_url=f"http://127.0.0.1:{free_port()}",
        http_port=free_port(),
        actions_port=free_port(),
        model_path=model,
        env=variables,
    )
    stack.start()
    try:
        stack.wait_ready(timeout=240)
        yield Env(stack, sms, telegram, zalo, db, variables)
    finally:
        stack.stop()
        for server in servers:
            server.__exit__()


def web_answer(env: Env, text: str) -> list[str]:
    replies = httpx.post(
        env.url + "/webhooks/rest/webhook",
        json={"sender": f"web:{uuid.uuid4().hex}", "message": text},
        timeout=30,
    ).json()
    return [r["text"] for r in replies]


def test_sms_answers_like_the_web_chat_without_diacritics(env: Env) -> None:
    expected = web_answer(env, QUESTION)
    response = httpx.post(
        env.url + "/webhooks/sms/http",
        json={"id": "e2e-sms-1", "from": "0912 000 111", "text": QUESTION},
        headers={"Authorization": f"Bearer {SMS_TOKEN}"},
    )
    assert response.status_code == 200
    wait_for(lambda: len(env.sms.sent) >= len(expected))
    texts = [m["text"] for m in env.sms.sent[: len(expected)]]
    assert texts[0] == to_gsm7(expected[0])


def test_telegram_answers_like_the_web_chat(env: Env) -> None:
    expected = web_answer(env, QUESTION)
    env.telegram.expect(
        "sendMessage", *[ok(sent_message(i, 42, "x")) for i in range(len(expected))]
    )
    update = {
        "update_id": 9001,
        "message": {
            "message_id": 1,
            "from": {"id": 42, "is_bot": False, "first_name": "An"},
            "chat": {"id": 42, "first_name": "An", "type": "private"},
            "date": 1730790000,
            "text": QUESTION,
        },
    }
    response = httpx.post(
        env.url + "/webhooks/telegram",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
    )
    assert response.status_code == 200
    sent = wait_for(
        lambda: (
            env.telegram.calls_to("sendMessage")[: len(expected)]
            if len(env.telegram.calls_to("sendMessage")) >= len(expected)
            else None
        )
    )
    assert [c.params["text"] for c in sent] == expected


def test_zalo_answers_like_the_web_chat(env: Env) -> None:
    expected = web_answer(env, QUESTION)
    event = {
        "app_id": APP_ID,
        "sender": {"id": "2468458835296197922"},
        "recipient": {"id": "388613280878808645"},
        "event_name": "user_send_text",
        "message": {"text": QUESTION, "msg_id": "e2e-zalo-1"},
        "timestamp": "1730792141908",
    }
    body = json.dumps(event, ensure_ascii=False).encode()
    response = httpx.post(
        env.url + "/webhooks/zalo",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-ZEvent-Signature": sign(body, timestamp=event["timestamp"]),
        },
    )
    assert response.status_code == 200
    calls = wait_for(
        lambda: env.zalo.calls_to(CS) if len(env.zalo.calls_to(CS)) >= len(expected) else None
    )
    assert [c.json["message"]["text"] for c in calls[: len(expected)]] == expected


def test_a_dossier_turning_ready_is_announced_by_sms(env: Env, tmp_path: Path) -> None:
    header = (
        "code,procedure_code,procedure_name,applicant_name,phone,status,received_at,due_at,"
        "result_ready_at,returned_at,office,note"
    )
    row = (
        "000.00.12.H49-261120-0777,1.000894,Đăng ký kết hôn,Nguyễn Văn An,0912 777 888,{status},"
        "2026-11-20T08:00:00,2026-12-20T17:00:00,,,Bộ phận một cửa UBND phường Bãi Cháy,"
    )
    for status in ("processing", "result_ready"):
        path = tmp_path / f"{status}.csv"
        path.write_text(header + "\n" + row.format(status=status) + "\n", encoding="utf-8")
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "import-dossiers", str(path)],
            cwd=ROOT,
            env=env.env,
            check=True,
            capture_output=True,
        )
    notice = wait_for(
        lambda: [m for m in env.sms.sent if "000.00.12.H49-261120-0777" in m["text"]], 90
    )
    assert len(notice) == 1
    assert notice[0]["to"] == "+84912777888"
