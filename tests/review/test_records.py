"""The contract's record table: each rule refuses a bad record with a reason naming the field."""

import json
import math
import unicodedata

import pytest

from review.enums import Impact
from review.errors import InvalidRequest
from review.records import validate_record
from tests.factories import make_record


def _refusal(**overrides: object) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        validate_record(make_record(**overrides))
    return caught.value


def _without(name: str) -> dict:
    record = make_record()
    del record[name]
    return record


def test_a_complete_record_is_accepted_as_it_is():
    raw = make_record(tags=["vip"], metadata={"ticket": 7}, impact="high")
    record = validate_record(raw)
    assert record.key == (raw["source"], raw["external_id"])
    assert record.task == "ticket-triage" and record.model_version == "triage-v4"
    assert record.input == {"subject": "Cannot log in"}
    assert record.output == {"category": "account"}
    assert record.confidence == 0.3 and record.impact is Impact.HIGH
    assert record.tags == ["vip"] and record.metadata == {"ticket": 7}


def test_only_the_required_fields_are_needed():
    record = validate_record({"external_id": "1", "source": "s", "task": "t", "output": "yes"})
    assert record.confidence is None and record.impact is None
    assert record.model_version is None and record.input is None
    assert record.tags is None and record.metadata is None


@pytest.mark.parametrize("name", ["external_id", "source", "task", "output"])
def test_a_missing_required_field_is_named(name):
    with pytest.raises(InvalidRequest) as caught:
        validate_record(_without(name))
    assert caught.value.field == name
    assert name in str(caught.value) and "required" in str(caught.value)


@pytest.mark.parametrize("name", ["external_id", "source", "task", "output"])
def test_a_null_required_field_is_named(name):
    assert _refusal(**{name: None}).field == name


@pytest.mark.parametrize("name", ["external_id", "source", "task", "model_version"])
@pytest.mark.parametrize("value", [7, ["a"], {"a": 1}, True])
def test_text_fields_must_be_strings(name, value):
    error = _refusal(**{name: value})
    assert error.field == name and "string" in str(error)


@pytest.mark.parametrize("name", ["external_id", "source", "task"])
@pytest.mark.parametrize("value", ["", "   "])
def test_required_text_must_not_be_blank(name, value):
    error = _refusal(**{name: value})
    assert error.field == name and "empty" in str(error)


def test_external_id_may_be_200_characters_but_not_201():
    assert validate_record(make_record(external_id="x" * 200)).external_id == "x" * 200
    error = _refusal(external_id="x" * 201)
    assert error.field == "external_id" and "200" in str(error)


@pytest.mark.parametrize("value", [0, 1, 0.5, None])
def test_confidence_in_zero_to_one_or_null_is_accepted(value):
    assert validate_record(make_record(confidence=value)).confidence == value


@pytest.mark.parametrize("value", [-0.01, 1.01, 2, math.nan, math.inf, "0.5", True, [0.5]])
def test_confidence_outside_zero_to_one_or_not_a_number_is_refused(value):
    assert _refusal(confidence=value).field == "confidence"


@pytest.mark.parametrize("value", ["low", "medium", "high", None])
def test_each_impact_of_the_contract_is_accepted(value):
    impact = validate_record(make_record(impact=value)).impact
    assert (impact.value if impact else None) == value


@pytest.mark.parametrize("value", ["HIGH", "critical", "", 3, ["high"], {"level": "high"}])
def test_any_other_impact_is_refused_by_name(value):
    error = _refusal(impact=value)
    assert error.field == "impact" and "low, medium, high" in str(error)


@pytest.mark.parametrize("value", ["vip", [1, 2], ["ok", None], {"a": "b"}])
def test_tags_must_be_a_list_of_strings(value):
    assert _refusal(tags=value).field == "tags"


@pytest.mark.parametrize("value", [[], "text", 5, ["a"]])
def test_metadata_must_be_an_object(value):
    assert _refusal(metadata=value).field == "metadata"


@pytest.mark.parametrize("value", [0, "", False, [], {}, "plain text", [1, {"a": None}]])
def test_output_may_be_any_json_value_but_null(value):
    assert validate_record(make_record(output=value)).output == value


def test_an_unknown_field_is_named_rather_than_dropped():
    error = _refusal(confidnce=0.9)
    assert error.field == "confidnce" and "unknown" in str(error)


@pytest.mark.parametrize("value", [[1], "text", 5, None, True])
def test_a_record_that_is_not_an_object_is_refused(value):
    with pytest.raises(InvalidRequest) as caught:
        validate_record(value)
    assert "object" in str(caught.value)


@pytest.mark.parametrize(
    "name, value",
    [
        ("external_id", "a\x00b"),
        ("input", {"text": "a\x00b"}),
        ("output", ["fine", {"deep": "a\x00"}]),
        ("metadata", {"key\x00": 1}),
    ],
)
def test_a_nul_character_anywhere_is_refused_by_field(name, value):
    error = _refusal(**{name: value})
    assert error.field == name and "NUL" in str(error)


