"""Policy version history for leads: who changed what in each version, and why."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from review.actors import Actor
from review.permissions import Permission, require
from storage.engine import reading
from storage.models import Policy
from storage.repositories.policies import list_policy_versions

# The settings a lead can change, in the order the history lists them.
COMPARED = (
    "threshold", "audit_rate", "paused", "error_target", "sla_minutes_high", "sla_minutes_medium",
    "sla_minutes_low", "four_eyes_high_impact", "second_review_rate", "show_confidence",
    "reason_codes", "guidelines",
)


@dataclass(frozen=True)
class PolicyVersionChange:
    """One version of one scope: when, by whom, why, and what differs from the version before."""

    source: str
    task: str
    version: int
    created_at: datetime
    author: str
    reason: str | None
    changes: tuple[str, ...]


def diff_versions(before: Policy | None, after: Policy) -> tuple[str, ...]:
    """`name: old → new` for each compared setting that differs; the first version lists none."""
    if before is None:
        return ()
    return tuple(
        _change(name, getattr(before, name), getattr(after, name))
        for name in COMPARED
        if getattr(before, name) != getattr(after, name)
    )


def _change(name: str, old: Any, new: Any) -> str:
    if isinstance(old, list) and isinstance(new, list):
        added = [f"+{value}" for value in new if value not in old]
        removed = [f"-{value}" for value in old if value not in new]
        return f"{name}: {' '.join(added + removed)}"
    return f"{name}: {_shown(old)} → {_shown(new)}"


def policy_history(engine: Engine, actor: Actor) -> list[PolicyVersionChange]:
    """Every policy version, newest first, each with its changes from the one before."""
    require(actor, Permission.MANAGE_POLICY)
    with reading(engine) as session:
        versions = list_policy_versions(session=session)
    history = []
    previous: Policy | None = None
    for policy in versions:
        if previous is not None and (previous.source, previous.task) != (policy.source, policy.task):
            previous = None
        history.append(PolicyVersionChange(
            policy.source, policy.task, policy.version, policy.created_at, policy.author,
            policy.change_reason, diff_versions(previous, policy),
        ))
        previous = policy
    return sorted(history, key=lambda change: change.created_at, reverse=True)


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str) and len(value) > 60:
        return value[:57] + "…"
    return str(value)
