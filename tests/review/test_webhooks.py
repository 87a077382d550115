"""Decisions delivered upstream: signed, at least once, in order per item, through failures."""

import json
import socket
import ssl
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
from storage.engine import writing
from storage.models import Webhook
from tests.factories import OPERATOR, claim, decide_held, ingest, make_actor, make_record

ALLOW = "WORKBENCH_WEBHOOK_ALLOW_PRIVATE"
REAL_GETADDRINFO = socket.getaddrinfo


class Receiver:
    """An upstream system on loopback that can fail, answer slowly, redirect or go away."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, str, str]] = []
        self.hosts: list[str] = []
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
                receiver.hosts.append(self.headers["Host"])
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
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    # A receiver on loopback is an on-premise receiver: only the admin setting lets webhooks reach it.
    monkeypatch.setenv(ALLOW, "1")
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
    # The two reviews disagree: nothing is sent until a senior adjudicates.
    assert delivery_overview(engine, OPERATOR).counts == {}
    senior = make_actor(Role.SENIOR)
    decide_held(engine, senior, claim(engine, senior, Queue.ESCALATIONS), Action.EDIT,
                output={"category": "refund"})
    _run_until_idle(engine, sender, timedelta(0))
    [(payload, _, _)] = receiver.received
    assert (payload["decision"], payload["final"], payload["reviewer"]) == (
        "edited", True, senior.identity
    )
    assert payload["final_output"] == {"category": "refund"}


def test_upstream_gets_the_agreeing_second_review_of_a_four_eyes_item(engine, receiver, sender):
    register_webhook(engine, OPERATOR, "helpdesk-ai", receiver.url)
    set_policy(engine, OPERATOR, "helpdesk-ai", "ticket-triage",
               PolicyChange(four_eyes_high_impact=True))
    ingest(engine, make_record(impact="high", output={"category": "account"}))
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    decide_held(engine, first, claim(engine, first), Action.APPROVE)
    decide_held(engine, second, claim(engine, second), Action.APPROVE)
    _run_until_idle(engine, sender, timedelta(0))
    [(payload, _, _)] = receiver.received
    assert (payload["decision"], payload["final"], payload["reviewer"]) == (
        "approved", True, second.identity
    )


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[list[str]]]) -> list[str]:
    """Answer lookups of the names in `answers` (the n-th lookup gets the n-th list, the last repeats).

    Other names and address literals go to the real resolver. Returns the names looked up, in order.
    """
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        lookups.append(host)
        addresses = answers[host][min(lookups.count(host), len(answers[host])) - 1]
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, int(port), 0, 0)) if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port))) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def _no_connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Record every connection attempt and fail it, so a test never reaches the network."""
    attempts: list[tuple] = []

    def create_connection(address, *_args, **_kwargs):
        attempts.append(tuple(address))
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return attempts


def _one_failure(engine: Engine) -> dict:
    [failure] = delivery_overview(engine, OPERATOR).failures
    assert (failure["state"], failure["attempts"]) == ("failing", 1)
    return failure


@pytest.mark.parametrize(("answer", "words"), [
    (["10.0.0.7"], "resolves to 10.0.0.7: a private address"),
    (["93.184.215.14", "169.254.169.254"], "resolves to 169.254.169.254: a link-local address"),
    (["::ffff:127.0.0.1"], "resolves to ::ffff:127.0.0.1: a loopback address"),
    (["fd00::7"], "resolves to fd00::7: a private address"),
])
def test_a_name_resolving_to_an_internal_address_is_refused_at_delivery_without_connecting(
    engine, sender, monkeypatch, answer, words
):
    monkeypatch.delenv(ALLOW, raising=False)
    register_webhook(engine, OPERATOR, "helpdesk-ai", "https://crm.example.com/hook")
    ingest(engine, make_record(source="helpdesk-ai"))
    _decide_all(engine)
    lookups = _fake_dns(monkeypatch, {"crm.example.com": [answer]})
    attempts = _no_connections(monkeypatch)
    deliver_due(engine, sender)
    error = _one_failure(engine)["last_error"]
    assert error.startswith("refused before connecting: crm.example.com") and words in error
    assert lookups == ["crm.example.com"] and attempts == []


