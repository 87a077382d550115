"""Each reviewer's agreement with settled answers: how often their independent review matched
what settled the item (the agreeing second review, or a senior's adjudication)."""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from review.actors import Actor
from review.permissions import Permission, require
from review.statistics import Proportion, proportion
from storage.engine import reading
from storage.repositories.agreement import list_reviews_with_settled_answers
from storage.repositories.metrics import MetricsFilter


@dataclass(frozen=True)
class ReviewerAgreement:
    """One reviewer's agreement with settled answers: n reviews, the share that matched, 95% CI."""

    reviewer: str
    agreement: Proportion


def agreement_with_settled_answers(
    engine: Engine, actor: Actor, filters: MetricsFilter
) -> list[ReviewerAgreement]:
    """Per reviewer, how often their independent reviews matched the items' settled answers."""
    require(actor, Permission.VIEW_DASHBOARD)
    with reading(engine) as session:
        rows = list_reviews_with_settled_answers(session=session, filters=filters)
    return reviewer_agreements(rows)


def reviewer_agreements(rows: Iterable[tuple[str, str, Any, str, Any]]) -> list[ReviewerAgreement]:
    """Agreement per reviewer from (reviewer, outcome, output, settled outcome, settled output)."""
    agreed: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for reviewer, outcome, output, settled_outcome, settled_output in rows:
        total[reviewer] += 1
        agreed[reviewer] += same_answer(outcome, output, settled_outcome, settled_output)
    return [ReviewerAgreement(reviewer, proportion(agreed[reviewer], total[reviewer]))
            for reviewer in sorted(total)]


def same_answer(outcome: str, output: Any, other_outcome: str, other_output: Any) -> bool:
    """Whether two decisions agree: the same outcome, and for edits the same corrected output
    (compared as canonical JSON, so key order does not matter)."""
    if outcome != other_outcome:
        return False
    return outcome != "edited" or _canonical(output) == _canonical(other_output)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