@pytest.mark.parametrize(
    "name, value",
    [
        ("external_id", "a\ud800"),
        ("output", {"text": "\udc00"}),
        ("metadata", {"\ud83d": "half an emoji"}),
    ],
)
def test_a_lone_surrogate_is_refused_by_field(name, value):
    # JSON can spell one ("\ud800"); no database can store it.
    error = _refusal(**{name: value})
    assert error.field == name and "surrogate" in str(error)


def test_a_whole_emoji_is_fine():
    assert validate_record(make_record(output="ok \U0001F600")).output == "ok \U0001F600"


def test_an_unknown_field_name_is_quoted_safely():
    error = _refusal(**{"bad\ud800name": 1})
    assert "\\ud800" in str(error)
    str(error).encode("utf-8")  # printable on any terminal


def test_nan_inside_a_json_value_is_refused():
    assert _refusal(input={"score": math.nan}).field == "input"


def test_absurdly_nested_values_are_refused_without_recursion():
    value: object = "leaf"
    for _ in range(1000):
        value = [value]
    error = _refusal(output=value)
    assert error.field == "output" and "nested" in str(error)


def test_moderately_nested_values_are_accepted():
    value: object = "leaf"
    for _ in range(30):
        value = {"child": value}
    assert validate_record(make_record(input=value)).input == value


@pytest.mark.parametrize("name", ["external_id", "source", "task"])
def test_ids_and_names_are_stored_in_nfc(name):
    decomposed = unicodedata.normalize("NFD", "Café-Ångström")
    record = validate_record(make_record(**{name: decomposed}))
    assert getattr(record, name) == unicodedata.normalize("NFC", decomposed)


def test_the_length_limit_applies_to_the_nfc_spelling():
    # 200 "é" written as e + combining accent are 400 code points but 200 characters in NFC.
    assert len(validate_record(make_record(external_id="e\u0301" * 200)).external_id) == 200


@pytest.mark.parametrize("name", ["external_id", "source", "task"])
@pytest.mark.parametrize(
    "character", ["\n", "\r", "\t", "\x1b", "\x7f", "\x85", "\u2028", "\u200e", "\u200f", "\u202a",
                  "\u202e", "\u2066", "\u2069"],
)
def test_control_and_bidirectional_characters_in_ids_and_names_are_refused(name, character):
    error = _refusal(**{name: f"abc{character}def"})
    assert error.field == name and f"U+{ord(character):04X}" in str(error)


def test_a_source_with_a_slash_is_refused_with_the_reason():
    error = _refusal(source="team/helpdesk")
    assert error.field == "source" and "'/'" in str(error) and "/api/v1/items" in str(error)


def test_an_external_id_may_hold_slashes():
    assert validate_record(make_record(external_id="invoices/2026/001")).external_id == "invoices/2026/001"


@pytest.mark.parametrize(
    "value",
    [
        {"text": "plain ascii", "n": [1, 2.5, -3e-7, True, None]},
        {"name": "Chloé", "emoji": "\U0001F600", "cjk": "日本"},
        {"delete": "a\x7fb", "escapes": "tab\tquote\"back\\slash\nline"},
        ["\u2028", {"\u00e9": "key outside ASCII"}],
        "just a string",
        [],
    ],
)
def test_the_json_text_kept_for_storage_is_what_json_dumps_writes(value):
    # Stored as it is, so it must read back (and compare in SQL) as the ORM's encoding would.
    record = validate_record(make_record(input=value, output=value, tags=["ü"], metadata={"k": value}))
    assert record.json_texts == (json.dumps(value), json.dumps(value), json.dumps(["ü"]),
                                 json.dumps({"k": value}))


def test_an_absent_json_field_is_kept_as_json_null():
    record = make_record()
    record.pop("input")
    assert validate_record(record).json_texts == ("null", json.dumps(record["output"]), "null", "null")


def test_values_known_free_of_repeated_keys_are_still_refused_when_nested_too_deeply():
    value: object = "leaf"
    for _ in range(65):
        value = {"child": value}
    with pytest.raises(InvalidRequest, match="nested") as caught:
        validate_record(make_record(input=value), unique_keys=True)
    assert caught.value.field == "input"


def test_brackets_inside_strings_do_not_make_a_shallow_value_too_deep():
    value = {"text": "[" * 100 + "{" * 100}
    assert validate_record(make_record(output=value), unique_keys=True).output == value


@pytest.mark.parametrize("unique_keys", [False, True])
def test_a_nul_or_a_lone_surrogate_is_refused_whatever_the_reader_knew(unique_keys):
    for value, reason in [({"a": ["x\x00"]}, "NUL"), ({"a": ["\ud800"]}, "surrogate")]:
        with pytest.raises(InvalidRequest, match=reason) as caught:
            validate_record(make_record(metadata=value), unique_keys=unique_keys)
        assert caught.value.field == "metadata"
