"""weekly check-ins (wellness entries)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 15:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wellness_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "week"),
    )
    with op.batch_alter_table("wellness_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wellness_entries_user_id"), ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("wellness_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wellness_entries_user_id"))
    op.drop_table("wellness_entries")
