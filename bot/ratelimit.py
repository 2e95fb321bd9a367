"""Rate limits shared by every replica: on Redis when it is configured, else in process.

Two uses: the delivery layer keeps each platform's send limits (Telegram about 30 messages/s
per bot and 1/s per chat, Zalo about 4,000 requests a minute, SMS gateways per contract), and
the gateway limits how fast one sender may write. Sliding-window counters of the `limits`
package; `wait` tells how long until the next call would be allowed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter


@dataclass(frozen=True, slots=True)
class Rate:
    """`amount` calls per `seconds`."""

    amount: int
    seconds: int = 1

    def item(self) -> RateLimitItem:
        if self.seconds == 60:
            return RateLimitItemPerMinute(self.amount)
        return RateLimitItemPerSecond(self.amount, self.seconds)


@dataclass(frozen=True, slots=True)
class ChannelRates:
    """A platform's send limits: for the whole bot, and per recipient."""

    total: Rate
    per_user: Rate | None = None


class RateLimiter:
    def __init__(self, redis_url: str | None = None, *, prefix: str = "motcua") -> None:
        self.storage: Storage
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            self.storage = RedisStorage(uri, implementation="redispy", key_prefix=prefix)
        else:
            self.storage = MemoryStorage()
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)

    async def hit(self, rate: Rate, *key: str) -> float:
        """Counts one call against `rate` for `key`; 0 if allowed, else the seconds to wait
        (the call is not counted then)."""
        item = rate.item()
        if await self.limiter.hit(item, *key):
            return 0.0
        stats = await self.limiter.get_window_stats(item, *key)
        return max(0.05, stats.reset_time - time.time())
