"""Who may call which route: tokens, scopes and roles, and every refusal audited without secrets."""

import pytest
from sqlalchemy import text

from tests.api.conftest import ApiServer, assert_no_trace, fresh_source, record

# (method, path, body) for every authenticated route; the decision route names an item nobody holds.
ROUTES = [
    ("POST", "/api/v1/items", "record"),
    ("GET", "/api/v1/items/{source}/x-1", None),
    ("GET", "/api/v1/decisions", None),
    ("POST", "/api/v1/claims", {"queue": "escalations"}),
    ("POST", "/api/v1/items/999999999/decision", {"lease": "nope", "action": "approve"}),
]
# Which token may use which route (by the index above); every other pair is 403.
ALLOWED = {
    "ingest": {0, 1},
    "reader": {1, 2},
    "senior": {3, 4},
}


def _call(api: ApiServer, token: str | None, index: int, source: str) -> int:
    method, path, body = ROUTES[index]
    payload = record(source, f"m-{token}-{index}") if body == "record" else body
    with api.client(token) as client:
        response = client.request(method, path.format(source=source), json=payload)
    assert_no_trace(response)
    if response.status_code != 204:
        assert response.headers["content-type"].startswith("application/json"), response.text
    return response.status_code


@pytest.mark.parametrize("index", range(len(ROUTES)))
def test_a_missing_or_unknown_token_is_401(api: ApiServer, index: int) -> None:
    source = fresh_source()
    assert _call(api, None, index, source) == 401
    assert _call(api, "wb_not-a-token-anybody-made", index, source) == 401


@pytest.mark.parametrize("token", ["ingest", "reader", "senior"])
def test_each_scope_reaches_exactly_its_routes(api: ApiServer, token: str) -> None:
    source = fresh_source()
    for index in range(len(ROUTES)):
        status = _call(api, token, index, source)
        if index in ALLOWED[token]:
            assert status not in (401, 403), (token, ROUTES[index], status)
        else:
            assert status == 403, (token, ROUTES[index], status)


def test_a_review_token_carries_its_users_roles(api: ApiServer) -> None:
    with api.client("review1") as client:
        # A reviewer may claim from the review queue, but not escalations.
        assert client.post("/api/v1/claims", json={"queue": "escalations"}).status_code == 403
    with api.client("roleless") as client:
        refused = client.post("/api/v1/claims")
    assert refused.status_code == 403
    assert "review items" in refused.json()["error"]


def test_refusals_are_audited_and_no_log_line_holds_a_token(api: ApiServer) -> None:
    with api.client("reader") as client:
        assert client.post("/api/v1/items", json=record(fresh_source(), "r-1")).status_code == 403
    with api.engine().connect() as connection:
        subjects = connection.execute(
            text("SELECT subject FROM audit_entry WHERE action = 'refused' AND actor = 'token:reader'")
        ).scalars().all()
    assert "POST /api/v1/items" in subjects
    log = api.server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "refused" in log
    for value in api.tokens.values():
        assert value not in log


def test_a_revoked_token_is_refused_at_once(api: ApiServer) -> None:
    name = f"short-lived-{fresh_source()}"
    value = api.workbench("token", "create", name, "--scope", "ingest").strip()
    source = fresh_source()
    with api.client(value) as client:
        assert client.post("/api/v1/items", json=record(source, "a")).status_code == 200
        api.workbench("token", "revoke", name)
        refused = client.post("/api/v1/items", json=record(source, "b"))
    assert refused.status_code == 401
    assert "token" in refused.json()["error"]
    assert value not in api.workbench("token", "list")


def test_health_needs_no_token_and_openapi_names_every_route(api: ApiServer) -> None:
    with api.client() as client:
        health = client.get("/api/v1/health")
        document = client.get("/api/v1/openapi.json").json()
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok"}
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) >= {
        "/api/v1/health", "/api/v1/items", "/api/v1/items/{source}/{external_id}",
        "/api/v1/decisions", "/api/v1/claims", "/api/v1/items/{id}/decision",
    }
