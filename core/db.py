"""Database engine and sessions (SQLAlchemy 2). SQLite by default, PostgreSQL in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, sessionmaker


class Base(DeclarativeBase):
    """Declarative base of every table; Alembic's target metadata."""


def make_engine(url: str) -> Engine:
    """Creates an engine; for a SQLite file, its folder is created and WAL mode is enabled."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed
            # transaction survives the crash of any process (kill -9); only a power loss or an
            # OS crash may take back the last few commits.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def make_sessionmaker(engine: Engine) -> sessionmaker:  # type: ignore[type-arg]
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    """Raises if the database does not answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def rowcount(result: object) -> int:
    """Rows an UPDATE/DELETE/INSERT matched (a `CursorResult`'s count, typed)."""
    return int(getattr(result, "rowcount", 0) or 0)


def dialect_insert(engine: Engine) -> Any:
    """The INSERT construct with ON CONFLICT support of the engine's dialect (PostgreSQL or
    SQLite): both spell `on_conflict_do_nothing` / `on_conflict_do_update` the same way."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
