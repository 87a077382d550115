"""Routing policy use cases: read the current versions, append a new one."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from review.actors import Actor
from review.audit import AuditAction, append_audit
from review.clock import utcnow
from review.errors import InvalidRequest
from review.permissions import Permission, require
from review.policy_scope import get_governing_policy, governing_in
from review.records import MAX_NAME_LENGTH, check_text
from review.routing import PolicyRules
from storage.engine import reading, writing
from storage.models import Policy
from storage.repositories.policies import (
    DEFAULT_SCOPE,
    get_latest_policy,
    list_latest_policies,
)

REASON_CODE_MAX_LENGTH = 100
CHANGE_REASON_MAX_LENGTH = 500
MAX_SLA_MINUTES = 60 * 24 * 90
T = TypeVar("T")


@dataclass(frozen=True)
class PolicyChange:
    """What to change in a policy; None leaves a setting as it is."""

    threshold: float | None = None
    audit_rate: float | None = None
    paused: bool | None = None
    guidelines: str | None = None
    add_reason_codes: tuple[str, ...] = ()
    sla_minutes_high: int | None = None
    sla_minutes_medium: int | None = None
    sla_minutes_low: int | None = None
    second_review_rate: float | None = None
    four_eyes_high_impact: bool | None = None
    # Reviewers see the model's confidence: their decisions on audit samples are then not blind.
    show_confidence: bool | None = None
    # Why: stored with the version and its audit entry; required to pause or resume.
    reason: str | None = None
    # The guardrail's target error rate (0 < target < 1); `clear_error_target` removes it.
    error_target: float | None = None
    clear_error_target: bool = False


def rules_of(policy: Policy) -> PolicyRules:
    """The routing rules of a stored policy version."""
    return PolicyRules(
        threshold=policy.threshold, audit_rate=policy.audit_rate, paused=policy.paused,
        second_review_rate=policy.second_review_rate,
        four_eyes_high_impact=policy.four_eyes_high_impact,
    )


def sla_minutes_of(policy: Policy) -> dict[str, int]:
    """The policy's SLA in minutes per impact level."""
    return {"high": policy.sla_minutes_high, "medium": policy.sla_minutes_medium,
            "low": policy.sla_minutes_low}


def sla_minutes_for(policy: Policy, impact: str | None) -> int:
    """How long an item of `impact` may wait under `policy`; an unknown impact counts as medium."""
    minutes = sla_minutes_of(policy)
    return minutes.get(impact or "medium", minutes["medium"])


def sla_cutoffs(
    session: Session, groups: set[tuple[str, str, str | None]], now: datetime
) -> dict[tuple[str, str, str | None], datetime]:
    """Per waiting (source, task, impact), the receive time before which it is past its SLA."""
    policies = {(p.source, p.task): p for p in list_latest_policies(session=session)}
    return {
        (source, task, impact): now - timedelta(
            minutes=sla_minutes_for(governing_in(policies, source, task).settings, impact)
        )
        for source, task, impact in groups
    }


def list_policies(engine: Engine, actor: Actor) -> list[Policy]:
    """The newest version of every policy scope (`*`/`*` is the default)."""
    require(actor, Permission.MANAGE_POLICY)
    with reading(engine) as session:
        return list_latest_policies(session=session)


