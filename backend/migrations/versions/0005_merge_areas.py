"""Join the SOS and staff/console branch (0002 → 0003) and the editorial branch (0004).

The areas were developed side by side from 0001; from here on every migration has a single parent,
so `hushbakht db upgrade` (head) applies everything.

Revision ID: 0005
Revises: 0003, 0004
"""

revision = "0005"
down_revision = ("0003", "0004")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
