"""Planned notices. One row per idempotency key `{code}:{kind}:{sequence}`: planning an event
twice, or two workers planning it at once, stores one row; the row moves from `pending` to
`handed_over` (its message is in the outbox, in the same transaction) or `skipped`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.dossiers.tables import UtcDateTime

NOTICE_STATES = ("pending", "handed_over", "skipped")


class NoticeRecord(Base):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'handed_over', 'skipped')", name="ck_notices_state"),
        Index("ix_notices_due", "state", "due_at"),
    )

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    sequence: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default="pending")
    planned_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)
