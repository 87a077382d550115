"""Policy scopes: settings from (source, task) → (source, *) → (*, *), pausing at any level, reasons."""

from datetime import datetime

import pytest

from review.audit import AuditAction, list_audit
from review.enums import Role
from review.errors import InvalidRequest, PermissionDenied
from review.policies import PolicyChange, list_policies, set_policy
from review.policy_edit import edit_policy
from review.policy_history import policy_history
from review.policy_scope import lookup_order, resolve
from storage.models import Policy
from tests.factories import OPERATOR, ingest, make_actor, make_auto_record, stored_item

SOURCE, TASK = "helpdesk-ai", "ticket-triage"


def _policy(source: str, task: str, paused: bool = False, threshold: float = 0.8) -> Policy:
    return Policy(source=source, task=task, version=1, threshold=threshold, audit_rate=0.0, paused=paused,
                  reason_codes=[], author="t", created_at=datetime(2026, 1, 1))


def test_the_lookup_order_is_pair_then_source_then_default_without_repeats():
    assert lookup_order("s", "t") == [("s", "t"), ("s", "*"), ("*", "*")]
    assert lookup_order("s", "*") == [("s", "*"), ("*", "*")]
    assert lookup_order("*", "*") == [("*", "*")]


def test_settings_come_from_the_most_specific_level_and_a_pause_from_any():
    pair, source = _policy("s", "t", threshold=0.9), _policy("s", "*", paused=True)
    default = _policy("*", "*")
    governing = resolve([pair, source, default])
    assert governing.settings is pair and governing.paused_by is source
    assert resolve([default]).paused_by is None
    with pytest.raises(LookupError):
        resolve([])


def _route_of_confident_record(engine, source: str = SOURCE, task: str = TASK) -> tuple[str, str]:
    record = make_auto_record(source=source, task=task)
    ingest(engine, record)
    item = stored_item(engine, record["external_id"], source=source)
    return item.route, item.route_reason


def test_pausing_a_whole_source_sends_each_of_its_tasks_to_review_even_with_their_own_policy(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(threshold=0.5, audit_rate=0.0))
    paused = set_policy(engine, OPERATOR, SOURCE, "*", PolicyChange(paused=True, reason="model rollback"))
    assert (paused.source, paused.task, paused.paused, paused.change_reason) == (
        SOURCE, "*", True, "model rollback")
    assert _route_of_confident_record(engine) == ("review", "automation paused")
    assert _route_of_confident_record(engine, task="other-task") == ("review", "automation paused")
    assert _route_of_confident_record(engine, source="other-ai")[0] == "auto"
    set_policy(engine, OPERATOR, SOURCE, "*", PolicyChange(paused=False, reason="rollback done"))
    assert _route_of_confident_record(engine)[0] == "auto"


def test_pausing_everything_pauses_pairs_that_have_a_policy_of_their_own(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(threshold=0.5, audit_rate=0.0))
    set_policy(engine, OPERATOR, "*", "*", PolicyChange(paused=True, reason="incident 7"))
    assert _route_of_confident_record(engine) == ("review", "automation paused")
    assert _route_of_confident_record(engine, source="other-ai") == ("review", "automation paused")


def test_a_source_policy_sets_the_threshold_of_its_tasks_without_their_own(engine):
    set_policy(engine, OPERATOR, SOURCE, "*", PolicyChange(threshold=0.99))
    route, reason = _route_of_confident_record(engine, task="any-task")
    assert (route, reason) == ("review", "confidence 0.97 below threshold 0.99")


def test_a_new_pair_policy_under_a_paused_source_does_not_copy_the_pause(engine):
    set_policy(engine, OPERATOR, SOURCE, "*", PolicyChange(paused=True, reason="audit"))
    own = set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(audit_rate=0.0))
    assert not own.paused
    assert _route_of_confident_record(engine)[1] == "automation paused"
    set_policy(engine, OPERATOR, SOURCE, "*", PolicyChange(paused=False, reason="done"))
    assert _route_of_confident_record(engine)[0] == "auto"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_pausing_or_resuming_without_a_reason_is_refused_and_stores_nothing(engine, reason):
    for paused in (True, False):
        with pytest.raises(InvalidRequest) as caught:
            set_policy(engine, OPERATOR, SOURCE, "*", PolicyChange(paused=paused, reason=reason))
        assert caught.value.field == "reason"
    assert [(p.source, p.task) for p in list_policies(engine, OPERATOR)] == [("*", "*")]


def test_an_edit_from_the_policy_page_needs_a_reason_and_keeps_it_in_version_and_audit(engine):
    lead = make_actor(Role.LEAD)
    with pytest.raises(InvalidRequest, match="Reason for change"):
        edit_policy(engine, lead, SOURCE, TASK, PolicyChange(threshold=0.9, reason=" "))
    first = edit_policy(engine, lead, SOURCE, TASK, PolicyChange(threshold=0.9, reason="fewer misses"))
    second = edit_policy(engine, lead, SOURCE, TASK, PolicyChange(audit_rate=0.2, error_target=0.04,
                                                                  reason="tighter watch"))
    assert (first.version, second.version, second.threshold, second.change_reason) == (
        1, 2, 0.9, "tighter watch")
    [entry] = list_audit(engine, OPERATOR, action=AuditAction.POLICY_CHANGED, limit=1)
    assert entry.actor == lead.identity and entry.subject == f"policy:{SOURCE}/{TASK}"
    assert entry.details["reason"] == "tighter watch" and entry.details["error_target"] == 0.04
    newest = policy_history(engine, lead)[0]
    assert (newest.version, newest.author, newest.reason) == (2, lead.identity, "tighter watch")
    assert newest.changes == ("audit_rate: 0.05 → 0.2", "error_target: none → 0.04")


def test_a_reviewer_may_not_edit_or_read_the_history(engine):
    reviewer = make_actor(Role.REVIEWER)
    with pytest.raises(PermissionDenied):
        edit_policy(engine, reviewer, SOURCE, TASK, PolicyChange(threshold=0.1, reason="why not"))
    with pytest.raises(PermissionDenied):
        policy_history(engine, reviewer)


@pytest.mark.parametrize("target", [0.0, 1.0, -0.1, float("nan")])
def test_an_error_target_outside_zero_to_one_is_refused(engine, target):
    with pytest.raises(InvalidRequest) as caught:
        set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(error_target=target))
    assert caught.value.field == "error_target"


def test_an_error_target_is_kept_by_later_versions_until_removed(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(error_target=0.05))
    kept = set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(threshold=0.9))
    removed = set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(clear_error_target=True))
    assert (kept.error_target, removed.error_target) == (0.05, None)
