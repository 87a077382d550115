"""The bytes of an Arrow string array as numpy arrays, for rewriting JSON text without Python
loops: what a backslash escapes, and dropping bytes from the cells."""

import numpy as np
import pyarrow as pa

BACKSLASH = ord("\\")


def string_bytes(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets from 0, data) of a string array without nulls: cell i is data[o[i]:o[i + 1]]."""
    _, offset_buffer, data_buffer = text.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32)[text.offset:text.offset + len(text) + 1]
    start = int(offsets[0])
    data = np.frombuffer(data_buffer, dtype=np.uint8, count=int(offsets[-1]) - start, offset=start)
    return offsets - start, data


def escaped(data: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Whether the byte at each position follows an odd run of backslashes (JSON escapes it)."""
    # Only bytes right after a backslash may be escaped; such bytes are few, and runs short, so
    # runs are measured a step at a time.
    result = np.zeros(len(positions), dtype=bool)
    suspects = np.flatnonzero(data[np.maximum(positions - 1, 0)] == BACKSLASH)
    if len(suspects) == 0:
        return result
    suspects = suspects[positions[suspects] > 0]
    run = np.ones(len(suspects), dtype=np.int64)
    growing = np.ones(len(suspects), dtype=bool)
    while growing.any():
        before = positions[suspects] - run - 1
        growing &= (before >= 0) & (data[np.maximum(before, 0)] == BACKSLASH)
        run += growing
    result[suspects] = run % 2 == 1
    return result


def without(offsets: np.ndarray, data: np.ndarray, dropped: np.ndarray) -> pa.Array:
    """The string array of `offsets` and `data` with the bytes at `dropped` (ascending) removed."""
    kept = np.ones(len(data), dtype=bool)
    kept[dropped] = False
    # Each cell loses the dropped bytes that lie within it.
    shorter = (offsets - np.searchsorted(dropped, offsets)).astype(np.int32)
    return pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(shorter),
                                       pa.py_buffer(data[kept]))
