"""Tables of the messaging layer. The database is the source of truth for every accepted
inbound event and every outbound message not yet confirmed, so a crash loses none of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.dossiers.tables import UtcDateTime

INBOX_STATES = ("new", "done", "failed")
OUTBOX_STATES = ("queued", "sending", "sent", "delivered", "failed")


class InboxEvent(Base):
    """A webhook event accepted (answered 200). `event_key` is the platform's own id of the
    delivery (Telegram update_id, Zalo msg_id, SMS id): a repeat is refused by the unique key."""

    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("channel", "event_key", name="uq_inbox_events_channel_event_key"),
        CheckConstraint("state IN ('new', 'done', 'failed')", name="ck_inbox_events_state"),
        Index("ix_inbox_events_pending", "state", "claimed_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="new")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)


class OutboxMessage(Base):
    """One provider call to make. `key` is the idempotency key of whoever enqueued it (a reply
    to an inbox event, a notice of a dossier): enqueuing the same key twice adds nothing.
    `public_id` is the id providers see (SMS `id`, ZNS `tracking_id`) and report back."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'delivered', 'failed')",
            name="ck_outbox_messages_state",
        ),
        Index("ix_outbox_messages_due", "state", "next_attempt_at"),
        Index("ix_outbox_messages_provider_id", "channel", "provider_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(JSON)
    template: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    fallback: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    origin: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    segments: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cost_vnd: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)


class ChannelIdentity(Base):
    """A citizen's identity on a platform: the phone the platform vouched for, the last time
    they wrote (Zalo's free reply window), and whether they asked for no more notices."""

    __tablename__ = "channel_identities"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    phone_linked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Subscription(Base):
    """`DK <code>` or "báo cho tôi khi có kết quả": notices of that dossier go to this identity."""

    __tablename__ = "subscriptions"

    dossier_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OAuthToken(Base):
    """The current token pair of a platform (Zalo rotates both on every refresh)."""

    __tablename__ = "oauth_tokens"

    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
