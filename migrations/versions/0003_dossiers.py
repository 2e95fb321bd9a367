"""The dossier mirror: dossiers, status history, sync cursors.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATUSES = (
    "received",
    "processing",
    "supplement_requested",
    "payment_requested",
    "result_ready",
    "returned",
    "rejected",
    "withdrawn",
)
SOURCES = ("csv", "push", "pull")


def _in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _time(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("procedure_code", sa.String(32), nullable=True),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("applicant_name", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(16), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        _time("received_at", nullable=False),
        _time("due_at"),
        _time("result_ready_at"),
        _time("returned_at"),
        sa.Column("office", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _time("updated_at", nullable=False),
        sa.CheckConstraint(_in_list("status", STATUSES), name="ck_dossiers_status"),
    )
    op.create_index("ix_dossiers_phone", "dossiers", ["phone"])
    op.create_index("ix_dossiers_status_due_at", "dossiers", ["status", "due_at"])
    op.create_table(
        "dossier_status_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "dossier_code",
            sa.String(32),
            sa.ForeignKey("dossiers.code", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("old_status", sa.String(32), nullable=True),
        sa.Column("new_status", sa.String(32), nullable=False),
        _time("changed_at", nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.CheckConstraint(_in_list("source", SOURCES), name="ck_dossier_status_history_source"),
    )
    op.create_index(
        "ix_dossier_status_history_dossier_code", "dossier_status_history", ["dossier_code"]
    )
    op.create_table(
        "sync_cursors",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        _time("updated_at", nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_cursors")
    op.drop_index("ix_dossier_status_history_dossier_code", "dossier_status_history")
    op.drop_table("dossier_status_history")
    op.drop_index("ix_dossiers_status_due_at", "dossiers")
    op.drop_index("ix_dossiers_phone", "dossiers")
    op.drop_table("dossiers")
