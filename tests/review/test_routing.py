"""Routing as a pure function: the contract's order of rules, and the deterministic audit sample."""

import pytest

from review.enums import Route
from review.records import validate_record
from review.routing import PolicyRules, Router, audit_draw, route_record
from tests.factories import make_audit_record, make_auto_record, make_record

RULES = PolicyRules(threshold=0.8, audit_rate=0.05, paused=False)
NO_AUDIT = PolicyRules(threshold=0.8, audit_rate=0.0, paused=False)


def _route(rules: PolicyRules = RULES, **overrides: object):
    return route_record(validate_record(make_auto_record(**overrides)), rules)


def test_a_confident_low_impact_record_is_auto_approved():
    decision = _route(NO_AUDIT, confidence=0.95)
    assert decision.route is Route.AUTO
    assert decision.reason == "confidence 0.95 at or above threshold 0.8"


def test_confidence_exactly_at_the_threshold_is_not_below_it():
    assert _route(NO_AUDIT, confidence=0.8).route is Route.AUTO


def test_pause_comes_first_and_sends_even_a_certain_output_to_review():
    paused = PolicyRules(threshold=0.0, audit_rate=0.0, paused=True)
    for impact in ("low", "high", None):
        decision = _route(paused, confidence=1.0, impact=impact)
        assert (decision.route, decision.reason) == (Route.REVIEW, "automation paused")


def test_high_impact_goes_to_review_whatever_the_confidence():
    decision = _route(NO_AUDIT, confidence=1.0, impact="high")
    assert (decision.route, decision.reason) == (Route.REVIEW, "high impact")


def test_unknown_confidence_goes_to_review_even_with_a_zero_threshold():
    lenient = PolicyRules(threshold=0.0, audit_rate=0.0, paused=False)
    decision = _route(lenient, confidence=None, impact="low")
    assert (decision.route, decision.reason) == (Route.REVIEW, "confidence unknown")


def test_high_impact_is_named_before_unknown_confidence():
    assert _route(NO_AUDIT, confidence=None, impact="high").reason == "high impact"


def test_low_confidence_goes_to_review_with_both_numbers_in_the_reason():
    decision = _route(RULES, confidence=0.42)
    assert (decision.route, decision.reason) == (Route.REVIEW, "confidence 0.42 below threshold 0.8")


def test_a_reason_never_shows_a_confidence_equal_to_the_threshold_as_below_it():
    assert _route(RULES, confidence=0.799).reason == "confidence 0.799 below threshold 0.8"


def test_below_threshold_wins_over_the_audit_sample():
    always_audit = PolicyRules(threshold=0.8, audit_rate=1.0, paused=False)
    assert _route(always_audit, confidence=0.5).route is Route.REVIEW


def test_audit_needs_a_confident_output_and_a_sampled_key():
    record = validate_record(make_audit_record())
    decision = route_record(record, RULES)
    assert decision.route is Route.AUDIT
    assert route_record(record, NO_AUDIT).route is Route.AUTO


def test_every_confident_output_is_audited_at_rate_one():
    always_audit = PolicyRules(threshold=0.8, audit_rate=1.0, paused=False)
    assert _route(always_audit).route is Route.AUDIT


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5])
def test_roughly_rate_times_n_keys_are_audited(rate):
    rules = PolicyRules(threshold=0.5, audit_rate=rate, paused=False)
    n = 20_000
    audited = sum(
        route_record(validate_record(make_record(external_id=f"k-{i}", confidence=0.9,
                                                 impact="low")), rules).route is Route.AUDIT
        for i in range(n)
    )
    # Binomial standard deviation is at most 71 for n = 20,000; allow about five of them.
    assert abs(audited - rate * n) < 350


def test_the_same_key_always_gets_the_same_answer():
    rules = PolicyRules(threshold=0.5, audit_rate=0.3, paused=False)
    for i in range(200):
        record = validate_record(make_record(external_id=f"again-{i}", confidence=0.9, impact="low"))
        first = route_record(record, rules)
        assert all(route_record(record, rules) == first for _ in range(3))


