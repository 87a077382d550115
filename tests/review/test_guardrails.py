"""The guardrail: automation pauses itself when the audit sample's upper bound crosses the target."""

from review.audit import AuditAction, list_audit
from review.clock import utcnow
from review.enums import Action, Role
from review.guardrails import check_guardrails, last_resumed
from review.policies import PolicyChange, list_policies, set_policy
from storage.engine import reading
from storage.repositories.policies import list_policy_versions
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_audit_record,
    make_auto_record,
    stored_item,
)

SOURCE, TASK = "helpdesk-ai", "ticket-triage"


def _reviewed_audit_samples(engine, total: int, errors: int) -> None:
    """`total` audit samples decided by a reviewer, `errors` of them rejected."""
    ingest(engine, *[make_audit_record() for _ in range(total)])
    reviewer = make_actor(Role.REVIEWER)
    for number in range(total):
        decide_held(engine, reviewer, claim(engine, reviewer),
                    Action.REJECT if number < errors else Action.APPROVE)


def _scope_policy(engine, source: str = SOURCE, task: str = TASK):
    return {(p.source, p.task): p for p in list_policies(engine, OPERATOR)}[(source, task)]


def test_crossing_the_target_pauses_the_policy_as_the_guardrail_and_audits_why(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(error_target=0.1))
    # 6 errors in 30 samples: Wilson upper 95% bound (6/30 + z²/60 + margin) / (1 + z²/30) = 37.3%.
    _reviewed_audit_samples(engine, 30, 6)
    [paused] = check_guardrails(engine, utcnow())
    assert (paused.source, paused.task, paused.version, paused.paused, paused.author) == (
        SOURCE, TASK, 2, True, "guardrail")
    assert paused.change_reason == ("guardrail: upper 95% bound of the audit error rate 37.3% (n=30, "
                                    f"{SOURCE}/{TASK}/triage-v4) is above the target 10.0%")
    [entry] = list_audit(engine, OPERATOR, action=AuditAction.POLICY_CHANGED, limit=1)
    assert (entry.actor, entry.subject, entry.details["paused"]) == (
        "guardrail", f"policy:{SOURCE}/{TASK}", True)
    assert entry.details["reason"] == paused.change_reason
    record = make_auto_record()
    ingest(engine, record)
    assert stored_item(engine, record["external_id"]).route_reason == "automation paused"
    # Already paused: a second check changes nothing.
    assert check_guardrails(engine, utcnow()) == []


def test_a_bound_under_the_target_leaves_automation_on(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(error_target=0.4))
    _reviewed_audit_samples(engine, 30, 6)  # upper bound 37.3% < 40%
    assert check_guardrails(engine, utcnow()) == []
    assert not _scope_policy(engine).paused


def test_a_sample_below_the_minimum_never_trips_however_bad(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(error_target=0.05))
    _reviewed_audit_samples(engine, 29, 29)  # upper bound 100%, but 29 < 30 samples
    assert check_guardrails(engine, utcnow()) == []
    assert _scope_policy(engine).version == 1


def test_a_policy_without_a_target_is_never_paused_by_the_guardrail(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(threshold=0.8))
    _reviewed_audit_samples(engine, 30, 30)
    assert check_guardrails(engine, utcnow()) == []


def test_after_a_resume_only_newer_samples_count(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(error_target=0.1))
    _reviewed_audit_samples(engine, 30, 6)
    assert len(check_guardrails(engine, utcnow())) == 1
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(paused=False, reason="model v5 deployed"))
    assert check_guardrails(engine, utcnow()) == []
    assert not _scope_policy(engine).paused


def test_a_source_target_governs_its_tasks_without_their_own_policy(engine):
    set_policy(engine, OPERATOR, SOURCE, "*", PolicyChange(error_target=0.1))
    _reviewed_audit_samples(engine, 30, 6)
    [paused] = check_guardrails(engine, utcnow())
    assert (paused.source, paused.task) == (SOURCE, "*")


def test_last_resumed_is_the_first_active_version_after_a_pause(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(paused=True, reason="a"))
    resumed = set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(paused=False, reason="b"))
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(threshold=0.9))
    with reading(engine) as session:
        versions = list_policy_versions(session=session)
    assert last_resumed(versions) == {(SOURCE, TASK): resumed.created_at}
