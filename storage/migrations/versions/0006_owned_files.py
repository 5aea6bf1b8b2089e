"""owned files: who each upload and published artifact belongs to, across restarts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 15:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "owned_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("path", "user_id"),
    )
    with op.batch_alter_table("owned_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_owned_files_path"), ["path"])
        batch_op.create_index(batch_op.f("ix_owned_files_user_id"), ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("owned_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owned_files_user_id"))
        batch_op.drop_index(batch_op.f("ix_owned_files_path"))
    op.drop_table("owned_files")
