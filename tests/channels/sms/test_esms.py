"""eSMS.vn: sending against a fake eSMS answering its documented shapes, delivery callbacks and
signed MO calls from the documented query strings."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

import pytest

from bot.channels.base import (
    InvalidRequest,
    OutboundMessage,
    SendError,
    Unauthorized,
    WebhookRequest,
)
from bot.channels.sms import provider_channel
from bot.channels.sms.esms import (
    CODE_RESULTS,
    DEFAULT_BASE_URL,
    EsmsSmsChannel,
    mo_response_body,
    mo_signature,
)
from core.settings import Settings
from core.smstext import is_gsm7
from tests.channels.sms.conftest import (
    FakeProvider,
    cases,
    event_as_row,
    expand,
    matches,
    outbound,
    result_row,
)

API_KEY = "esms-api-key"
SECRET_KEY = "esms-secret-key"
PUBLIC_URL = "https://motcua.example.gov.vn"
CALLBACK_TOKEN = "cb-secret-token"
MO_KEY = "17417a0d20114d36a902e49cad0e97f3"  # the example key of eSMS's MO documentation


def esms(base_url: str = "http://127.0.0.1:9", **overrides: Any) -> EsmsSmsChannel:
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "secret_key": SECRET_KEY,
        "brandname": "MOTCUA",
        "base_url": base_url,
        "public_url": PUBLIC_URL,
        "callback_token": CALLBACK_TOKEN,
        "mo_private_key": MO_KEY,
        "mo_cpid": "CP123",
        "timeout_seconds": 0.5,
    }
    options.update(overrides)
    return EsmsSmsChannel(**options)


@pytest.fixture
async def channel() -> AsyncIterator[EsmsSmsChannel]:
    sms = esms()
    yield sms
    await sms.aclose()


# --------------------------------------------------------------------------------- webhooks


@pytest.mark.parametrize("case", cases("esms_webhooks"))
async def test_webhook(channel: EsmsSmsChannel, case: dict[str, Any]) -> None:
    request = WebhookRequest(subpath=case["subpath"], headers={}, body=b"", query=case["query"])
    if "error" in case:
        error = {"unauthorized": Unauthorized, "invalid": InvalidRequest}[case["error"]]
        with pytest.raises(error):
            await channel.parse(request)
        return
    events = await channel.parse(request)
    assert len(events) == len(case["events"]), [event_as_row(e) for e in events]
    for event, expected in zip(events, case["events"], strict=True):
        assert matches(event, expected), event_as_row(event)


@pytest.mark.parametrize(
    ("subpath", "query"),
    [
        ("/status/anything", {"SMSID": "x", "SendStatus": "5", "SendSuccess": "1"}),
        ("/", {"sender": "84912345678", "content": "HS", "smsid": "1", "sign": "x", "cpid": "C"}),
    ],
)
async def test_calls_a_deployment_did_not_ask_for_are_refused(
    subpath: str, query: dict[str, str]
) -> None:
    sms = esms(public_url=None, callback_token=None, mo_private_key=None)
    try:
        with pytest.raises(Unauthorized):
            await sms.parse(WebhookRequest(subpath=subpath, headers={}, body=b"", query=query))
    finally:
        await sms.aclose()


def test_mo_signature_matches_the_documented_example() -> None:
    # eSMS: hash("abcdef", "1234", "xyz") = MD5("abcdef1234xyz" + private key)
    expected = hashlib.md5(f"abcdef1234xyz{MO_KEY}".encode(), usedforsecurity=False).hexdigest()
    assert (
        mo_signature(cpid="abcdef", smsid="1234", content="xyz", receiver_time="", key=MO_KEY)
        == expected
    )


def test_mo_response_is_the_documented_xml() -> None:
    body = mo_response_body(smsid="mo-1", phone="+84912345678", reply="Da, <OK> & cam on")
    root = ElementTree.fromstring(body)  # noqa: S314 - our own output, not untrusted input
    assert root.tag == "ClientResponse"
    assert [(child.tag, child.text) for child in root] == [
        ("Message", "Da, <OK> & cam on"),
        ("Smsid", "mo-1"),
        ("Receiver", "84912345678"),
    ]


async def test_an_mo_time_is_vietnam_time(channel: EsmsSmsChannel) -> None:
    query = {
        "sender": "84912345678",
        "content": "TC",
        "smsid": "mo-9",
        "cpid": "CP123",
        "receiverTime": "20260228130101",
    }
    query["sign"] = mo_signature(
        cpid="CP123", smsid="mo-9", content="TC", receiver_time="20260228130101", key=MO_KEY
    )
    [event] = await channel.parse(WebhookRequest(subpath="/", headers={}, body=b"", query=query))
    assert (
        event_as_row(event)["received_at"]
        == datetime.fromisoformat("2026-02-28T13:01:01+07:00").isoformat()
    )


# ------------------------------------------------------------------------------------- send


@pytest.mark.parametrize("case", cases("esms_send"))
async def test_send(
    fake_provider: FakeProvider, unreachable_url: str, case: dict[str, Any]
) -> None:
    unreachable = case["answer"] == "unreachable"
    if not unreachable:
        fake_provider.answer = case["answer"]
    sms = esms(f"{unreachable_url if unreachable else fake_provider.url}/MainService.svc/json")
    message = outbound(case["message"])
    try:
        if "error" in case:
            with pytest.raises(SendError) as raised:
                await sms.send(message)
            assert raised.value.retryable is case["error"]["retryable"]
            assert raised.value.retry_after == case["error"]["retry_after"]
        else:
            assert result_row(await sms.send(message)) == case["result"]
    finally:
        await sms.aclose()
    if unreachable:
        return
    [call] = fake_provider.requests
    assert (call.method, call.path) == (
        "POST",
        "/MainService.svc/json/SendMultipleMessage_V4_post_json/",
    )
    assert call.headers["content-type"] == "application/json"
    assert is_gsm7(call.body["Content"])
    if "sent" in case:
        assert call.body == expand(case["sent"])


async def test_sandbox_and_no_callback(fake_provider: FakeProvider) -> None:
    fake_provider.answer = {"status": 200, "body": {"CodeResult": "100", "SMSID": "s-1"}}
    sms = esms(
        f"{fake_provider.url}/MainService.svc/json",
        sandbox=True,
        public_url=None,
        callback_token=None,
    )
    try:
        await sms.send(OutboundMessage(channel="sms", user_id="+84912345678", text="OK"))
    finally:
        await sms.aclose()
    [call] = fake_provider.requests
    assert call.body["Sandbox"] == "1"
    assert "CallbackUrl" not in call.body
    assert call.body["RequestId"]


def test_every_documented_refusal_has_a_reason() -> None:
    assert "100" not in CODE_RESULTS and "124" not in CODE_RESULTS
    assert all(v.reason for v in CODE_RESULTS.values())
    assert [c for c, v in CODE_RESULTS.items() if v.retryable] == ["103"]


# ----------------------------------------------------------------------------- construction


def test_from_values_defaults_and_the_callback_url() -> None:
    sms = EsmsSmsChannel.from_values(
        api_key=API_KEY,
        secret_key=SECRET_KEY,
        brandname="MOTCUA",
        public_url=PUBLIC_URL + "/",
        callback_token=CALLBACK_TOKEN,
    )
    assert sms.callback_url == f"{PUBLIC_URL}/webhooks/sms/esms/status/{CALLBACK_TOKEN}"
    assert sms._send_url == f"{DEFAULT_BASE_URL}/SendMultipleMessage_V4_post_json/"
    assert sms.requests_per_second == EsmsSmsChannel.REQUESTS_PER_SECOND > 0
    for secret in (API_KEY, SECRET_KEY, CALLBACK_TOKEN):
        assert secret not in repr(sms)
    half = EsmsSmsChannel.from_values(
        api_key=API_KEY, secret_key=SECRET_KEY, brandname="MOTCUA", public_url=PUBLIC_URL
    )
    assert half.callback_url is None


@pytest.mark.parametrize(
    "missing", [{"api_key": ""}, {"secret_key": ""}, {"brandname": ""}, {"callback_token": None}]
)
def test_construction_refuses_incomplete_credentials(missing: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="eSMS"):
        esms(**missing)


def test_provider_channel_names_what_is_missing() -> None:
    with pytest.raises(ValueError, match="MOTCUA_SMS_ESMS_API_KEY"):
        provider_channel(Settings(sms_provider="esms"))
    with pytest.raises(ValueError, match="speedsms"):
        provider_channel(Settings(sms_provider="speedsms"))
