"""Where each pull source got to: a small key-value store of sync cursors, kept in the database
(`sync_cursors`) so that a restart continues from there, with an in-memory twin for tests."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from core.dossiers.tables import SyncCursorRecord, sync_cursors

__all__ = ["InMemorySyncCursorStore", "SqlSyncCursorStore", "SyncCursorStore"]


class SyncCursorStore(Protocol):
    def get(self, name: str) -> str | None:
        """The cursor saved under `name`, or None before the first save."""
        ...

    def set(self, name: str, value: str, *, now: datetime) -> None:
        """Saves (durably, for the SQL store) the cursor of `name`."""
        ...


class InMemorySyncCursorStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        with self._lock:
            return self._values.get(name)

    def set(self, name: str, value: str, *, now: datetime) -> None:
        with self._lock:
            self._values[name] = value


class SqlSyncCursorStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(sync_cursors)
        self._upsert = stmt.on_conflict_do_update(
            index_elements=[sync_cursors.c.name],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        )

    def get(self, name: str) -> str | None:
        with self._engine.connect() as conn:
            return conn.execute(
                select(SyncCursorRecord.value).where(SyncCursorRecord.name == name)
            ).scalar_one_or_none()

    def set(self, name: str, value: str, *, now: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(self._upsert, {"name": name, "value": value, "updated_at": now})
