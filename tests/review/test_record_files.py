"""Reading JSON Lines and CSV: every bad line becomes a message with its line number, never a crash."""

import io
import json

import pytest

from review.errors import InvalidRequest
from review.record_files import RawRecord, parse_json_text, read_csv, read_json_lines, read_record_file
from review.records import validate_record
from tests.factories import make_record


def _jsonl(*lines: bytes | dict, limit: int | None = None) -> list[RawRecord]:
    text = b"".join((json.dumps(line).encode() if isinstance(line, dict) else line) + b"\n"
                    for line in lines)
    return list(read_json_lines(io.BytesIO(text), limit=limit))


def _csv(text: str | bytes) -> list[RawRecord]:
    data = text.encode() if isinstance(text, str) else text
    return list(read_csv(io.BytesIO(data)))


def _errors(records: list[RawRecord]) -> dict[int, str]:
    return {record.line: record.error for record in records if record.error is not None}


def test_each_json_line_is_a_record_with_its_line_number():
    first, second = make_record(), make_record()
    records = _jsonl(first, second)
    assert [(r.line, r.value, r.error) for r in records] == [(1, first, None), (2, second, None)]


def test_blank_lines_are_skipped_but_still_counted():
    record = make_record()
    records = _jsonl(b"", record, b"   ", b"\t", record)
    assert [r.line for r in records] == [2, 5]
    assert all(r.error is None for r in records)


def test_a_malformed_line_is_reported_with_its_line_number_and_reading_goes_on():
    records = _jsonl(make_record(), b'{"external_id": "a",', make_record())
    assert [r.line for r in records] == [1, 2, 3]
    assert records[1].value is None
    assert "not valid JSON" in records[1].error
    assert records[2].error is None


def test_a_nul_byte_is_reported():
    records = _jsonl(b'{"external_id": "a\x00"}', make_record())
    assert _errors(records) == {1: "line contains a NUL byte"}
    assert records[1].error is None


def test_invalid_utf8_is_reported():
    assert "UTF-8" in _errors(_jsonl(b'{"output": "\xff\xfe"}'))[1]


def test_a_record_over_the_size_limit_is_reported_and_the_next_line_is_read():
    small = make_record(output="x")
    big = make_record(output="x" * 500)
    records = _jsonl(small, big, small, limit=300)
    assert _errors(records) == {2: "record is larger than the 300-byte limit"}
    assert [r.line for r in records] == [1, 2, 3]
    assert records[2].value == small


def test_an_oversized_last_line_without_a_newline_is_reported():
    data = json.dumps(make_record(output="y" * 400)).encode()
    records = list(read_json_lines(io.BytesIO(data), limit=100))
    assert _errors(records) == {1: "record is larger than the 100-byte limit"}


def test_a_record_of_exactly_the_limit_is_accepted():
    line = json.dumps(make_record()).encode()
    records = list(read_json_lines(io.BytesIO(line + b"\n"), limit=len(line)))
    assert records[0].error is None


def test_a_thousand_deep_value_is_a_message_not_a_crash():
    deep = b'{"external_id":"d","source":"s","task":"t","output":' + b"[" * 1000 + b"]" * 1000 + b"}"
    records = _jsonl(deep, make_record())
    assert [r.line for r in records] == [1, 2]
    message = records[0].error
    if message is None:  # parsed: then validation must refuse it, naming the field
        with pytest.raises(InvalidRequest, match="nested") as caught:
            validate_record(records[0].value)
        assert caught.value.field == "output"
    else:
        assert "nested too deeply" in message
    assert records[1].error is None


def test_a_byte_order_mark_does_not_spoil_the_first_line():
    record = make_record()
    data = b"\xef\xbb\xbf" + json.dumps(record).encode() + b"\r\n"
    assert list(read_json_lines(io.BytesIO(data))) == [RawRecord(1, value=record)]


CSV_HEADER = "external_id,source,task,model_version,input,output,confidence,impact,tags,metadata\n"


def test_csv_json_columns_are_parsed_and_confidence_is_a_number():
    rows = _csv(
        CSV_HEADER
        + 'c-1,helpdesk-ai,ticket-triage,v4,"{""subject"": ""Hi""}","{""category"": ""billing""}",'
        + '0.75,high,"[""vip""]","{""ticket"": 3}"\n'
    )
    assert rows == [RawRecord(2, value={
        "external_id": "c-1", "source": "helpdesk-ai", "task": "ticket-triage",
        "model_version": "v4", "input": {"subject": "Hi"}, "output": {"category": "billing"},
        "confidence": 0.75, "impact": "high", "tags": ["vip"], "metadata": {"ticket": 3},
    })]
    validate_record(rows[0].value)


def test_empty_csv_cells_are_absent_fields():
    rows = _csv(CSV_HEADER + 'c-2,helpdesk-ai,ticket-triage,,,"""ok""",,,,\n')
    assert rows[0].value == {"external_id": "c-2", "source": "helpdesk-ai",
                             "task": "ticket-triage", "output": "ok"}
    assert validate_record(rows[0].value).confidence is None


def test_bad_json_in_output_is_named_with_its_line():
    rows = _csv("external_id,source,task,output\nc-3,s,t,{not json\n")
    assert rows[0].line == 2
    assert rows[0].error.startswith("'output' is not valid JSON")


def test_a_non_numeric_confidence_is_named():
    rows = _csv("external_id,source,task,output,confidence\nc-4,s,t,1,high\n")
    assert "'confidence' must be a number" in rows[0].error


