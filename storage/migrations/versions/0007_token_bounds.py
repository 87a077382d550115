"""API tokens bounded to sources, and showing reviewers by e-mail only when created to

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD COLUMN (no batch copy), as in 0005: existing tokens keep working in place. Their
# `sources` is null, every source as before; their reviewers turn into pseudonyms, on purpose:
# an e-mail address is shown only to a token created to see it.
_COLUMNS: list[sa.Column[Any]] = [
    sa.Column("sources", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
              nullable=True),
    sa.Column("reviewer_identities", sa.Boolean(), nullable=False, server_default=sa.false()),
]


def upgrade() -> None:
    for column in _COLUMNS:
        op.add_column("api_token", column)


def downgrade() -> None:
    for column in _COLUMNS:
        op.drop_column("api_token", column.name)
