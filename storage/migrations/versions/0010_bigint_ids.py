"""64-bit ids: every primary key, every column that points at one, and their sequences

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

At 10M decisions a day a 32-bit id runs out in seven months. On PostgreSQL the columns were
INTEGER (SERIAL, with an integer sequence), so they become BIGINT in place: each table is rewritten
once under an exclusive lock, its indexes rebuilt and its foreign keys checked again, so plan the
upgrade of a large deployment for a quiet hour. A sequence's maximum follows its new type.

On SQLite there is nothing to do: INTEGER is already a 64-bit type there, and an INTEGER PRIMARY
KEY is the rowid itself (64-bit); declaring it BIGINT would even stop it being the rowid alias.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table's id columns: its own id first, then those pointing at other tables' ids. Tables that
# others point at come before the tables pointing at them. audit_entry.seq counts entries as its
# id does, so it widens with it.
_ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "policy": ("id",),
    "webhook": ("id",),
    "item": ("id", "policy_id"),
    "decision": ("id", "item_id"),
    "webhook_delivery": ("id", "webhook_id", "decision_id", "item_id"),
    "item_skip": ("id", "item_id"),
    "alert": ("id",),
    "role_grant": ("id",),
    "api_token": ("id",),
    "audit_entry": ("id", "seq"),
}


def upgrade() -> None:
    _retype("BIGINT", "bigint")


def downgrade() -> None:
    # Fails, and changes nothing, once any id or sequence has passed 2**31 - 1.
    _retype("INTEGER", "integer")


def _retype(column_type: str, sequence_type: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in _ID_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} TYPE {column_type}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")
        # The sequence behind SERIAL keeps its own type (and so a 32-bit maximum) until told.
        sequence = op.get_bind().execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
        ).scalar()
        if sequence is not None:
            op.execute(f"ALTER SEQUENCE {sequence} AS {sequence_type}")
