"""Planned notices and pickup reminders; status changes remember when they were planned.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.dossiers.tables import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("dossier_code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("planned_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'handed_over', 'skipped')", name="ck_notices_state"
        ),
    )
    op.create_index("ix_notices_due", "notices", ["state", "due_at"])
    op.create_index("ix_notices_dossier_code", "notices", ["dossier_code"])
    with op.batch_alter_table("dossier_status_history") as batch:
        batch.add_column(sa.Column("planned_at", UtcDateTime(), nullable=True))
        batch.create_index("ix_dossier_status_history_planned_at", ["planned_at"])


def downgrade() -> None:
    with op.batch_alter_table("dossier_status_history") as batch:
        batch.drop_index("ix_dossier_status_history_planned_at")
        batch.drop_column("planned_at")
    op.drop_table("notices")
