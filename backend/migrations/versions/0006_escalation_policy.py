"""Escalation timing edited by hotline supervisors (table escalation_policy, at most one row).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 04:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "escalation_policy",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("escalation_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_escalation_policy_single_row")),
        sa.CheckConstraint("escalation_seconds BETWEEN 30 AND 3600",
                           name=op.f("ck_escalation_policy_seconds_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_policy")),
    )


def downgrade():
    op.drop_table("escalation_policy")
