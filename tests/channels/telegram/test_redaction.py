"""The bot token (part of every Bot API URL) and citizens' data stay out of logs and reprs."""

from __future__ import annotations

import logging

import pytest
from structlog.testing import capture_logs

from bot.channels.base import InboundMessage, OutboundMessage, SendError, WebhookRequest
from bot.channels.telegram import SECRET_HEADER, TelegramChannel
from tests.channels.telegram.cases import UPDATES, body_of, load
from tests.channels.telegram.conftest import SECRET, TOKEN
from tests.channels.telegram.fake_bot_api import FakeBotApi, error, ok, sent_message

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CITIZEN_TEXT = "Dạ, hồ sơ của ông Nguyễn Văn An đã có kết quả"
PHONE_DIGITS = "912345678"


async def test_no_token_or_personal_data_in_logs_or_reprs(
    bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "telegram"):
        caplog.set_level(logging.DEBUG, logger=name)
    contact = load(UPDATES / "contact_self.json")
    bot_api.expect("sendMessage", ok(sent_message(4101, 123456789, CITIZEN_TEXT)))
    bot_api.expect("sendMessage", error(401, "Unauthorized"))
    bot_api.expect("answerCallbackQuery", error(400, "Bad Request: query is too old"))
    bot_api.expect("deleteWebhook", ok(True))
    bot_api.expect("getUpdates", ok([contact["body"]]))

    with capture_logs() as events:
        channel = TelegramChannel(token=TOKEN, secret_token=SECRET, base_url=bot_api.base_url)
        message = OutboundMessage(channel="telegram", user_id="123456789", text=CITIZEN_TEXT)
        await channel.send(message)
        with pytest.raises(SendError) as failure:
            await channel.send(message)
        await channel.acknowledge(
            InboundMessage(
                channel="telegram", user_id="123456789", text="/affirm", callback_id="cb-1"
            )
        )
        parsed = await channel.parse(
            WebhookRequest(subpath="/", headers={SECRET_HEADER: SECRET}, body=body_of(contact))
        )
        await channel.delete_webhook()
        updates = await channel.get_updates(offset=None, timeout=0)
        await channel.aclose()
    bot_api.verify()
    assert len(updates) == 1

    messages = [r.getMessage() for r in caplog.records]
    output = capsys.readouterr()
    seen = "\n".join(
        [
            *messages,
            caplog.text,
            *map(str, events),
            output.out,
            output.err,
            repr(channel),
            str(channel),
            str(failure.value),
            repr(failure.value),
            *map(repr, parsed),
        ]
    )
    assert TOKEN not in seen
    assert TOKEN.split(":")[1] not in seen
    assert PHONE_DIGITS not in seen
    assert CITIZEN_TEXT not in seen
    # The libraries did log those calls, with the token masked and without the payloads:
    assert any("HTTP Request: POST" in m and "/bot<token>/sendMessage" in m for m in messages)
    assert any(m.startswith("Set Bot API URL") and "<token>" in m for m in messages)
    assert "Calling Bot API endpoint `sendMessage`" in messages
    assert "Call to Bot API endpoint `getUpdates` finished" in messages
    assert any(e.get("error") == "BadRequest" for e in events)
