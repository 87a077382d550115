"""Who may call which route: tokens, scopes and roles, and every refusal audited without secrets."""

import time

import pytest

from review.token_cache import CACHE_SECONDS
from tests.api.conftest import ApiServer, assert_no_trace, fresh_source, record
from tests.browser.server import run_workbench_unchecked

# (method, path, body) for every authenticated route. The lookup names an item the test stores
# first; the decision names an item that does not exist, so a caller past the checks hears 404.
ROUTES = [
    ("POST", "/api/v1/items", "record"),
    ("GET", "/api/v1/items/{source}/seed", None),
    ("GET", "/api/v1/decisions", None),
    ("POST", "/api/v1/claims", None),
    ("POST", "/api/v1/items/999999999/decision", {"lease": "nope", "action": "approve"}),
]
# The answer each token gets from each route above. `review1` is a reviewer's review token,
# `senior` a senior's, `roleless` a review token whose user holds no role at all.
EXPECTED = {
    "ingest": [200, 200, 403, 403, 403],
    "reader": [403, 200, 200, 403, 403],
    "review1": [403, 403, 403, 200, 404],
    "senior": [403, 403, 403, 200, 404],
    "roleless": [403, 403, 403, 403, 403],
}
UNKNOWN_TOKEN = "wb_not-a-token-anybody-made"


def _seed(api: ApiServer) -> str:
    """A fresh source holding one waiting item, `seed`, so lookups and claims find something."""
    source = fresh_source()
    with api.client("ingest") as client:
        assert client.post("/api/v1/items", json=record(source, "seed")).json()["accepted"] == 1
    return source


def _statuses(api: ApiServer, token: str | None, source: str) -> list[int]:
    """The status of every route, called with `token`; every answer is JSON without a trace."""
    statuses = []
    for index, (method, path, body) in enumerate(ROUTES):
        payload = record(source, f"m-{index}") if body == "record" else body
        with api.client(token) as client:
            response = client.request(method, path.format(source=source), json=payload)
        assert_no_trace(response)
        if response.status_code != 204:
            assert response.headers["content-type"].startswith("application/json"), response.text
        if response.status_code in (401, 403):
            assert response.json()["error"], response.text
        statuses.append(response.status_code)
    return statuses


@pytest.mark.parametrize("token", sorted(EXPECTED))
def test_each_token_reaches_exactly_its_routes(api: ApiServer, token: str) -> None:
    assert _statuses(api, token, _seed(api)) == EXPECTED[token]
    if EXPECTED[token][3] == 200:
        _decide_held_item(api, token)


def _decide_held_item(api: ApiServer, token: str) -> None:
    """Approve what the token's user claimed, so later tests start with empty hands."""
    with api.client(token) as client:
        held = client.post("/api/v1/claims").json()  # claiming again gives the item held
        answer = client.post(f"/api/v1/items/{held['item']['id']}/decision",
                             json={"lease": held["lease"], "action": "approve"})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("token", [None, UNKNOWN_TOKEN], ids=["no-token", "unknown-token"])
def test_without_a_valid_token_every_route_is_401(api: ApiServer, token: str | None) -> None:
    assert _statuses(api, token, _seed(api)) == [401] * len(ROUTES)


def test_a_revoked_token_is_refused_within_the_cache_bound_on_every_route(api: ApiServer) -> None:
    name = f"short-lived-{fresh_source()}"
    value = api.workbench("token", "create", name, "--scope", "ingest").strip()
    source = _seed(api)
    with api.client(value) as client:
        assert client.post("/api/v1/items", json=record(source, "a")).status_code == 200
        api.workbench("token", "revoke", name)  # the server has the token cached as valid
        deadline = time.monotonic() + CACHE_SECONDS + 1
        while (refused := client.post("/api/v1/items", json=record(source, "b"))).status_code == 200:
            assert time.monotonic() < deadline, "a revoked token still works after the cache's bound"
            time.sleep(0.25)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]
    assert _statuses(api, value, source) == [401] * len(ROUTES)
    listing = api.workbench("token", "list")
    assert name in listing and value not in listing


def test_a_review_token_carries_its_users_roles(api: ApiServer) -> None:
    with api.client("review1") as client:
        # A reviewer may claim from the review queue, but not from escalations.
        escalations = client.post("/api/v1/claims", json={"queue": "escalations"})
    with api.client("roleless") as client:
        refused = client.post("/api/v1/claims")
    assert escalations.status_code == 403
    assert refused.status_code == 403
    assert "review items" in refused.json()["error"]


def test_refusals_are_audited_and_no_log_or_audit_entry_holds_a_token(api: ApiServer) -> None:
    with api.client("reader") as client:
        assert client.post("/api/v1/items", json=record(fresh_source(), "r-1")).status_code == 403
    with api.client("roleless") as client:
        assert client.post("/api/v1/claims").status_code == 403
    refusals = set(api.rows("SELECT actor, subject FROM audit_entry WHERE action = 'refused'"))
    audit_text = " ".join(f"{row}" for row in api.rows("SELECT actor, subject, details FROM audit_entry"))
    assert ("token:reader", "POST /api/v1/items") in refusals
    assert ("outsider@example.com", "POST /api/v1/claims") in refusals
    verify = run_workbench_unchecked(api.server.directory, "audit", "verify", database_url=api.db_url)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "intact" in verify.stdout
    log = api.server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "refused" in log
    assert "outsider@example.com" not in log  # the log names a pseudonym, the audit log the person
    for value in api.tokens.values():
        assert value not in log and value not in audit_text


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
    assert document["paths"]["/api/v1/claims"]["post"]["security"]
