"""The workbench's vocabulary: states, routes, decisions, impacts and roles."""

from enum import StrEnum


class Route(StrEnum):
    """Where the routing policy sent an item."""

    REVIEW = "review"
    AUDIT = "audit"
    AUTO = "auto"


class ItemState(StrEnum):
    """Where an item is in its life; a live lease on a pending item means it is being reviewed."""

    PENDING = "pending"
    ESCALATED = "escalated"
    # Two independent reviews disagreed: a senior who made neither settles the item.
    ADJUDICATION = "adjudication"
    DECIDED = "decided"
    AUTO_APPROVED = "auto_approved"


class Action(StrEnum):
    """What a reviewer does with a held item."""

    APPROVE = "approve"
    EDIT = "edit"
    REJECT = "reject"
    ESCALATE = "escalate"


class Outcome(StrEnum):
    """The decision an action records; every outcome but `escalated` is final."""

    APPROVED = "approved"
    EDITED = "edited"
    REJECTED = "rejected"
    ESCALATED = "escalated"


OUTCOME_OF_ACTION = {
    Action.APPROVE: Outcome.APPROVED,
    Action.EDIT: Outcome.EDITED,
    Action.REJECT: Outcome.REJECTED,
    Action.ESCALATE: Outcome.ESCALATED,
}


class Impact(StrEnum):
    """How much harm a wrong output can do, as the upstream system judges it."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# Claim order: highest impact first. An unknown impact is treated like `medium`, so an item
# whose upstream did not say is neither starved nor put ahead of known high-impact work.
PRIORITY_OF_IMPACT: dict[Impact | None, int] = {
    Impact.HIGH: 3,
    Impact.MEDIUM: 2,
    None: 2,
    Impact.LOW: 1,
}


class Queue(StrEnum):
    """The two queues people work: first review, and escalations (and adjudications) for seniors."""

    REVIEW = "review"
    ESCALATIONS = "escalations"


class Role(StrEnum):
    """The contract's five roles."""

    REVIEWER = "reviewer"
    SENIOR = "senior"
    LEAD = "lead"
    DATA = "data"
    ADMIN = "admin"


DEFAULT_REASON_CODES = (
    "wrong_content",
    "incomplete",
    "policy_violation",
    "tone",
    "hallucination",
    "other",
)
