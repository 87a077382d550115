"""The audit log: every audited action is chained, and tampering is found at the exact entry."""

import threading

import pytest
from sqlalchemy import Engine, text

from review.audit import AuditAction, list_audit
from review.audit_verify import verify_chain
from review.decisions import DecisionRequest, decide
from review.enums import Action, Role
from review.errors import PermissionDenied
from review.policies import PolicyChange, set_policy
from review.queue import claim_next
from review.roles import grant_role
from review.tokens import Scope, create_token, revoke_token
from storage.engine import writing
from storage.repositories.audit import take_chain
from tests.factories import OPERATOR, make_actor, queue_items, tamper_audit_entry


def _actions(engine: Engine) -> list[str]:
    return [entry.action for entry in reversed(list_audit(engine, OPERATOR, limit=1000))]


def test_each_audited_use_case_appends_an_entry_in_order(engine):
    grant_role(engine, OPERATOR, "rev@example.com", Role.REVIEWER)
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(paused=True, reason="test"))
    create_token(engine, OPERATOR, "upstream", Scope.INGEST)
    revoke_token(engine, OPERATOR, "upstream")
    queue_items(engine, 1)
    reviewer = make_actor(Role.REVIEWER)
    held = claim_next(engine, reviewer)
    assert held is not None
    decide(engine, reviewer, DecisionRequest(held.item_id, held.lease_id, Action.APPROVE))

    assert _actions(engine) == [
        AuditAction.ROLE_GRANTED, AuditAction.POLICY_CHANGED, AuditAction.TOKEN_CREATED,
        AuditAction.TOKEN_REVOKED, AuditAction.ITEMS_INGESTED, AuditAction.ITEM_CLAIMED,
        AuditAction.ITEM_DECIDED,
    ]
    newest = list_audit(engine, OPERATOR, limit=1)[0]
    assert newest.actor == reviewer.identity
    assert newest.subject == f"item:{held.item_id}"
    assert verify_chain(engine, OPERATOR).intact


def test_the_token_value_never_reaches_the_audit_log(engine):
    value = create_token(engine, OPERATOR, "upstream", Scope.INGEST)
    entries = list_audit(engine, OPERATOR)
    assert all(value not in repr(entry.details) + entry.subject for entry in entries)



def test_verify_names_exactly_the_entry_edited_behind_the_apps_back(engine):
    for number in range(6):
        grant_role(engine, OPERATOR, f"user{number}@example.com", Role.REVIEWER)
    assert verify_chain(engine, OPERATOR).intact

    tamper_audit_entry(engine, seq=4)

    check = verify_chain(engine, OPERATOR)
    assert not check.intact
    assert check.first_bad_seq == 4
    assert check.entries == 4  # it stops at the first bad entry


def test_postgresql_refuses_update_and_delete_on_the_audit_log(postgres_engine):
    # The trigger exists on PostgreSQL only; on SQLite, `verify` is the protection.
    engine = postgres_engine
    grant_role(engine, OPERATOR, "rev@example.com", Role.REVIEWER)
    for statement in ("UPDATE audit_entry SET actor = 'x'", "DELETE FROM audit_entry"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    assert verify_chain(engine, OPERATOR).intact


def test_concurrent_decisions_never_fork_the_chain(engine):
    queue_items(engine, 60)
    errors: list[BaseException] = []

    def work() -> None:
        reviewer = make_actor(Role.REVIEWER)
        try:
            while (held := claim_next(engine, reviewer)) is not None:
                decide(engine, reviewer, DecisionRequest(held.item_id, held.lease_id, Action.APPROVE))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    check = verify_chain(engine, OPERATOR)
    assert check.intact
    # one ingest, then a claim and a decision per item
    assert check.entries == 1 + 60 * 2


def test_only_admins_read_or_verify_the_audit_log(engine):
    for role in (Role.REVIEWER, Role.SENIOR, Role.LEAD, Role.DATA):
        actor = make_actor(role)
        with pytest.raises(PermissionDenied):
            verify_chain(engine, actor)
        with pytest.raises(PermissionDenied):
            list_audit(engine, actor)
    assert verify_chain(engine, make_actor(Role.ADMIN)).intact


def _unchained(engine: Engine) -> int:
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM audit_entry WHERE seq IS NULL"))
        return int(count.scalar_one())


def test_an_entry_written_while_another_transaction_holds_the_chain_waits_then_is_linked(
    postgres_engine,
):
    engine = postgres_engine
    grant_role(engine, OPERATOR, "first@example.com", Role.REVIEWER)
    with writing(engine) as holder:
        assert take_chain(session=holder, wait=False)
        grant_role(engine, OPERATOR, "second@example.com", Role.REVIEWER)  # never waits for the holder
        assert _unchained(engine) == 1
    assert verify_chain(engine, OPERATOR).intact  # links it first
    assert _unchained(engine) == 0
    assert [entry.subject for entry in list_audit(engine, OPERATOR)] == [
        "user:second@example.com", "user:first@example.com"]


def test_postgresql_lets_an_unchained_entry_be_linked_but_never_edited(postgres_engine):
    engine = postgres_engine
    grant_role(engine, OPERATOR, "rev@example.com", Role.REVIEWER)
    with writing(engine) as holder:
        take_chain(session=holder, wait=False)
        grant_role(engine, OPERATOR, "other@example.com", Role.REVIEWER)
    for statement in (
        "UPDATE audit_entry SET subject = 'user:x' WHERE seq IS NULL",
        "UPDATE audit_entry SET seq = 2, prev_hash = 'a', entry_hash = 'b', subject = 'user:x' "
        "WHERE seq IS NULL",
        "DELETE FROM audit_entry WHERE seq IS NULL",
    ):
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    check = verify_chain(engine, OPERATOR)
    assert (check.intact, check.entries, check.unchained) == (True, 2, 0)
    with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET seq = 3 WHERE seq = 2"))
