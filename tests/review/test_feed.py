"""The decision feed upstream systems page through: each decision once, and cursors checked."""

import pytest

from review.actors import Actor
from review.enums import Action, Role
from review.errors import InvalidRequest
from review.feed import item_status, parse_feed_cursor, parse_feed_limit, read_decision_feed
from review.policies import PolicyChange, set_policy
from review.tokens import Scope
from tests.factories import (
    OPERATOR,
    claim,
    decide_held,
    ingest,
    make_actor,
    make_audit_record,
    make_auto_record,
    make_record,
)

READER = Actor(identity="token:upstream", roles=frozenset(),
               scopes=frozenset({Scope.DECISIONS_READ.value}))


def test_paging_returns_every_decision_once_oldest_first(engine):
    ingest(engine, make_auto_record(), *(make_record() for _ in range(4)))
    reviewer = make_actor(Role.REVIEWER)
    for action in (Action.APPROVE, Action.ESCALATE, Action.REJECT, Action.EDIT):
        decide_held(engine, reviewer, claim(engine, reviewer), action)
    seen, cursor = [], 0
    while True:
        page, cursor_after = read_decision_feed(engine, READER, cursor, limit=2)
        if not page:
            assert cursor_after == cursor
            break
        seen += page
        cursor = cursor_after
    assert [d["decision"] for d in seen] == ["approved", "approved", "escalated", "rejected",
                                            "edited"]
    assert [d["id"] for d in seen] == sorted({d["id"] for d in seen})
    assert [d["final"] for d in seen] == [True, True, False, True, True]


@pytest.mark.parametrize("cursor", ["-1", "x", "²", "2147483648", "9" * 5000])
def test_a_feed_cursor_never_given_out_is_refused(cursor):
    with pytest.raises(InvalidRequest) as caught:
        parse_feed_cursor(cursor)
    assert caught.value.field == "after"


@pytest.mark.parametrize("limit", ["0", "1001", "-5", "ten", "²", "9" * 5000])
def test_a_page_size_outside_one_to_a_thousand_is_refused(limit):
    with pytest.raises(InvalidRequest) as caught:
        parse_feed_limit(limit)
    assert caught.value.field == "limit"


def test_the_feed_defaults():
    assert (parse_feed_cursor(None), parse_feed_limit(None), parse_feed_limit("1000")) == (0, 100, 1000)


def test_the_first_of_two_reviews_is_in_the_feed_but_not_final(engine):
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage",
               PolicyChange(audit_rate=1.0, second_review_rate=1.0))
    record = make_audit_record()
    ingest(engine, record)
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    decide_held(engine, first, claim(engine, first), Action.REJECT)
    [round_one], cursor = read_decision_feed(engine, READER, 0, limit=10)
    assert (round_one["decision"], round_one["final"], round_one["reviewer"]) == (
        "rejected", False, first.identity
    )
    status = item_status(engine, READER, record["source"], record["external_id"])
    assert status["state"] == "pending" and status["decision"]["final"] is False

    decide_held(engine, second, claim(engine, second), Action.APPROVE)
    [round_two], _ = read_decision_feed(engine, READER, cursor, limit=10)
    assert (round_two["decision"], round_two["final"], round_two["reviewer"]) == (
        "approved", True, second.identity
    )
    status = item_status(engine, READER, record["source"], record["external_id"])
    assert status["state"] == "decided" and status["decision"]["id"] == round_two["id"]