def test_wrong_cell_counts_are_reported_per_row():
    rows = _csv("external_id,source,task,output\nc-5,s,t,1,extra\nc-6,s\nc-7,s,t,1\n")
    assert _errors(rows) == {
        2: "row has more cells than the header has columns",
        3: "row has fewer cells than the header has columns",
    }
    assert rows[2].value == {"external_id": "c-7", "source": "s", "task": "t", "output": 1}


def test_csv_line_numbers_survive_blank_lines_and_multi_line_cells():
    rows = _csv('external_id,source,task,output\n\nc-8,s,t,"[1,\n2]"\n\n\nc-9,s,t,{bad\n')
    assert [row.line for row in rows] == [3, 7]
    assert rows[0].value["output"] == [1, 2]
    assert rows[1].error.startswith("'output' is not valid JSON")


def test_a_spreadsheets_byte_order_mark_does_not_rename_the_first_column():
    rows = _csv(b"\xef\xbb\xbfexternal_id,source,task,output\r\nc-10,s,t,1\r\n")
    assert rows[0].value == {"external_id": "c-10", "source": "s", "task": "t", "output": 1}


def test_a_nul_character_in_a_csv_cell_is_reported():
    rows = _csv("external_id,source,task,output\nc-11,s\x00,t,1\n")
    assert rows[0].error == "row contains a NUL character"


def test_invalid_utf8_in_csv_is_reported_not_raised():
    rows = _csv(b"external_id,source,task,output\nc-12,s,t,\"\xff\"\n")
    assert rows[-1].error == "not valid UTF-8"


def test_a_file_type_other_than_jsonl_or_csv_is_refused(tmp_path):
    path = tmp_path / "records.txt"
    path.write_text("{}\n")
    with pytest.raises(ValueError, match="unknown file type"):
        list(read_record_file(str(path)))


def test_files_are_read_by_extension(tmp_path):
    record = make_record(output="ok")
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text(json.dumps(record) + "\n")
    csv_file = tmp_path / "records.csv"
    csv_file.write_text("external_id,source,task,output\nc-13,s,t,\"\"\"ok\"\"\"\n")
    assert [r.value for r in read_record_file(str(jsonl))] == [record]
    assert [r.value["output"] for r in read_record_file(str(csv_file))] == ["ok"]


def _refusal_of(raw: RawRecord) -> InvalidRequest:
    """The validation refusal of a record that was read."""
    assert raw.error is None, raw.error
    with pytest.raises(InvalidRequest) as caught:
        validate_record(raw.value)
    return caught.value


def test_a_repeated_key_is_refused_naming_it_not_resolved_last_wins():
    line = b'{"external_id":"k","source":"s","task":"t","output":"safe","output":"EVIL"}'
    error = _refusal_of(_jsonl(line)[0])
    assert error.field == "output" and "'output'" in str(error) and "twice" in str(error)


def test_a_repeated_key_deep_inside_a_value_is_refused_by_its_field():
    line = b'{"external_id":"k","source":"s","task":"t","output":"ok","input":[{"a":{"b":1,"b":2}}]}'
    error = _refusal_of(_jsonl(line)[0])
    assert error.field == "input" and "'b'" in str(error)


def test_a_repeated_key_in_a_csv_json_cell_is_refused_by_its_column():
    rows = _csv('external_id,source,task,output\nc-20,s,t,"{""x"": 1, ""x"": 2}"\n')
    error = _refusal_of(rows[-1])
    assert error.field == "output" and "'x'" in str(error)


def test_outside_records_a_repeated_key_is_a_parse_error_naming_it():
    with pytest.raises(ValueError, match="'lease'") as caught:
        parse_json_text(b'{"lease": "a", "nested": {}, "lease": "b"}')
    assert "twice" in str(caught.value)


def test_a_number_of_more_than_4300_digits_is_refused_in_our_own_words():
    line = b'{"external_id":"n","source":"s","task":"t","output":' + b"7" * 5000 + b"}"
    message = _jsonl(line)[0].error
    assert message is not None and "more than 4300 digits" in message and "column 53" in message
    assert "sys." not in message and "set_int_max_str_digits" not in message


def test_a_syntax_error_says_at_once():
    for text in (b'{"a": "unterminated', b'{"a": "tab\tinside"}'):
        with pytest.raises(ValueError) as caught:
            parse_json_text(text)
        assert "at column" in str(caught.value) and "at at" not in str(caught.value)


def test_a_syntax_error_past_the_first_line_names_the_line_too():
    with pytest.raises(ValueError, match="line 2, column 7"):
        parse_json_text('{"a": 1,\n "b": }')


def test_the_reader_says_which_records_hold_no_repeated_key():
    clean = make_record(input={"a": {"b": 1}})
    repeated = b'{"external_id":"k","source":"s","task":"t","output":"ok","input":{"a":{"b":1,"b":2}}}'
    records = _jsonl(clean, repeated, clean)
    assert [record.unique_keys for record in records] == [True, False, True]


def test_a_repeated_key_deep_inside_is_refused_when_validated_as_the_reader_read_it():
    line = b'{"external_id":"k","source":"s","task":"t","output":"ok","input":[{"a":{"b":1,"b":2}}]}'
    raw = _jsonl(line)[0]
    with pytest.raises(InvalidRequest) as caught:
        validate_record(raw.value, unique_keys=raw.unique_keys)
    assert caught.value.field == "input" and "'b'" in str(caught.value)
