"""An index for the item a reviewer holds, and skips that keep an item from one reviewer for a while

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Serves "which item does this reviewer hold?", asked on every page view: without it the
    # lookup scanned every waiting item (0.73 s at a backlog of 115k).
    op.create_index("ix_item_lease_holder", "item", ["lease_holder", "state"])
    op.create_table(
        "item_skip",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), nullable=False),
        sa.Column("reviewer", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("skipped_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_item_skip_reviewer_until", "item_skip", ["reviewer", "until", "item_id"])
    op.create_index("ix_item_skip_item_id", "item_skip", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_item_skip_item_id", table_name="item_skip")
    op.drop_index("ix_item_skip_reviewer_until", table_name="item_skip")
    op.drop_table("item_skip")
    op.drop_index("ix_item_lease_holder", table_name="item")
