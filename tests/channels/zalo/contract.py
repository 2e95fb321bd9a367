"""The contract every `TokenStore` keeps; the SQL store's tests run the same check.

async def test_sql_token_store(engine) -> None:
    await check_token_store_contract(SqlTokenStore(engine))
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.channels.zalo.tokens import TokenPair, TokenStore


async def check_token_store_contract(store: TokenStore) -> None:
    """`store` must start empty. Saving replaces the pair; loading returns what was saved,
    tokens byte for byte and the expiry as the same aware instant."""
    assert await store.load() is None, "a new store holds no pair"

    first = TokenPair("access-a", "refresh-a", datetime(2030, 1, 1, 8, 0, tzinfo=UTC))
    await store.save(first)
    loaded = await store.load()
    assert loaded is not None
    assert (loaded.access_token, loaded.refresh_token) == ("access-a", "refresh-a")
    assert loaded.expires_at.tzinfo is not None, "expires_at comes back aware"
    assert loaded.expires_at == first.expires_at

    # a rotation replaces both tokens; an expiry given in Vietnam time is the same instant
    second = TokenPair(
        "access-b", "refresh-b", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=7)))
    )
    await store.save(second)
    loaded = await store.load()
    assert loaded is not None
    assert (loaded.access_token, loaded.refresh_token) == ("access-b", "refresh-b")
    assert loaded.expires_at == second.expires_at

    # real Zalo tokens are a few hundred characters of URL-safe text
    long = TokenPair(
        "A-_" * 200, "R_-" * 200, datetime(2030, 3, 1, tzinfo=UTC) + timedelta(seconds=90000)
    )
    await store.save(long)
    loaded = await store.load()
    assert loaded is not None
    assert (loaded.access_token, loaded.refresh_token) == (long.access_token, long.refresh_token)
    assert loaded.expires_at == long.expires_at
