"""Source-data verification: one mark per record, by a monitor, with when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the ``source_verification`` table."""
    op.create_table(
        "source_verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("record_table", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("verified_by", sa.Integer(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_source_verification_subject_id_subject")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["app_user.id"], name=op.f("fk_source_verification_verified_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_verification")),
        sa.UniqueConstraint("record_table", "record_id", name="uq_source_verification_record"),
    )
    op.create_index(
        op.f("ix_source_verification_subject_id"), "source_verification", ["subject_id"], unique=False
    )


def downgrade() -> None:
    """Drop the ``source_verification`` table."""
    op.drop_index(op.f("ix_source_verification_subject_id"), table_name="source_verification")
    op.drop_table("source_verification")
