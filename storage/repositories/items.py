"""Queries on items: bulk insert, the claim query, and lookups."""

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Engine, bindparam, exists, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.failures import is_disk_full
from storage.models import MAX_ROW_ID, Item, ItemSkip, table_of
from storage.repositories.bulk import driver_value, insert_rows, insert_values

# The columns an ingest writes (`metadata` is the column behind the model's `extra`: the ORM bulk
# insert used before silently dropped it, as its row key never matched the attribute).
ITEM_COLUMNS = (
    "source", "external_id", "task", "model_version", "input", "output", "confidence", "impact",
    "priority", "tags", "metadata", "route", "route_reason", "policy_id", "state", "received_at",
    "decided_at", "escalated_by", "reviews_required", "first_reviewer", "gold",
)
_KEY = ("source", "external_id")


def insert_new_items(
    *, session: Session, rows: Sequence[dict[str, Any]]
) -> dict[tuple[str, str], int]:
    """Insert rows, skipping any whose (source, external_id) exists; map new keys to their ids.

    A key repeated within `rows` is stored once, from its first row. One COPY (PostgreSQL) or
    executemany (SQLite) per call; ON CONFLICT skips keys stored before or by a concurrent ingest.
    """
    ids = insert_rows(session.connection(), table_of(Item), ITEM_COLUMNS, rows, conflict_key=_KEY)
    return {
        (row["source"], row["external_id"]): item_id
        for row, item_id in zip(rows, ids, strict=True) if item_id is not None
    }


def item_time(*, session: Session, value: datetime) -> Any:
    """A time as `insert_item_values` takes it (the text SQLite stores; the datetime otherwise)."""
    return driver_value(session.connection(), table_of(Item), "received_at", value)


def insert_item_values(*, session: Session, values: Sequence[tuple[Any, ...]]) -> list[int | None]:
    """Insert items given as tuples in ITEM_COLUMNS order, encoded for the driver (JSON values as
    json.dumps text, times from `item_time`), skipping any whose (source, external_id) exists;
    each one's new id in order, None where skipped. Keys within `values` must be distinct."""
    return insert_values(session.connection(), table_of(Item), ITEM_COLUMNS, values, conflict_key=_KEY)


# The claim path's statements are built once, with bound parameters: building one costs more
# Python time than running it (every claim and every decision reads an item).
_ITEM_FOR_UPDATE = select(Item).where(col(Item.id) == bindparam("item_id")).with_for_update()


def get_item_for_update(*, session: Session, item_id: int) -> Item | None:
    """The item, row-locked on PostgreSQL until the transaction ends (SQLite holds the write lock)."""
    if not 1 <= item_id <= MAX_ROW_ID:
        return None
    return session.exec(_ITEM_FOR_UPDATE, params={"item_id": item_id}).first()


def get_item_by_external_id(*, session: Session, source: str, external_id: str) -> Item | None:
    """The item an upstream system knows by (source, external_id)."""
    statement = select(Item).where(Item.source == source, Item.external_id == external_id)
    return session.exec(statement).first()


def state_is(state: str | tuple[str, ...]) -> ColumnElement[bool]:
    """SQL for "the item is in `state`" (or in any of several states: a queue may serve more)."""
    return col(Item.state).in_((state,) if isinstance(state, str) else state)


def get_held_item(
    *, session: Session, holder: str, state: str | tuple[str, ...], now: datetime
) -> Item | None:
    """The item in `state` (or any of them) that `holder` has a live lease on, if any."""
    return session.exec(_held_item_statement(state), params={"holder": holder, "now": now}).first()


@lru_cache(maxsize=16)
def _held_item_statement(state: str | tuple[str, ...]) -> SelectOfScalar[Item]:
    return select(Item).where(
        state_is(state), col(Item.lease_holder) == bindparam("holder"),
        col(Item.lease_expires_at) > bindparam("now"),
    ).limit(1)


def get_next_claimable_item(
    *, session: Session, state: str | tuple[str, ...], now: datetime,
    exclude_escalated_by: str | None = None,
    exclude_first_reviewer: str | None = None, exclude_skipped_by: str | None = None,
) -> Item | None:
    """The next free item in `state` (or any of them): highest priority, then oldest; locked rows
    are skipped,
    and so are items `exclude_skipped_by` gave back less than their skip period ago."""
    statement = _claimable_statement(state, exclude_escalated_by is not None,
                                     exclude_first_reviewer is not None, exclude_skipped_by is not None)
    params = {"now": now, "escalated_by": exclude_escalated_by,
              "first_reviewer": exclude_first_reviewer, "skipped_by": exclude_skipped_by}
    return session.exec(statement, params=params).first()


@lru_cache(maxsize=64)
def _claimable_statement(
    state: str | tuple[str, ...], escalated_by: bool, first_reviewer: bool, skipped_by: bool
) -> SelectOfScalar[Item]:
    """The claim query for one state and set of exclusions (:now, :escalated_by, :first_reviewer,
    :skipped_by)."""
    now: BindParameter[Any] = bindparam("now")
    statement = select(Item).where(
        state_is(state),
        or_(col(Item.lease_expires_at).is_(None), col(Item.lease_expires_at) <= now),
    )
    if escalated_by:
        statement = statement.where(col(Item.escalated_by) != bindparam("escalated_by"))
    if first_reviewer:
        statement = statement.where(
            or_(col(Item.first_reviewer).is_(None), col(Item.first_reviewer) != bindparam("first_reviewer"))
        )
    if skipped_by:
        skipped = exists().where(
            col(ItemSkip.item_id) == col(Item.id), col(ItemSkip.reviewer) == bindparam("skipped_by"),
            col(ItemSkip.until) > now,
        )
        statement = statement.where(~skipped)
    return (
        statement.order_by(col(Item.priority).desc(), col(Item.received_at), col(Item.id))
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def count_items(*, session: Session) -> int:
    """How many items are stored."""
    return int(session.exec(select(func.count()).select_from(Item)).one())


def database_status(engine: Engine) -> str:
    """The database's state: "ok" when a trivial query succeeds, else "disk full" or "unreachable"."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not usable" to the caller
        return "disk full" if is_disk_full(error) else "unreachable"
