"""Long polling against the fake Bot API: the same events as the webhook, in order, with
offsets confirming what was handled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from telegram.error import Conflict, InvalidToken

from bot.channels.base import InboundEvent
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.polling import poll
from tests.channels.telegram.cases import as_expected, load, update_cases
from tests.channels.telegram.fake_bot_api import FakeBotApi, Reply, error, ok

# PTB 22 warns about `RetryAfter.retry_after` turning into a timedelta as it builds the exception.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

# Every well-formed update fixture the webhook reads (the secret plays no part in polling).
VALID = [
    case
    for case in map(load, update_cases())
    if "body" in case and "events" in case["expect"] and "secret_header" not in case
]
UPDATES = sorted((c["body"] for c in VALID), key=lambda u: u["update_id"])
EXPECTED = [
    e for c in sorted(VALID, key=lambda c: c["body"]["update_id"]) for e in c["expect"]["events"]
]


async def _until(condition: Callable[[], bool], *, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_poll_feeds_the_webhook_mapping(
    channel: TelegramChannel, bot_api: FakeBotApi
) -> None:
    half = len(UPDATES) // 2
    bot_api.expect("deleteWebhook", ok(True))
    bot_api.expect(
        "getUpdates",
        error(429, "Too Many Requests: retry after 1", {"retry_after": 1}),
        Reply(502, "<html>502 Bad Gateway</html>"),
        ok(UPDATES[:half]),
        ok(UPDATES[half:]),
    )
    seen: list[InboundEvent] = []
    stop = asyncio.Event()

    async def handle(event: InboundEvent) -> None:
        seen.append(event)

    task = asyncio.create_task(poll(channel, handle, stop=stop, timeout=1, retry_delay=0.01))
    last = UPDATES[-1]["update_id"]
    await _until(
        lambda: any(c.params.get("offset") == str(last + 1) for c in bot_api.calls_to("getUpdates"))
    )
    stop.set()
    await asyncio.wait_for(task, 5)

    assert [as_expected(e) for e in seen] == EXPECTED
    assert len(EXPECTED) >= 10
    assert [c.method for c in bot_api.calls][:2] == ["deleteWebhook", "getUpdates"]
    assert len(bot_api.calls_to("deleteWebhook")) == 1
    assert bot_api.calls_to("deleteWebhook")[0].params == {"drop_pending_updates": "false"}
    offsets = [c.params.get("offset") for c in bot_api.calls_to("getUpdates")]
    assert offsets[:5] == [
        None,
        None,
        None,
        str(UPDATES[half - 1]["update_id"] + 1),
        str(last + 1),
    ]
    first = bot_api.calls_to("getUpdates")[0].params
    assert first["timeout"] == "1"
    assert first["allowed_updates"] == ["message", "callback_query"]
    bot_api.verify()


async def test_stop_ends_a_long_poll_at_once(channel: TelegramChannel, bot_api: FakeBotApi) -> None:
    bot_api.idle_poll_seconds = 3
    bot_api.expect("deleteWebhook", ok(True))
    stop = asyncio.Event()

    async def handle(event: InboundEvent) -> None:
        raise AssertionError("no update was sent")

    task = asyncio.create_task(poll(channel, handle, stop=stop, timeout=3))
    await _until(lambda: bool(bot_api.calls_to("getUpdates")))
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 5)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("reply", "raised"),
    [
        (error(401, "Unauthorized"), InvalidToken),
        (
            error(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only "
                "one bot instance is running",
            ),
            Conflict,
        ),
    ],
    ids=["token_rejected", "another_poller"],
)
async def test_fatal_answers_end_polling(
    reply: Reply, raised: type[Exception], channel: TelegramChannel, bot_api: FakeBotApi
) -> None:
    bot_api.expect("deleteWebhook", ok(True))
    bot_api.expect("getUpdates", reply)
    seen: list[InboundEvent] = []

    async def handle(event: InboundEvent) -> None:
        seen.append(event)

    with pytest.raises(raised):
        await asyncio.wait_for(poll(channel, handle, stop=asyncio.Event(), timeout=1), 5)
    assert seen == []
    bot_api.verify()
