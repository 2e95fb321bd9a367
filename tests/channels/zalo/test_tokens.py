"""Token refresh: single flight, write before use, survival across restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import TracebackType

import httpx
import pytest

from bot.channels.base import OutboundMessage, SendError, Template
from bot.channels.zalo.tokens import InMemoryTokenStore, TokenPair
from tests.channels.zalo.conftest import (
    APP_ID,
    SECRET_KEY,
    USER_ID,
    JournalStore,
    build_rig,
    fresh_pair,
)
from tests.channels.zalo.contract import check_token_store_contract
from tests.channels.zalo.fake_zalo import CS, OAUTH, ZNS, FakeZalo

MESSAGE = OutboundMessage(channel="zalo", user_id=USER_ID, text="Dạ, em chào anh/chị.")


async def test_in_memory_store_keeps_the_contract() -> None:
    await check_token_store_contract(InMemoryTokenStore())


def test_token_pair_never_shows_its_tokens() -> None:
    pair = TokenPair("access-secret-1", "refresh-secret-1", datetime(2030, 1, 1, tzinfo=UTC))
    assert "secret" not in repr(pair)
    assert "2030-01-01" in repr(pair)
    assert "secret" not in repr(InMemoryTokenStore(pair))
    with pytest.raises(ValueError, match="aware"):
        TokenPair("a", "r", datetime(2030, 1, 1))


def _sends(fake: FakeZalo, token: str) -> int:
    return sum(1 for c in fake.calls_to(CS) if c.headers["access_token"] == token)


@pytest.mark.parametrize("how", ["expired by the clock", "revoked by Zalo"])
async def test_twenty_concurrent_sends_refresh_once(
    how: str, fake_zalo: FakeZalo, http: httpx.AsyncClient
) -> None:
    fake_zalo.refresh_delay = 0.2  # the refresh is slow: every send overlaps it
    if how == "expired by the clock":
        stored = fresh_pair(hours=-1)
    else:
        stored = fresh_pair(hours=20)
        fake_zalo.valid_access.clear()
    rig = build_rig(fake_zalo, http, stored=stored)

    results = await asyncio.gather(*(rig.zalo.send(MESSAGE) for _ in range(20)))

    assert len(results) == 20
    [refresh] = fake_zalo.calls_to(OAUTH)
    assert refresh.form == {
        "refresh_token": "refresh-0",
        "app_id": APP_ID,
        "grant_type": "refresh_token",
    }
    assert refresh.headers["secret_key"] == SECRET_KEY
    assert refresh.headers["content-type"] == "application/x-www-form-urlencoded"
    assert _sends(fake_zalo, "access-1") == 20
    assert _sends(fake_zalo, "access-0") == (0 if how == "expired by the clock" else 20)
    # the new pair was stored before Zalo saw it used, and the store holds it now
    journal = fake_zalo.journal
    assert journal.index(("save", "access-1")) < journal.index(("send", "access-1"))
    stored_now = await rig.store.load()
    assert stored_now is not None
    assert (stored_now.access_token, stored_now.refresh_token) == ("access-1", "refresh-1")
    assert stored_now.expires_at > datetime.now(UTC) + timedelta(hours=24)


async def test_a_restart_uses_the_stored_pair_not_the_configured_one(
    fake_zalo: FakeZalo, http: httpx.AsyncClient
) -> None:
    first = build_rig(fake_zalo, http, stored=fresh_pair(hours=-1))
    await first.zalo.send(MESSAGE)  # refreshes: access-1 / refresh-1 are stored
    configured = fresh_pair("access-0", "refresh-0")  # the env's tokens, long since used up

    restarted = build_rig(fake_zalo, http, store=first.store, initial=configured)
    await restarted.zalo.send(MESSAGE)

    assert fake_zalo.calls_to(CS)[-1].headers["access_token"] == "access-1"
    assert len(fake_zalo.calls_to(OAUTH)) == 1
    stored = await first.store.load()
    assert stored is not None and stored.refresh_token == "refresh-1"


async def test_the_configured_pair_seeds_an_empty_store(
    fake_zalo: FakeZalo, http: httpx.AsyncClient
) -> None:
    rig = build_rig(fake_zalo, http, initial=fresh_pair())
    await rig.zalo.send(MESSAGE)
    assert [p.access_token for p in rig.store.saves] == ["access-0"]
    assert fake_zalo.calls_to(CS)[0].headers["access_token"] == "access-0"


async def test_a_refused_refresh_needs_an_admin(
    fake_zalo: FakeZalo, http: httpx.AsyncClient
) -> None:
    fake_zalo.valid_access.clear()
    fake_zalo.valid_refresh.clear()  # the refresh token was used up or revoked
    rig = build_rig(fake_zalo, http, stored=fresh_pair())
    with pytest.raises(SendError) as caught:
        await rig.zalo.send(MESSAGE)
    assert not caught.value.retryable
    assert "admin" in str(caught.value)
    assert rig.store.saves == []


async def test_a_pair_refreshed_by_another_replica_is_taken_from_the_store(
    fake_zalo: FakeZalo, http: httpx.AsyncClient
) -> None:
    rig = build_rig(fake_zalo, http, stored=fresh_pair())
    await rig.zalo.send(MESSAGE)  # this replica now holds access-0 in memory
    # another replica refreshes and stores its pair; Zalo drops the old access token
    other = build_rig(fake_zalo, http, store=rig.store)
    await other.tokens.refresh("access-0")
    fake_zalo.valid_access.discard("access-0")

    await rig.zalo.send(MESSAGE)

    assert len(fake_zalo.calls_to(OAUTH)) == 1
    assert [c.headers["access_token"] for c in fake_zalo.calls_to(CS)] == [
        "access-0",
        "access-0",
        "access-1",
    ]


async def test_a_refresh_lost_to_another_replica_adopts_its_pair(
    fake_zalo: FakeZalo, http: httpx.AsyncClient
) -> None:
    rig = build_rig(fake_zalo, http, stored=fresh_pair())
    await rig.tokens.access_token()
    fake_zalo.valid_access = {"access-9"}
    fake_zalo.valid_refresh.clear()  # the other replica used refresh-0 a moment ago …

    def other_replica_saves() -> None:  # … and stores its pair while ours is refused
        rig.store._pair = fresh_pair("access-9", "refresh-9")

    fake_zalo.on_refresh = other_replica_saves
    await rig.zalo.send(MESSAGE)
    assert [c.headers["access_token"] for c in fake_zalo.calls_to(CS)] == [
        "access-0",
        "access-9",
    ]


class RecordingLock:
    """A distributed-lock stand-in: records when it is held."""

    def __init__(self, fake: FakeZalo) -> None:
        self.fake = fake
        self.inner = asyncio.Lock()

    async def __aenter__(self) -> None:
        await self.inner.acquire()
        self.fake.note("lock", "acquired")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.fake.note("lock", "released")
        self.inner.release()


async def test_the_lock_hook_is_held_around_the_refresh_and_the_save(
    fake_zalo: FakeZalo, http: httpx.AsyncClient
) -> None:
    rig = build_rig(fake_zalo, http, stored=fresh_pair(hours=-1), lock=RecordingLock(fake_zalo))
    await asyncio.gather(rig.zalo.send(MESSAGE), rig.zalo.send(MESSAGE))
    events = [e for e in fake_zalo.journal if e[0] != "send"]
    at = events.index(("refresh", "refresh-0"))
    assert events[at - 1 : at + 3] == [
        ("lock", "acquired"),
        ("refresh", "refresh-0"),
        ("save", "access-1"),
        ("lock", "released"),
    ]
    assert len(fake_zalo.calls_to(OAUTH)) == 1


class FlakyStore(JournalStore):
    def __init__(self, fake: FakeZalo, pair: TokenPair) -> None:
        super().__init__(fake, pair)
        self.fail_next = False

    async def save(self, pair: TokenPair) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("database is down")
        await super().save(pair)


async def test_a_pair_that_could_not_be_stored_is_stored_before_use(
    fake_zalo: FakeZalo, http: httpx.AsyncClient
) -> None:
    store = FlakyStore(fake_zalo, fresh_pair(hours=-1))
    rig = build_rig(fake_zalo, http, store=store)
    store.fail_next = True
    with pytest.raises(ConnectionError):
        await rig.tokens.access_token()
    assert _sends(fake_zalo, "access-1") == 0

    await rig.zalo.send(MESSAGE)  # the database is back

    assert len(fake_zalo.calls_to(OAUTH)) == 1  # the rotated pair was kept, not lost
    journal = fake_zalo.journal
    assert journal.index(("save", "access-1")) < journal.index(("send", "access-1"))


async def test_oa_and_zns_share_one_refresh(fake_zalo: FakeZalo, http: httpx.AsyncClient) -> None:
    """Two managers over one store (as `build_channels` makes them) never refresh twice."""
    fake_zalo.refresh_delay = 0.2
    store = JournalStore(fake_zalo, fresh_pair(hours=-1))
    zalo = build_rig(fake_zalo, http, store=store).zalo
    zns = build_rig(fake_zalo, http, store=store).zns
    notice = OutboundMessage(
        channel="zns",
        user_id="+84912345678",
        text="",
        template=Template("248079", (("dossier_code", "000.00.12.H49-241105-0012"),)),
        idempotency_key="outbox-7",
    )
    await asyncio.gather(zalo.send(MESSAGE), zns.send(notice), zalo.send(MESSAGE))
    assert len(fake_zalo.calls_to(OAUTH)) == 1
    calls = fake_zalo.calls_to(CS) + fake_zalo.calls_to(ZNS)
    assert len(calls) == 3
    assert {c.headers["access_token"] for c in calls} == {"access-1"}
