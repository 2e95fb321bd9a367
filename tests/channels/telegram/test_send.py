"""`send` against the fake Bot API: one case table (fixtures/send_cases.json) of answers and the
SendResult or SendError each must give."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.channels.base import Button, InboundMessage, OutboundMessage, SendError, SendResult
from bot.channels.telegram import TelegramChannel
from tests.channels.telegram.conftest import SECRET, TOKEN
from tests.channels.telegram.fake_bot_api import FakeBotApi, Reply
from tests.conftest import free_port

# PTB 22 warns about `RetryAfter.retry_after` turning into a timedelta as it builds the
# exception; the channel reads either form (see the flood_control_timedelta case).
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CASES = json.loads(
    (Path(__file__).parent / "fixtures" / "send_cases.json").read_text(encoding="utf-8")
)


def outbound(spec: dict[str, Any]) -> OutboundMessage:
    return OutboundMessage(
        channel="telegram",
        user_id=spec["user_id"],
        text=spec["text"],
        buttons=tuple(Button(b["title"], b["payload"]) for b in spec.get("buttons", [])),
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
async def test_send(
    case: dict[str, Any],
    bot_api: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in case.get("env", {}).items():
        monkeypatch.setenv(key, value)
    bot_api.expect("sendMessage", *(Reply(**r) for r in case["replies"]))
    base_url = (
        f"http://127.0.0.1:{free_port()}/bot" if case.get("server") == "down" else bot_api.base_url
    )
    channel = TelegramChannel(
        token=TOKEN, secret_token=SECRET, base_url=base_url, **case.get("channel", {})
    )
    expect = case["expect"]
    try:
        if "result" in expect:
            result = await channel.send(outbound(case["message"]))
            assert result == SendResult(**expect["result"])
        else:
            with pytest.raises(SendError) as raised:
                await channel.send(outbound(case["message"]))
            failure = expect["error"]
            assert raised.value.retryable is failure["retryable"]
            if "retry_after" in failure:
                assert raised.value.retry_after == failure["retry_after"]
            assert failure.get("reason_contains", "") in str(raised.value)
            assert TOKEN not in str(raised.value)
    finally:
        await channel.aclose()

    bot_api.verify()
    calls = bot_api.calls_to("sendMessage")
    assert len(calls) == len(case["replies"])
    for key, value in case.get("expect_request", {}).items():
        if value is None:
            assert key not in calls[0].params
        else:
            assert calls[0].params[key] == value


async def test_unscripted_call_fails_verification(
    channel: TelegramChannel, bot_api: FakeBotApi
) -> None:
    """The fake itself: a call nobody scripted is reported, and so is a scripted one that
    never came."""
    with pytest.raises(SendError):
        await channel.send(outbound({"user_id": "1", "text": "x"}))
    with pytest.raises(AssertionError, match="nobody scripted"):
        bot_api.verify()
    bot_api.unexpected.clear()
    bot_api.expect("answerCallbackQuery", Reply(200, {"ok": True, "result": True}))
    with pytest.raises(AssertionError, match="never came"):
        bot_api.verify()
    await channel.acknowledge(
        InboundMessage(
            channel="telegram", user_id="1", text="/affirm", message_id="u1", callback_id="cb-1"
        )
    )
    bot_api.verify()


async def test_unknown_method_fails_verification(bot_api: FakeBotApi) -> None:
    """getMe, which `Bot.initialize` would call, is not served: the channel never calls it."""
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{bot_api.base_url}{TOKEN}/getMe")
    assert answer.status_code == 404
    with pytest.raises(AssertionError, match="getMe"):
        bot_api.verify()
    bot_api.unexpected.clear()
