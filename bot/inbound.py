"""Inbound processing of platform webhooks (Telegram, Zalo, SMS).

`accept` verifies and parses a webhook, stores its events in the inbox and returns at once, so
the platform gets its 200 fast (Zalo retries after 2 s); a repeated delivery is recognized by
the inbox's unique key and produces nothing. The events are then answered in the background:
in order for each sender, in parallel across senders. Replies are queued in the outbox in the
same transaction that marks the event done, keyed by the event, so a crash at any point neither
loses the answer nor queues it twice. Events left unfinished by a dead process are picked up
again by `sweep`.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bot.channels.base import (
    Channel,
    DeliveryReport,
    Follow,
    InboundEvent,
    InboundMessage,
    OutboundMessage,
    PhoneShared,
    WebhookRequest,
)
from bot.dbthreads import DbThreads, GroupCommit
from bot.delivery import Dispatcher
from bot.inbox import MAX_ATTEMPTS, Inbox, Stored
from bot.metrics import WEBHOOK_EVENTS
from bot.outbox import Envelope, Outbox
from bot.questions import QuestionRecorder
from bot.ratelimit import Rate, RateLimiter
from core.logging import get_logger, mask_phone
from core.messaging.identities import Identities

log = get_logger("motcua.inbound")

TOO_FAST_REPLY = (
    "Dạ, ông/bà gửi nhiều tin nhắn quá nhanh. Ông/bà vui lòng chờ một chút rồi hỏi tiếp ạ."
)
GREETING_PAYLOAD = "/greet"
DEFAULT_SENDER_RATE = Rate(20, 60)
SWEEP_BATCH = 200


def phone_linked_reply(phone: str) -> str:
    return (
        f"Dạ, Một Cửa đã ghi nhận số điện thoại {mask_phone(phone)} của ông/bà. Từ nay ông/bà "
        "có thể tra cứu hồ sơ đứng tên số này và nhận thông báo kết quả tại đây."
    )


# A step that may answer a message before the NLU does (SMS keywords, a human handoff in
# progress). It returns the replies, or None to let the message through.
Interceptor = Callable[[InboundMessage], Awaitable[list[OutboundMessage] | None]]
Answer = Callable[[InboundMessage], Awaitable[list[OutboundMessage]]]
FollowInterceptor = Callable[[Follow], Awaitable[list[OutboundMessage] | None]]


@dataclass(frozen=True, slots=True)
class Accepted:
    stored: int
    duplicates: int
    ignored: int
    reports: int
    events: tuple[InboundEvent, ...] = ()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class InboundPipeline:
    def __init__(
        self,
        *,
        inbox: Inbox,
        outbox: Outbox,
        identities: Identities,
        channels: Mapping[str, Channel],
        answer: Answer,
        dispatcher: Dispatcher | None,
        limiter: RateLimiter,
        sender_rate: Rate = DEFAULT_SENDER_RATE,
        lanes: int = 8,
        clock: Callable[[], datetime] = _utcnow,
        db: DbThreads | None = None,
    ) -> None:
        self.db = db or DbThreads(inbox.engine)
        self.inbox = inbox
        self.outbox = outbox
        self.identities = identities
        self.channels = channels
        self.answer = answer
        self.dispatcher = dispatcher
        self.limiter = limiter
        self.sender_rate = sender_rate
        self.clock = clock
        self.interceptors: list[Interceptor] = []
        self.follow_interceptors: list[FollowInterceptor] = []
        self.questions: QuestionRecorder | None = None
        # webhooks arriving while a write is under way are stored together in the next one
        self._stored: GroupCommit[Sequence[InboundEvent], list[Stored]] = GroupCommit(
            self._accept_many
        )
        self._lanes: list[asyncio.Queue[Stored]] = [asyncio.Queue() for _ in range(lanes)]
        self._background: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ accept
    async def accept(self, channel: Channel, request: WebhookRequest) -> Accepted:
        """Parses and stores a webhook. Raises Unauthorized / InvalidRequest from the adapter."""
        return await self.accept_events(channel, await channel.parse(request))

    async def accept_events(self, channel: Channel, events: Sequence[InboundEvent]) -> Accepted:
        """Stores events already parsed (a webhook's, or Telegram long polling's)."""
        now = self.clock()
        reports = [e for e in events if isinstance(e, DeliveryReport)]
        storable = [e for e in events if not isinstance(e, DeliveryReport)]
        for report in reports:
            await self.db(
                self.outbox.report,
                channel=report.channel,
                message_id=report.message_id,
                status=report.status,
                by_provider_id=report.by_provider_id,
                now=now,
                urgent=True,
            )
        stored = await self._stored.submit(storable) if storable else []
        for item in stored:
            self._lane(item).put_nowait(item)
            self._spawn(channel.acknowledge(item.event))
        duplicates = len(storable) - len(stored)
        WEBHOOK_EVENTS.labels(channel.name, "accepted").inc(len(stored))
        if duplicates:
            WEBHOOK_EVENTS.labels(channel.name, "duplicate").inc(duplicates)
            log.info(
                "repeated delivery acknowledged, not answered again",
                channel=channel.name,
                duplicates=duplicates,
            )
        if reports:
            WEBHOOK_EVENTS.labels(channel.name, "report").inc(len(reports))
        if not events:
            WEBHOOK_EVENTS.labels(channel.name, "ignored").inc()
        return Accepted(
            stored=len(stored),
            duplicates=duplicates,
            ignored=int(not events),
            reports=len(reports),
            events=tuple(events),
        )

    async def _accept_many(self, batches: list[Sequence[InboundEvent]]) -> list[list[Stored]]:
        return await self.db(self.inbox.accept_many, batches, now=self.clock(), urgent=True)

    def _lane(self, item: Stored) -> asyncio.Queue[Stored]:
        sender = f"{item.event.channel}:{item.event.user_id}".encode()
        return self._lanes[zlib.crc32(sender) % len(self._lanes)]

    def _spawn(self, coro: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await coro
            except Exception:
                log.exception("background step failed")

        task = asyncio.ensure_future(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ process
    async def run(self, stop: asyncio.Event, *, sweep_seconds: float = 10.0) -> None:
        """Answers stored events until `stop`; every `sweep_seconds` takes over stale ones."""
        workers = [asyncio.create_task(self._work(lane)) for lane in self._lanes]
        try:
            while not stop.is_set():
                # Take over everything left unfinished, a batch at a time, as the lanes free up.
                taken = 1
                while taken and not stop.is_set() and self.backlog() < SWEEP_BATCH:
                    taken = await self.sweep()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=sweep_seconds)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    def backlog(self) -> int:
        """Events waiting in this process's lanes."""
        return sum(lane.qsize() for lane in self._lanes)

    async def sweep(self) -> int:
        """Takes over one batch of events a dead (or far too slow) process left unfinished."""
        try:
            stale = await self.db(self.inbox.claim_stale, now=self.clock(), limit=SWEEP_BATCH)
        except Exception:
            log.exception("could not look for unfinished events")
            return 0
        for item in stale:
            self._lane(item).put_nowait(item)
        if stale:
            log.info("taking over unfinished events", events=len(stale))
        return len(stale)

    async def _work(self, lane: asyncio.Queue[Stored]) -> None:
        while True:
            item = await lane.get()
            try:
                await self.process(item)
            finally:
                lane.task_done()

    async def idle(self) -> None:
        """Waits until every queued event has been answered (tests, shutdown)."""
        await asyncio.gather(*(lane.join() for lane in self._lanes))

    async def process(self, item: Stored) -> None:
        event = item.event
        try:
            replies = await self._replies(event)
            channel = self.channels.get(event.channel)
            envelopes: list[Envelope] = []
            for reply in replies:
                parts = channel.split(reply) if channel is not None else [reply]
                envelopes.extend(parts_as_envelopes(parts, prefix=f"in:{item.id}:{len(envelopes)}"))
            now = self.clock()

            def touch(session: Session) -> None:
                if isinstance(event, InboundMessage | Follow):
                    self.identities.touch_in(session, event.channel, event.user_id, now=now)

            await self.db(
                self.inbox.complete, item.id, envelopes, outbox=self.outbox, now=now, also=touch
            )
        except Exception as exc:
            log.exception("could not answer an event", channel=event.channel, event=item.id)
            if item.attempts + 1 >= MAX_ATTEMPTS:
                await self.db(self.inbox.fail, item.id, type(exc).__name__)
            return
        if self.dispatcher is not None:
            self.dispatcher.wake()

    async def _replies(self, event: InboundMessage | Follow | PhoneShared) -> list[OutboundMessage]:
        now = self.clock()
        if isinstance(event, PhoneShared):
            await self.db(
                self.identities.link_phone, event.channel, event.user_id, event.phone, now=now
            )
            log.info(
                "phone linked to a chat identity",
                channel=event.channel,
                phone=mask_phone(event.phone),
            )
            return [OutboundMessage(event.channel, event.user_id, phone_linked_reply(event.phone))]
        if isinstance(event, Follow):
            for welcome in self.follow_interceptors:
                answered = await welcome(event)
                if answered is not None:
                    return answered
            greeting = InboundMessage(
                channel=event.channel, user_id=event.user_id, text=GREETING_PAYLOAD
            )
            return await self.answer(greeting)
        if await self.limiter.hit(self.sender_rate, "in", event.sender) > 0:
            # one polite word per minute, then silence
            if await self.limiter.hit(Rate(1, 60), "in-warned", event.sender) == 0:
                return [OutboundMessage(event.channel, event.user_id, TOO_FAST_REPLY)]
            return []
        for intercept in self.interceptors:
            answered = await intercept(event)
            if answered is not None:
                return answered
        if self.questions is not None:
            self.questions.record(channel=event.channel, sender=event.sender, text=event.text)
        return await self.answer(event)


def parts_as_envelopes(parts: Sequence[OutboundMessage], *, prefix: str) -> list[Envelope]:
    return [Envelope(key=f"{prefix}.{n}", message=part) for n, part in enumerate(parts)]
