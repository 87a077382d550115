"""An adjudication through the API: two reviewers disagree, the senior's escalations claim shows
both reviews, and the senior's decision is the item's."""

from typing import Any

import httpx

from tests.api.conftest import ApiServer, fresh_source, item_path, record


def _claim(client: httpx.Client, queue: str = "review") -> dict[str, Any]:
    response = client.post("/api/v1/claims", json={"queue": queue})
    assert response.status_code == 200, response.text
    return response.json()


def _decide(client: httpx.Client, claim: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/items/{claim['item']['id']}/decision",
                           json={"lease": claim["lease"], **body})
    assert response.status_code == 200, response.text
    return response.json()


def test_disagreeing_reviews_reach_the_senior_with_both_decisions(api: ApiServer) -> None:
    source = fresh_source()
    api.workbench("policy", "set", "--source", source, "--task", "ticket-triage", "--four-eyes")
    with api.client("ingest") as client:
        answer = client.post("/api/v1/items", json=[record(source, "a1", impact="high")]).json()
        assert answer["rejected"] == []
    why = {"reason_code": "wrong_content", "rationale": "Not billing."}
    with api.client("review1") as client:
        first = _claim(client)
        assert first["item"]["source"] == source and first["item"]["prior_decisions"] == []
        _decide(client, first, action="approve")
    with api.client("review2") as client:
        second = _claim(client)
        assert second["item"]["id"] == first["item"]["id"]
        assert _decide(client, second, action="reject", **why)["item_state"] == "adjudication"
    with api.client("senior") as client:
        held = _claim(client, "escalations")
        assert held["item"]["id"] == first["item"]["id"]
        prior = held["item"]["prior_decisions"]
        assert [(p["review_round"], p["reviewer"], p["outcome"], p["rationale"]) for p in prior] == [
            (1, "reviewer1@example.com", "approved", None),
            (2, "reviewer2@example.com", "rejected", "Not billing."),
        ]
        settled = _decide(client, held, action="edit", output={"label": "refund"}, **why)
    assert settled["item_state"] == "decided"
    with api.client("reader") as reader:
        status = reader.get(item_path(source, "a1")).json()
    assert (status["state"], status["decision"]["final"], status["decision"]["final_output"]) == (
        "decided", True, {"label": "refund"})
