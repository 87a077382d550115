"""Questionable input to ingest: repeated keys, Unicode spellings of one id, invisible characters."""

import io
import json
import unicodedata

from review.ingest import ingest_records
from review.record_files import read_json_lines
from tests.factories import OPERATOR, ingest, make_record, stored_item, stored_items


def _jsonl(*lines: str) -> io.BytesIO:
    return io.BytesIO("".join(line + "\n" for line in lines).encode())


def test_a_record_with_a_repeated_key_is_rejected_whole_and_the_others_are_stored(engine):
    good = make_record()
    evil = '{"external_id":"k-1","source":"helpdesk-ai","task":"t","output":"safe","output":"EVIL"}'
    report = ingest_records(engine, OPERATOR, read_json_lines(_jsonl(json.dumps(good), evil)))
    assert report.accepted == 1
    assert [(r.position, r.field) for r in report.rejected] == [(2, "output")]
    assert "'output'" in report.rejected[0].error
    assert [item.external_id for item in stored_items(engine)] == [good["external_id"]]


def test_nfc_and_nfd_spellings_of_one_key_are_one_item(engine):
    nfc = unicodedata.normalize("NFC", "Zoë-Ångström")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    first = ingest(engine, make_record(external_id=nfd, source=f"søurce-{nfd}", task=nfd))
    again = ingest(engine, make_record(external_id=nfc, source=f"søurce-{nfc}", task=nfc))
    assert (first.accepted, again.accepted, again.duplicates) == (1, 0, 1)
    item = stored_item(engine, nfc, source=f"søurce-{nfc}")
    assert (item.external_id, item.task) == (nfc, nfc)


def test_the_two_spellings_in_one_batch_are_one_item(engine):
    nfd = unicodedata.normalize("NFD", "café")
    report = ingest(engine, make_record(external_id="café"), make_record(external_id=nfd))
    assert (report.accepted, report.duplicates) == (1, 1)


def test_an_id_with_a_newline_or_a_bidirectional_control_is_rejected_by_field(engine):
    report = ingest(engine, make_record(external_id="a\nb"), make_record(source="x\u202egnp.exe"),
                    make_record(task="t\u2066"), make_record(source="team/helpdesk"))
    assert [r.field for r in report.rejected] == ["external_id", "source", "task", "source"]
    assert stored_items(engine) == []


def test_a_repeated_key_deep_inside_a_streamed_record_rejects_only_that_record(engine):
    good = make_record(input={"nested": [{"a": 1}]})
    evil = ('{"external_id":"k-2","source":"helpdesk-ai","task":"t","output":"ok",'
            '"input":{"nested":[{"a":1,"a":2}]}}')
    report = ingest_records(engine, OPERATOR, read_json_lines(_jsonl(evil, json.dumps(good))))
    assert [(r.position, r.field) for r in report.rejected] == [(1, "input")]
    assert [item.input for item in stored_items(engine)] == [good["input"]]
