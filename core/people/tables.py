"""Tables of the human side: volunteers, staff and their console sessions, invitations,
handoff tickets with their transcripts, the audit log, and the log of citizens' questions
(statistics and the questions the assistant did not understand)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.dossiers.tables import UtcDateTime

TICKET_STATES = ("open", "claimed", "closed", "expired")


class Volunteer(Base):
    """A youth volunteer (or a staff member answering from chat), reached on one channel."""

    __tablename__ = "volunteers"
    __table_args__ = (UniqueConstraint("channel", "user_id", name="uq_volunteers_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StaffAccount(Base):
    """A staff member of the console. `password_hash` is argon2id."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StaffSession(Base):
    """A console login. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Invite(Base):
    """A one-time code a staff member gives a volunteer, who sends `/dangky <code>` from
    their own chat to enrol that chat."""

    __tablename__ = "volunteer_invites"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_by: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("staff_accounts.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    volunteer_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("volunteers.id", ondelete="SET NULL"), nullable=True
    )


class Ticket(Base):
    """A citizen's request for a human: open → claimed (by one volunteer) → closed; expired
    when nobody claimed it in time (the citizen got the hotline; the question is kept)."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(
            "state IN ('open', 'claimed', 'closed', 'expired')", name="ck_tickets_state"
        ),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="ck_tickets_rating"),
        Index("ix_tickets_citizen", "citizen_channel", "citizen_user_id", "state"),
        Index("ix_tickets_state", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    citizen_channel: Mapped[str] = mapped_column(String(32))
    citizen_user_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    procedure_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    dossier_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    volunteer_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("volunteers.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class TicketMessage(Base):
    """One line of a ticket's transcript. `author`: citizen, volunteer, bot or system."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """What a volunteer or staff member did (`actor`: `volunteer:3`, `staff:1`)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class QuestionLog(Base):
    """A citizen's message and how the assistant understood it (`intent` and `confidence`
    are filled in after the turn; NULL until then)."""

    __tablename__ = "question_log"
    __table_args__ = (Index("ix_question_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    sender_hash: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    procedure_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
