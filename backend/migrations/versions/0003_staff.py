"""Staff accounts, sessions, API tokens, the append-only audit log, casework and statistics.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"  # casework rows reference sos_alert
branch_labels = None
depends_on = None

_APPEND_ONLY_FN = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only';
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table(
        "staff_user",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("totp_secret_sealed", sa.String(length=255), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_user_username")),
    )
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_user_role"), ["role"], unique=False)

    op.create_table(
        "staff_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("staff_user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mfa_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.ForeignKeyConstraint(["staff_user_id"], ["staff_user.id"], name=op.f("fk_staff_session_staff_user_id_staff_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_session")),
    )
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_session_staff_user_id"), ["staff_user_id"], unique=False)

    op.create_table(
        "staff_api_token",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("staff_user_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["staff_user_id"], ["staff_user.id"], name=op.f("fk_staff_api_token_staff_user_id_staff_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_api_token")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_staff_api_token_token_digest")),
    )
    with op.batch_alter_table("staff_api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_api_token_staff_user_id"), ["staff_user_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("actor_username", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_target_id"), ["target_id"], unique=False)

    op.create_table(
        "alert_case",
        sa.Column("alert_id", sa.String(length=32), nullable=False),
        sa.Column("classification_enc", sa.Text(), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["sos_alert.id"], name=op.f("fk_alert_case_alert_id_sos_alert"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alert_case")),
    )
    op.create_table(
        "alert_note",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("alert_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("author_username", sa.String(length=64), nullable=False),
        sa.Column("body_enc", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["sos_alert.id"], name=op.f("fk_alert_note_alert_id_sos_alert"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_note")),
    )
    with op.batch_alter_table("alert_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_note_alert_id"), ["alert_id"], unique=False)
    op.create_table(
        "alert_referral",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("alert_id", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("detail_enc", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["sos_alert.id"], name=op.f("fk_alert_referral_alert_id_sos_alert"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_referral")),
    )
    with op.batch_alter_table("alert_referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_referral_alert_id"), ["alert_id"], unique=False)
    op.create_table(
        "case_statistic",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=False),
        sa.Column("violence_type", sa.String(length=24), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "district", "violence_type", "outcome", name=op.f("pk_case_statistic")),
    )
    op.create_table(
        "referral_statistic",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "district", "service", name=op.f("pk_referral_statistic")),
    )

    if op.get_bind().dialect.name == "postgresql":
        # The database itself refuses to change or delete an audit row (TRUNCATE, used by test
        # resets and by an operator deliberately wiping a database, is a separate privilege).
        op.execute(_APPEND_ONLY_FN)
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    op.drop_table("referral_statistic")
    op.drop_table("case_statistic")
    op.drop_table("alert_referral")
    op.drop_table("alert_note")
    op.drop_table("alert_case")
    op.drop_table("audit_event")
    op.drop_table("staff_api_token")
    op.drop_table("staff_session")
    op.drop_table("staff_user")
