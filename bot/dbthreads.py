"""Where blocking database calls run from async code.

SQLite allows one writer at a time, and a writer that finds the database locked sleeps in
growing steps: several threads writing at once turn milliseconds into seconds. So with SQLite
every call goes through one thread and never waits on a lock, and calls marked `urgent`
(storing an incoming webhook, which a platform is waiting on) go before the queued background
work. PostgreSQL gets a pool of threads.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import queue
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine

T = TypeVar("T")
_Job = tuple[int, int, Callable[[], Any] | None, asyncio.Future[Any] | None]


class DbThreads:
    def __init__(self, engine: Engine, *, pool: int = 16) -> None:
        self._serial = engine.dialect.name == "sqlite"
        self._counter = itertools.count()
        if self._serial:
            self._jobs: queue.PriorityQueue[_Job] = queue.PriorityQueue()
            self._thread = threading.Thread(target=self._work, name="db", daemon=True)
            self._thread.start()
        else:
            self._executor = ThreadPoolExecutor(max_workers=pool, thread_name_prefix="db")

    async def __call__(
        self, fn: Callable[..., T], /, *args: Any, urgent: bool = False, **kwargs: Any
    ) -> T:
        call = functools.partial(fn, *args, **kwargs)
        loop = asyncio.get_running_loop()
        if not self._serial:
            return await loop.run_in_executor(self._executor, call)
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((0 if urgent else 1, next(self._counter), call, future))
        return await future

    def _work(self) -> None:
        while True:
            _, _, call, future = self._jobs.get()
            if call is None or future is None:
                return
            loop = future.get_loop()
            try:
                result = call()
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                loop.call_soon_threadsafe(_set_exception, future, exc)
            else:
                loop.call_soon_threadsafe(_set_result, future, result)

    def shutdown(self) -> None:
        if self._serial:
            self._jobs.put((2, next(self._counter), None, None))
        else:
            self._executor.shutdown(wait=False, cancel_futures=True)


def _set_result(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """Group commit: items submitted while a write is under way go together in the next one,
    so a burst costs a few transactions instead of one each, and nothing waits for a timer.
    `write` takes a batch and returns one result per item, in order; if it raises, every item
    of that batch gets the exception."""

    def __init__(self, write: Callable[[list[Item]], Awaitable[list[Result]]]) -> None:
        self._write = write
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._task: asyncio.Task[None] | None = None

    def submit(self, item: Item) -> asyncio.Future[Result]:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._task is None:
            self._task = asyncio.ensure_future(self._flush())
        return future

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    results = await self._write([item for item, _ in batch])
                except Exception as exc:  # noqa: BLE001 - handed to every waiting caller
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._task = None
