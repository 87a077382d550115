"""JSON text with non-ASCII characters as `\\u` escapes (what SQLite holds: `json.dumps` with its
default `ensure_ascii`) turned into the text `json.dumps(value, ensure_ascii=False)` writes, on
the array's bytes with numpy instead of decoding and encoding each cell in Python.

The two differ only there: an escape of a character from U+007F up becomes that character's UTF-8
bytes (a surrogate pair, one four-byte character); escapes of control characters stay. An escape
`json.dumps` would not write (upper-case digits, printable ASCII, a lone surrogate) marks its
cell as one to re-encode in Python.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from review.arrow_bytes import BACKSLASH, escaped, string_bytes, without

_U = ord("u")
_WIDTH = 6  # \uXXXX
# The value of each lower-case hex digit, -1 for every other byte.
_HEX = np.full(256, -1, dtype=np.int64)
_HEX[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16)


def unescaped_json(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(the text with non-ASCII characters as themselves, whether each cell is to be re-encoded
    in Python instead); nulls stay null."""
    unusual = np.zeros(len(text), dtype=bool)
    filled = pc.fill_null(text, "")
    offsets, data = string_bytes(filled)
    starts = np.flatnonzero((data[:-1] == BACKSLASH) & (data[1:] == _U))
    starts = starts[~escaped(data, starts)]  # `\\u` is a backslash, then "u"
    if len(starts) == 0:
        return text, unusual
    cells = np.searchsorted(offsets, starts, side="right") - 1
    digits = _HEX[data[starts[:, None] + np.arange(2, _WIDTH)]]
    code = digits @ np.array([4096, 256, 16, 1])
    high = (code >= 0xD800) & (code < 0xDC00)
    low = (code >= 0xDC00) & (code < 0xE000)
    # A high surrogate right before a low one makes one character of both escapes.
    paired = np.zeros(len(starts), dtype=bool)
    paired[:-1] = high[:-1] & low[1:] & (starts[1:] == starts[:-1] + _WIDTH)
    second = np.zeros(len(starts), dtype=bool)
    second[1:] = paired[:-1]
    odd = (digits < 0).any(axis=1) | ((code >= 0x20) & (code < 0x7F)) | (high & ~paired)
    odd |= low & ~second
    unusual[cells[odd]] = True
    decoded = (code >= 0x7F) & ~odd & ~second
    if not decoded.any():
        return text, unusual
    width = np.where(paired, 2 * _WIDTH, _WIDTH)[decoded]
    point = code[decoded]
    pair = paired[decoded]
    partner = code[np.flatnonzero(decoded) + pair]  # the low surrogate of a pair
    point = np.where(pair, 0x10000 + ((point - 0xD800) << 10) + (partner - 0xDC00), point)
    at = starts[decoded]
    written = data.copy()
    length = _write_utf8(written, at, point)
    # Each escape keeps its first `length` bytes, now the character, and loses the rest.
    lost = width - length
    first_lost = np.repeat(at + length, lost)
    step = np.arange(lost.sum()) - np.repeat(np.cumsum(lost) - lost, lost)
    result = without(offsets, written, first_lost + step)
    if text.null_count:
        result = pc.if_else(pc.is_null(text), pa.scalar(None, pa.string()), result)
    return result, unusual


def _write_utf8(data: np.ndarray, at: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Write the UTF-8 bytes of each code point (U+007F and up) at its position; their count."""
    length = np.select([point < 0x80, point < 0x800, point < 0x10000], [1, 2, 3], 4)
    lead = np.select([length == 1, length == 2, length == 3],
                     [point, 0xC0 | (point >> 6), 0xE0 | (point >> 12)], 0xF0 | (point >> 18))
    data[at] = lead
    for index in (1, 2, 3):  # continuation bytes, six bits each, most significant first
        has = length > index
        shift = 6 * (length[has] - 1 - index)
        data[at[has] + index] = 0x80 | ((point[has] >> shift) & 0x3F)
    return length
