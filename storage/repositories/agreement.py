"""Independent reviews beside the answers that settled their items, for per-reviewer agreement."""

from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from storage.models import Decision, Item
from storage.repositories.decisions import settles_its_item
from storage.repositories.metrics import MetricsFilter

_FINAL = ("approved", "edited", "rejected")


def list_reviews_with_settled_answers(
    *, session: Session, filters: MetricsFilter
) -> list[tuple[str, str, Any, str, Any]]:
    """(reviewer, outcome, output_after, settled outcome, settled output_after) of every
    independent review (round 1 or 2, an approve/edit/reject) of a settled item, oldest first;
    `filters` apply to the review's time and the item's source, task and model version."""
    review = aliased(Decision)
    statement = (
        sa_select(col(review.reviewer), col(review.outcome), col(review.output_after),
                  col(Decision.outcome), col(Decision.output_after))
        .join(Item, col(Item.id) == col(review.item_id))
        .join(Decision, col(Decision.item_id) == col(review.item_id))
        .where(
            col(Item.reviews_required) >= 2,
            col(review.review_round).in_((1, 2)),
            col(review.outcome).in_(_FINAL),
            col(review.escalated).is_(False),
            col(review.reviewer).is_not(None),
            col(Decision.outcome).in_(_FINAL),
            settles_its_item(),
        )
        .order_by(col(review.id))
    )
    if filters.since is not None:
        statement = statement.where(col(review.decided_at) >= filters.since)
    if filters.until is not None:
        statement = statement.where(col(review.decided_at) < filters.until)
    for name in ("source", "task", "model_version"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(Item, name) == value)
    return [tuple(row) for row in session.execute(statement)]  # type: ignore[misc]
