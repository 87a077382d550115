"""`POST /api/v1/items`: validated like the CLI, answered per record, idempotent, size-capped."""

import json

from tests.api.conftest import (
    MAX_BODY_BYTES,
    ApiServer,
    assert_no_trace,
    fresh_source,
    item_path,
    record,
)


def test_one_record_then_a_list_with_a_duplicate_and_a_bad_record(api: ApiServer) -> None:
    source = fresh_source()
    with api.client("ingest") as client:
        first = client.post("/api/v1/items", json=record(source, "a"))
        batch = client.post("/api/v1/items", json=[
            record(source, "a"),                      # the same record again: a duplicate
            record(source, "b"),
            record(source, "c", confidence=1.5),      # out of range
            {**record(source, "d"), "output": None},  # output is required
        ])
        status = client.get(f"/api/v1/items/{source}/b")
    assert first.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    answer = batch.json()
    assert (answer["accepted"], answer["duplicates"]) == (1, 1)
    assert [(r["index"], r["field"]) for r in answer["rejected"]] == [(2, "confidence"), (3, "output")]
    assert "confidence" in answer["rejected"][0]["error"]
    assert "output" in answer["rejected"][1]["error"]
    assert status.status_code == 200 and status.json()["state"] == "pending"


def test_a_rejected_record_stores_nothing_of_itself(api: ApiServer) -> None:
    source = fresh_source()
    with api.client("ingest") as client:
        client.post("/api/v1/items", json=record(source, "bad", impact="severe"))
        lookup = client.get(f"/api/v1/items/{source}/bad")
    assert lookup.status_code == 404
    assert_no_trace(lookup)


def test_malformed_json_is_422_and_names_the_problem(api: ApiServer) -> None:
    with api.client("ingest") as client:
        for body in (b'{"external_id": "x",', b"\xff\xfe not utf-8", b"[" * 2000 + b"]" * 2000):
            response = client.post("/api/v1/items", content=body,
                                   headers={"content-type": "application/json"})
            assert response.status_code == 422, (body[:20], response.text)
            assert response.json()["error"].startswith("the body is")
            assert_no_trace(response)


def test_bodies_over_the_limit_are_413_even_without_a_length(api: ApiServer) -> None:
    big = json.dumps([record("s", f"id-{n}", input={"pad": "x" * 1000}) for n in range(400)])
    assert len(big) > MAX_BODY_BYTES

    def chunks() -> object:
        yield big.encode()  # streamed: no Content-Length, so the server must count as it reads

    with api.client("ingest") as client:
        declared = client.post("/api/v1/items", content=big, headers={"content-type": "application/json"})
        streamed = client.post("/api/v1/items", content=chunks(),  # type: ignore[arg-type]
                               headers={"content-type": "application/json"})
    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert "limit" in response.json()["error"]


def test_more_than_a_thousand_records_are_refused_whole(api: ApiServer) -> None:
    source = fresh_source()
    records = [{"external_id": str(n), "source": source, "task": "t", "output": n} for n in range(1001)]
    with api.client("ingest") as client:
        response = client.post("/api/v1/items", json=records)
        lookup = client.get(f"/api/v1/items/{source}/0")
    assert response.status_code == 413
    assert "1000" in response.json()["error"]
    assert lookup.status_code == 404


def test_an_item_is_found_by_any_external_id_even_with_slashes(api: ApiServer) -> None:
    source = fresh_source()
    external_id = "invoices/2026/001 ü?#%"
    with api.client("ingest") as client:
        assert client.post("/api/v1/items", json=record(source, external_id)).json()["accepted"] == 1
        found = client.get(item_path(source, external_id))
    assert found.status_code == 200, found.text
    assert found.json()["external_id"] == external_id
