"""Tables of the procedure catalog."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class ProcedureRow(Base):
    """One catalog entry, keyed by the official procedure code (mã thủ tục, e.g. 1.001193)."""

    __tablename__ = "procedures"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(255))
    popularity: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_url: Mapped[str | None] = mapped_column(Text)
    verified_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
