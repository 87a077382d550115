"""The decision feed upstream systems page through: each decision once, and cursors checked."""

import pytest

from review.actors import Actor
from review.enums import Action, Role
from review.errors import InvalidRequest
from review.feed import parse_feed_cursor, parse_feed_limit, read_decision_feed
from review.tokens import Scope
from tests.factories import claim, decide_held, ingest, make_actor, make_auto_record, make_record

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
