"""No token, secret, phone number, name or message text reaches the logs or a repr."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from bot.channels.base import OutboundMessage, SendError, Template, WebhookRequest
from core.logging import configure_logging
from tests.channels.zalo.conftest import (
    FIXTURES,
    OA_SECRET_KEY,
    SECRET_KEY,
    USER_ID,
    build_rig,
    fresh_pair,
    sign,
)
from tests.channels.zalo.fake_zalo import ZNS, FakeZalo

TEXT = "Dạ, hồ sơ của anh Nguyễn Văn An đã có kết quả."
NEVER_LOGGED = [
    "access-0",
    "access-1",
    "refresh-0",
    "refresh-1",
    SECRET_KEY,
    OA_SECRET_KEY,
    "912345678",  # the phone, in any of its forms
    "123456789",
    "Nguyễn Văn An",
    "Trần Thị Bình",
    TEXT,
]


def _webhook(name: str, **changes: object) -> WebhookRequest:
    data = json.loads((FIXTURES / "events" / name).read_text(encoding="utf-8"))
    data["info"] = {**data.get("info", {}), **changes}
    body = json.dumps(data, ensure_ascii=False).encode()
    header = sign(body, timestamp=data["timestamp"])
    return WebhookRequest(subpath="", headers={"x-zevent-signature": header}, body=body)


async def test_nothing_personal_or_secret_is_logged(
    fake_zalo: FakeZalo,
    http: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure_logging(level="DEBUG", fmt="json")
    caplog.set_level(logging.DEBUG)
    fake_zalo.valid_access.clear()  # forces a refresh, which is logged
    rig = build_rig(fake_zalo, http, stored=fresh_pair())

    await rig.zalo.parse(_webhook("user_submit_info.json"))
    await rig.zalo.parse(_webhook("user_submit_info_bad_phone.json", phone="84123456789"))
    await rig.zalo.send(OutboundMessage(channel="zalo", user_id=USER_ID, text=TEXT))
    fake_zalo.script(ZNS, {"error": -118, "message": "Zalo account not existed"})
    notice = OutboundMessage(
        channel="zns",
        user_id="+84912345678",
        text=TEXT,
        template=Template("248079", (("customer_name", "Nguyễn Văn An"),)),
        idempotency_key="outbox-9",
    )
    with pytest.raises(SendError):
        await rig.zns.send(notice)
    fake_zalo.valid_access.clear()
    fake_zalo.valid_refresh.clear()  # the next refresh is refused, which is logged too
    with pytest.raises(SendError):
        await rig.zalo.send(OutboundMessage(channel="zalo", user_id=USER_ID, text=TEXT))

    logged = capsys.readouterr().err + caplog.text
    for event in ("zalo access token refreshed", "zalo send failed", "zalo phone share ignored"):
        assert event in logged
    assert "zalo token refresh refused" in logged
    for value in NEVER_LOGGED:
        assert value not in logged, value


def test_reprs_hide_secrets(fake_zalo: FakeZalo, http: httpx.AsyncClient) -> None:
    rig = build_rig(fake_zalo, http, stored=fresh_pair())
    shown = " ".join(map(repr, [rig.tokens, rig.zalo, rig.zns, rig.store, fresh_pair()]))
    for value in ("access-0", "refresh-0", SECRET_KEY, OA_SECRET_KEY):
        assert value not in shown
