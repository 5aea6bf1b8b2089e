"""activity metrics, athlete profiles, race / temperature / effort on activities

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 14:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("avg_temp_c", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("is_race", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("perceived_effort", sa.Float(), nullable=True))

    op.create_table(
        "activity_metrics",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("local_date", sa.String(length=10), nullable=False),
        sa.Column("sport", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("hr_seconds", sa.JSON(), nullable=False),
        sa.Column("track", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("activity_id"),
    )
    with op.batch_alter_table("activity_metrics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_metrics_user_id"), ["user_id"])
        batch_op.create_index(batch_op.f("ix_activity_metrics_start_time"), ["start_time"])

    op.create_table(
        "athlete_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=16), nullable=False),
        sa.Column("resting_hr", sa.Float(), nullable=True),
        sa.Column("max_hr", sa.Float(), nullable=True),
        sa.Column("threshold_hr", sa.Float(), nullable=True),
        sa.Column("threshold_pace_s_per_km", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("athlete_profiles")
    with op.batch_alter_table("activity_metrics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_metrics_start_time"))
        batch_op.drop_index(batch_op.f("ix_activity_metrics_user_id"))
    op.drop_table("activity_metrics")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("perceived_effort")
        batch_op.drop_column("is_race")
        batch_op.drop_column("avg_temp_c")
