"""`POST /api/v1/items` with questionable input: repeated keys, Unicode spellings, invisible characters."""

import json
import unicodedata

from tests.api.conftest import ApiServer, assert_no_trace, fresh_source, item_path, record


def test_a_repeated_key_rejects_only_its_record_naming_the_key(api: ApiServer) -> None:
    source = fresh_source()
    good = json.dumps(record(source, "good"))
    evil = json.dumps(record(source, "evil"))[:-1] + ', "output": "EVIL"}'
    nested = json.dumps(record(source, "nested", input={"a": 1}))[:-1]
    nested = nested.replace('"input": {"a": 1}', '"input": {"a": 1, "a": 2}') + "}"
    with api.client("ingest") as client:
        answer = client.post("/api/v1/items", content=f"[{good}, {evil}, {nested}]",
                             headers={"content-type": "application/json"})
        evil_lookup = client.get(item_path(source, "evil"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["duplicates"]) == (1, 0)
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [(1, "output"), (2, "input")]
    assert "'output'" in body["rejected"][0]["error"] and "'a'" in body["rejected"][1]["error"]
    assert evil_lookup.status_code == 404


def test_a_repeated_key_in_another_body_is_422_naming_it(api: ApiServer) -> None:
    with api.client("review1") as client:
        answer = client.post("/api/v1/claims", content=b'{"queue": "review", "queue": "escalations"}',
                             headers={"content-type": "application/json"})
    assert answer.status_code == 422 and "'queue'" in answer.json()["error"]
    assert_no_trace(answer)


def test_nfc_and_nfd_spellings_are_one_item_found_by_either(api: ApiServer) -> None:
    source, nfc = fresh_source(), unicodedata.normalize("NFC", "Zoë/Ångström")
    nfd = unicodedata.normalize("NFD", nfc)
    with api.client("ingest") as client:
        first = client.post("/api/v1/items", json=record(source, nfd)).json()
        again = client.post("/api/v1/items", json=record(source, nfc)).json()
        by_nfc, by_nfd = client.get(item_path(source, nfc)), client.get(item_path(source, nfd))
    assert (first["accepted"], again["accepted"], again["duplicates"]) == (1, 0, 1)
    assert by_nfc.status_code == by_nfd.status_code == 200
    assert by_nfc.json()["external_id"] == nfc and by_nfc.json() == by_nfd.json()


def test_invisible_characters_and_a_slash_in_source_are_rejected_by_field(api: ApiServer) -> None:
    source = fresh_source()
    with api.client("ingest") as client:
        answer = client.post("/api/v1/items", json=[
            record(source, "line\nbreak"), record(f"{source}\u202e", "r"), record(f"{source}/team", "x"),
            {**record(source, "t"), "task": "tri\u200eage"},
        ]).json()
    assert answer["accepted"] == 0
    assert [r["field"] for r in answer["rejected"]] == ["external_id", "source", "source", "task"]
    assert "U+000A" in answer["rejected"][0]["error"] and "'/'" in answer["rejected"][2]["error"]


def test_a_number_too_long_to_read_is_422_in_our_words(api: ApiServer) -> None:
    body = json.dumps(record(fresh_source(), "n"))[:-1] + ', "metadata": {"n": ' + "9" * 5000 + "}}"
    with api.client("ingest") as client:
        answer = client.post("/api/v1/items", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert "more than 4300 digits" in answer.json()["error"] and "sys." not in answer.json()["error"]
    assert_no_trace(answer)
