"""sos_delivery.sid_from_lookup: the sid was matched by reconciliation, so a status callback
naming the row with another sid corrects it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 19:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sos_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sid_from_lookup", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("sos_delivery", schema=None) as batch_op:
        batch_op.drop_column("sid_from_lookup")
