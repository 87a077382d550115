"""`POST /api/v1/items` refuses gold answers: upstream cannot plant the answers reviewers are scored by."""

from tests.api.conftest import ApiServer, fresh_source, item_path, record


def test_a_record_carrying_a_gold_answer_is_rejected_and_not_stored(api: ApiServer) -> None:
    source = fresh_source()
    with api.client("ingest") as client:
        answer = client.post("/api/v1/items", json=[
            record(source, "planted", gold={"decision": "approve"}),
            record(source, "plain"),
        ])
        planted = client.get(item_path(source, "planted"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], [(r["index"], r["field"]) for r in body["rejected"]]) == (1, [(0, "gold")])
    assert "only from a gold file" in body["rejected"][0]["error"]
    assert planted.status_code == 404
