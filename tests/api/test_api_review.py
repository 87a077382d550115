"""Claims and decisions through the API: the review page's rules, for programs."""

import threading
import time
from collections import Counter
from typing import Any

import httpx

from tests.api.conftest import ApiServer, assert_no_trace, fresh_source, item_path, record


def _claim(client: httpx.Client) -> dict[str, Any] | None:
    response = client.post("/api/v1/claims")
    assert response.status_code in (200, 204), response.text
    return None if response.status_code == 204 else response.json()


def _ingest(api: ApiServer, records: list[dict[str, Any]]) -> None:
    with api.client("ingest") as client:
        for start in range(0, len(records), 1000):
            answer = client.post("/api/v1/items", json=records[start:start + 1000]).json()
            assert answer["rejected"] == [], answer


def test_a_claim_gives_what_the_review_page_shows(api: ApiServer) -> None:
    source = fresh_source()
    _ingest(api, [record(source, "only", impact="high")])
    with api.client("review1") as client:
        claim = _claim(client)
        assert claim is not None
        item = claim["item"]
        assert {"id", "source", "external_id", "task", "model_version", "input", "output",
                "impact", "guidelines", "reason_codes", "escalation"} <= set(item)
        assert not {"route", "route_reason", "routing_reason", "confidence"} & set(item)
        assert "wrong_content" in item["reason_codes"]
        # Claiming again while holding an item gives the same item and lease.
        again = _claim(client)
        assert again is not None and (again["lease"], again["item"]["id"]) == (claim["lease"], item["id"])
        approved = client.post(f"/api/v1/items/{item['id']}/decision",
                               json={"lease": claim["lease"], "action": "approve"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["decision"] == "approved"
    with api.client("reader") as reader:
        status = reader.get(item_path(source, "only")).json()
    assert status["state"] == "decided" and not status["in_review"]
    assert status["decision"]["decision"] == "approved"
    assert status["decision"]["id"] == approved.json()["decision_id"]


def test_decision_rules_and_leases(api: ApiServer) -> None:
    source = fresh_source()
    _ingest(api, [record(source, "x", impact="high")])
    with api.client("review1") as mine, api.client("review2") as theirs:
        claim = _claim(mine)
        assert claim is not None
        path = f"/api/v1/items/{claim['item']['id']}/decision"
        stolen = theirs.post(path, json={"lease": claim["lease"], "action": "approve"})
        wrong = mine.post(path, json={"lease": "not-my-lease", "action": "approve"})
        no_reason = mine.post(path, json={"lease": claim["lease"], "action": "reject", "rationale": "bad"})
        no_rationale = mine.post(path, json={"lease": claim["lease"], "action": "edit",
                                             "output": {"label": "x"}, "reason_code": "incomplete"})
        bad_action = mine.post(path, json={"lease": claim["lease"], "action": "shrug"})
        bare_escalation = mine.post(path, json={"lease": claim["lease"], "action": "escalate"})
        escalation_without_why = mine.post(path, json={"lease": claim["lease"], "action": "escalate",
                                                       "reason_code": "tone"})
        decided = mine.post(path, json={"lease": claim["lease"], "action": "reject",
                                        "reason_code": "hallucination", "rationale": "Made up."})
        again = mine.post(path, json={"lease": claim["lease"], "action": "approve"})
        status = api.client("reader").get(item_path(claim["item"]["source"], claim["item"]["external_id"]))
    assert stolen.status_code == 409 and wrong.status_code == 409
    assert (no_reason.status_code, no_reason.json()["field"]) == (422, "reason_code")
    assert (no_rationale.status_code, no_rationale.json()["field"]) == (422, "rationale")
    assert (bad_action.status_code, bad_action.json()["field"]) == (422, "action")
    assert (bare_escalation.status_code, bare_escalation.json()["field"]) == (422, "reason_code")
    assert (escalation_without_why.status_code, escalation_without_why.json()["field"]) == (422, "rationale")
    assert "rationale" in escalation_without_why.json()["error"]
    assert decided.status_code == 200 and decided.json()["decision"] == "rejected"
    assert again.status_code == 409
    for response in (stolen, wrong, no_reason, no_rationale, bad_action, bare_escalation,
                     escalation_without_why, again):
        assert_no_trace(response)
    assert status.json()["state"] == "decided"
    assert status.json()["decision"]["decision"] == "rejected"


def test_an_expired_lease_is_409_and_the_item_can_be_claimed_again(api: ApiServer) -> None:
    source = fresh_source()
    _ingest(api, [record(source, "late", impact="high")])
    with api.client("review1") as client:
        claim = _claim(client)
        assert claim is not None and claim["item"]["source"] == source
        # Let the lease run out without waiting ten minutes: it ends when it began.
        api.rows("UPDATE item SET lease_expires_at = claimed_at WHERE id = :id", id=claim["item"]["id"])
        late = client.post(f"/api/v1/items/{claim['item']['id']}/decision",
                           json={"lease": claim["lease"], "action": "approve"})
        again = _claim(client)
    assert late.status_code == 409 and "expired" in late.json()["error"], late.text
    assert_no_trace(late)
    assert again is not None and again["item"]["id"] == claim["item"]["id"]
    assert again["lease"] != claim["lease"]
    with api.client("review1") as client:
        done = client.post(f"/api/v1/items/{claim['item']['id']}/decision",
                           json={"lease": again["lease"], "action": "approve"})
    assert done.status_code == 200, done.text


def test_two_reviewers_in_parallel_empty_the_queue_without_doubles(api: ApiServer) -> None:
    source = fresh_source()
    _ingest(api, [record(source, f"p-{n}") for n in range(150)])
    decided: list[int] = []
    errors: list[str] = []

    def work(token: str) -> None:
        with api.client(token) as client:
            while (claim := _claim(client)) is not None:
                answer = client.post(f"/api/v1/items/{claim['item']['id']}/decision",
                                     json={"lease": claim["lease"], "action": "approve"})
                if answer.status_code != 200:
                    errors.append(answer.text)
                decided.append(claim["item"]["id"])

    threads = [threading.Thread(target=work, args=(token,)) for token in ("review1", "review2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert [item for item, times in Counter(decided).items() if times > 1] == []
    for token in ("review1", "review2"):  # the queue is empty now, for both
        with api.client(token) as client:
            assert client.post("/api/v1/claims").status_code == 204
    ours = api.rows("SELECT d.item_id FROM decision d JOIN item i ON i.id = d.item_id "
                    "WHERE i.source = :source", source=source)
    assert len(ours) == len({row[0] for row in ours}) == 150
    with api.client("reader") as reader:
        states = {reader.get(f"/api/v1/items/{source}/p-{n}").json()["state"] for n in range(150)}
    assert states == {"decided"}


def test_the_feed_gives_every_decision_once_while_decisions_are_written(api: ApiServer) -> None:
    source = fresh_source()
    _ingest(api, [record(source, f"f-{n}") for n in range(80)])
    with api.client("reader") as reader:
        start = reader.get("/api/v1/decisions", params={"limit": 1000})
        cursor = start.json()["next"]
        while start.json()["decisions"]:  # skip to the end of what earlier tests wrote
            start = reader.get("/api/v1/decisions", params={"after": cursor, "limit": 1000})
            cursor = start.json()["next"]
    start_cursor = cursor
    done = threading.Event()

    def write() -> None:
        try:
            with api.client("review2") as client:
                while (claim := _claim(client)) is not None:
                    client.post(f"/api/v1/items/{claim['item']['id']}/decision",
                                json={"lease": claim["lease"], "action": "approve"})
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    seen: list[int] = []

    def every_decision() -> set[int]:
        # After the start in commit order (txid, id): an earlier test's decision with a larger id
        # may have committed under a smaller txid, before the start.
        txid, row_id = (int(part) for part in start_cursor.split("."))
        return {row[0] for row in api.rows(
            "SELECT id FROM decision WHERE txid > :txid OR (txid = :txid AND id > :id)",
            txid=txid, id=row_id)}

    # A page may come back without decisions still held behind another run's transaction on the
    # shared cluster (the server waits 2 s for them): keep reading until the feed has them all.
    deadline = time.monotonic() + 120
    with api.client("reader") as reader:
        while time.monotonic() < deadline:
            finished = done.is_set()
            page = reader.get("/api/v1/decisions", params={"after": cursor, "limit": 7}).json()
            seen += [decision["id"] for decision in page["decisions"]]
            cursor = page["next"]
            if finished and not page["decisions"] and every_decision() <= set(seen):
                break
    writer.join()
    assert len(seen) == len(set(seen))
    # The skip to the end above may itself have stopped short of a held-back decision of an
    # earlier test: seen may hold a few older ones, never one that does not exist.
    assert every_decision() <= set(seen) <= {row[0] for row in api.rows("SELECT id FROM decision")}
    with api.client("reader") as reader:
        ours = {reader.get(f"/api/v1/items/{source}/f-{n}").json()["decision"]["id"] for n in range(80)}
    assert ours <= set(seen) and len(ours) == 80


def test_an_item_id_beyond_any_stored_id_is_404_not_a_crash(api: ApiServer) -> None:
    with api.client("review1") as client:
        response = client.post("/api/v1/items/5542630325160/decision",
                               json={"lease": "x", "action": "approve"})
    assert response.status_code == 404, response.text
    assert_no_trace(response)
