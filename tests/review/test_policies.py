"""Routing policy versions: appended with their author, recorded on items, pause and validation."""

import math

import pytest

from review.enums import DEFAULT_REASON_CODES, Action, Role, Route
from review.errors import InvalidRequest
from review.export import export_rows
from review.policies import PolicyChange, list_policies, set_policy
from review.queue import claim_next
from storage.repositories.export_rows import ExportFilter
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_audit_record,
    make_auto_record,
    make_record,
    stored_item,
)

SOURCE, TASK = "helpdesk-ai", "ticket-triage"


def test_the_default_policy_exists_after_migration(engine):
    [default] = list_policies(engine, OPERATOR)
    assert (default.source, default.task, default.version) == ("*", "*", 1)
    assert default.threshold == 0.8 and default.audit_rate == 0.05 and not default.paused
    assert tuple(default.reason_codes) == DEFAULT_REASON_CODES


def test_each_change_appends_a_version_with_its_author(engine):
    lead = make_actor(Role.LEAD)
    first = set_policy(engine, lead, SOURCE, TASK, PolicyChange(threshold=0.9))
    second = set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(audit_rate=0.1))
    assert (first.version, first.author, first.threshold) == (1, lead.identity, 0.9)
    # A change keeps what it does not mention.
    assert (second.version, second.author, second.threshold, second.audit_rate) == (
        2, OPERATOR.identity, 0.9, 0.1
    )
    newest = {(p.source, p.task): p for p in list_policies(engine, OPERATOR)}
    assert newest[(SOURCE, TASK)].version == 2
    assert newest[("*", "*")].version == 1


def test_a_new_scope_starts_from_the_default_settings(engine):
    set_policy(engine, OPERATOR, "*", "*", PolicyChange(threshold=0.6))
    scoped = set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(guidelines="Be kind."))
    assert (scoped.version, scoped.threshold, scoped.guidelines) == (1, 0.6, "Be kind.")


def test_items_keep_the_version_that_routed_them(engine):
    before = make_record()
    ingest(engine, before)
    newer = set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(threshold=0.1))
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(threshold=0.95))
    after = make_record(confidence=0.3)
    ingest(engine, after)
    assert stored_item(engine, before["external_id"]).policy_id == 1
    third = stored_item(engine, after["external_id"])
    assert third.policy_id == newer.id + 1 and third.route == Route.REVIEW

    reviewer = make_actor(Role.REVIEWER)
    for _ in range(2):
        decide_held(engine, reviewer, claim(engine, reviewer))
    versions = {row["external_id"]: row["policy_version"]
                for _, row in export_rows(engine, OPERATOR, ExportFilter())}
    assert versions == {before["external_id"]: 1, after["external_id"]: 2}


def test_pausing_sends_everything_of_that_scope_to_review(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(threshold=0.0, audit_rate=0.0))
    paused = set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(paused=True, reason="incident 42"))
    assert paused.paused and paused.threshold == 0.0
    records = [make_auto_record(confidence=1.0) for _ in range(5)]
    report = ingest(engine, *records)
    assert report.routes == {"review": 5}
    assert {stored_item(engine, r["external_id"]).route_reason for r in records} == {
        "automation paused"
    }

    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(paused=False, reason="fixed"))
    assert ingest(engine, make_auto_record()).routes == {"auto": 1}


def test_pausing_the_default_pauses_scopes_without_their_own_policy(engine):
    set_policy(engine, OPERATOR, "*", "*", PolicyChange(paused=True, reason="freeze"))
    assert ingest(engine, make_auto_record(source="new-ai")).routes == {"review": 1}


@pytest.mark.parametrize("name", ["threshold", "audit_rate", "second_review_rate"])
def test_a_rate_outside_zero_to_one_is_refused_by_name(engine, name):
    for value in (-0.1, 1.5, math.nan, math.inf):
        with pytest.raises(InvalidRequest) as caught:
            set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(**{name: value}))
        assert caught.value.field == name and name in str(caught.value)
    assert [p.source for p in list_policies(engine, OPERATOR)] == ["*"]


