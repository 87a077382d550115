"""Tokens bounded to sources, and reviewers shown by pseudonym: through the HTTP API itself."""

import json
import time
from typing import Any

from review.actors import pseudonym
from tests.api.conftest import ApiServer, assert_no_trace, fresh_source, item_path, record


def _token(api: ApiServer, scope: str, *options: str) -> str:
    """A new token of `scope` with the command line's `options`; its value."""
    return api.workbench("token", "create", f"t-{fresh_source()}", "--scope", scope, *options).strip()


def _decide_high_impact(api: ApiServer, items: list[tuple[str, str]]) -> None:
    """Ingest (source, external id) pairs as high-impact items and have reviewer1 reject each."""
    with api.client("ingest") as client:
        answer = client.post("/api/v1/items", json=[record(s, e, impact="high") for s, e in items]).json()
    assert answer["accepted"] == len(items), answer
    with api.client("review1") as client:
        for _ in items:
            held = client.post("/api/v1/claims").json()
            assert (held["item"]["source"], held["item"]["external_id"]) in items
            decided = client.post(f"/api/v1/items/{held['item']['id']}/decision", json={
                "lease": held["lease"], "action": "reject", "reason_code": "tone", "rationale": "Rude."})
            assert decided.status_code == 200, decided.text


def _whole_feed(api: ApiServer, token: str, limit: int, at_least: int,
                after: str = "") -> tuple[list[dict[str, Any]], str]:
    """Every decision the token's feed shows after `after`, paged by `limit`, and the last cursor.

    A page can come back short while another run's write transaction on the shared PostgreSQL
    cluster holds the feed's horizon back (it waits 2 s, then answers without those decisions),
    so the reader goes on until it has `at_least` decisions and the feed has nothing more."""
    seen: list[dict[str, Any]] = []
    cursor = after
    deadline = time.monotonic() + 120
    with api.client(token) as client:
        while True:
            answer = client.get("/api/v1/decisions", params={"after": cursor, "limit": limit})
            assert answer.status_code == 200, answer.text
            page, cursor = answer.json()["decisions"], answer.json()["next"]
            if not page and (len(seen) >= at_least or time.monotonic() > deadline):
                return seen, cursor
            seen += page


def test_a_bounded_ingest_token_writes_and_reads_only_its_sources(api: ApiServer) -> None:
    mine, theirs = fresh_source(), fresh_source()
    token = _token(api, "ingest", "--source", mine)
    with api.client(token) as client:
        before = client.get(item_path(theirs, "secret"))
        with api.client("ingest") as other:
            assert other.post("/api/v1/items", json=record(theirs, "secret")).json()["accepted"] == 1
        after = client.get(item_path(theirs, "secret"))
        sent = client.post("/api/v1/items", json=[record(mine, "a"), record(theirs, "b"),
                                                  record(theirs, "secret")])
        own = client.get(item_path(mine, "a"))
    # Whether the other source holds the item, the answer is byte for byte the same 404.
    assert (before.status_code, after.status_code) == (404, 404)
    assert after.content == before.content
    assert after.headers["content-type"] == before.headers["content-type"]
    assert_no_trace(after)
    answer = sent.json()
    assert (answer["accepted"], answer["duplicates"]) == (1, 0)
    assert [(r["index"], r["field"]) for r in answer["rejected"]] == [(1, "source"), (2, "source")]
    assert own.status_code == 200 and own.json()["state"] == "pending"
    assert api.rows("SELECT COUNT(*) FROM item WHERE source = :s", s=theirs) == [(1,)]


def test_a_bounded_feed_shows_only_its_sources_once_each_with_reviewers_as_pseudonyms(api: ApiServer) -> None:
    mine, theirs = fresh_source(), fresh_source()
    token = _token(api, "decisions:read", "--source", mine)
    _decide_high_impact(api, [(mine, "a"), (theirs, "b"), (mine, "c")])
    seen, cursor = _whole_feed(api, token, limit=1, at_least=2)
    assert [(d["source"], d["external_id"]) for d in seen] == [(mine, "a"), (mine, "c")]
    assert cursor.endswith(f".{seen[-1]['id']}")  # "txid.id" of the last decision read
    _decide_high_impact(api, [(theirs, "d"), (mine, "e")])
    more, _ = _whole_feed(api, token, limit=100, at_least=1, after=cursor)
    assert [d["external_id"] for d in more] == ["e"]
    api.workbench("export", "--format", "jsonl", "--out", "redacted.jsonl", "--source", mine, "--redact")
    exported = (api.server.directory / "redacted.jsonl").read_text(encoding="utf-8").splitlines()
    redacted = {json.loads(line)["reviewer"] for line in exported}
    assert {d["reviewer"] for d in seen + more} == redacted == {pseudonym("reviewer1@example.com")}


def test_reviewer_identities_only_for_a_token_created_to_show_them(api: ApiServer) -> None:
    source = fresh_source()
    _decide_high_impact(api, [(source, "x")])
    identities = _token(api, "decisions:read", "--reviewer-identities")

    def reviewer_seen_by(token: str) -> str:
        with api.client(token) as client:
            return str(client.get(item_path(source, "x")).json()["decision"]["reviewer"])

    assert reviewer_seen_by(identities) == "reviewer1@example.com"
    assert reviewer_seen_by("reader") == reviewer_seen_by("ingest") == pseudonym("reviewer1@example.com")
    listing = api.workbench("token", "list")
    assert "reviewers by e-mail" in listing and "sources: all" in listing
