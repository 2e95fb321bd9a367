"""The SQL token store keeps the contract of every TokenStore, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.tokens import SqlTokenStore
from tests.channels.zalo.contract import check_token_store_contract


async def test_sql_token_store_keeps_the_contract(engine: Engine) -> None:
    await check_token_store_contract(SqlTokenStore(engine, provider="zalo"))


async def test_providers_are_kept_apart(engine: Engine) -> None:
    zalo, other = SqlTokenStore(engine, provider="zalo"), SqlTokenStore(engine, provider="x")
    await check_token_store_contract(zalo)
    assert await other.load() is None
