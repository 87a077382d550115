"""JSON text in an Arrow array made compact, on the array's bytes with numpy.

The text is what `json.dumps(value, ensure_ascii=False)` writes: outside strings the only blanks
are the single spaces of its separators (", " and ": "). Dropping exactly those gives what
`separators=(",", ":")` writes. A space counts as one of them when it follows "," or ":" and is not
inside a string; inside strings every `"` is escaped (an odd run of backslashes before it), and
UTF-8 never uses the bytes of `"`, `\\` or a space within a longer character.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_QUOTE, _BACKSLASH, _SPACE, _COMMA, _COLON = b'"\\ ,:'


def compact_json(text: pa.Array) -> pa.Array:
    """Each cell's JSON text without the blanks of its separators; null as `null`."""
    text = pc.fill_null(text, "null")
    _, offset_buffer, data_buffer = text.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32)[text.offset:text.offset + len(text) + 1]
    start = int(offsets[0])
    data = np.frombuffer(data_buffer, dtype=np.uint8, count=int(offsets[-1]) - start, offset=start)
    spaces = _separator_spaces(data)
    if len(spaces) == 0:
        return text
    kept = np.ones(len(data), dtype=bool)
    kept[spaces] = False
    # Each cell loses the dropped spaces that lie within it.
    relative = offsets - start
    compacted = (relative - np.searchsorted(spaces, relative)).astype(np.int32)
    return pa.StringArray.from_buffers(len(text), pa.py_buffer(compacted), pa.py_buffer(data[kept]))


def _separator_spaces(data: np.ndarray) -> np.ndarray:
    """Positions of the spaces after "," or ":" that are outside strings, ascending."""
    after_separator = (data[:-1] == _COMMA) | (data[:-1] == _COLON)
    candidates = np.flatnonzero(after_separator & (data[1:] == _SPACE)) + 1
    if len(candidates) == 0:
        return candidates
    quotes = _unescaped_quotes(data)
    # Strings open at even-numbered quotes (every cell is whole JSON, so quotes pair up within
    # it): a candidate is outside all strings when an even number of quotes precede it.
    return candidates[np.searchsorted(quotes, candidates) % 2 == 0]


def _unescaped_quotes(data: np.ndarray) -> np.ndarray:
    quotes = np.flatnonzero(data == _QUOTE)
    # Only a quote right after a backslash may be escaped: it is when the run of backslashes
    # before it is odd. Such quotes are few, and runs short, so runs are measured step by step.
    suspects = np.flatnonzero(data[np.maximum(quotes - 1, 0)] == _BACKSLASH)
    if len(suspects) == 0:
        return quotes
    run = np.ones(len(suspects), dtype=np.int64)
    growing = np.ones(len(suspects), dtype=bool)
    while growing.any():
        before = quotes[suspects] - run - 1
        growing &= (before >= 0) & (data[np.maximum(before, 0)] == _BACKSLASH)
        run += growing
    return np.delete(quotes, suspects[run % 2 == 1])