def test_the_audit_draw_depends_on_source_and_external_id_together():
    draw = audit_draw("helpdesk-ai", "42")
    assert audit_draw("helpdesk-ai", "42") == draw
    assert 0 <= draw < 1
    assert audit_draw("other-ai", "42") != draw
    assert audit_draw("helpdesk-ai", "43") != draw
    # The separator keeps ("ab", "c") and ("a", "bc") apart.
    assert audit_draw("ab", "c") != audit_draw("a", "bc")



FOUR_EYES = PolicyRules(threshold=0.8, audit_rate=0.0, paused=False, four_eyes_high_impact=True)


def test_one_person_decides_unless_a_rule_asks_for_two():
    for impact in ("low", "medium", "high", None):
        assert _route(RULES, confidence=0.3, impact=impact).reviews_required == 1


def test_four_eyes_asks_two_people_for_every_high_impact_record_and_only_those():
    assert _route(FOUR_EYES, confidence=1.0, impact="high").reviews_required == 2
    paused = PolicyRules(0.8, 0.0, paused=True, four_eyes_high_impact=True)
    assert _route(paused, confidence=1.0, impact="high").reviews_required == 2
    for impact in ("low", "medium", None):
        assert _route(FOUR_EYES, confidence=0.3, impact=impact).reviews_required == 1
        assert _route(paused, confidence=0.3, impact=impact).reviews_required == 1


def test_second_reviews_sample_audits_at_about_the_configured_rate():
    rules = PolicyRules(threshold=0.8, audit_rate=1.0, paused=False, second_review_rate=0.25)
    decisions = [_route(rules, external_id=f"key-{n}", confidence=0.99) for n in range(4000)]
    assert {decision.route for decision in decisions} == {Route.AUDIT}
    share = sum(decision.reviews_required == 2 for decision in decisions) / len(decisions)
    assert 0.22 < share < 0.28
    again = [_route(rules, external_id=f"key-{n}", confidence=0.99) for n in range(200)]
    assert again == decisions[:200]  # re-sending a record never re-rolls the draw


def test_the_second_review_draw_is_independent_of_the_audit_draw():
    # Were both draws the same number, every audit at rate 0.5 would also get a second review.
    rules = PolicyRules(threshold=0.8, audit_rate=0.5, paused=False, second_review_rate=0.5)
    decisions = [_route(rules, external_id=f"key-{n}", confidence=0.99) for n in range(4000)]
    audits = [decision for decision in decisions if decision.route is Route.AUDIT]
    share = sum(decision.reviews_required == 2 for decision in audits) / len(audits)
    assert 0.45 < share < 0.55


def test_only_audit_samples_get_second_reviews():
    everything = PolicyRules(threshold=0.8, audit_rate=0.0, paused=False, second_review_rate=1.0)
    assert _route(everything, confidence=0.99).route is Route.AUTO
    assert _route(everything, confidence=0.99).reviews_required == 1
    assert _route(everything, confidence=0.3).reviews_required == 1
    audited = PolicyRules(threshold=0.8, audit_rate=1.0, paused=False, second_review_rate=1.0)
    assert _route(audited, confidence=0.99).reviews_required == 2
    never = PolicyRules(threshold=0.8, audit_rate=1.0, paused=False, second_review_rate=0.0)
    assert _route(never, confidence=0.99).reviews_required == 1


@pytest.mark.parametrize(
    "rules",
    [
        RULES,
        NO_AUDIT,
        PolicyRules(threshold=0.8, audit_rate=0.5, paused=False, second_review_rate=0.5),
        PolicyRules(threshold=0.5, audit_rate=0.2, paused=True, four_eyes_high_impact=True),
        PolicyRules(threshold=0.0, audit_rate=0.0, paused=False, four_eyes_high_impact=True),
    ],
)
def test_the_batch_router_decides_as_route_record_does(rules):
    # Ingest's Router hands out one decision per distinct reason: it must be route_record's.
    router = Router(rules)
    for n in range(300):
        for confidence in (None, 0.0, -0.0, 0.3, 0.5, 0.8, 0.97, 1.0):
            for impact in (None, "low", "medium", "high"):
                record = validate_record(make_record(
                    external_id=f"key-{n}", confidence=confidence, impact=impact))
                assert router.route(record.source, record.external_id, record.confidence,
                                    record.impact) == route_record(record, rules)

