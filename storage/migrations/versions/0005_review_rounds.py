"""Review SLAs per impact, four-eyes on high impact, and second reviews of audit samples

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("policy") as policy:
        policy.add_column(sa.Column("sla_minutes_high", sa.Integer(), nullable=False, server_default="60"))
        policy.add_column(sa.Column("sla_minutes_medium", sa.Integer(), nullable=False, server_default="240"))
        policy.add_column(sa.Column("sla_minutes_low", sa.Integer(), nullable=False, server_default="1440"))
        policy.add_column(sa.Column("second_review_rate", sa.Float(), nullable=False, server_default="0"))
        policy.add_column(sa.Column("four_eyes_high_impact", sa.Boolean(), nullable=False,
                                    server_default=sa.false()))
    with op.batch_alter_table("item") as item:
        item.add_column(sa.Column("reviews_required", sa.Integer(), nullable=False, server_default="1"))
        item.add_column(sa.Column("first_reviewer", sa.String(length=320), nullable=True))
    with op.batch_alter_table("decision") as decision:
        decision.add_column(sa.Column("review_round", sa.Integer(), nullable=False, server_default="1"))
    # Serves the dashboard: decisions by time with their outcome, without touching the rows.
    op.create_index("ix_decision_decided_at_outcome", "decision", ["decided_at", "outcome", "item_id"])
    op.create_index("ix_item_route_state", "item", ["route", "state"])


def downgrade() -> None:
    op.drop_index("ix_item_route_state", table_name="item")
    op.drop_index("ix_decision_decided_at_outcome", table_name="decision")
    with op.batch_alter_table("decision") as decision:
        decision.drop_column("review_round")
    with op.batch_alter_table("item") as item:
        item.drop_column("first_reviewer")
        item.drop_column("reviews_required")
    with op.batch_alter_table("policy") as policy:
        for name in ("four_eyes_high_impact", "second_review_rate", "sla_minutes_low",
                     "sla_minutes_medium", "sla_minutes_high"):
            policy.drop_column(name)
