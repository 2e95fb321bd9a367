"""The fake Bot API server and a channel pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from bot.channels.telegram import TelegramChannel
from tests.channels.telegram.fake_bot_api import FakeBotApi

# The token shape of https://core.telegram.org/bots/api#authorizing-your-bot
TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
SECRET = "s3cret_for-tests"


@pytest.fixture
def bot_api(local_server: Callable[[Any], Any]) -> Iterator[FakeBotApi]:
    fake = FakeBotApi(token=TOKEN)
    fake.url = local_server(fake.app()).url
    yield fake
    fake.verify()


@pytest.fixture
async def channel(bot_api: FakeBotApi) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(token=TOKEN, secret_token=SECRET, base_url=bot_api.base_url)
    yield channel
    await channel.aclose()