def test_delivery_connects_to_the_address_it_checked_not_to_a_second_lookup(engine, sender, monkeypatch):
    # DNS rebinding: the first answer passes the check, a second lookup would answer loopback.
    monkeypatch.delenv(ALLOW, raising=False)
    register_webhook(engine, OPERATOR, "helpdesk-ai", "https://rebind.example.com/hook")
    ingest(engine, make_record(source="helpdesk-ai"))
    _decide_all(engine)
    lookups = _fake_dns(monkeypatch, {"rebind.example.com": [["93.184.215.14"], ["127.0.0.1"]]})
    attempts = _no_connections(monkeypatch)
    deliver_due(engine, sender)
    assert "could not reach" in _one_failure(engine)["last_error"]
    assert lookups == ["rebind.example.com"]
    assert attempts == [("93.184.215.14", 443)]


def test_the_allow_setting_lets_a_loopback_receiver_named_in_dns_work(engine, receiver, sender, monkeypatch):
    _fake_dns(monkeypatch, {"hooks.internal.example": [["127.0.0.1"]]})
    url = f"http://hooks.internal.example:{receiver.port}/hook"
    register_webhook(engine, OPERATOR, "helpdesk-ai", url)
    ingest(engine, make_record(source="helpdesk-ai"))
    _decide_all(engine)
    deliver_due(engine, sender)
    assert len(receiver.received) == 1
    assert receiver.hosts == [f"hooks.internal.example:{receiver.port}"]  # the name, not the address


def test_a_loopback_receiver_is_refused_at_delivery_once_the_setting_is_off(engine, receiver, sender,
                                                                            monkeypatch):
    register_webhook(engine, OPERATOR, "helpdesk-ai", receiver.url)
    ingest(engine, make_record(source="helpdesk-ai"))
    _decide_all(engine)
    monkeypatch.delenv(ALLOW)
    deliver_due(engine, sender)
    error = _one_failure(engine)["last_error"]
    assert error.startswith("refused before connecting: 127.0.0.1") and "loopback" in error
    assert receiver.received == []


def test_a_stored_url_with_credentials_is_refused_at_delivery_and_its_credentials_never_leak(
    engine, sender, monkeypatch
):
    with writing(engine) as session:  # a row from before registration refused credentials
        session.add(Webhook(source="helpdesk-ai", url="https://user:hunter2@crm.example.com/hook",
                            secret="s", created_by="cli:test", created_at=utcnow()))
        session.commit()
    ingest(engine, make_record(source="helpdesk-ai"))
    _decide_all(engine)
    attempts = _no_connections(monkeypatch)
    deliver_due(engine, sender)
    error = _one_failure(engine)["last_error"]
    assert "credentials" in error and "hunter2" not in error and attempts == []
    assert "hunter2" not in str(delivery_overview(engine, OPERATOR))


def test_tls_to_a_checked_address_still_verifies_the_name(engine, receiver, sender, monkeypatch):
    _fake_dns(monkeypatch, {"hooks.internal.example": [["127.0.0.1"]]})
    register_webhook(engine, OPERATOR, "helpdesk-ai", f"https://hooks.internal.example:{receiver.port}/hook")
    ingest(engine, make_record(source="helpdesk-ai"))
    _decide_all(engine)
    connected, server_names = [], []
    real_connect = socket.create_connection

    def create_connection(address, *args, **kwargs):
        connected.append(tuple(address))
        return real_connect(address, *args, **kwargs)

    def wrap_socket(_context, _sock, *, server_hostname=None, **_kwargs):
        server_names.append(server_hostname)
        raise ssl.SSLError("stopped after recording the name this handshake would verify")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(ssl.SSLContext, "wrap_socket", wrap_socket)
    deliver_due(engine, sender)
    assert connected == [("127.0.0.1", receiver.port)]
    assert server_names == ["hooks.internal.example"]  # SNI and the certificate check use the name
    assert "could not reach" in _one_failure(engine)["last_error"]


def test_a_name_that_does_not_resolve_is_a_failed_attempt(engine, sender, monkeypatch):
    register_webhook(engine, OPERATOR, "helpdesk-ai", "https://gone.example.com/hook")
    ingest(engine, make_record(source="helpdesk-ai"))
    _decide_all(engine)

    def getaddrinfo(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    deliver_due(engine, sender)
    assert _one_failure(engine)["last_error"] == "ConnectError: could not reach the receiver"