def test_blank_or_overlong_scope_names_are_refused_by_name(engine):
    for source, task, field in (("  ", TASK, "source"), (SOURCE, "", "task"),
                                ("s" * 201, TASK, "source")):
        with pytest.raises(InvalidRequest) as caught:
            set_policy(engine, OPERATOR, source, task, PolicyChange(threshold=0.5))
        assert caught.value.field == field


def test_a_task_across_every_source_is_refused_but_a_whole_source_is_not(engine):
    with pytest.raises(InvalidRequest, match="needs a source"):
        set_policy(engine, OPERATOR, "*", TASK, PolicyChange(threshold=0.5))
    assert set_policy(engine, OPERATOR, SOURCE, "*", PolicyChange(threshold=0.5)).version == 1


def test_added_reason_codes_become_usable_on_items_already_waiting(engine):
    ingest(engine, make_record())
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(add_reason_codes=("pii_leak",)))
    reviewer = make_actor(Role.REVIEWER)
    held = claim(engine, reviewer)
    assert held.reason_codes == [*DEFAULT_REASON_CODES, "pii_leak"]
    result = decide_held(engine, reviewer, held, Action.REJECT, reason_code="pii_leak")
    assert result.outcome == "rejected"
    assert claim_next(engine, reviewer) is None


def test_sla_second_reviews_and_four_eyes_start_from_safe_defaults(engine):
    [default] = list_policies(engine, OPERATOR)
    assert (default.sla_minutes_high, default.sla_minutes_medium, default.sla_minutes_low) == (
        60, 240, 1440
    )
    assert (default.second_review_rate, default.four_eyes_high_impact) == (0.0, False)


def test_sla_second_reviews_and_four_eyes_are_set_and_kept_by_later_versions(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(
        sla_minutes_high=15, sla_minutes_low=2880, second_review_rate=0.2,
        four_eyes_high_impact=True,
    ))
    later = set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(threshold=0.7))
    newest = {(p.source, p.task): p for p in list_policies(engine, OPERATOR)}[(SOURCE, TASK)]
    for policy in (later, newest):
        assert (policy.version, policy.sla_minutes_high, policy.sla_minutes_medium,
                policy.sla_minutes_low) == (2, 15, 240, 2880)
        assert (policy.second_review_rate, policy.four_eyes_high_impact) == (0.2, True)
    off = set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(four_eyes_high_impact=False))
    assert not off.four_eyes_high_impact and off.sla_minutes_high == 15


@pytest.mark.parametrize("impact", ["high", "medium", "low"])
def test_an_sla_that_is_not_a_positive_whole_number_of_minutes_is_refused_by_name(engine, impact):
    name = f"sla_minutes_{impact}"
    for value in (-5, 0, 10**9, 1.5, True):
        with pytest.raises(InvalidRequest) as caught:
            set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(**{name: value}))
        assert caught.value.field == name and name in str(caught.value)
    assert [p.source for p in list_policies(engine, OPERATOR)] == ["*"]


def test_ingest_stores_how_many_people_must_review_each_item(engine):
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(
        four_eyes_high_impact=True, audit_rate=1.0, second_review_rate=1.0,
    ))
    high, medium, audit = make_record(impact="high"), make_record(), make_audit_record()
    ingest(engine, high, medium, audit)
    required = {key: stored_item(engine, record["external_id"]).reviews_required
                for key, record in (("high", high), ("medium", medium), ("audit", audit))}
    assert required == {"high": 2, "medium": 1, "audit": 2}
    # A later policy change does not re-route items already waiting.
    set_policy(engine, OPERATOR, SOURCE, TASK, PolicyChange(four_eyes_high_impact=False))
    assert stored_item(engine, high["external_id"]).reviews_required == 2
