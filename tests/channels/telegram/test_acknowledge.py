"""`acknowledge` answers button presses, and never raises when Telegram refuses."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from bot.channels.base import Follow, InboundEvent, InboundMessage
from bot.channels.telegram import TelegramChannel
from tests.channels.telegram.fake_bot_api import FakeBotApi, Reply, error, ok

PRESS = InboundMessage(
    channel="telegram", user_id="123456789", text="/affirm", message_id="u7", callback_id="cb-42"
)
TEXT = InboundMessage(channel="telegram", user_id="123456789", text="xin chào", message_id="u8")

CASES: list[tuple[str, InboundEvent, list[Reply], str | None]] = [
    ("answered", PRESS, [ok(True)], None),
    (
        "query_too_old",
        PRESS,
        [
            error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        ],
        "BadRequest",
    ),
    ("bad_gateway", PRESS, [Reply(502, "<html>502 Bad Gateway</html>")], "NetworkError"),
    ("plain_text_needs_no_answer", TEXT, [], None),
    ("follow_needs_no_answer", Follow(channel="telegram", user_id="123456789"), [], None),
    (
        "press_of_another_channel",
        InboundMessage(channel="zalo", user_id="1", text="x", callback_id="cb-1"),
        [],
        None,
    ),
]


@pytest.mark.parametrize(
    ("event", "replies", "logged_error"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_acknowledge(
    event: InboundEvent,
    replies: list[Reply],
    logged_error: str | None,
    channel: TelegramChannel,
    bot_api: FakeBotApi,
) -> None:
    bot_api.expect("answerCallbackQuery", *replies)
    with capture_logs() as logs:
        await channel.acknowledge(event)
    bot_api.verify()
    calls = bot_api.calls_to("answerCallbackQuery")
    assert [c.params["callback_query_id"] for c in calls] == (["cb-42"] if replies else [])
    failures = [e for e in logs if e["log_level"] == "warning"]
    assert [e["error"] for e in failures] == ([logged_error] if logged_error else [])
