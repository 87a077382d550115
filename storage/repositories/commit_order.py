"""Reading decisions in commit order without a lock: the horizon, the cursor and the ordering.

Every decision stores `txid`, the id of the transaction that wrote it (PostgreSQL:
`pg_current_xact_id()`, the column's default). Ids are handed out when transactions start writing,
not when they commit, so a reader must not pass a row while a transaction with a smaller txid may
still commit: it reads only rows below the horizon, the smallest txid still running
(`pg_snapshot_xmin` of the statement's own snapshot). Every row below it is committed and visible
to that same statement, and any row committed later has a txid at or above it; paging by
(txid, id) therefore returns every decision exactly once, in an order that never changes behind
the reader (the transactional-outbox reading).

Caveat: a transaction left open anywhere in the PostgreSQL cluster that has written something
holds the horizon back: it delays the feed (rows after it wait), it never breaks it.

SQLite serialises writers, so ids already grow in commit order: there txid is 0 for every row and
the horizon is above every txid. Rows written before migration 0012 have txid 0 too, below every
transaction id (PostgreSQL's start at 3), so they come first, in id order, as before.

Readers that page decisions incrementally use `after_cursor`, `below_horizon` and
`commit_ordering` in their query, and `CommitCursor` for what they hand out. Before reading they
wait (`wait_until_settled`, at most SETTLE_SECONDS) for decisions committed behind a transaction
still running, so a read right after a decision includes it.
"""

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Dialect,
    ScalarSelect,
    Text,
    cast,
    func,
    literal,
    select,
    tuple_,
)
from sqlmodel import col

from storage.models import BASE_TXID, MAX_ROW_ID, Decision

# How long a reader waits for decisions committed behind a transaction still running (a few
# milliseconds normally) before it reads without them; they come with its next read.
SETTLE_SECONDS = 2.0
SETTLE_POLL_SECONDS = 0.005


@dataclass(frozen=True, order=True)
class CommitCursor:
    """A position in commit order: the last row read was (txid, id)."""

    txid: int
    id: int

    def encode(self) -> str:
        """The opaque text handed to clients: "txid.id"."""
        return f"{self.txid}.{self.id}"


# Before every row: txids are never below BASE_TXID, ids start at 1.
START = CommitCursor(BASE_TXID, 0)


def decode_cursor(text_value: str) -> CommitCursor | None:
    """The cursor "txid.id" spells (ASCII digits, each within the 64-bit range), or None."""
    txid_text, dot, id_text = text_value.partition(".")
    if not dot:
        return None
    txid, row_id = _number(txid_text), _number(id_text)
    return None if txid is None or row_id is None else CommitCursor(txid, row_id)


def _number(digits: str) -> int | None:
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(MAX_ROW_ID)):
        return None
    value = int(digits)
    return value if value <= MAX_ROW_ID else None


def horizon(dialect: Dialect) -> ScalarSelect[int]:
    """SQL for the smallest txid whose rows may not all be visible yet (see the module docstring);
    a scalar subquery, so PostgreSQL reads the statement's snapshot once, not once per row."""
    if dialect.name == "postgresql":
        # xid8 has no cast to bigint; its text form is the 64-bit number (epoch included).
        xmin = func.pg_snapshot_xmin(func.pg_current_snapshot())
        return select(cast(cast(xmin, Text), BigInteger)).scalar_subquery()
    return select(cast(literal(MAX_ROW_ID), BigInteger)).scalar_subquery()


def wait_until_settled(connection: Connection, seconds: float | None = None) -> bool:
    """Wait until every decision committed before this call is below the horizon, at most
    `seconds` (default SETTLE_SECONDS); whether they all are. Call it outside a transaction that
    has written (its own txid would hold the horizon) and before taking a reading snapshot."""
    dialect = connection.dialect
    latest = connection.execute(
        select(func.max(col(Decision.txid))).where(col(Decision.txid) >= horizon(dialect))
    ).scalar()
    if latest is None:
        return True
    deadline = time.monotonic() + (SETTLE_SECONDS if seconds is None else seconds)
    while connection.execute(select(horizon(dialect))).scalar_one() <= latest:
        if time.monotonic() >= deadline:
            return False
        time.sleep(SETTLE_POLL_SECONDS)
    return True


def below_horizon(dialect: Dialect, txid: Any) -> ColumnElement[bool]:
    """SQL for "this row's transaction, and every one before it, has finished"."""
    return txid < horizon(dialect)  # type: ignore[no-any-return]


def after_cursor(txid: Any, row_id: Any, cursor: CommitCursor) -> ColumnElement[bool]:
    """SQL for "after `cursor` in commit order" (served by an index on (txid, id))."""
    return tuple_(txid, row_id) > tuple_(cursor.txid, cursor.id)  # type: ignore[no-any-return]


def commit_ordering(txid: Any, row_id: Any) -> tuple[Any, Any]:
    """The ORDER BY of commit order."""
    return txid.asc(), row_id.asc()


def legacy_cursor(row_id: int, txid_of_row: int | None) -> CommitCursor:
    """The commit-order cursor for a cursor that was a plain decision id (given out before 0012):
    the position of that decision, or, for an id that names none, the position after every row
    written before 0012 with a smaller id."""
    return CommitCursor(BASE_TXID if txid_of_row is None else txid_of_row, row_id)
