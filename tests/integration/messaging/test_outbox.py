"""The outbox and the delivery layer on SQLite and PostgreSQL: idempotent enqueue, leases,
retries driven by SendError, permanent failures turning to fallbacks, rate limits, reports."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.channels.base import OutboundMessage, SendError
from bot.delivery import Dispatcher
from bot.outbox import MAX_ATTEMPTS, Envelope, Outbox
from bot.ratelimit import ChannelRates, Rate, RateLimiter
from core.messaging.tables import OutboxMessage
from tests.integration.messaging.conftest import ScriptedChannel

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def sms(text: str, user: str = "+84912345678") -> OutboundMessage:
    return OutboundMessage(channel="sms", user_id=user, text=text)


def states(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return dict(session.execute(select(OutboxMessage.key, OutboxMessage.state)).all())


def test_enqueue_is_idempotent_by_key(engine: Engine) -> None:
    outbox = Outbox(engine)
    assert outbox.enqueue([Envelope("k1", sms("a")), Envelope("k2", sms("b"))], now=T0) == 2
    assert outbox.enqueue([Envelope("k1", sms("a again")), Envelope("k3", sms("c"))], now=T0) == 1
    assert states(engine) == {"k1": "queued", "k2": "queued", "k3": "queued"}


def test_a_claimed_message_is_not_claimed_again_until_its_lease_lapses(engine: Engine) -> None:
    outbox = Outbox(engine)
    outbox.enqueue([Envelope("k1", sms("a"))], now=T0)
    first = outbox.claim(now=T0, limit=10, lease=timedelta(seconds=30))
    assert [c.key for c in first] == ["k1"]
    assert first[0].message.idempotency_key == first[0].public_id
    assert outbox.claim(now=T0 + timedelta(seconds=29), limit=10) == []
    again = outbox.claim(now=T0 + timedelta(seconds=31), limit=10)
    assert [(c.key, c.public_id, c.attempts) for c in again] == [("k1", first[0].public_id, 2)]


def test_a_message_not_yet_due_waits(engine: Engine) -> None:
    outbox = Outbox(engine)
    outbox.enqueue([Envelope("k1", sms("a"), not_before=T0 + timedelta(hours=1))], now=T0)
    assert outbox.claim(now=T0, limit=10) == []
    assert len(outbox.claim(now=T0 + timedelta(hours=1), limit=10)) == 1


def test_has_due_and_oldest_due_see_what_a_claim_would_take(engine: Engine) -> None:
    outbox = Outbox(engine)
    assert not outbox.has_due(now=T0)
    assert outbox.oldest_due(now=T0) is None
    outbox.enqueue([Envelope("later", sms("b"), not_before=T0 + timedelta(hours=1))], now=T0)
    assert not outbox.has_due(now=T0)
    assert outbox.oldest_due(now=T0) is None
    outbox.enqueue([Envelope("now", sms("a"))], now=T0)
    assert outbox.has_due(now=T0)
    assert outbox.oldest_due(now=T0 + timedelta(seconds=5)) == T0
    assert [c.key for c in outbox.claim(now=T0, limit=10, lease=timedelta(seconds=30))] == ["now"]
    # being sent under a running lease: not due, and not waiting either
    assert not outbox.has_due(now=T0 + timedelta(seconds=29))
    assert outbox.oldest_due(now=T0 + timedelta(seconds=29)) is None
    # its sender died: due again
    assert outbox.has_due(now=T0 + timedelta(seconds=31))


async def test_a_peeking_drain_sends_what_is_due_and_nothing_early(engine: Engine) -> None:
    outbox, channel, clock = Outbox(engine), ScriptedChannel(), Clock()
    dispatcher = Dispatcher(outbox, {"sms": channel}, limiter=RateLimiter(), rates={}, clock=clock)
    outbox.enqueue([Envelope("k1", sms("a"), not_before=T0 + timedelta(seconds=10))], now=T0)
    assert await dispatcher.drain_once(peek=True) == 0
    assert states(engine) == {"k1": "queued"}
    clock.advance(10)
    assert await dispatcher.drain_once(peek=True) == 1
    assert [m.text for m in channel.sent] == ["a"]


async def test_an_idle_loop_finds_messages_queued_by_another_process(engine: Engine) -> None:
    """The worker is not woken by the gateway that queues a reply: its poll finds it."""
    outbox, channel = Outbox(engine), ScriptedChannel()
    dispatcher = Dispatcher(
        outbox, {"sms": channel}, limiter=RateLimiter(), rates={}, idle_seconds=0.05
    )
    stop = asyncio.Event()
    delivery = asyncio.create_task(dispatcher.run(stop))
    try:
        await asyncio.sleep(0.2)  # idle by now
        await asyncio.to_thread(
            Outbox(engine).enqueue, [Envelope("k1", sms("a"))], now=datetime.now(UTC)
        )
        async with asyncio.timeout(5):
            while not channel.sent:  # noqa: ASYNC110 - observing a fake, not waiting on our code
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        dispatcher.wake()
        await delivery
    assert [m.text for m in channel.sent] == ["a"]


@pytest.mark.storage
def test_concurrent_claims_never_share_a_message(engine: Engine) -> None:
    outbox = Outbox(engine)
    outbox.enqueue([Envelope(f"k{i}", sms(str(i))) for i in range(400)], now=T0)
    taken: list[list[str]] = [[], [], [], []]

    def worker(n: int) -> None:
        while batch := outbox.claim(now=T0, limit=25):
            taken[n].extend(c.key for c in batch)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [k for part in taken for k in part]
    assert sorted(keys) == sorted(f"k{i}" for i in range(400))
    assert len(keys) == len(set(keys))


async def test_sent_messages_are_recorded_with_their_provider_id(engine: Engine) -> None:
    outbox, channel, clock = Outbox(engine), ScriptedChannel(), Clock()
    dispatcher = Dispatcher(outbox, {"sms": channel}, limiter=RateLimiter(), rates={}, clock=clock)
    outbox.enqueue([Envelope("k1", sms("xin chao")), Envelope("k2", sms("tam biet"))], now=T0)
    assert await dispatcher.drain_once() == 2
    assert [m.text for m in channel.sent] == ["xin chao", "tam biet"]
    with Session(engine) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.key)).all()
        assert [(r.state, r.provider_message_id, r.segments) for r in rows] == [
            ("sent", "p1", 1),
            ("sent", "p2", 1),
        ]
    assert await dispatcher.drain_once() == 0


async def test_retryable_errors_are_retried_after_the_platforms_wait(engine: Engine) -> None:
    outbox, clock = Outbox(engine), Clock()
    channel = ScriptedChannel(script=[SendError("429", retryable=True, retry_after=30)])
    dispatcher = Dispatcher(outbox, {"sms": channel}, limiter=RateLimiter(), rates={}, clock=clock)
    outbox.enqueue([Envelope("k1", sms("a"))], now=T0)
    await dispatcher.drain_once()
    assert states(engine) == {"k1": "queued"}
    clock.advance(29)
    assert await dispatcher.drain_once() == 0
    clock.advance(2)
    assert await dispatcher.drain_once() == 1
    assert states(engine) == {"k1": "sent"}
    assert channel.attempts == 2


async def test_permanent_failure_turns_to_the_fallback(engine: Engine) -> None:
    outbox, clock = Outbox(engine), Clock()
    zalo = ScriptedChannel(name="zalo", script=[SendError("outside window", retryable=False)])
    sms_channel = ScriptedChannel()
    dispatcher = Dispatcher(
        outbox, {"zalo": zalo, "sms": sms_channel}, limiter=RateLimiter(), rates={}, clock=clock
    )
    notice = OutboundMessage(channel="zalo", user_id="6142", text="Ho so da co ket qua")
    outbox.enqueue(
        [Envelope("n1", notice, origin="notice", fallbacks=(sms("Ho so da co ket qua"),))], now=T0
    )
    await dispatcher.drain_once()
    assert states(engine) == {"n1": "failed", "n1>sms": "queued"}
    await dispatcher.drain_once()
    assert states(engine) == {"n1": "failed", "n1>sms": "sent"}
    assert [m.user_id for m in sms_channel.sent] == ["+84912345678"]


async def test_retries_stop_after_the_last_attempt(engine: Engine) -> None:
    outbox, clock = Outbox(engine), Clock()
    channel = ScriptedChannel(script=[SendError("502", retryable=True)] * MAX_ATTEMPTS)
    dispatcher = Dispatcher(outbox, {"sms": channel}, limiter=RateLimiter(), rates={}, clock=clock)
    outbox.enqueue([Envelope("k1", sms("a"))], now=T0)
    for _ in range(MAX_ATTEMPTS):
        await dispatcher.drain_once()
        clock.advance(3600)
    assert states(engine) == {"k1": "failed"}
    assert channel.attempts == MAX_ATTEMPTS


async def test_a_channel_that_is_off_fails_the_message(engine: Engine) -> None:
    outbox, clock = Outbox(engine), Clock()
    dispatcher = Dispatcher(outbox, {}, limiter=RateLimiter(), rates={}, clock=clock)
    outbox.enqueue([Envelope("k1", sms("a"))], now=T0)
    await dispatcher.drain_once()
    assert states(engine) == {"k1": "failed"}


async def test_rate_limits_delay_without_spending_attempts(engine: Engine) -> None:
    outbox, clock, channel = Outbox(engine), Clock(), ScriptedChannel()
    dispatcher = Dispatcher(
        outbox,
        {"sms": channel},
        limiter=RateLimiter(prefix=f"t{id(engine)}"),
        rates={"sms": ChannelRates(total=Rate(3, 60))},
        clock=clock,
    )
    outbox.enqueue(
        [Envelope(f"k{i}", sms(str(i), user=f"+8491234567{i}")) for i in range(5)], now=T0
    )
    await dispatcher.drain_once()
    assert len(channel.sent) == 3
    with Session(engine) as session:
        waiting = session.scalars(
            select(OutboxMessage).where(OutboxMessage.state == "queued")
        ).all()
        assert len(waiting) == 2
        assert all(r.attempts == 0 and r.next_attempt_at > T0 for r in waiting)


async def test_one_users_messages_keep_their_order_when_one_must_wait(engine: Engine) -> None:
    outbox, clock = Outbox(engine), Clock()
    channel = ScriptedChannel(script=[SendError("503", retryable=True, retry_after=5)])
    dispatcher = Dispatcher(outbox, {"sms": channel}, limiter=RateLimiter(), rates={}, clock=clock)
    outbox.enqueue([Envelope("a.0", sms("first")), Envelope("a.1", sms("second"))], now=T0)
    await dispatcher.drain_once()
    assert channel.sent == []
    clock.advance(6)
    await dispatcher.drain_once()
    clock.advance(1)
    await dispatcher.drain_once()
    assert [m.text for m in channel.sent] == ["first", "second"]


def test_delivery_reports_update_the_message_once(engine: Engine) -> None:
    outbox = Outbox(engine)
    outbox.enqueue([Envelope("k1", sms("a"))], now=T0)
    claimed = outbox.claim(now=T0, limit=1)
    public_id = claimed[0].public_id
    assert outbox.report(
        channel="sms", message_id=public_id, status="delivered", by_provider_id=False, now=T0
    )
    # the send outcome arriving after the report does not overwrite it
    from bot.outbox import Outcome

    outbox.finish([Outcome(id=claimed[0].id, state="sent", at=T0, provider_message_id="x")])
    assert states(engine) == {"k1": "delivered"}
    assert not outbox.report(
        channel="sms", message_id="unknown", status="failed", by_provider_id=False, now=T0
    )


def test_an_answer_with_no_reply_stores_nothing_and_finishes_the_event(engine: Engine) -> None:
    from bot.channels.base import InboundMessage
    from bot.inbox import Inbox

    inbox, outbox = Inbox(engine), Outbox(engine)
    assert outbox.enqueue([], now=T0) == 0
    (stored,) = inbox.accept([InboundMessage("sms", "+84912345678", "hi", "id-1")], now=T0)
    inbox.complete(stored.id, [], outbox=outbox, now=T0)
    assert states(engine) == {}
    assert inbox.claim_stale(now=T0 + timedelta(hours=1)) == []
