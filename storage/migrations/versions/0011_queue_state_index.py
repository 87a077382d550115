"""A covering index for the dashboard's and `workbench stats`' queue-state queries

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

The waiting-items counts (storage/repositories/metrics.py, stats.py) filter on `state IN (...)`
and group by source, task, impact, route and state, reading received_at (and lease_expires_at for
held items). The only index leading with state (the claim order) holds none of those, so both
engines scanned the table. With state first, only waiting items are read, from the index alone;
most items are decided, so this beats an index led by the grouping columns. On PostgreSQL
CREATE INDEX blocks writes to `item` while it builds: plan a large deployment's upgrade for a
quiet minute.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ["state", "source", "task", "impact", "route", "received_at", "lease_expires_at"]


def upgrade() -> None:
    op.create_index("ix_item_queue_state", "item", _COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_item_queue_state", table_name="item")
