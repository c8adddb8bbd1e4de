"""Audit integrity: keyed entries, and a trail that cannot be emptied or wound back.

``audit_entry.key_id`` names the audit key an entry's hash is an HMAC under (existing
entries keep their plain SHA-256 and stay verifiable). On PostgreSQL a statement trigger
refuses TRUNCATE of the trail (row triggers do not see it); on both backends the chain head
may only move forward, so a reset head ("ok 0 entries") is refused to everyone but the
tables' owner, who can drop triggers: that case is caught by ``oncotrial audit verify``
against the tables' state and the anchors (docs/security.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 13:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``audit_entry.key_id``; refuse TRUNCATE of the trail and a chain head moving back."""
    # A plain ADD COLUMN on both backends (a batch copy on SQLite would drop the trail's triggers).
    op.add_column("audit_entry", sa.Column("key_id", sa.String(length=32), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_entry_no_truncate() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the audit trail is append-only: TRUNCATE refused';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate()"
        )
        op.execute(
            """
            CREATE FUNCTION audit_head_forward_only() RETURNS trigger AS $$
            BEGIN
                IF NEW.seq < OLD.seq THEN
                    RAISE EXCEPTION 'the audit chain head only moves forward: % to % refused', OLD.seq, NEW.seq;
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
            "FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_head_no_delete BEFORE DELETE OR TRUNCATE ON audit_head "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head WHEN NEW.seq < OLD.seq "
            "BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
            "BEGIN SELECT RAISE(ABORT, 'the audit chain head cannot be deleted'); END"
        )


def downgrade() -> None:
    """Drop the triggers and ``audit_entry.key_id``."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_head_forward_only()")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_no_truncate()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward_only")
    with op.batch_alter_table("audit_entry") as batch_op:
        batch_op.drop_column("key_id")
