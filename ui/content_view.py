"""Show an untrusted JSON value (an input context or an AI output) by its shape, always as text.

`st.text`, `st.code` and `st.dataframe` never interpret Markdown or HTML; widget labels and
captions do, so a field name from an AI output is shown with `st.text` too, never as a label.
"""

from typing import Any

import pandas as pd
import streamlit as st

from review.content import Shape, is_scalar, pretty_json, scalar_to_text, shape_of, table_columns


def render_value(value: Any, pane_key: str) -> None:
    """`value` in a scroll pane of its own (the page's style gives panes their height)."""
    with st.container(key=pane_key):
        shape = shape_of(value)
        if shape is Shape.TEXT:
            st.text(value)
        elif shape is Shape.FIELDS:
            _render_fields(value, pane_key)
        elif shape is Shape.TABLE:
            render_table(value)
        else:
            # No syntax highlighting: a long JSON block drew slowly in the browser with it.
            st.code(pretty_json(value), language=None, wrap_lines=True)


def _render_fields(fields: dict[str, Any], pane_key: str) -> None:
    for index, (name, value) in enumerate(fields.items()):
        with st.container(key=f"review_field_{index}_{pane_key}", gap=None):
            st.text(name)  # the page's style shows a field box's first text as a label
            if is_scalar(value):
                st.text(scalar_to_text(value) or "—")
            else:
                render_table(value)


def render_table(rows: list[dict[str, Any]]) -> None:
    """A list of flat objects as a table, one column per key."""
    st.dataframe(table_frame(rows), hide_index=True)


def table_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a DataFrame with every key as a column, in first-seen order."""
    return pd.DataFrame(rows, columns=table_columns(rows))
