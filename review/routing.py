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
    return decide_route(record.source, record.external_id, record.confidence, record.impact, rules)


def decide_route(
    source: str, external_id: str, confidence: float | None, impact: Impact | None, rules: PolicyRules
) -> RoutingDecision:
    """`route_record` for a record with these values."""
    route, reason = _route(source, external_id, confidence, impact, rules)
    two = (
        route is Route.REVIEW and impact is Impact.HIGH and rules.four_eyes_high_impact
    ) or (
        route is Route.AUDIT
        and audit_draw(source, external_id, "second-review\x1f") < rules.second_review_rate
    )
    return RoutingDecision(route, reason, 2 if two else 1)


def _route(
    source: str, external_id: str, confidence: float | None, impact: Impact | None, rules: PolicyRules
) -> tuple[Route, str]:
    """Apply the contract's routing order: paused, high impact, unknown or low confidence, audit."""
    if rules.paused:
        return Route.REVIEW, "automation paused"
    if impact is Impact.HIGH:
        return Route.REVIEW, "high impact"
    if confidence is None:
        return Route.REVIEW, "confidence unknown"
    if confidence < rules.threshold:
        return Route.REVIEW, f"confidence {confidence:g} below threshold {rules.threshold:g}"
    if audit_draw(source, external_id) < rules.audit_rate:
        return Route.AUDIT, f"audit sample at rate {rules.audit_rate:.1%}"
    return Route.AUTO, f"confidence {confidence:g} at or above threshold {rules.threshold:g}"


class Router:
    """`route_record` for many records under one policy's rules. Most records share a decision
    (and the text of its reason: a reason names the confidence, not the record), so each distinct
    one is built once and handed out again."""

    # Distinct confidences make distinct reasons: forgetting them all now and then keeps the
    # memory of a long ingest flat.
    _MAX_REMEMBERED = 4096

    def __init__(self, rules: PolicyRules) -> None:
        self.rules = rules
        self._decisions: dict[tuple[object, ...], RoutingDecision] = {}

    def route(
        self, source: str, external_id: str, confidence: float | None, impact: Impact | None
    ) -> RoutingDecision:
        """What `route_record` returns for a record of these values under `self.rules`."""
        rules = self.rules
        high = impact is Impact.HIGH
        key: tuple[object, ...]
        if rules.paused or high or confidence is None:
            key = (rules.paused, high, confidence is None)
        elif not confidence:  # 0.0 and -0.0 are one key but two reasons ("0", "-0")
            return decide_route(source, external_id, confidence, impact, rules)
        elif confidence < rules.threshold:
            key = ("below", confidence)
        elif audit_draw(source, external_id) < rules.audit_rate:
            key = ("audit", audit_draw(source, external_id, "second-review\x1f") < rules.second_review_rate)
        else:
            key = ("auto", confidence)
        decision = self._decisions.get(key)
        if decision is None:
            if len(self._decisions) >= self._MAX_REMEMBERED:
                self._decisions.clear()
            decision = self._decisions[key] = decide_route(source, external_id, confidence, impact, rules)
        return decision
