"""The delivery layer: takes due messages from the outbox and makes the provider calls.

Retries follow the adapter's verdict (`SendError(retryable, retry_after)`) with exponential
backoff, at most `MAX_ATTEMPTS` calls; each platform's send limits are kept through the shared
rate limiter (a message over the limit waits without it counting as an attempt); a message that
fails for good turns to its fallback (Zalo outside its window → ZNS → SMS). Messages to the
same user go out in order, one at a time; different users in parallel.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta

from bot.channels.base import Channel, SendError
from bot.dbthreads import DbThreads, GroupCommit
from bot.metrics import OUTBOX_RESULTS, SEND_SECONDS
from bot.outbox import MAX_ATTEMPTS, Claimed, Envelope, Outbox, Outcome, backoff
from bot.ratelimit import ChannelRates, RateLimiter
from core.logging import get_logger

log = get_logger("motcua.delivery")
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[str, Channel],
        *,
        limiter: RateLimiter,
        rates: Mapping[str, ChannelRates],
        batch: int = 100,
        concurrency: int = 32,
        idle_seconds: float = 0.5,
        clock: Clock = _utcnow,
        db: DbThreads | None = None,
    ) -> None:
        self.db = db or DbThreads(outbox.engine)
        self.outbox = outbox
        self.channels = channels
        self.limiter = limiter
        self.rates = rates
        self.batch = batch
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        # Each outcome is stored as soon as it is known, with those that came during the last
        # write: the shorter the time between the provider's answer and its record, the fewer
        # messages a crash leaves to send again.
        self._outcomes: GroupCommit[tuple[Outcome, Envelope | None], None] = GroupCommit(
            self._finish
        )
        self.on_sent: Callable[[Claimed], Awaitable[None]] | None = None

    def wake(self) -> None:
        """New messages are queued: look now rather than at the next idle tick."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, *, rounds: int = 2) -> None:
        """Delivers until `stop`. `rounds` batches are under way at once, so claiming the next
        batch overlaps with the last sends of the previous one."""
        log.info("delivery started", channels=sorted(self.channels))
        await asyncio.gather(*(self._loop(stop) for _ in range(rounds)))
        log.info("delivery stopped")

    async def _loop(self, stop: asyncio.Event) -> None:
        failures = 0
        idle = False
        while not stop.is_set():
            try:
                sent = await self.drain_once(peek=idle)
                failures = 0
            except Exception as exc:
                failures += 1
                delay = min(2.0**failures, 60.0)
                if failures == 1:
                    log.exception("delivery round failed; retrying", retry_in_seconds=delay)
                else:  # the traceback was logged when the trouble began
                    log.warning(
                        "delivery still failing",
                        error=type(exc).__name__,
                        failures=failures,
                        retry_in_seconds=delay,
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                continue
            idle = sent == 0
            if idle:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.idle_seconds)

    async def drain_once(self, *, peek: bool = False) -> int:
        """Claims one batch of due messages and sends them; returns how many were claimed.
        With `peek`, a read looks first and the claim (a write) is made only when something is
        due: an idle loop that polls often then leaves SQLite's single write lock to others."""
        now = self.clock()
        if peek and not await self.db(self.outbox.has_due, now=now):
            return 0
        claimed = await self.db(self.outbox.claim, now=now, limit=self.batch)
        if not claimed:
            return 0
        groups: dict[tuple[str, str], list[Claimed]] = {}
        for item in claimed:
            groups.setdefault((item.message.channel, item.message.user_id), []).append(item)
        recorded = await asyncio.gather(*(self._send_group(g) for g in groups.values()))
        await asyncio.gather(*(f for group in recorded for f in group))
        return len(claimed)

    def _record(self, outcome: Outcome, fallback: Envelope | None) -> asyncio.Future[None]:
        return self._outcomes.submit((outcome, fallback))

    async def _finish(self, batch: list[tuple[Outcome, Envelope | None]]) -> list[None]:
        outcomes = [o for o, _ in batch]
        fallbacks = [f for _, f in batch if f is not None]
        await self.db(self.outbox.finish, outcomes, fallbacks=fallbacks, now=self.clock())
        for outcome in outcomes:
            OUTBOX_RESULTS.labels(outcome.state).inc()
        return [None] * len(batch)

    async def _send_group(self, items: list[Claimed]) -> list[asyncio.Future[None]]:
        """Sends one user's messages in order; each outcome is handed to the recorder at once
        (the next send does not wait for the write)."""
        recorded: list[asyncio.Future[None]] = []
        async with self._slots:
            for index, item in enumerate(items):
                outcome, fallback = await self._send_one(item)
                recorded.append(self._record(outcome, fallback))
                if outcome.state == "queued":
                    # keep the user's messages in order: the rest wait for this one
                    later = outcome.retry_at or outcome.at
                    recorded.extend(
                        self._record(
                            Outcome(
                                id=rest.id,
                                state="queued",
                                at=outcome.at,
                                retry_at=later + timedelta(milliseconds=n + 1),
                                refund_attempt=True,
                            ),
                            None,
                        )
                        for n, rest in enumerate(items[index + 1 :])
                    )
                    break
        return recorded

    async def _wait_for_limits(self, item: Claimed) -> float:
        rates = self.rates.get(item.message.channel)
        if rates is None:
            return 0.0
        wait = await self.limiter.hit(rates.total, "send", item.message.channel)
        if wait == 0 and rates.per_user is not None:
            wait = await self.limiter.hit(
                rates.per_user, "send", item.message.channel, item.message.user_id
            )
        return wait

    async def _send_one(self, item: Claimed) -> tuple[Outcome, Envelope | None]:
        now = self.clock()
        channel = self.channels.get(item.message.channel)
        if channel is None:
            return self._give_up(item, now, f"channel {item.message.channel} is off")
        wait = await self._wait_for_limits(item)
        if wait > 0:
            retry_at = now + timedelta(seconds=wait)
            return Outcome(
                id=item.id, state="queued", at=now, retry_at=retry_at, refund_attempt=True
            ), None
        started = time.perf_counter()
        try:
            result = await channel.send(item.message)
        except SendError as exc:
            SEND_SECONDS.labels(item.message.channel).observe(time.perf_counter() - started)
            if exc.retryable and item.attempts < MAX_ATTEMPTS:
                retry_at = now + backoff(item.attempts, retry_after=exc.retry_after)
                log.info(
                    "send failed, will retry",
                    channel=item.message.channel,
                    message=item.public_id,
                    attempt=item.attempts,
                    reason=str(exc),
                )
                return Outcome(
                    id=item.id, state="queued", at=now, retry_at=retry_at, error=str(exc)
                ), None
            return self._give_up(item, now, str(exc))
        except Exception as exc:  # an adapter bug must not stop delivery
            log.exception(
                "adapter raised an unexpected error",
                channel=item.message.channel,
                message=item.public_id,
            )
            if item.attempts < MAX_ATTEMPTS:
                retry_at = now + backoff(item.attempts)
                return Outcome(
                    id=item.id,
                    state="queued",
                    at=now,
                    retry_at=retry_at,
                    error=f"{type(exc).__name__}",
                ), None
            return self._give_up(item, now, type(exc).__name__)
        SEND_SECONDS.labels(item.message.channel).observe(time.perf_counter() - started)
        if self.on_sent is not None:
            await self.on_sent(item)
        return Outcome(
            id=item.id,
            state="sent",
            at=now,
            provider_message_id=result.provider_message_id,
            segments=result.segments,
            cost_vnd=result.cost_vnd,
        ), None

    def _give_up(
        self, item: Claimed, now: datetime, reason: str
    ) -> tuple[Outcome, Envelope | None]:
        fallback = None
        if item.fallbacks:
            fallback = Envelope(
                key=f"{item.key}>{item.fallbacks[0].channel}",
                message=item.fallbacks[0],
                origin="notice" if item.origin == "notice" else "reply",
                fallbacks=item.fallbacks[1:],
            )
        log.warning(
            "message failed for good",
            channel=item.message.channel,
            message=item.public_id,
            attempts=item.attempts,
            reason=reason,
            fallback=fallback.message.channel if fallback else None,
        )
        return Outcome(id=item.id, state="failed", at=now, error=reason), fallback
