"""The decision feed upstream systems page through: each decision once, and cursors checked."""

import pytest

from review.actors import Actor
from review.enums import Action, Role
from review.errors import InvalidRequest, NotFound
from review.export import export_rows
from review.feed import item_status, parse_feed_cursor, parse_feed_limit, read_decision_feed
from review.policies import PolicyChange, set_policy
from review.tokens import Scope, authenticate_token, create_token, list_token_info
from storage.repositories.commit_order import START
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
)

READER = Actor(identity="token:upstream", roles=frozenset(),
               scopes=frozenset({Scope.DECISIONS_READ.value}))


def test_paging_returns_every_decision_once_oldest_first(engine):
    ingest(engine, make_auto_record(), *(make_record() for _ in range(4)))
    reviewer = make_actor(Role.REVIEWER)
    for action in (Action.APPROVE, Action.ESCALATE, Action.REJECT, Action.EDIT):
        decide_held(engine, reviewer, claim(engine, reviewer), action)
    seen, cursor = [], START.encode()
    while True:
        page, cursor_after = read_decision_feed(engine, READER, parse_feed_cursor(cursor), limit=2)
        if not page:
            assert cursor_after == cursor
            break
        seen += page
        cursor = cursor_after
    assert [d["decision"] for d in seen] == ["approved", "approved", "escalated", "rejected",
                                            "edited"]
    assert len({d["id"] for d in seen}) == 5
    assert [d["final"] for d in seen] == [True, True, False, True, True]


@pytest.mark.parametrize("cursor", ["-1", "x", "²", str(2**63), "9" * 5000, "1.", ".1", "1.2.3", "-1.2",
                                    f"{2**63}.1", "1.x"])
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
    assert (parse_feed_cursor(None), parse_feed_limit(None), parse_feed_limit("1000")) == (START, 100, 1000)


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

    decide_held(engine, second, claim(engine, second), Action.REJECT)  # agrees: settles the item
    [round_two], _ = read_decision_feed(engine, READER, parse_feed_cursor(cursor), limit=10)
    assert (round_two["decision"], round_two["final"], round_two["reviewer"]) == (
        "rejected", True, second.identity
    )
    status = item_status(engine, READER, record["source"], record["external_id"])
    assert status["state"] == "decided" and status["decision"]["id"] == round_two["id"]


def _token_actor(engine, *sources: str, scope: Scope = Scope.DECISIONS_READ, identities: bool = False):
    """The actor of a new token bounded to `sources` (none: every source), as the API sees it."""
    value = create_token(engine, OPERATOR, f"t-{len(list_token_info(engine, OPERATOR))}", scope,
                         sources=list(sources) or None, reviewer_identities=identities)
    found = authenticate_token(engine, value)
    assert found is not None
    return found[0]


def _decide_one_of_each(engine, sources: list[str]) -> list[tuple[str, int]]:
    """Ingest and reject one item per entry of `sources`, in that order: (source, decision id)."""
    ingest(engine, *(make_record(source=source) for source in sources))
    reviewer = make_actor(Role.REVIEWER)
    decided = []
    for _ in sources:
        held = claim(engine, reviewer)
        decided.append((held.source, decide_held(engine, reviewer, held, Action.REJECT).decision_id))
    return decided


def _read_all(engine, actor, cursor: str, limit: int) -> tuple[list[dict], str]:
    """Every decision after `cursor` in pages of `limit`, and the cursor the last, empty page gave."""
    seen: list[dict] = []
    while True:
        page, cursor = read_decision_feed(engine, actor, parse_feed_cursor(cursor), limit)
        if not page:
            return seen, cursor
        seen += page


def test_a_token_bounded_to_sources_pages_through_exactly_their_decisions_once(engine):
    bounded = _token_actor(engine, "crm-ai", "mail-ai")
    decided = _decide_one_of_each(engine, ["crm-ai", "billing-ai", "billing-ai", "mail-ai", "billing-ai",
                                           "crm-ai", "billing-ai"])
    seen, cursor = _read_all(engine, bounded, "", limit=1)
    expected = [decision_id for source, decision_id in decided if source != "billing-ai"]
    assert [d["id"] for d in seen] == expected
    assert {d["source"] for d in seen} == {"crm-ai", "mail-ai"}
    assert cursor.endswith(f".{expected[-1]}")  # "txid.id" of the last decision read
    # Later decisions, of another source first: the cursor neither skips nor repeats.
    later = _decide_one_of_each(engine, ["billing-ai", "crm-ai", "billing-ai"])
    more, _ = _read_all(engine, bounded, cursor, limit=2)
    assert [d["id"] for d in more] == [decision_id for source, decision_id in later if source == "crm-ai"]
    everything, _ = _read_all(engine, _token_actor(engine), "", limit=3)
    assert len(everything) == len(decided) + len(later)


def test_an_item_of_another_source_is_not_found_exactly_like_an_unknown_one(engine):
    bounded = _token_actor(engine, "crm-ai", scope=Scope.INGEST)
    record = make_record(source="billing-ai")
    with pytest.raises(NotFound) as unknown:
        item_status(engine, bounded, "billing-ai", record["external_id"])
    ingest(engine, record)
    with pytest.raises(NotFound) as hidden:
        item_status(engine, bounded, "billing-ai", record["external_id"])
    assert str(hidden.value) == str(unknown.value)
    unbounded = _token_actor(engine, scope=Scope.INGEST)
    assert item_status(engine, unbounded, "billing-ai", record["external_id"])["state"] == "pending"


def test_reviewers_show_as_the_exports_pseudonyms_unless_the_token_shows_identities(engine):
    [(source, decision_id)] = _decide_one_of_each(engine, ["crm-ai"])
    [row] = [row for _id, row in export_rows(engine, OPERATOR, ExportFilter(), redact=True)]
    email = [row for _id, row in export_rows(engine, OPERATOR, ExportFilter())][0]["reviewer"]
    external_id = row["external_id"]
    for actor, shown in ((_token_actor(engine), row["reviewer"]),
                         (_token_actor(engine, "crm-ai", scope=Scope.INGEST), row["reviewer"]),
                         (_token_actor(engine, identities=True), email)):
        if Scope.DECISIONS_READ.value in actor.scopes:
            [decision], _ = read_decision_feed(engine, actor, 0, 10)
            assert decision["reviewer"] == shown
        assert item_status(engine, actor, source, external_id)["decision"]["reviewer"] == shown
    assert row["reviewer"] != email and "@" not in row["reviewer"]


def test_a_plain_id_cursor_given_out_before_commit_order_reads_on_from_that_decision(engine):
    decided = _decide_one_of_each(engine, ["crm-ai"] * 4)
    ids = [decision_id for _source, decision_id in decided]
    page, cursor = read_decision_feed(engine, READER, parse_feed_cursor(str(ids[1])), limit=10)
    assert [d["id"] for d in page] == ids[2:]
    assert read_decision_feed(engine, READER, parse_feed_cursor(cursor), limit=10) == ([], cursor)