def set_policy(
    engine: Engine, actor: Actor, source: str, task: str, change: PolicyChange
) -> Policy:
    """Append a new version of the (source, task) policy with `change` applied; return it."""
    require(actor, Permission.MANAGE_POLICY)
    _validate_change(source, task, change)
    with writing(engine) as session:
        # Settings start from the level that governs this scope now; a pause never carries over
        # from a broader level, which keeps its own pause (any paused level pauses routing).
        current = get_governing_policy(session=session, source=source, task=task).settings
        own = get_latest_policy(session=session, source=source, task=task)
        codes = list(current.reason_codes)
        codes += [code for code in change.add_reason_codes if code not in codes]
        policy = Policy(
            source=source,
            task=task,
            version=(own.version + 1) if own else 1,
            threshold=_pick(change.threshold, current.threshold),
            audit_rate=_pick(change.audit_rate, current.audit_rate),
            paused=_pick(change.paused, own.paused if own else False),
            reason_codes=codes,
            guidelines=_pick(change.guidelines, current.guidelines),
            sla_minutes_high=_pick(change.sla_minutes_high, current.sla_minutes_high),
            sla_minutes_medium=_pick(change.sla_minutes_medium, current.sla_minutes_medium),
            sla_minutes_low=_pick(change.sla_minutes_low, current.sla_minutes_low),
            second_review_rate=_pick(change.second_review_rate, current.second_review_rate),
            four_eyes_high_impact=_pick(change.four_eyes_high_impact, current.four_eyes_high_impact),
            show_confidence=_pick(change.show_confidence, current.show_confidence),
            error_target=None if change.clear_error_target else _pick(change.error_target,
                                                                       current.error_target),
            change_reason=change.reason.strip() if change.reason else None,
            author=actor.identity,
            created_at=utcnow(),
        )
        session.add(policy)
        session.flush()
        append_audit(session, actor, AuditAction.POLICY_CHANGED, f"policy:{source}/{task}", {
            "version": policy.version, "threshold": policy.threshold,
            "audit_rate": policy.audit_rate, "paused": policy.paused,
            "reason_codes": policy.reason_codes, "sla_minutes": sla_minutes_of(policy),
            "second_review_rate": policy.second_review_rate,
            "four_eyes_high_impact": policy.four_eyes_high_impact,
            "show_confidence": policy.show_confidence,
            "error_target": policy.error_target, "reason": policy.change_reason,
        })
        session.commit()
        return policy


def _pick(new: T | None, old: T) -> T:
    return old if new is None else new


def _validate_sla_minutes(change: PolicyChange) -> None:
    for impact in ("high", "medium", "low"):
        name = f"sla_minutes_{impact}"
        minutes = getattr(change, name)
        if minutes is None:
            continue
        whole = isinstance(minutes, int) and not isinstance(minutes, bool)
        if not whole or not 1 <= minutes <= MAX_SLA_MINUTES:
            raise InvalidRequest(
                f"'{name}' (how long a {impact}-impact item may wait) must be a whole number "
                f"of minutes from 1 to {MAX_SLA_MINUTES}, got {minutes!r}",
                field=name,
            )


def _validate_change(source: str, task: str, change: PolicyChange) -> None:
    for name, value in (("source", source), ("task", task)):
        if not value.strip():
            raise InvalidRequest(f"'{name}' must not be empty", field=name)
        if len(value) > MAX_NAME_LENGTH:
            raise InvalidRequest(f"'{name}' is longer than {MAX_NAME_LENGTH} characters", field=name)
        check_text(name, value)
    if change.guidelines is not None:
        check_text("guidelines", change.guidelines)
    if source == DEFAULT_SCOPE and task != DEFAULT_SCOPE:
        raise InvalidRequest("a task's policy needs a source: every source is --source '*' --task '*'")
    _validate_reason(change)
    target = change.error_target
    if target is not None and not (math.isfinite(target) and 0 < target < 1):
        raise InvalidRequest(f"'error_target' must be above 0 and below 1, got {target}",
                             field="error_target")
    rates: tuple[tuple[str, float | None], ...] = (
        ("threshold", change.threshold), ("audit_rate", change.audit_rate),
        ("second_review_rate", change.second_review_rate),
    )
    for name, rate in rates:
        if rate is not None and not (math.isfinite(rate) and 0 <= rate <= 1):
            raise InvalidRequest(f"'{name}' must be between 0 and 1, got {rate}", field=name)
    _validate_sla_minutes(change)
    for code in change.add_reason_codes:
        check_text("reason_code", code)
        if not code.strip() or len(code) > REASON_CODE_MAX_LENGTH:
            raise InvalidRequest(
                f"reason code {code[:50]!r} must be 1 to {REASON_CODE_MAX_LENGTH} characters",
                field="reason_code",
            )


def _validate_reason(change: PolicyChange) -> None:
    reason = (change.reason or "").strip()
    if change.paused is not None and not reason:
        raise InvalidRequest("pausing or resuming automation needs a reason", field="reason")
    if change.reason is not None:
        check_text("reason", change.reason)
        if len(reason) > CHANGE_REASON_MAX_LENGTH:
            raise InvalidRequest(f"the reason is longer than {CHANGE_REASON_MAX_LENGTH} characters",
                                 field="reason")
