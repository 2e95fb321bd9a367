"""Long polling for local development: `getUpdates` instead of a public webhook URL.

Each update goes through the same mapping as a webhook (`TelegramChannel.events_of`), without
the secret check (the updates come from our own request to Telegram). An update is confirmed to
Telegram by the next `getUpdates` call, once `handle` has returned for all its events; an update
handled just before a stop is delivered again next time, and the gateway's dedupe (same
`update_id`) drops it. https://core.telegram.org/bots/api#getupdates
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.channels.base import InboundEvent
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.errors import retry_after_seconds
from core.logging import get_logger

log = get_logger("motcua.channels.telegram.polling")
T = TypeVar("T")


async def poll(
    channel: TelegramChannel,
    handle: Callable[[InboundEvent], Awaitable[None]],
    *,
    stop: asyncio.Event,
    timeout: int = 30,
    retry_delay: float = 1.0,
    max_retry_delay: float = 30.0,
) -> None:
    """Calls `deleteWebhook` once, then `getUpdates` (long poll of `timeout` seconds) until
    `stop` is set, awaiting `handle` for every event in order. `handle` does what the gateway
    does with a webhook's events (store, acknowledge, route).

    Flood control waits as long as Telegram says; network failures and timeouts are retried
    with exponential backoff from `retry_delay`. A rejected token, a blocked bot, a bad
    request or a conflict with another poller (PTB's TelegramError) ends the loop by raising,
    and so does an exception from `handle`.
    """
    await channel.delete_webhook()
    offset: int | None = None
    delay = retry_delay
    while not stop.is_set():
        try:
            updates: Sequence[Update] | None = await _unless_stopped(
                channel.get_updates(offset=offset, timeout=timeout), stop
            )
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            log.warning("telegram getUpdates flood control", retry_after=wait)
            await _sleep(wait, stop)
            continue
        except BadRequest:
            raise
        except NetworkError as exc:  # TimedOut included
            log.warning("telegram getUpdates failed", error=type(exc).__name__, retry_in=delay)
            await _sleep(delay, stop)
            delay = min(delay * 2, max_retry_delay)
            continue
        if updates is None:
            return
        delay = retry_delay
        for update in updates:
            for event in channel.events_of(update):
                await handle(event)
            offset = update.update_id + 1


async def _unless_stopped(work: Coroutine[Any, Any, T], stop: asyncio.Event) -> T | None:
    """The result of `work`, or None (and `work` cancelled) if `stop` is set first."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        stopping.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


async def _sleep(seconds: float, stop: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
