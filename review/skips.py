"""Skipping: a reviewer gives a held item back without deciding it."""

from datetime import datetime, timedelta

from sqlalchemy import Engine

from review.actors import Actor
from review.audit import AuditAction, append_audit
from review.clock import utcnow
from review.errors import InvalidRequest, NotFound
from review.permissions import Permission, require
from review.queue import ensure_lease, release_lease
from review.records import check_text
from storage.engine import writing
from storage.models import ItemSkip
from storage.repositories.items import get_item_for_update

# Long enough that the next claims bring other work, short enough that a lone reviewer on a small
# queue sees the item again within the hour.
SKIP_PERIOD = timedelta(minutes=30)
MAX_SKIP_REASON_LENGTH = 500


def skip_item(
    engine: Engine, actor: Actor, item_id: int, lease_id: str, reason: str | None = None,
    now: datetime | None = None,
) -> None:
    """Give a held item back to its queue; nobody else is kept from it, but the actor is not
    handed it again for `SKIP_PERIOD`. Audited with the optional reason."""
    require(actor, Permission.REVIEW)
    now = now or utcnow()
    reason = (reason or "").strip() or None
    if reason is not None:
        _check_reason(reason)
    with writing(engine) as session:
        item = get_item_for_update(session=session, item_id=item_id)
        if item is None:
            raise NotFound(f"item {item_id} does not exist")
        ensure_lease(item, actor, lease_id, now)
        release_lease(item)
        session.add(item)
        session.add(ItemSkip(item_id=item_id, reviewer=actor.identity, reason=reason,
                             skipped_at=now, until=now + SKIP_PERIOD))
        session.flush()
        append_audit(session, actor, AuditAction.ITEM_SKIPPED, f"item:{item_id}",
                     {"state": item.state, "reason": reason}, now)
        session.commit()


def _check_reason(reason: str) -> None:
    if len(reason) > MAX_SKIP_REASON_LENGTH:
        raise InvalidRequest(
            f"the skip reason is longer than {MAX_SKIP_REASON_LENGTH} characters", field="reason"
        )
    check_text("reason", reason)
