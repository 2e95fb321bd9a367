"""Messaging: the inbox of accepted webhook events, the outbox, channel identities,
subscriptions and platform tokens.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.dossiers.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("event_key", sa.String(128), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_until", UtcDateTime(), nullable=True),
        sa.Column("error", sa.String(300), nullable=True),
        sa.UniqueConstraint("channel", "event_key", name="uq_inbox_events_channel_event_key"),
        sa.CheckConstraint("state IN ('new', 'done', 'failed')", name="ck_inbox_events_state"),
    )
    op.create_index("ix_inbox_events_pending", "inbox_events", ["state", "claimed_until"])
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("public_id", sa.String(40), nullable=False, unique=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("template", sa.JSON(), nullable=True),
        sa.Column("fallback", sa.JSON(), nullable=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_until", UtcDateTime(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("provider_message_id", sa.String(128), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=True),
        sa.Column("cost_vnd", sa.Float(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'delivered', 'failed')",
            name="ck_outbox_messages_state",
        ),
    )
    op.create_index("ix_outbox_messages_due", "outbox_messages", ["state", "next_attempt_at"])
    op.create_index(
        "ix_outbox_messages_provider_id", "outbox_messages", ["channel", "provider_message_id"]
    )
    op.create_table(
        "channel_identities",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("phone_linked_at", UtcDateTime(), nullable=True),
        sa.Column("last_inbound_at", UtcDateTime(), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_channel_identities_phone", "channel_identities", ["phone"])
    op.create_table(
        "subscriptions",
        sa.Column("dossier_code", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "oauth_tokens",
        sa.Column("provider", sa.String(32), primary_key=True),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "oauth_tokens",
        "subscriptions",
        "channel_identities",
        "outbox_messages",
        "inbox_events",
    ):
        op.drop_table(table)
