"""Audit chain keyed with a secret outside the database; TRUNCATE refused on PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Entries written so far keep scheme 0 (plain SHA-256) and still verify; new ones are keyed.
    op.add_column("audit_entry", sa.Column("scheme", sa.Integer(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        # The row trigger of 0003 refuses UPDATE and DELETE; TRUNCATE fires no row trigger, so a
        # statement trigger refuses it too (the function raises whatever fired it).
        op.execute(
            "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_no_truncate ON audit_entry")
    op.drop_column("audit_entry", "scheme")
