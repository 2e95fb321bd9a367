"""Every fixture update through `parse`: the events it yields, or the rejection it earns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.base import InvalidRequest, Unauthorized, WebhookRequest
from bot.channels.telegram import SECRET_HEADER, TelegramChannel
from tests.channels.telegram.cases import as_expected, body_of, load, update_cases
from tests.channels.telegram.conftest import SECRET, TOKEN

ERRORS = {"InvalidRequest": InvalidRequest, "Unauthorized": Unauthorized}


@pytest.fixture
async def offline_channel() -> AsyncIterator[TelegramChannel]:
    # parse never calls the Bot API: a closed port proves it.
    channel = TelegramChannel(token=TOKEN, secret_token=SECRET, base_url="http://127.0.0.1:9/bot")
    yield channel
    await channel.aclose()


@pytest.mark.parametrize("path", update_cases(), ids=lambda p: p.stem)
async def test_update(path: Path, offline_channel: TelegramChannel) -> None:
    case = load(path)
    headers = {"content-type": "application/json"}
    secret = case.get("secret_header", SECRET)
    if secret is not None:
        headers[SECRET_HEADER] = secret
    request = WebhookRequest(subpath="/", headers=headers, body=body_of(case))
    expect = case["expect"]

    if "error" in expect:
        with pytest.raises(ERRORS[expect["error"]]) as raised:
            await offline_channel.parse(request)
        if "reason" in expect:
            assert str(raised.value) == expect["reason"]
        assert "\n" not in str(raised.value)
        return

    events = await offline_channel.parse(request)
    assert [as_expected(e) for e in events] == expect["events"]
    assert all(e.channel == "telegram" for e in events)
