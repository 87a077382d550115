"""Decisions delivered upstream: signed, at least once, in order per item, through failures."""

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import Engine

from review.clock import utcnow
from review.decisions import DecisionRequest, decide
from review.enums import Action, Queue, Role
from review.errors import InvalidRequest, PermissionDenied
from review.policies import PolicyChange, set_policy
from review.queue import claim_next
from review.webhook_sender import HttpSender
from review.webhook_signing import SIGNATURE_HEADER, verify
from review.webhooks import backoff, deliver_due, delivery_overview, register_webhook
from tests.factories import OPERATOR, claim, decide_held, ingest, make_actor, make_record


class Receiver:
    """An upstream system on loopback that can fail, answer slowly, redirect or go away."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, str, str]] = []
        self.fail_next = 0
        self.status_when_failing = 500
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail_next:
                    receiver.fail_next -= 1
                    self.send_response(receiver.status_when_failing)
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                    self.end_headers()
                    return
                receiver.received.append(
                    (json.loads(body), self.headers[SIGNATURE_HEADER], body.decode())
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def sender() -> Iterator[HttpSender]:
    sender = HttpSender(timeout=2)
    yield sender
    sender.close()


def _decide_all(engine: Engine, action: Action = Action.APPROVE) -> int:
    reviewer = make_actor(Role.SENIOR)
    count = 0
    while (held := claim_next(engine, reviewer)) is not None:
        request = DecisionRequest(held.item_id, held.lease_id, action, reason_code="other",
                                  rationale="needs a senior")
        decide(engine, reviewer, request)
        count += 1
    return count


def _run_until_idle(engine: Engine, sender: HttpSender, start_offset: timedelta) -> timedelta:
    """Run delivery rounds, jumping the clock past each backoff, until nothing is due."""
    offset = start_offset
    for _ in range(50):
        if not deliver_due(engine, sender, now=utcnow() + offset):
            return offset
        offset += backoff(8)
    return offset


def test_every_decision_arrives_signed_once_through_failures_and_an_outage(engine, receiver, sender):
    secret = register_webhook(engine, OPERATOR, "helpdesk-ai", receiver.url)
    ingest(engine, *[make_record(source="helpdesk-ai") for _ in range(5)])
    ingest(engine, make_record(source="other-system"))  # no webhook: never delivered
    decided = _decide_all(engine)
    assert decided == 6

    receiver.fail_next = 2  # the first attempts fail
    offset = _run_until_idle(engine, sender, timedelta(0))
    port = receiver.port
    receiver.stop()  # the receiver goes down …
    ingest(engine, make_record(source="helpdesk-ai", confidence=0.99, impact="low"))  # auto or audit
    _decide_all(engine)
    deliver_due(engine, sender, now=utcnow() + offset)  # … and this attempt cannot connect
    overview = delivery_overview(engine, OPERATOR)
    assert any(f["last_error"] and "reach" in f["last_error"] for f in overview.failures)

    receiver.port = port
    receiver.start()  # … and comes back
    _run_until_idle(engine, sender, offset + backoff(8))

    decision_ids = [payload["id"] for payload, _, _ in receiver.received]
    assert len(decision_ids) == len(set(decision_ids)) == 6
    assert {payload["source"] for payload, _, _ in receiver.received} == {"helpdesk-ai"}
    for _, signature, body in receiver.received:
        assert verify(secret, body.encode(), signature)
        assert not verify("wrong-secret", body.encode(), signature)
    counts = delivery_overview(engine, OPERATOR).counts
    assert counts == {("helpdesk-ai", "delivered"): 6}


def test_deliveries_of_one_item_arrive_in_decision_order(engine, receiver, sender):
    register_webhook(engine, OPERATOR, "helpdesk-ai", receiver.url)
    ingest(engine, make_record(source="helpdesk-ai"))
    reviewer, senior = make_actor(Role.REVIEWER), make_actor(Role.SENIOR)
    held = claim_next(engine, reviewer)
    assert held is not None
    decide(engine, reviewer, DecisionRequest(held.item_id, held.lease_id, Action.ESCALATE,
                                             reason_code="other", rationale="unsure"))
    escalated = claim_next(engine, senior, Queue.ESCALATIONS)
    assert escalated is not None
    decide(engine, senior, DecisionRequest(escalated.item_id, escalated.lease_id, Action.APPROVE))

    receiver.fail_next = 1  # the escalation's first attempt fails; the approval must wait for it
    deliver_due(engine, sender)
    assert receiver.received == []
    _run_until_idle(engine, sender, backoff(8))
    assert [payload["decision"] for payload, _, _ in receiver.received] == ["escalated", "approved"]


def test_redirects_are_failures_and_never_followed(engine, receiver, sender):
    register_webhook(engine, OPERATOR, "helpdesk-ai", receiver.url)
    ingest(engine, make_record(source="helpdesk-ai"))
    _decide_all(engine)
    receiver.fail_next, receiver.status_when_failing = 1, 302
    deliver_due(engine, sender)
    failure = delivery_overview(engine, OPERATOR).failures[0]
    assert failure["state"] == "failing"
    assert "302" in failure["last_error"]


def test_a_delivery_gives_up_after_a_day(engine, receiver, sender):
    register_webhook(engine, OPERATOR, "helpdesk-ai", receiver.url)
    ingest(engine, make_record(source="helpdesk-ai"))
    _decide_all(engine)
    receiver.fail_next = 10_000
    deliver_due(engine, sender, now=utcnow() + timedelta(days=1, minutes=1))
    assert delivery_overview(engine, OPERATOR).counts == {("helpdesk-ai", "failed"): 1}


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://x/y", "http://"])
def test_only_http_urls_can_be_registered(engine, url):
    with pytest.raises(InvalidRequest, match="http"):
        register_webhook(engine, OPERATOR, "helpdesk-ai", url)


def test_only_admins_manage_webhooks(engine):
    for role in (Role.REVIEWER, Role.SENIOR, Role.LEAD, Role.DATA):
        with pytest.raises(PermissionDenied):
            register_webhook(engine, make_actor(role), "helpdesk-ai", "https://example.com/hook")


def test_upstream_gets_only_the_final_decision_of_a_four_eyes_item(engine, receiver, sender):
    register_webhook(engine, OPERATOR, "helpdesk-ai", receiver.url)
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage",
               PolicyChange(four_eyes_high_impact=True))
    ingest(engine, make_record(impact="high", output={"category": "account"}))
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    decide_held(engine, first, claim(engine, first), Action.EDIT, output={"category": "billing"})
    assert delivery_overview(engine, OPERATOR).counts == {}  # nothing to send yet
    decide_held(engine, second, claim(engine, second), Action.APPROVE)
    _run_until_idle(engine, sender, timedelta(0))
    [(payload, _, _)] = receiver.received
    assert (payload["decision"], payload["final"], payload["reviewer"]) == (
        "approved", True, second.identity
    )
    assert payload["final_output"] == {"category": "account"}
