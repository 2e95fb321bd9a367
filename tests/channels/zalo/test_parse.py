"""Webhook parsing: one case table over the recorded event bodies in fixtures/events/.

A new Zalo surprise is a new fixture file and a new row here.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import httpx
import pytest
from structlog.testing import capture_logs

from bot.channels.base import (
    Follow,
    InboundEvent,
    InboundMessage,
    InvalidRequest,
    PhoneShared,
    Unauthorized,
    WebhookRequest,
)
from bot.channels.zalo import oa, zns
from bot.channels.zalo.channel import ZaloChannel, ZnsChannel
from bot.channels.zalo.tokens import InMemoryTokenStore, TokenManager
from tests.channels.zalo.conftest import (
    APP_ID,
    FIXTURES,
    OA_SECRET_KEY,
    SECRET_KEY,
    USER_ID,
    sign,
)

Signing = Literal["valid", "missing", "wrong secret", "bare hex", "body changed"]


@dataclass(frozen=True)
class Case:
    name: str
    body: str | bytes  # a fixture file name, or raw bytes
    expect: tuple[tuple[str, ...], ...] | type[Exception] = ()
    signing: Signing = "valid"
    reason: str = ""  # part of the exception message
    logs: tuple[str, ...] = field(default=())


def describe(event: InboundEvent) -> tuple[str, ...]:
    if isinstance(event, InboundMessage):
        return ("message", event.user_id, event.text, event.message_id or "")
    if isinstance(event, Follow):
        return ("follow", event.user_id, event.event_id or "")
    if isinstance(event, PhoneShared):
        return ("phone", event.user_id, event.phone, event.event_id or "")
    raise AssertionError(f"unexpected event {event!r}")


CASES = [
    Case(
        "text",
        "user_send_text.json",
        (
            (
                "message",
                USER_ID,
                "Hồ sơ 000.00.12.H49-241105-0012 của tôi đến đâu rồi ạ?",
                "96d3cdf3af150460909",
            ),
        ),
    ),
    Case(
        "button tap arrives as text",
        "user_send_text_button_tap.json",
        (("message", USER_ID, "/check_dossier_status", "1a9c0d33e60587dbde14"),),
    ),
    Case(
        "decomposed Vietnamese is composed and trimmed",
        "user_send_text_nfd.json",
        (
            (
                "message",
                USER_ID,
                unicodedata.normalize("NFC", "Lệ phí cấp đổi căn cước bao nhiêu?"),
                "b2c76e1f0f14a54a0c03",
            ),
        ),
    ),
    Case("blank text is ignored", "user_send_text_blank.json"),
    Case("follow", "follow.json", (("follow", USER_ID, f"follow:{USER_ID}:1730790000000"),)),
    Case(
        "follow with sender instead of follower",
        "follow_sender.json",
        (("follow", USER_ID, f"follow:{USER_ID}:1730790000500"),),
    ),
    Case(
        "shared phone",
        "user_submit_info.json",
        (("phone", USER_ID, "+84912345678", f"user_submit_info:{USER_ID}:1730792141908"),),
    ),
    Case(
        "shared phone that is no mobile number",
        "user_submit_info_bad_phone.json",
        logs=("zalo phone share ignored",),
    ),
    Case(
        "shared info without a phone",
        "user_submit_info_no_phone.json",
        logs=("zalo phone share ignored",),
    ),
    Case("echo of our own message", "oa_send_text.json"),
    Case("ZNS delivery receipt", "user_received_message.json"),
    Case("seen receipt", "user_seen_message.json"),
    Case("unfollow", "unfollow.json"),
    Case("image (not handled)", "user_send_image.json"),
    # --- refused: nothing happens, 401/403 ---
    Case("missing signature", "user_send_text.json", Unauthorized, signing="missing"),
    Case("signed with another secret", "user_send_text.json", Unauthorized, "wrong secret"),
    Case("signature without mac=", "user_send_text.json", Unauthorized, "bare hex"),
    Case("body changed after signing", "user_send_text.json", Unauthorized, "body changed"),
    Case("another app's event", "wrong_app_id.json", Unauthorized, reason="app_id"),
    # --- malformed: 400 with a one-line reason ---
    Case("not JSON", b'{"event_name": "user_send_text",', InvalidRequest, reason="JSON"),
    Case("not UTF-8", b"\xff\xfe{}", InvalidRequest, reason="JSON"),
    Case("a JSON array", b"[]", InvalidRequest, reason="object"),
    Case("a JSON string", b'"user_send_text"', InvalidRequest, reason="object"),
    Case("empty body", b"", InvalidRequest, reason="JSON"),
    Case("number for sender.id", "numeric_sender_id.json", InvalidRequest, reason="sender.id"),
    Case("number for timestamp", "numeric_timestamp.json", InvalidRequest, reason="timestamp"),
    Case("number for app_id", "numeric_app_id.json", InvalidRequest, reason="app_id"),
    Case("text without msg_id", "missing_msg_id.json", InvalidRequest, reason="message.msg_id"),
    Case("no event_name", "missing_event_name.json", InvalidRequest, reason="event_name"),
    Case("follow without user", "follow_without_user.json", InvalidRequest, reason="follower"),
]


def _request(case: Case) -> WebhookRequest:
    body = case.body
    if isinstance(body, str):
        body = (FIXTURES / "events" / body).read_bytes()
    try:
        decoded = json.loads(body)
        timestamp = decoded.get("timestamp") if isinstance(decoded, dict) else None
        app_id = decoded.get("app_id") if isinstance(decoded, dict) else None
    except ValueError:
        timestamp = app_id = None
    timestamp = timestamp if isinstance(timestamp, str) else "0"
    app_id = app_id if isinstance(app_id, str) else "0"
    header = sign(body, app_id=app_id, timestamp=timestamp)
    if case.signing == "wrong secret":
        header = sign(body, app_id=app_id, timestamp=timestamp, secret="not-our-secret")
    elif case.signing == "bare hex":
        header = header.removeprefix("mac=")
    elif case.signing == "body changed":
        body = body.replace(b"?", b"!", 1)
    headers = {} if case.signing == "missing" else {"x-zevent-signature": header}
    return WebhookRequest(subpath="", headers=headers, body=body)


@pytest.fixture
async def offline() -> AsyncIterator[tuple[httpx.AsyncClient, TokenManager]]:
    """Parsing makes no HTTP call: every request answers 599."""
    transport = httpx.MockTransport(lambda request: httpx.Response(599))
    async with httpx.AsyncClient(transport=transport) as http:
        tokens = TokenManager(
            InMemoryTokenStore(),
            app_id=APP_ID,
            secret_key=SECRET_KEY,
            oauth_base_url="http://zalo.invalid",
            http=http,
        )
        yield http, tokens


@pytest.fixture
def channel(offline: tuple[httpx.AsyncClient, TokenManager]) -> ZaloChannel:
    http, tokens = offline
    client = oa.Client(http, tokens=tokens, api_base_url="http://zalo.invalid")
    return ZaloChannel(app_id=APP_ID, oa_secret_key=OA_SECRET_KEY, client=client, tokens=tokens)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_parse(case: Case, channel: ZaloChannel) -> None:
    request = _request(case)
    with capture_logs() as logs:
        if isinstance(case.expect, type):
            with pytest.raises(case.expect) as caught:
                await channel.parse(request)
            assert case.reason in str(caught.value)
            assert "\n" not in str(caught.value)
            return
        events = await channel.parse(request)
    assert [describe(e) for e in events] == list(case.expect)
    assert all(e.channel == "zalo" for e in events)
    assert [entry["event"] for entry in logs if entry["log_level"] != "debug"] == list(case.logs)


def test_every_fixture_has_a_row() -> None:
    named = {c.body for c in CASES if isinstance(c.body, str)}
    assert named == {p.name for p in (FIXTURES / "events").glob("*.json")}


async def test_zns_channel_has_no_webhook(offline: tuple[httpx.AsyncClient, TokenManager]) -> None:
    http, tokens = offline
    channel = ZnsChannel(client=zns.Client(http, tokens=tokens, business_base_url="http://x"))
    with pytest.raises(InvalidRequest):
        await channel.parse(WebhookRequest(subpath="", headers={}, body=b"{}"))
