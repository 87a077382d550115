"""The guardrail: a policy with an error target pauses itself when the audit sample says the error
rate of its auto-approved outputs is above target.

It reads the figure the Dashboard's Auto-approval error tab shows (`metrics.error_estimates`: the
upper 95% Wilson bound per source, task and model version) and acts only on a sample of at least
`MIN_SAMPLE_TO_CONCLUDE`, the size below which that tab says "sample too small to conclude".
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from review.actors import Actor
from review.clock import utcnow
from review.enums import Role
from review.metrics import ErrorEstimate, error_estimates
from review.policies import PolicyChange, set_policy
from review.policy_scope import Scope, governing_in
from storage.engine import reading
from storage.models import Policy
from storage.repositories import snapshot_metrics as facts
from storage.repositories.metrics import MetricsFilter
from storage.repositories.policies import list_latest_policies, list_policy_versions
from storage.snapshot import refreshed_snapshot

# The guardrail acts as a lead would, under its own name in the policy history and audit log.
GUARDRAIL = Actor(identity="guardrail", roles=frozenset({Role.LEAD}))
CHECK_SECONDS = 60
log = logging.getLogger(__name__)
EstimatesSince = Callable[[datetime | None], list[ErrorEstimate]]


@dataclass(frozen=True)
class Trip:
    """A policy whose error target was crossed, and by which estimate."""

    policy: Policy
    estimate: ErrorEstimate


def check_guardrails(engine: Engine, now: datetime | None = None) -> list[Policy]:
    """Pause every active policy whose error target an audit sample's upper bound crosses; return
    the new, paused versions."""
    now = now or utcnow()
    with reading(engine) as session:
        latest = {(p.source, p.task): p for p in list_latest_policies(session=session)}
        resumed = last_resumed(list_policy_versions(session=session))
    snapshot = refreshed_snapshot(engine)
    paused = []
    for trip in find_trips(latest, resumed, lambda since: error_estimates(
        facts.count_audit_outcomes(snapshot, MetricsFilter(since=since, until=now))
    )):
        policy, rate = trip.policy, trip.estimate.rate
        reason = (f"guardrail: upper 95% bound of the audit error rate {rate.high:.1%} "
                  f"(n={rate.total}, {trip.estimate.source}/{trip.estimate.task}/"
                  f"{trip.estimate.model_version}) is above the target {policy.error_target:.1%}")
        paused.append(set_policy(engine, GUARDRAIL, policy.source, policy.task,
                                 PolicyChange(paused=True, reason=reason)))
    return paused


def find_trips(
    latest: dict[Scope, Policy], resumed: dict[Scope, datetime], estimates_since: EstimatesSince
) -> list[Trip]:
    """The active policies with a target that one estimate they govern crosses, with a conclusive
    sample decided since the policy was last resumed (older samples led to the pause)."""
    trips: dict[Scope, Trip] = {}
    for scope, policy in latest.items():
        if policy.error_target is None or policy.paused:
            continue
        for estimate in estimates_since(resumed.get(scope)):
            governing = governing_in(latest, estimate.source, estimate.task).settings
            governed = (governing.source, governing.task) == scope
            crossed = estimate.rate.conclusive and estimate.rate.high > policy.error_target
            if governed and crossed and scope not in trips:
                trips[scope] = Trip(policy, estimate)
    return list(trips.values())


def last_resumed(versions: list[Policy]) -> dict[Scope, datetime]:
    """When each scope was last resumed after a pause (versions by scope, oldest first)."""
    resumed: dict[Scope, datetime] = {}
    previous: Policy | None = None
    for policy in versions:
        same_scope = previous is not None and (previous.source, previous.task) == (policy.source, policy.task)
        if same_scope and previous is not None and previous.paused and not policy.paused:
            resumed[(policy.source, policy.task)] = policy.created_at
        previous = policy
    return resumed


def run_guardrail_worker(engine: Engine, stop: threading.Event) -> None:
    """Check the guardrails every `CHECK_SECONDS` until `stop` is set."""
    while not stop.wait(CHECK_SECONDS):
        try:
            for policy in check_guardrails(engine):
                log.warning("guardrail paused %s/%s", policy.source, policy.task)
        except Exception:  # noqa: BLE001 - a failed check must not end the worker; next round retries
            log.exception("guardrail check failed")

