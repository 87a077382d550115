"""Decisions in commit order and an audit chain linked after commit, without a global lock

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

`decision.txid` is the writing transaction's id (PostgreSQL: the column's default,
`pg_current_xact_id()`), so the feed pages by (txid, id) below the horizon of finished
transactions (storage/repositories/commit_order.py) instead of serialising every decision behind
one advisory lock. Existing decisions take txid 0, below every transaction id, so they keep their
id order ahead of every new decision. SQLite keeps 0 for every row: its writers are serialised.

Audit entries are written unchained (seq, prev_hash, entry_hash null) and linked by one chainer at
a time (review/audit_chain.py); the entries stored so far are chained already. On PostgreSQL the
append-only trigger now lets exactly that through: filling in the three chain columns of an entry
that has none, changing nothing else. Chained entries stay immutable, DELETE and TRUNCATE stay
refused.

On PostgreSQL, adding a column with a constant default is instant; the new index on decision is
built under a lock that blocks writes to `decision` while it builds: plan a quiet minute.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHAIN_COLUMNS = ("seq", "prev_hash", "entry_hash")

_REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    {allow}
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""

# Linking an unchained entry: only its three chain columns change, from null to a value.
# (Nested: OLD and NEW exist for row-level UPDATE only, not for the TRUNCATE statement trigger.)
_ALLOW_LINKING = """
    IF TG_OP = 'UPDATE' THEN
        IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.entry_hash IS NULL
           AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.entry_hash IS NOT NULL
           AND (NEW.id, NEW.at, NEW.actor, NEW.action, NEW.subject, NEW.details::text, NEW.scheme)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.at, OLD.actor, OLD.action, OLD.subject, OLD.details::text, OLD.scheme)
        THEN
            RETURN NEW;
        END IF;
    END IF;
"""


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column("decision", sa.Column("txid", sa.BigInteger(), nullable=False, server_default="0"))
    if postgresql:
        # Rows already stored keep 0; every new one takes its transaction's id.
        op.execute("ALTER TABLE decision ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text::bigint)")
    op.create_index("ix_decision_commit_order", "decision", ["txid", "id"])
    with op.batch_alter_table("audit_entry") as batch_op:
        for column in _CHAIN_COLUMNS:
            batch_op.alter_column(column, nullable=True)
    op.create_index("ix_audit_entry_unchained", "audit_entry", ["id"],
                    postgresql_where=sa.text("seq IS NULL"), sqlite_where=sa.text("seq IS NULL"))
    if postgresql:
        op.execute(_REFUSE_CHANGE.format(allow=_ALLOW_LINKING))


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    unchained = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_entry WHERE seq IS NULL")).scalar()
    if unchained:
        raise RuntimeError(f"{unchained} audit entries are not chained yet: run `workbench audit "
                           "verify` (which chains them) before downgrading")
    if postgresql:
        op.execute(_REFUSE_CHANGE.format(allow=""))
    op.drop_index("ix_audit_entry_unchained", table_name="audit_entry")
    with op.batch_alter_table("audit_entry") as batch_op:
        for column in _CHAIN_COLUMNS:
            batch_op.alter_column(column, nullable=False)
    op.drop_index("ix_decision_commit_order", table_name="decision")
    # Not a batch (copy) on SQLite: dropping the old table would trip the foreign keys pointing
    # at it; SQLite 3.35+ drops an unindexed column in place.
    op.execute("ALTER TABLE decision DROP COLUMN txid")
