"""Every use case as every role: the domain allows exactly what the contract's roles say."""

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from review.actors import Actor
from review.decisions import DecisionRequest, decide
from review.demo import load_demo
from review.enums import Action, Queue, Role
from review.errors import PermissionDenied
from review.export import export_rows
from review.ingest import ingest_records
from review.policies import PolicyChange, list_policies, set_policy
from review.queue import claim_next
from review.roles import grant_role, list_grants, revoke_role
from review.stats import queue_stats
from storage.repositories.export_rows import ExportFilter
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_record,
    raw_records,
    stored_items,
)


def _decide(engine: Engine, actor: Actor) -> None:
    try:
        held = claim_next(engine, actor)
    except PermissionDenied:
        held = None
    if held is None:  # not allowed to claim: try to decide a waiting item anyway
        item = next(item for item in stored_items(engine) if item.state == "pending")
        decide(engine, actor, DecisionRequest(item.id, "no-lease", Action.APPROVE))
    else:
        decide(engine, actor, DecisionRequest(held.item_id, held.lease_id, Action.APPROVE))


USE_CASES: dict[str, Callable[[Engine, Actor], object]] = {
    "ingest_records": lambda e, a: ingest_records(e, a, raw_records(make_record())),
    "set_policy": lambda e, a: set_policy(e, a, "s", "t", PolicyChange(threshold=0.5)),
    "list_policies": list_policies,
    "claim_review": lambda e, a: claim_next(e, a, Queue.REVIEW),
    "claim_escalations": lambda e, a: claim_next(e, a, Queue.ESCALATIONS),
    "decide": _decide,
    "queue_stats": queue_stats,
    "export_rows": lambda e, a: list(export_rows(e, a, ExportFilter())),
    "grant_role": lambda e, a: grant_role(e, a, "new@example.com", Role.REVIEWER),
    "revoke_role": lambda e, a: revoke_role(e, a, "old@example.com", Role.REVIEWER),
    "list_grants": list_grants,
    "load_demo": lambda e, a: load_demo(e, a, items=3, days=1),
}

REVIEWING = {"claim_review", "decide"}
EXPECTED: dict[Role | None, set[str]] = {
    Role.REVIEWER: REVIEWING,
    Role.SENIOR: REVIEWING | {"claim_escalations"},
    Role.LEAD: REVIEWING | {"claim_escalations", "queue_stats", "set_policy", "list_policies"},
    Role.DATA: {"export_rows"},
    Role.ADMIN: set(USE_CASES),
    None: set(),
}


def _prepare(engine: Engine) -> None:
    """Work for every use case: waiting items, an escalation, a decision, a grant to revoke."""
    ingest(engine, make_record(), make_record(), make_record())
    escalator = make_actor(Role.REVIEWER)
    decide_held(engine, escalator, claim(engine, escalator), Action.ESCALATE)
    decider = make_actor(Role.REVIEWER)
    decide_held(engine, decider, claim(engine, decider))
    grant_role(engine, OPERATOR, "old@example.com", Role.REVIEWER)


@pytest.mark.parametrize("role", list(EXPECTED), ids=lambda role: role.value if role else "no-role")
def test_each_role_may_do_exactly_what_the_contract_gives_it(engine, role):
    _prepare(engine)
    actor = make_actor(role) if role else make_actor()
    allowed = set()
    for name, use_case in USE_CASES.items():
        try:
            use_case(engine, actor)
        except PermissionDenied as refusal:
            assert actor.identity in str(refusal)
        else:
            allowed.add(name)
    assert allowed == EXPECTED[role]


def test_a_refused_use_case_changes_nothing(engine):
    data = make_actor(Role.DATA)
    with pytest.raises(PermissionDenied):
        ingest_records(engine, data, raw_records(make_record()))
    with pytest.raises(PermissionDenied):
        set_policy(engine, data, "s", "t", PolicyChange(paused=True))
    with pytest.raises(PermissionDenied):
        grant_role(engine, data, "data@example.com", Role.ADMIN)
    assert stored_items(engine) == []
    assert [p.source for p in list_policies(engine, OPERATOR)] == ["*"]
    assert list_grants(engine, OPERATOR) == []
