"""Compact JSON text from the array's bytes is what `json.dumps` writes with compact separators."""

import json
import random

import pyarrow as pa

from review.json_compact import compact_json

VALUES = [
    {"a": 1, "b": [1, 2, {"c": "x, y: z"}]},
    "ends with a backslash \\",
    'quote " then, comma: colon',
    "\\\\\", \"",
    ["\\", "\\\\", '\\"', ", ", ": "],
    {"": "", " , ": " : "},
    "Grüße, 😀: ok",
    None,
    [],
    {},
    1e-05,
    "",
]


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_separators_lose_their_spaces_and_strings_keep_theirs():
    texts = [None if value is None else json.dumps(value, ensure_ascii=False) for value in VALUES]
    assert compact_json(pa.array(texts, pa.string())).to_pylist() == [
        _compact(value) for value in VALUES  # JSON null as `null`
    ]


def test_random_strings_and_slices():
    draw = random.Random(5)
    alphabet = ' ,:"\\ab\n{}[]'
    values = [{"".join(draw.choice(alphabet) for _ in range(draw.randint(0, 9))):
               ["".join(draw.choice(alphabet) for _ in range(draw.randint(0, 9))), n]}
              for n in range(2_000)]
    texts = pa.array([json.dumps(value, ensure_ascii=False) for value in values])
    for start, length in ((0, 2_000), (7, 1_500), (1_999, 1), (3, 0)):
        expected = [_compact(value) for value in values[start:start + length]]
        assert compact_json(texts.slice(start, length)).to_pylist() == expected
