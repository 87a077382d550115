"""Queries on the audit log, and the lock that lets one chainer at a time link new entries."""

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Row,
    String,
    Text,
    bindparam,
    cast,
    insert,
    literal_column,
    text,
    union_all,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from storage.models import AuditEntry, table_of

# Any constant works; it only has to be the same in every process.
_CHAIN_LOCK = 0x5EB1E4


def take_chain(*, session: Session, wait: bool) -> bool:
    """Whether this transaction may link entries into the chain, until it ends.

    PostgreSQL: an advisory lock, tried without waiting unless `wait` (whoever holds it links
    everyone's entries, so nobody needs to queue for it). SQLite: the write lock the transaction
    holds already serialises chainers.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    got = session.execute(text(f"SELECT {function}(:key)"), {"key": _CHAIN_LOCK}).scalar()
    return wait or bool(got)


_ENTRIES = table_of(AuditEntry)
# A row of `_LINK_COLUMNS`.
EntryRow = Row[*tuple[Any, ...]]
# An entry as a plain row, with what its hash covers (Core: the chain is linked on every action).
_LINK_COLUMNS = (_ENTRIES.c.id, _ENTRIES.c.seq, _ENTRIES.c.at, _ENTRIES.c.actor, _ENTRIES.c.action,
                 _ENTRIES.c.subject, _ENTRIES.c.details, _ENTRIES.c.entry_hash)
_INSERT = insert(_ENTRIES)
# PostgreSQL: the insert also tries for the chain, saving a round trip per action.
_INSERT_TRYING_CHAIN = insert(_ENTRIES).returning(
    _ENTRIES.c.id, func.pg_try_advisory_xact_lock(literal_column(str(_CHAIN_LOCK)))
)
_HEAD = sa_select(*_LINK_COLUMNS).where(_ENTRIES.c.seq.is_not(None)).order_by(_ENTRIES.c.seq.desc()).limit(1)


# Built once (a linker runs in every action's transaction); `limit` is a bound parameter.
_WAITING = (sa_select(*_LINK_COLUMNS).where(_ENTRIES.c.seq.is_(None)).order_by(_ENTRIES.c.id)
            .limit(bindparam("limit", type_=Integer)))
_HEAD_AND_WAITING = union_all(sa_select(_HEAD.subquery()), sa_select(_WAITING.subquery()))


def insert_audit_entry(*, session: Session, values: dict[str, Any], try_chain: bool = False) -> bool:
    """Insert one entry (`values` by column) in the session's transaction, in one statement.

    With `try_chain` (PostgreSQL), the same statement tries for the chain lock without waiting, as
    `take_chain` does: whether this transaction got the chain. Without it, True."""
    connection = session.connection()
    if not try_chain:
        connection.execute(_INSERT, values)
        return True
    return bool(connection.execute(_INSERT_TRYING_CHAIN, values).one()[1])


def get_chain_head(*, session: Session) -> EntryRow | None:
    """The newest chained entry as a plain row (`_LINK_COLUMNS`)."""
    return session.connection().execute(_HEAD).first()


def get_head_and_waiting_rows(*, session: Session, limit: int) -> tuple[EntryRow | None, list[EntryRow]]:
    """The chain's head and up to `limit` unchained entries (oldest first), as plain rows, in one
    query. Read only once the chain is this transaction's, in a later statement than the one that
    took it: a statement's snapshot is taken when it starts."""
    rows = list(session.connection().execute(_HEAD_AND_WAITING, {"limit": limit}))
    heads = [row for row in rows if row.seq is not None]
    return (heads[0] if heads else None), sorted((row for row in rows if row.seq is None),
                                                 key=lambda row: row.id)


def list_unchained_rows(*, session: Session, limit: int) -> list[EntryRow]:
    """Up to `limit` entries not linked into the chain yet, oldest first, as plain rows."""
    return list(session.connection().execute(_WAITING, {"limit": limit}))


_LINK = (
    update(_ENTRIES).where(_ENTRIES.c.id == bindparam("entry_id"), _ENTRIES.c.seq.is_(None))
    .values(seq=bindparam("new_seq"), prev_hash=bindparam("new_prev"), entry_hash=bindparam("new_hash"))
)


def link_entries(*, session: Session, links: Sequence[tuple[int, int, str, str]]) -> None:
    """Fill in (id, seq, prev_hash, entry_hash) of unchained entries, in one statement."""
    rows = [{"entry_id": entry_id, "new_seq": seq, "new_prev": prev, "new_hash": digest}
            for entry_id, seq, prev, digest in links]
    # One entry, the usual case, as a plain execute: an executemany costs more to set up.
    session.connection().execute(_LINK, rows[0] if len(rows) == 1 else rows)


def count_unchained_entries(*, session: Session) -> int:
    """How many entries wait to be linked into the chain."""
    statement = select(func.count()).select_from(AuditEntry).where(col(AuditEntry.seq).is_(None))
    return int(session.exec(statement).one())


def has_audit_entries(*, session: Session) -> bool:
    """Whether the log holds any entry, chained or not."""
    return session.exec(select(AuditEntry.id).limit(1)).first() is not None


def stream_audit_rows(
    *, session: Session, batch_size: int = 10_000
) -> Iterator[tuple[Any, ...]]:
    """Every chained entry, in chain order, as plain rows (no ORM objects: verify walks millions).

    `at` and `details` come back as the stored text, unparsed: a tampered value that no longer
    parses must be reported as a broken entry, not crash the walk."""
    columns = table_of(AuditEntry).c
    statement = (
        sa_select(columns.seq, cast(columns.at, String), columns.actor, columns.action, columns.subject,
                  cast(columns.details, Text), columns.prev_hash, columns.entry_hash, columns.scheme)
        .where(columns.seq.is_not(None))
        .order_by(columns.seq)
        .execution_options(yield_per=batch_size)
    )
    for row in session.execute(statement):
        yield tuple(row)


def count_audit_entries(*, session: Session) -> int:
    """How many entries the chain holds (linked ones)."""
    statement = select(func.count()).select_from(AuditEntry).where(col(AuditEntry.seq).is_not(None))
    return int(session.exec(statement).one())


def list_audit_entries(
    *,
    session: Session,
    limit: int,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
) -> list[AuditEntry]:
    """The newest entries matching the filters, newest first (any not chained yet first of all)."""
    statement = select(AuditEntry)
    if actor:
        statement = statement.where(AuditEntry.actor == actor)
    if action:
        statement = statement.where(AuditEntry.action == action)
    if since:
        statement = statement.where(col(AuditEntry.at) >= since)
    newest_first = (col(AuditEntry.seq).desc().nulls_first(), col(AuditEntry.id).desc())
    return list(session.exec(statement.order_by(*newest_first).limit(limit)))
