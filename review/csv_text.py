"""Text cells of a CSV file, formula-safe and quoted: what Python's `csv.writer` (QUOTE_MINIMAL)
writes for `neutralise_formula` of each cell, for a whole string array at once."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from review.arrow_bytes import string_bytes
from review.arrow_cells import changed_where
from review.formula import neutralise_formula

# A first byte that can neither start a formula, nor be blank, nor change under NFKC: printable
# ASCII but `'`, `+`, `-`, `=` and `@`. Cells starting otherwise (rare) are checked in Python.
_SAFE_FIRST = np.zeros(256, dtype=bool)
_SAFE_FIRST[ord("!"):ord("~") + 1] = True
_SAFE_FIRST[np.frombuffer(b"'+-=@", dtype=np.uint8)] = False
_QUOTED = r'[,"\r\n]'


def csv_text(text: pa.Array) -> pa.Array:
    """Each cell as the file holds it; null as an empty cell."""
    text = pc.fill_null(text, "")
    offsets, data = string_bytes(text)
    if len(data) == 0:
        return text
    # The first bytes, read straight from the buffer: cheaper than an anchored pattern.
    starts = offsets[:-1]
    unsure = (offsets[1:] > starts) & ~_SAFE_FIRST[data[np.minimum(starts, len(data) - 1)]]
    if unsure.any():
        text = changed_where(text, pa.array(unsure), neutralise_formula)
    quoted = pc.match_substring_regex(text, _QUOTED)
    if not pc.any(quoted).as_py():
        return text
    doubled = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    # JSON objects and strings all hold `"`: such columns need no choosing cell by cell.
    return doubled if pc.all(quoted).as_py() else pc.if_else(quoted, doubled, text)
