"""Every use case as every role: the domain allows exactly what the contract's roles say."""

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from review.actors import Actor
from review.audit import list_audit
from review.audit_verify import verify_chain
from review.decisions import DecisionRequest, decide
from review.demo import load_demo
from review.enums import Action, Queue, Role
from review.errors import PermissionDenied
from review.export import export_rows, list_exports
from review.feed import item_status, read_decision_feed
from review.ingest import ingest_records
from review.policies import PolicyChange, list_policies, set_policy
from review.queue import claim_next, held_item
from review.roles import grant_role, list_grants, revoke_role
from review.stats import queue_stats
from review.tokens import Scope, create_token, list_token_info, revoke_token
from review.webhooks import delivery_overview, register_webhook
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
    "held_item": held_item,
    "create_token": lambda e, a: create_token(e, a, "new-token", Scope.INGEST),
    "list_tokens": list_token_info,
    "revoke_token": lambda e, a: revoke_token(e, a, "old-token"),
    "list_audit": list_audit,
    "verify_audit": verify_chain,
    "register_webhook": lambda e, a: register_webhook(e, a, "crm", "https://crm.example.com/hook"),
    "webhook_overview": delivery_overview,
    "read_decision_feed": lambda e, a: read_decision_feed(e, a, 0, 10),
    "item_status": lambda e, a: item_status(e, a, stored_items(e)[0].source, stored_items(e)[0].external_id),
    "list_exports": list_exports,
}

REVIEWING = {"claim_review", "decide", "held_item"}
EXPECTED: dict[Role | None, set[str]] = {
    Role.REVIEWER: REVIEWING,
    Role.SENIOR: REVIEWING | {"claim_escalations"},
    Role.LEAD: REVIEWING | {"claim_escalations", "queue_stats", "set_policy", "list_policies"},
    Role.DATA: {"export_rows", "list_exports"},
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
    create_token(engine, OPERATOR, "old-token", Scope.DECISIONS_READ)


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
