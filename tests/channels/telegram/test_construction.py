"""Building the channel from settings (CONTRACT §2), and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.base import OutboundMessage, SendResult
from bot.channels.telegram import GLOBAL_PER_SECOND, PER_CHAT_PER_SECOND, TelegramChannel
from core.settings import Settings, SettingsError
from tests.channels.telegram.conftest import SECRET, TOKEN
from tests.channels.telegram.fake_bot_api import FakeBotApi, ok, sent_message


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def test_from_settings_sends_through_the_configured_base_url(bot_api: FakeBotApi) -> None:
    bot_api.expect("sendMessage", ok(sent_message(7, 123456789, "Dạ, xin chào")))
    channel = TelegramChannel.from_settings(
        settings(
            telegram_token=TOKEN,
            telegram_secret_token=SECRET,
            telegram_api_base_url=bot_api.base_url,
            telegram_messages_per_second=25,
        )
    )
    try:
        result = await channel.send(
            OutboundMessage(channel="telegram", user_id="123456789", text="Dạ, xin chào")
        )
    finally:
        await channel.aclose()
    assert result == SendResult(provider_message_id="7")
    assert [(c.token, c.params["text"]) for c in bot_api.calls] == [(TOKEN, "Dạ, xin chào")]
    assert (channel.name, channel.global_rate, channel.per_chat_rate) == ("telegram", 25, 1)
    assert (GLOBAL_PER_SECOND, PER_CHAT_PER_SECOND) == (30, 1)


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"telegram_token": TOKEN, "telegram_secret_token": "has spaces"}, "SECRET_TOKEN"),
        ({"telegram_token": TOKEN, "telegram_secret_token": "x" * 257}, "SECRET_TOKEN"),
        ({"telegram_token": TOKEN, "telegram_secret_token": "bí_mật"}, "SECRET_TOKEN"),
        ({"telegram_token": "", "telegram_secret_token": SECRET}, "MOTCUA_TELEGRAM_TOKEN"),
        ({}, "MOTCUA_TELEGRAM_TOKEN"),
    ],
    ids=["space", "too_long", "not_ascii", "empty_token", "channel_off"],
)
def test_bad_settings_name_the_variable(values: dict[str, Any], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable) as raised:
        TelegramChannel.from_settings(settings(**values))
    assert TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    ("token", "secret"),
    [("", SECRET), (TOKEN, ""), (TOKEN, "a/b")],
    ids=["empty_token", "empty_secret", "slash_in_secret"],
)
def test_constructor_refuses(token: str, secret: str) -> None:
    with pytest.raises(ValueError, match="Telegram"):
        TelegramChannel(token=token, secret_token=secret)
