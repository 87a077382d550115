"""What leads need to defend their numbers and act on them: blind-sample opt-in, error targets,
reasons for policy changes, gold items, adjudication, and alerts sent

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# Plain ADD COLUMN, as in 0005: no batch copy of tables that others point at.
_COLUMNS: dict[str, list[sa.Column[Any]]] = {
    "policy": [
        sa.Column("show_confidence", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("error_target", sa.Float(), nullable=True),
        sa.Column("change_reason", sa.String(length=500), nullable=True),
    ],
    "item": [
        sa.Column("gold", _JSON, nullable=True),
    ],
}


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        for column in columns:
            op.add_column(table, column)
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("condition", sa.String(length=300), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("raised_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("delivery_error", sa.String(length=500), nullable=True),
    )
    op.create_index("ix_alert_condition_raised_at", "alert", ["condition", "raised_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_condition_raised_at", table_name="alert")
    op.drop_table("alert")
    for table, columns in _COLUMNS.items():
        for column in columns:
            op.drop_column(table, column.name)
