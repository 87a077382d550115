"""SQLite's JSON text (non-ASCII as `\\u` escapes) becomes what `json.dumps(value,
ensure_ascii=False)` writes, on the array's bytes."""

import json
import random

import pyarrow as pa

from review.export_columnar import exported_json

VALUES = [
    {"q": "Où? Grüße 😀 \x7f \x1f \u2028 日本", "n": None},
    "C:\\users\\u1234",  # an escaped backslash before "u" is no escape
    ["\\\u00e9", "\U0001f600\U0001f601", "\U0010ffff\u0800\u07ff\u0080"],
    "plain",
    1e-05,
    None,
]


def _exported(values: list[object]) -> list[str | None]:
    return [None if value is None else json.dumps(value, ensure_ascii=False) for value in values]


def test_escapes_of_non_ascii_characters_become_utf8_and_control_escapes_stay():
    draw = random.Random(3)
    alphabet = 'aé😀\\"\x01\x7f\u2028\u0800\u07ff'
    values = VALUES + ["".join(draw.choice(alphabet) for _ in range(draw.randint(0, 8)))
                       for _ in range(3_000)]
    stored = pa.array([json.dumps(value) for value in values] + [None])
    assert exported_json(stored).to_pylist() == _exported(values) + [None]
    assert exported_json(stored.slice(2, 40)).to_pylist() == _exported(values[2:42])


def test_escapes_json_dumps_would_not_write_are_re_encoded():
    stored = pa.array(['"\\u00E9"', '"\\u0041"', '"a\\u00e9"'])
    assert exported_json(stored).to_pylist() == ['"é"', '"A"', '"aé"']
