"""Login throttling on the gateway's rate-limit storage: five failures lock for 15 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.console.auth import LoginThrottle
from bot.ratelimit import RateLimiter

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "probe", "locked"),
    [
        # (username, address) of each failure; the probe; whether it is locked
        ([("lan", f"10.0.0.{i}") for i in range(4)], ("lan", "10.0.1.1"), False),
        ([("lan", f"10.0.0.{i}") for i in range(5)], ("lan", "10.0.1.1"), True),
        ([("LAN ", f"10.0.0.{i}") for i in range(5)], ("lan", "10.0.1.1"), True),
        ([(f"u{i}", "10.0.0.1") for i in range(5)], ("lan", "10.0.0.1"), True),
        ([(f"u{i}", "10.0.0.1") for i in range(5)], ("lan", "10.0.0.2"), False),
    ],
    ids=["four-failures", "five-for-a-user", "user-case-and-spaces", "five-from-an-ip", "other-ip"],
)
async def test_lock_after_five_failures(
    failures: list[tuple[str, str]], probe: tuple[str, str], locked: bool
) -> None:
    throttle = LoginThrottle(RateLimiter())
    with time_machine.travel(T0, tick=False):
        for username, address in failures:
            await throttle.failed(username, address)
        assert await throttle.locked(*probe) is locked


async def test_lock_lasts_fifteen_minutes_then_lifts() -> None:
    throttle = LoginThrottle(RateLimiter())
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            await throttle.failed("lan", "10.0.0.1")
            clock.shift(timedelta(minutes=2))
        # The fifth failure, at minute 8, locked; the lock runs to minute 23.
        clock.move_to(T0 + timedelta(minutes=8 + 14, seconds=59))
        assert await throttle.locked("lan", "10.0.0.9")
        clock.move_to(T0 + timedelta(minutes=8 + 15, seconds=1))
        assert not await throttle.locked("lan", "10.0.0.9")
        assert not await throttle.locked("someone", "10.0.0.1")
