"""What upstream systems read: the decision feed and the state of one item."""

import time
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from review.actors import Actor, pseudonym
from review.clock import isoformat_utc, utcnow
from review.enums import Outcome
from review.errors import InvalidRequest, NotFound
from review.export import position_of
from review.permissions import (
    Permission,
    can_reach_source,
    reachable_sources,
    require,
    sees_reviewer_identities,
)
from review.records import normalise_key
from storage.engine import reading
from storage.models import Decision, Item
from storage.repositories import commit_order
from storage.repositories.commit_order import START, CommitCursor, legacy_cursor
from storage.repositories.decisions import get_decision_txid, get_latest_decision, list_decisions_after
from storage.repositories.items import get_item_by_external_id

MAX_FEED_LIMIT = 1000
DEFAULT_FEED_LIMIT = 100

# A position in the feed: a commit-order cursor ("txid.id"), or a plain decision id, the cursor
# servers gave out before migration 0012 (still accepted, translated on reading).
FeedCursor = CommitCursor | int


def parse_feed_cursor(cursor: str | None) -> FeedCursor:
    """The position a feed cursor stands for (the start when there is none)."""
    if cursor in (None, ""):
        return START
    assert cursor is not None
    position = position_of(cursor)
    if position is None:
        raise InvalidRequest(f"{cursor[:50]!r} is not a cursor this server gave out", field="after")
    return position


def parse_feed_limit(limit: str | None) -> int:
    """The page size asked for, between 1 and MAX_FEED_LIMIT."""
    if limit in (None, ""):
        return DEFAULT_FEED_LIMIT
    assert limit is not None
    digits = limit.isascii() and limit.isdigit() and len(limit) <= len(str(MAX_FEED_LIMIT))
    if not digits or not 1 <= int(limit) <= MAX_FEED_LIMIT:
        raise InvalidRequest(f"'limit' must be a whole number from 1 to {MAX_FEED_LIMIT}", "limit")
    return int(limit)


def read_decision_feed(
    engine: Engine, actor: Actor, after: FeedCursor, limit: int,
    settle_seconds: float | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Decisions after the cursor in commit order (oldest first), and the cursor to ask with
    next; a token bounded to sources reads theirs only. Every decision comes exactly once."""
    require(actor, Permission.READ_DECISIONS)
    with reading(engine) as session:
        cursor = _commit_cursor(session, after)
        settle = commit_order.SETTLE_SECONDS if settle_seconds is None else settle_seconds
        rows = _settled_page(session, cursor, limit, reachable_sources(actor), settle)
        decisions = [_payload_for(actor, decision, item) for decision, item in rows]
    if rows:
        last = rows[-1][0]
        assert last.txid is not None and last.id is not None
        cursor = CommitCursor(last.txid, last.id)
    return decisions, cursor.encode()


def _commit_cursor(session: Session, after: FeedCursor) -> CommitCursor:
    if isinstance(after, CommitCursor):
        return after
    if after == 0:
        return START
    return legacy_cursor(after, get_decision_txid(session=session, decision_id=after))


def _settled_page(
    session: Session, cursor: CommitCursor, limit: int, sources: Collection[str] | None,
    settle_seconds: float,
) -> list[tuple[Decision, Item]]:
    """A page of settled decisions; if committed ones wait behind a running transaction, wait (a
    little) until as many as the first look found have settled."""
    deadline = time.monotonic() + settle_seconds
    rows, waiting = list_decisions_after(session=session, after=cursor, limit=limit, sources=sources)
    # Filtered in the query, so the last row of a page is always the next cursor: a decision of
    # another source is never counted against the limit, nor skipped past unseen.
    wanted = len(rows) + waiting
    while len(rows) < wanted and time.monotonic() < deadline:
        time.sleep(commit_order.SETTLE_POLL_SECONDS)
        session.rollback()  # a fresh snapshot on SQLite; PostgreSQL takes one per statement
        rows, waiting = list_decisions_after(session=session, after=cursor, limit=limit, sources=sources)
    return rows


def is_unsettled_review(decision: Decision, item: Item) -> bool:
    """Whether a decision is an independent review that does not settle its item: the first of
    two, or either of two that disagreed (a senior's adjudication, round 3, settles those)."""
    return (
        item.reviews_required > 1
        and decision.review_round != item.reviews_required
        and not decision.escalated
        and decision.outcome != Outcome.ESCALATED
    )


def is_final_decision(decision: Decision, item: Item) -> bool:
    """Whether a decision settles its item: not an escalation, nor an unsettled independent review.

    The same rule as `settles_its_item` (SQLAlchemy) and `_HUMAN` in snapshot_metrics (DuckDB):
    reviews_required = 1 OR review_round = reviews_required OR escalated.
    """
    return decision.outcome != Outcome.ESCALATED and not is_unsettled_review(decision, item)


def decision_payload(decision: Decision, item: Item) -> dict[str, Any]:
    """A decision as upstream systems receive it."""
    return {
        "id": decision.id,
        "item_id": item.id,
        "source": item.source,
        "external_id": item.external_id,
        "task": item.task,
        "decision": decision.outcome,
        "final": is_final_decision(decision, item),
        "final_output": decision.output_after,
        "reason_code": decision.reason_code,
        "rationale": decision.rationale,
        "reviewer": decision.reviewer,
        "escalated": decision.escalated,
        "decided_at": isoformat_utc(decision.decided_at),
    }


def _payload_for(actor: Actor, decision: Decision, item: Item) -> dict[str, Any]:
    """A decision as `actor` may see it: a token sees reviewers by the export's pseudonyms unless
    it was created to see identities."""
    payload = decision_payload(decision, item)
    if payload["reviewer"] is not None and not sees_reviewer_identities(actor):
        payload["reviewer"] = pseudonym(payload["reviewer"])
    return payload


def item_status(
    engine: Engine, actor: Actor, source: str, external_id: str, now: datetime | None = None
) -> dict[str, Any]:
    """Where an upstream system's output is now, with its latest decision once there is one."""
    require(actor, Permission.READ_ITEM_STATUS)
    now = now or utcnow()
    source, external_id = normalise_key(source), normalise_key(external_id)  # stored in NFC
    with reading(engine) as session:
        item = get_item_by_external_id(session=session, source=source, external_id=external_id)
        # Another source's item answers exactly like a missing one, so a token learns nothing of it;
        # so does a gold item, whose decisions are never sent upstream.
        if item is None or item.id is None or not can_reach_source(actor, item.source) or item.gold:
            raise NotFound(f"no item {external_id[:200]!r} from source {source[:200]!r}")
        latest = get_latest_decision(session=session, item_id=item.id)
        held = item.lease_expires_at is not None and item.lease_expires_at > now
        return {
            "item_id": item.id,
            "source": item.source,
            "external_id": item.external_id,
            "task": item.task,
            "state": item.state,
            "in_review": held,
            "route": item.route,
            "received_at": isoformat_utc(item.received_at),
            "decision": _payload_for(actor, latest, item) if latest else None,
        }
