"""Platform token pairs kept in the database (Zalo rotates both tokens on every refresh and
each refresh token works once, so the new pair must be durable before it is used)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.channels.zalo.tokens import TokenPair
from core.db import dialect_insert
from core.messaging.tables import OAuthToken


class SqlTokenStore:
    """`TokenStore` on the `oauth_tokens` table, one row per provider."""

    def __init__(self, engine: Engine, *, provider: str) -> None:
        self.engine = engine
        self.provider = provider
        self._insert = dialect_insert(engine)

    def _load(self) -> TokenPair | None:
        with Session(self.engine) as session:
            row = session.get(OAuthToken, self.provider)
            if row is None or row.expires_at is None:
                return None
            return TokenPair(
                access_token=row.access_token,
                refresh_token=row.refresh_token,
                expires_at=row.expires_at,
            )

    def _save(self, pair: TokenPair) -> None:
        """Upserts the pair; it is committed before this returns (before the pair is used)."""
        values = {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "expires_at": pair.expires_at,
            "updated_at": datetime.now(UTC),
        }
        stmt = (
            self._insert(OAuthToken)
            .values(provider=self.provider, **values)
            .on_conflict_do_update(index_elements=["provider"], set_=values)
        )
        with Session(self.engine) as session, session.begin():
            session.execute(stmt)

    async def load(self) -> TokenPair | None:
        return await asyncio.to_thread(self._load)

    async def save(self, pair: TokenPair) -> None:
        await asyncio.to_thread(self._save, pair)
