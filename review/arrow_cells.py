"""Changing the few cells of an Arrow array that a vectorised rule cannot settle, in Python."""

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

_REPEATED_BYTES = 64  # the longest mean length at which values are looked for repeats


def changed_where(
    target: pa.Array, where: pa.Array, change: Callable[[Any], Any], source: pa.Array | None = None
) -> pa.Array:
    """`target` with its cells where `where` replaced by `change` of the same cell of `source`
    (default: `target` itself); null in `where` counts as false."""
    where = pc.fill_null(where, False)
    if not pc.any(where).as_py():
        return target
    originals = (target if source is None else source).filter(where).to_pylist()
    changed = pa.array([change(value) for value in originals], type=target.type)
    return pc.replace_with_mask(target, where, changed)


def per_distinct(values: pa.Array, function: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`function(values)` (element-wise), run on each distinct value once when the values repeat
    (sources, tasks, reviewers: a few names in thousands of rows), and then spread out."""
    # Long texts (documents, JSON) rarely repeat: hashing them would cost more than it saves.
    if (pc.sum(pc.binary_length(values)).as_py() or 0) > _REPEATED_BYTES * len(values):
        return function(values)
    encoded = pc.dictionary_encode(values, null_encoding="encode")
    if 2 * len(encoded.dictionary) > len(values):
        return function(values)
    return function(encoded.dictionary).take(encoded.indices)
