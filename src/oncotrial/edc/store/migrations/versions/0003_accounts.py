"""Accounts and sessions: server-side web sessions, login throttling, TOTP, account state.

- ``app_user`` gains ``locked_at``, ``unlocked_at``, ``last_login_at`` and
  ``must_change_password`` (false for every existing user);
- ``web_session``: browser sessions (the SHA-256 of a random id, the user, stage,
  created / last seen / expiry, revoked);
- ``login_failure``: failed sign-ins (name tried, client address, channel, reason);
- ``totp_credential``: second factors (secret, confirmed, last used time step).

Existing browser cookies (which held a user id) are no longer read: everyone signs in
again once after the upgrade. API tokens stay valid.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the account columns and the three tables."""
    # Plain ADD / DROP COLUMN on both backends (SQLite >= 3.35): a batch copy of app_user on
    # SQLite would drop and recreate a table that other tables' foreign keys point at.
    op.add_column("app_user", sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("app_user", sa.Column("unlocked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("app_user", sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "app_user", sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False)
    )

    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_web_session_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_web_session_token_sha256")),
    )
    op.create_index(op.f("ix_web_session_user_id"), "web_session", ["user_id"], unique=False)

    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("locked_account", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    op.create_index(op.f("ix_login_failure_at"), "login_failure", ["at"], unique=False)
    op.create_index(op.f("ix_login_failure_username"), "login_failure", ["username"], unique=False)
    op.create_index(op.f("ix_login_failure_address"), "login_failure", ["address"], unique=False)

    op.create_table(
        "totp_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_totp_credential_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_totp_credential")),
        sa.UniqueConstraint("user_id", name=op.f("uq_totp_credential_user_id")),
    )


def downgrade() -> None:
    """Drop the three tables and the account columns."""
    op.drop_table("totp_credential")
    op.drop_index(op.f("ix_login_failure_address"), table_name="login_failure")
    op.drop_index(op.f("ix_login_failure_username"), table_name="login_failure")
    op.drop_index(op.f("ix_login_failure_at"), table_name="login_failure")
    op.drop_table("login_failure")
    op.drop_index(op.f("ix_web_session_user_id"), table_name="web_session")
    op.drop_table("web_session")
    for column in ("must_change_password", "last_login_at", "unlocked_at", "locked_at"):
        op.drop_column("app_user", column)
