"""Tables of the dossier mirror: dossiers, their status history, and sync cursors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.dossiers.model import ChangeSource, DossierStatus

STATUS_CODES = tuple(s.value for s in DossierStatus)
SOURCE_CODES = tuple(s.value for s in ChangeSource)


def _in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored as UTC and read back as UTC.

    PostgreSQL keeps `timestamptz` instants; SQLite has no time zone type, so the value is
    stored as naive UTC text and the zone is put back on reading. Naive values are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the database keeps aware times only")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DossierRecord(Base):
    """One dossier as mirrored from the one-stop software (CONTRACT §6 fields)."""

    __tablename__ = "dossiers"
    __table_args__ = (
        CheckConstraint(_in_list("status", STATUS_CODES), name="ck_dossiers_status"),
        Index("ix_dossiers_status_due_at", "status", "due_at"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    procedure_code: Mapped[str | None] = mapped_column(String(32))
    procedure_name: Mapped[str] = mapped_column(Text)
    applicant_name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    result_ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    office: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StatusHistoryRecord(Base):
    """A status change of a dossier (`old_status` NULL: the dossier first appeared)."""

    __tablename__ = "dossier_status_history"
    __table_args__ = (
        CheckConstraint(_in_list("source", SOURCE_CODES), name="ck_dossier_status_history_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_code: Mapped[str] = mapped_column(
        String(32), ForeignKey("dossiers.code", ondelete="CASCADE"), index=True
    )
    old_status: Mapped[str | None] = mapped_column(String(32))
    new_status: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(8))
    # When the notices this change calls for were planned (NULL: not yet)
    planned_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)


class SyncCursorRecord(Base):
    """Where a pull source got to (e.g. the one-stop API's `updated_since`), by source name."""

    __tablename__ = "sync_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


def _table(record: type[Base]) -> Table:
    table = record.__table__
    assert isinstance(table, Table)
    return table


dossiers = _table(DossierRecord)
status_history = _table(StatusHistoryRecord)
sync_cursors = _table(SyncCursorRecord)
