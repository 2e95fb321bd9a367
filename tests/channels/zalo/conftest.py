"""Shared pieces of the Zalo tests: the fake Zalo server and a channel wired to it."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.channels.zalo import oa, zns
from bot.channels.zalo.channel import ZaloChannel, ZnsChannel
from bot.channels.zalo.tokens import AsyncLock, InMemoryTokenStore, TokenManager, TokenPair
from tests.channels.zalo.fake_zalo import FakeZalo

FIXTURES = Path(__file__).parent / "fixtures"
APP_ID = "3608465248940903967"
SECRET_KEY = "app-secret-9QwErTy"
OA_SECRET_KEY = "oa-secret-Kx7pQ2mZ"
USER_ID = "2468458835296197922"
# 2024-11-05 10:00 in Vietnam: daytime, so no night-time rule applies
NOON = datetime(2024, 11, 5, 3, 0, tzinfo=UTC)


def sign(body: bytes, *, app_id: str = APP_ID, timestamp: str, secret: str = OA_SECRET_KEY) -> str:
    """The X-ZEvent-Signature Zalo would send, computed here independently of the adapter."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return "mac=" + digest.hexdigest()


def fresh_pair(
    access: str = "access-0", refresh: str = "refresh-0", *, hours: float = 20
) -> TokenPair:
    return TokenPair(access, refresh, datetime.now(UTC) + timedelta(hours=hours))


class JournalStore(InMemoryTokenStore):
    """An in-memory store that writes each save into the fake's journal, so a test can check
    that a pair was stored before Zalo saw it used."""

    def __init__(self, fake: FakeZalo, pair: TokenPair | None = None) -> None:
        super().__init__(pair)
        self.fake = fake
        self.saves: list[TokenPair] = []

    async def save(self, pair: TokenPair) -> None:
        await super().save(pair)
        self.saves.append(pair)
        self.fake.note("save", pair.access_token)


@dataclass
class Rig:
    fake: FakeZalo
    store: JournalStore
    tokens: TokenManager
    zalo: ZaloChannel
    zns: ZnsChannel


def build_rig(
    fake: FakeZalo,
    http: httpx.AsyncClient,
    *,
    stored: TokenPair | None = None,
    initial: TokenPair | None = None,
    store: JournalStore | None = None,
    lock: AsyncLock | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    api_base_url: str | None = None,
) -> Rig:
    store = store if store is not None else JournalStore(fake, stored)
    tokens = TokenManager(
        store,
        app_id=APP_ID,
        secret_key=SECRET_KEY,
        oauth_base_url=fake.url,
        initial=initial,
        http=http,
        lock=lock,
        clock=clock,
    )
    zalo = ZaloChannel(
        app_id=APP_ID,
        oa_secret_key=OA_SECRET_KEY,
        client=oa.Client(http, tokens=tokens, api_base_url=api_base_url or fake.url, clock=clock),
        tokens=tokens,
    )
    zns_channel = ZnsChannel(
        client=zns.Client(http, tokens=tokens, business_base_url=fake.url, clock=clock)
    )
    return Rig(fake, store, tokens, zalo, zns_channel)


@pytest.fixture
def fake_zalo(local_server: Callable[[Any], Any]) -> FakeZalo:
    fake = FakeZalo(
        app_id=APP_ID,
        secret_key=SECRET_KEY,
        access_tokens={"access-0"},
        refresh_tokens={"refresh-0"},
    )
    fake.url = local_server(fake.app).url
    return fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def rig(fake_zalo: FakeZalo, http: httpx.AsyncClient) -> Rig:
    return build_rig(fake_zalo, http, stored=fresh_pair(), clock=lambda: NOON)
