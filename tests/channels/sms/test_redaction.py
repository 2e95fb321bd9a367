"""No token, key, phone number or message text reaches the logs or the error reasons."""

from __future__ import annotations

import json

import pytest

from bot.channels.base import (
    InvalidRequest,
    OutboundMessage,
    SendError,
    Unauthorized,
    WebhookRequest,
)
from bot.channels.sms.esms import EsmsSmsChannel, mo_signature
from bot.channels.sms.http import HttpSmsChannel
from core.logging import configure_logging
from tests.channels.sms.conftest import FakeProvider

TOKEN = "gateway-bearer-7f3a9c"
API_KEY = "esms-api-key-51d2"
SECRET_KEY = "esms-secret-key-9e0b"
CALLBACK_TOKEN = "callback-token-c81e"
MO_KEY = "mo-private-key-a4f6"
PHONE_DIGITS = "912345678"  # in every form: 0912345678, +84912345678, 84912345678
OUT_TEXT = "Dạ, hồ sơ của bà Nguyễn Thị Lan đã có kết quả"
OUT_FOLDED = "Da, ho so cua ba Nguyen Thi Lan da co ket qua"
IN_TEXT = "Tôi là Trần Văn Bình, số nhà 12 Lê Lợi"
SECRETS = (TOKEN, API_KEY, SECRET_KEY, CALLBACK_TOKEN, MO_KEY)
PERSONAL = (PHONE_DIGITS, "912 345 678", OUT_TEXT, OUT_FOLDED, IN_TEXT, "Lan", "Bình")


async def exercise(fake: FakeProvider, unreachable_url: str) -> list[str]:
    """Every path that logs or raises, successful or not; the reasons raised."""
    reasons: list[str] = []
    message = OutboundMessage(
        channel="sms", user_id="+84912345678", text=OUT_TEXT, idempotency_key="outbox-1"
    )
    http = HttpSmsChannel(send_url=f"{fake.url}/send", token=TOKEN, timeout_seconds=0.5)
    down = HttpSmsChannel(send_url=f"{unreachable_url}/send", token=TOKEN)
    esms = EsmsSmsChannel(
        api_key=API_KEY,
        secret_key=SECRET_KEY,
        brandname="MOTCUA",
        base_url=f"{fake.url}/MainService.svc/json",
        public_url="https://motcua.example.gov.vn",
        callback_token=CALLBACK_TOKEN,
        mo_private_key=MO_KEY,
    )
    try:
        for answer in ({"status": 200, "body": {"id": "g-1"}}, {"status": 400, "body": {}}):
            fake.answer = answer
            try:
                await http.send(message)
            except SendError as exc:
                reasons.append(str(exc))
        with pytest.raises(SendError) as raised:
            await down.send(message)
        reasons.append(str(raised.value))
        for code in ("100", "101", "146", "103"):
            fake.answer = {"status": 200, "body": {"CodeResult": code, "SMSID": "s-1"}}
            try:
                await esms.send(message)
            except SendError as exc:
                reasons.append(str(exc))
        inbound = {"id": "mo-1", "from": "0912 345 678", "text": IN_TEXT}
        for token, body in ((TOKEN, inbound), ("wrong", inbound), (TOKEN, {**inbound, "id": 5})):
            request = WebhookRequest(
                subpath="/",
                headers={"authorization": f"Bearer {token}"},
                body=json.dumps(body, ensure_ascii=False).encode(),
            )
            try:
                await http.parse(request)
            except (Unauthorized, InvalidRequest) as exc:
                reasons.append(str(exc))
        query = {
            "sender": "84912345678",
            "content": IN_TEXT,
            "smsid": "mo-2",
            "cpid": "CP1",
            "receiverTime": "20261105083000",
        }
        query["sign"] = mo_signature(
            cpid="CP1", smsid="mo-2", content=IN_TEXT, receiver_time="20261105083000", key=MO_KEY
        )
        for q in (query, {**query, "sign": "0" * 32}, {**query, "sender": "0241234567"}):
            try:
                await esms.parse(WebhookRequest(subpath="/", headers={}, body=b"", query=q))
            except (Unauthorized, InvalidRequest) as exc:
                reasons.append(str(exc))
        callback = {"SMSID": "s-1", "SendStatus": "7", "phonenumber": "0912345678"}
        for subpath in (f"/status/{CALLBACK_TOKEN}", "/status/wrong"):
            try:
                await esms.parse(
                    WebhookRequest(subpath=subpath, headers={}, body=b"", query=callback)
                )
            except Unauthorized as exc:
                reasons.append(str(exc))
    finally:
        for adapter in (http, down, esms):
            await adapter.aclose()
    return reasons


async def test_logs_and_reasons_hold_no_secret_and_no_personal_data(
    fake_provider: FakeProvider, unreachable_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(level="DEBUG", fmt="json")
    reasons = await exercise(fake_provider, unreachable_url)
    captured = capsys.readouterr()
    logs = captured.err + captured.out
    assert "sms sent" in logs and "sms send failed" in logs  # the paths did log
    assert len(reasons) >= 10
    for leaked in SECRETS + PERSONAL:
        assert leaked not in logs, leaked
        assert all(leaked not in reason for reason in reasons), leaked


def test_reprs_hold_no_secret() -> None:
    http = HttpSmsChannel(send_url="https://sms.example.vn/send", token=TOKEN)
    esms = EsmsSmsChannel(
        api_key=API_KEY,
        secret_key=SECRET_KEY,
        brandname="MOTCUA",
        public_url="https://motcua.example.gov.vn",
        callback_token=CALLBACK_TOKEN,
        mo_private_key=MO_KEY,
    )
    for text in (repr(http), repr(esms), str(http), str(esms)):
        for secret in SECRETS:
            assert secret not in text
    message = OutboundMessage(channel="sms", user_id="+84912345678", text=OUT_TEXT)
    for part in http.split(message) + esms.split(message):
        assert PHONE_DIGITS not in repr(part) and OUT_FOLDED not in repr(part)
