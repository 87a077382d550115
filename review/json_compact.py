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

from review.arrow_bytes import escaped, string_bytes, without

_QUOTE, _SPACE, _COMMA, _COLON = b'" ,:'


def compact_json(text: pa.Array) -> pa.Array:
    """Each cell's JSON text without the blanks of its separators; null as `null`."""
    text = pc.fill_null(text, "null")
    offsets, data = string_bytes(text)
    spaces = _separator_spaces(data)
    return without(offsets, data, spaces) if len(spaces) else text


def _separator_spaces(data: np.ndarray) -> np.ndarray:
    """Positions of the spaces after "," or ":" that are outside strings, ascending."""
    after_separator = (data[:-1] == _COMMA) | (data[:-1] == _COLON)
    candidates = np.flatnonzero(after_separator & (data[1:] == _SPACE)) + 1
    if len(candidates) == 0:
        return candidates
    quotes = np.flatnonzero(data == _QUOTE)
    quotes = quotes[~escaped(data, quotes)]
    # Strings open at even-numbered quotes (every cell is whole JSON, so quotes pair up within
    # it): a candidate is outside all strings when an even number of quotes precede it.
    return candidates[np.searchsorted(quotes, candidates) % 2 == 0]
