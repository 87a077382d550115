"""Review SLAs per impact, four-eyes on high impact, and second reviews of audit samples

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD COLUMN (no batch copy of the tables): SQLite adds a NOT NULL column with a constant
# default in place, and copying `policy` would break the foreign keys that point at it.
_COLUMNS: dict[str, list[sa.Column[Any]]] = {
    "policy": [
        sa.Column("sla_minutes_high", sa.Integer(), nullable=False, server_default="60"),
        sa.Column("sla_minutes_medium", sa.Integer(), nullable=False, server_default="240"),
        sa.Column("sla_minutes_low", sa.Integer(), nullable=False, server_default="1440"),
        sa.Column("second_review_rate", sa.Float(), nullable=False, server_default="0"),
        sa.Column("four_eyes_high_impact", sa.Boolean(), nullable=False, server_default=sa.false()),
    ],
    "item": [
        sa.Column("reviews_required", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("first_reviewer", sa.String(length=320), nullable=True),
    ],
    "decision": [sa.Column("review_round", sa.Integer(), nullable=False, server_default="1")],
}


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        for column in columns:
            op.add_column(table, column)
    # Serves the dashboard: decisions by time with their outcome, without touching the rows.
    op.create_index("ix_decision_decided_at_outcome", "decision", ["decided_at", "outcome", "item_id"])
    op.create_index("ix_item_route_state", "item", ["route", "state"])


def downgrade() -> None:
    op.drop_index("ix_item_route_state", table_name="item")
    op.drop_index("ix_decision_decided_at_outcome", table_name="decision")
    for table, columns in _COLUMNS.items():
        for column in columns:
            op.drop_column(table, column.name)
