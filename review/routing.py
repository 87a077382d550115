"""The routing policy as a pure function: which records a human must see, and why."""

import hashlib
from dataclasses import dataclass

from review.enums import Impact, Route
from review.records import Record


@dataclass(frozen=True)
class PolicyRules:
    """The parts of a policy version that routing reads."""

    threshold: float
    audit_rate: float
    paused: bool
    second_review_rate: float = 0.0
    four_eyes_high_impact: bool = False


@dataclass(frozen=True)
class RoutingDecision:
    """Where a record goes, the reason stored with it, and how many people must decide it."""

    route: Route
    reason: str
    reviews_required: int = 1


def audit_draw(source: str, external_id: str, salt: str = "") -> float:
    """A number in [0, 1) fixed by the record's key, so re-sending a record never re-rolls it.

    A salt gives an independent draw from the same key (the second-review sample must not be
    the same records as the lowest audit draws).
    """
    digest = hashlib.sha256(f"{salt}{source}\x1f{external_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def route_record(record: Record, rules: PolicyRules) -> RoutingDecision:
    """Route a record, then decide whether one person or two must review it."""
    route, reason = _route(record, rules)
    two = (
        route is Route.REVIEW and record.impact is Impact.HIGH and rules.four_eyes_high_impact
    ) or (
        route is Route.AUDIT
        and audit_draw(record.source, record.external_id, "second-review\x1f") < rules.second_review_rate
    )
    return RoutingDecision(route, reason, 2 if two else 1)


def _route(record: Record, rules: PolicyRules) -> tuple[Route, str]:
    """Apply the contract's routing order: paused, high impact, unknown or low confidence, audit."""
    if rules.paused:
        return Route.REVIEW, "automation paused"
    if record.impact is Impact.HIGH:
        return Route.REVIEW, "high impact"
    if record.confidence is None:
        return Route.REVIEW, "confidence unknown"
    if record.confidence < rules.threshold:
        return Route.REVIEW, f"confidence {record.confidence:g} below threshold {rules.threshold:g}"
    if audit_draw(record.source, record.external_id) < rules.audit_rate:
        return Route.AUDIT, f"audit sample at rate {rules.audit_rate:.1%}"
    return Route.AUTO, f"confidence {record.confidence:g} at or above threshold {rules.threshold:g}"
