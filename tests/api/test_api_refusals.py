"""Refusals: identified callers are audited (someone else's lease, a revoked token); anonymous ones
are counted, not audited; every answer under /api/v1 is JSON, unknown paths included."""

import json

from tests.api.conftest import ApiServer, assert_no_trace, fresh_source, record


def _refusals(api: ApiServer, actor: str) -> list[str]:
    rows = api.rows("SELECT details FROM audit_entry WHERE action = 'refused' AND actor = :actor "
                    "ORDER BY seq", actor=actor)
    return [json.dumps(details) if not isinstance(details, str) else details for (details,) in rows]


def test_a_senior_presenting_another_reviewers_lease_gets_409_and_an_audit_entry(api: ApiServer) -> None:
    with api.client("ingest") as client:
        assert client.post("/api/v1/items", json=record(fresh_source(), "lease-1")).status_code == 200
    with api.client("review1") as client:
        claim = client.post("/api/v1/claims").json()
    before = len(_refusals(api, "senior@example.com"))
    with api.client("senior") as client:
        answer = client.post(f"/api/v1/items/{claim['item']['id']}/decision",
                             json={"lease": claim["lease"], "action": "approve"})
    assert answer.status_code == 409 and "error" in answer.json()
    refusals = _refusals(api, "senior@example.com")
    assert len(refusals) == before + 1
    assert "act on a lease it does not hold" in refusals[-1]
    with api.client("review1") as client:
        assert client.post(f"/api/v1/items/{claim['item']['id']}/decision",
                           json={"lease": claim["lease"], "action": "approve"}).status_code == 200


def test_a_revoked_token_is_audited_each_time_it_is_used(api: ApiServer) -> None:
    name = f"gone-{fresh_source()}"
    value = api.workbench("token", "create", name, "--scope", "ingest").strip()
    api.workbench("token", "revoke", name)
    with api.client(value) as client:
        assert client.get("/api/v1/decisions").status_code == 401
        assert client.get("/api/v1/decisions").status_code == 401
    refusals = _refusals(api, f"token:{name}")
    assert len(refusals) == 2 and all("use of a revoked token" in details for details in refusals)


def test_anonymous_refusals_do_not_grow_the_audit_log(api: ApiServer) -> None:
    [(before,)] = api.rows("SELECT count(*) FROM audit_entry")
    with api.client() as anonymous, api.client("not-a-token") as unknown:
        for _ in range(25):
            assert anonymous.get("/api/v1/decisions").status_code == 401
            assert unknown.get("/api/v1/decisions").status_code == 401
    [(after,)] = api.rows("SELECT count(*) FROM audit_entry")
    assert after == before


def test_unknown_paths_and_methods_under_the_api_answer_json(api: ApiServer) -> None:
    with api.client() as client:
        missing = client.get("/api/v1/no-such-thing")
        wrong_method = client.delete("/api/v1/items")
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/json")
    assert missing.json() == {"error": "no such route: /api/v1/no-such-thing"}
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert wrong_method.json() == {"error": "DELETE is not allowed here; use POST"}
    for answer in (missing, wrong_method):
        assert_no_trace(answer)
