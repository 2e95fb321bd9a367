"""Verification attempts of dossier owners (the limits on guessing, CONTRACT §7).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("sender", sa.String(160), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_verification_attempts_dossier_code", "verification_attempts", ["dossier_code"]
    )
    op.create_index("ix_verification_attempts_sender", "verification_attempts", ["sender"])
    op.create_index("ix_verification_attempts_at", "verification_attempts", ["at"])


def downgrade() -> None:
    op.drop_table("verification_attempts")
