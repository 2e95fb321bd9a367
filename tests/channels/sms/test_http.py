"""The generic HTTP SMS gateway (CONTRACT §4.4): webhooks, splitting and sending against a fake
gateway served over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.channels.base import (
    Button,
    InvalidRequest,
    OutboundMessage,
    SendError,
    Unauthorized,
    WebhookRequest,
)
from bot.channels.sms.common import render_text, split_text
from bot.channels.sms.http import HttpSmsChannel
from core.settings import Settings
from core.smstext import GSM7_BASIC, is_gsm7, segments
from tests.channels.sms.conftest import (
    FakeProvider,
    cases,
    event_as_row,
    expand,
    matches,
    nfd,
    outbound,
    result_row,
)

TOKEN = "sms-gateway-token"


@pytest.fixture
async def channel() -> AsyncIterator[HttpSmsChannel]:
    sms = HttpSmsChannel(send_url="http://127.0.0.1:9/unused", token=TOKEN)
    yield sms
    await sms.aclose()


def webhook(case: dict[str, Any]) -> WebhookRequest:
    import json

    if "raw_hex" in case:
        body = bytes.fromhex(case["raw_hex"])
    elif "raw" in case:
        body = case["raw"].encode()
    else:
        data = case["body"]
        if case.get("nfd") and isinstance(data, dict):
            data = {k: nfd(v) if isinstance(v, str) else v for k, v in data.items()}
        body = json.dumps(data, ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    if case["authorization"] is not None:
        headers["authorization"] = case["authorization"]
    return WebhookRequest(subpath=case["subpath"], headers=headers, body=body)


@pytest.mark.parametrize("case", cases("http_webhooks"))
async def test_webhook(channel: HttpSmsChannel, case: dict[str, Any]) -> None:
    request = webhook(case)
    if "error" in case:
        error = {"unauthorized": Unauthorized, "invalid": InvalidRequest}[case["error"]]
        with pytest.raises(error) as raised:
            await channel.parse(request)
        reason = str(raised.value)
        assert reason and "\n" not in reason
        for value in (
            (case.get("body") or {}).values() if isinstance(case.get("body"), dict) else ()
        ):
            if isinstance(value, str) and len(value) > 3:  # the 400 reason never echoes values
                assert value not in reason
        return
    events = await channel.parse(request)
    assert len(events) == len(case["events"]), [event_as_row(e) for e in events]
    for event, expected in zip(events, case["events"], strict=True):
        assert matches(event, expected), event_as_row(event)


async def send_case(sms: HttpSmsChannel, fake: FakeProvider, case: dict[str, Any]) -> None:
    message = outbound(case["message"])
    if "error" in case:
        with pytest.raises(SendError) as raised:
            await sms.send(message)
        assert raised.value.retryable is case["error"]["retryable"]
        expected_after = case["error"]["retry_after"]
        if expected_after is None:
            assert raised.value.retry_after is None
        else:
            assert raised.value.retry_after == pytest.approx(expected_after, abs=1)
    else:
        assert result_row(await sms.send(message)) == case["result"]
    if case.get("no_request") or case["answer"] == "unreachable":
        assert fake.requests == []
        return
    assert len(fake.requests) == 1
    call = fake.requests[0]
    assert (call.method, call.path) == ("POST", "/api/sms/send")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.headers["content-type"] == "application/json"
    if "sent" in case:
        assert call.body == expand(case["sent"])
    assert is_gsm7(call.body["text"])


@pytest.mark.parametrize("case", cases("http_send"))
async def test_send(
    fake_provider: FakeProvider, unreachable_url: str, case: dict[str, Any]
) -> None:
    base = unreachable_url if case["answer"] == "unreachable" else fake_provider.url
    if case["answer"] != "unreachable":
        fake_provider.answer = case["answer"]
    sms = HttpSmsChannel(
        send_url=f"{base}/api/sms/send", token=TOKEN, timeout_seconds=0.5, price_per_part_vnd=850
    )
    try:
        await send_case(sms, fake_provider, case)
    finally:
        await sms.aclose()


async def test_a_message_without_an_outbox_id_still_carries_a_unique_id(
    fake_provider: FakeProvider,
) -> None:
    sms = HttpSmsChannel(send_url=f"{fake_provider.url}/send", token=TOKEN)
    try:
        for _ in range(2):
            await sms.send(OutboundMessage(channel="sms", user_id="+84912345678", text="OK"))
    finally:
        await sms.aclose()
    ids = [r.body["id"] for r in fake_provider.requests]
    assert len(set(ids)) == 2 and all(ids)


async def test_the_price_per_part_is_configurable(fake_provider: FakeProvider) -> None:
    sms = HttpSmsChannel(send_url=f"{fake_provider.url}/send", token=TOKEN, price_per_part_vnd=600)
    try:
        result = await sms.send(
            OutboundMessage(channel="sms", user_id="+84912345678", text="x" * 161)
        )
    finally:
        await sms.aclose()
    assert (result.segments, result.cost_vnd) == (2, 1200)


# ------------------------------------------------------------------------------------ split

LONG = "Dạ, hồ sơ của ông/bà đã có kết quả, mời đến Bộ phận một cửa để nhận. "


@pytest.mark.parametrize(
    ("text", "max_parts", "expected_messages"),
    [
        pytest.param("Dạ, vâng.", 5, 1, id="short"),
        pytest.param("a" * 160, 1, 1, id="160 in one part"),
        pytest.param("a" * 161, 1, 2, id="161 with one part allowed"),
        # 5 parts of 153 septets: still one outbox row
        pytest.param("a" * 765, 5, 1, id="765 in five parts"),
        pytest.param("a" * 766, 5, 2, id="766 with five parts allowed"),
        pytest.param("a" * 152 + "€" + "a" * 611, 5, 2, id="an escape pair may not straddle parts"),
        pytest.param(LONG * 11, 5, 1, id="759 in words"),
        pytest.param(LONG * 12, 5, 2, id="828 in words"),
        pytest.param(LONG * 40, 5, 4, id="2760 in words, five parts"),
        pytest.param(LONG * 40, 3, 7, id="2760 in words, three parts"),
    ],
)
def test_split_caps_each_message_at_max_parts(
    text: str, max_parts: int, expected_messages: int
) -> None:
    sms = HttpSmsChannel(send_url="http://127.0.0.1:9/", token=TOKEN, max_parts=max_parts)
    message = OutboundMessage(channel="sms", user_id="+84912345678", text=text, idempotency_key="k")
    parts = sms.split(message)
    assert len(parts) == expected_messages
    for part in parts:
        assert is_gsm7(part.text)
        assert segments(part.text) <= max_parts
        assert (part.channel, part.user_id, part.buttons) == ("sms", "+84912345678", ())
    assert "".join("".join(p.text for p in parts).split()) == "".join(render_text(message).split())


def test_split_cuts_at_line_breaks_and_keeps_buttons_as_lines() -> None:
    sms = HttpSmsChannel(send_url="http://127.0.0.1:9/", token=TOKEN, max_parts=1)
    message = OutboundMessage(
        channel="sms",
        user_id="+84912345678",
        text="Dạ, thành phần hồ sơ gồm:\n"
        + "\n".join(f"{i}. Giấy tờ số {i}" for i in range(1, 12)),
        buttons=(Button("Gặp cán bộ", "/human"),),
    )
    parts = sms.split(message)
    assert len(parts) == 2
    assert parts[0].text.startswith("Da, thanh phan ho so gom:\n1. Giay to so 1")
    assert all(
        not line.strip() or line[0].isalnum() or line.startswith("- ")
        for p in parts
        for line in p.text.split("\n")
    )
    assert parts[-1].text.endswith("\n- Gap can bo")


def test_split_of_nothing_is_nothing() -> None:
    sms = HttpSmsChannel(send_url="http://127.0.0.1:9/", token=TOKEN)
    assert sms.split(OutboundMessage(channel="sms", user_id="+84912345678", text="  ")) == []


# ---------------------------------------------------------------------------- construction


def test_from_settings_and_reprs_without_secrets() -> None:
    settings = Settings(
        sms_provider="http",
        sms_http_send_url="https://sms.example.vn/api/send",
        sms_http_token=SecretStr("settings-token-value"),
    )
    sms = HttpSmsChannel.from_settings(settings)
    assert sms.name == "sms"
    assert sms.requests_per_second == HttpSmsChannel.REQUESTS_PER_SECOND > 0
    assert "settings-token-value" not in repr(sms)
    assert "settings-token-value" not in str(vars(sms).get("_send_url"))


def test_from_settings_refuses_missing_values() -> None:
    with pytest.raises(ValueError, match="MOTCUA_SMS_HTTP_SEND_URL"):
        HttpSmsChannel.from_settings(Settings())


@given(
    st.text(alphabet="".join(sorted(GSM7_BASIC)) + "€[]  \n", max_size=2500),
    st.integers(min_value=1, max_value=6),
)
def test_split_text_loses_nothing_and_respects_the_cap(text: str, max_parts: int) -> None:
    chunks = split_text(text.strip(), max_parts=max_parts)
    assert all(chunk and segments(chunk) <= max_parts for chunk in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())
