"""Edit an AI output by its shape inside the review form, and read the edit back as JSON.

A string is edited as that text (real line breaks, no quotes or escapes); an object as one field
per key, with its lists of rows as tables; a list of rows as a table; anything else as JSON text.
The widgets live in an `st.form`, so `edited_output` reads what they held when it was submitted.
"""

from typing import Any

import streamlit as st

from review.content import (
    Shape,
    coerce_cell,
    is_scalar,
    parse_json_text,
    pretty_json,
    scalar_from_text,
    scalar_to_text,
    shape_of,
    table_columns,
)
from ui.content_view import table_frame

EDITOR_LABEL = "Corrected output"
# A string field longer than this, or with a line break, gets a text area instead of a line.
_LONG_FIELD = 80


def render_output_editor(output: Any, key: str) -> None:
    """The editor widgets for `output`, keyed under `key`, in a scroll pane of their own."""
    shape = shape_of(output)
    with st.container(key=f"review_pane_{key}"):
        if shape is Shape.TEXT:
            st.text_area(EDITOR_LABEL, value=output, key=f"{key}_text", height=_text_height(output))
        elif shape is Shape.FIELDS:
            _render_field_editors(output, key)
        elif shape is Shape.TABLE:
            st.caption(EDITOR_LABEL)
            _render_table_editor(output, f"{key}_table")
        else:
            st.text_area(EDITOR_LABEL, value=pretty_json(output), key=f"{key}_json",
                         height=_text_height(pretty_json(output)))


def _text_height(text: str) -> int:
    # Grows with the text up to a pane's worth; the pane scrolls beyond.
    lines = sum(1 + len(line) // 60 for line in text.splitlines()) or 1
    return min(max(lines * 24 + 16, 120), 900)


def _render_field_editors(fields: dict[str, Any], key: str) -> None:
    st.caption(EDITOR_LABEL)
    for index, (name, value) in enumerate(fields.items()):
        widget_key = f"{key}_field_{index}"
        with st.container(key=f"review_field_{index}_{key}", gap=None):
            # The name is untrusted text: shown with st.text, never as a (Markdown) widget label.
            st.text(name)
            if isinstance(value, bool):
                st.checkbox(name, value=value, key=widget_key, label_visibility="collapsed")
            elif not is_scalar(value):
                _render_table_editor(value, widget_key)
            elif isinstance(value, str) and (len(value) > _LONG_FIELD or "\n" in value):
                st.text_area(name, value=value, key=widget_key, label_visibility="collapsed",
                             height=_text_height(value))
            else:
                st.text_input(name, value=scalar_to_text(value), key=widget_key,
                              label_visibility="collapsed")


def _render_table_editor(rows: list[dict[str, Any]], key: str) -> None:
    st.data_editor(table_frame(rows), key=key, num_rows="dynamic", hide_index=True)


def edited_output(output: Any, key: str) -> Any:
    """The output as the reviewer left the editor; ValueError naming the field that does not read."""
    shape = shape_of(output)
    state = st.session_state
    if shape is Shape.TEXT:
        return state.get(f"{key}_text", output)
    if shape is Shape.FIELDS:
        return {name: _edited_field(value, name, f"{key}_field_{index}")
                for index, (name, value) in enumerate(output.items())}
    if shape is Shape.TABLE:
        return edited_rows(output, state.get(f"{key}_table"), "row")
    text = state.get(f"{key}_json")
    return output if text is None else parse_json_text(text)


def _edited_field(value: Any, name: str, widget_key: str) -> Any:
    widget = st.session_state.get(widget_key)
    if widget is None:
        return value
    if isinstance(value, bool):
        return bool(widget)
    if not is_scalar(value):
        return edited_rows(value, widget, name)
    return scalar_from_text(value, str(widget), name)


def edited_rows(rows: list[dict[str, Any]], changes: Any, name: str) -> list[dict[str, Any]]:
    """Apply a data editor's recorded changes (edited, added and deleted rows) to the original
    rows, keeping each column's JSON type; keys a row did not have stay absent unless edited."""
    if not changes:
        return rows
    columns = {column: [row.get(column) for row in rows] for column in table_columns(rows)}
    deleted = set(changes.get("deleted_rows", []))
    edited = {int(index): cells for index, cells in changes.get("edited_rows", {}).items()}
    result = []
    for index, row in enumerate(rows):
        if index in deleted:
            continue
        edits = edited.get(index)
        result.append({**row, **_coerced(edits or {}, columns, f"{name} row {index + 1}")})
    for offset, added in enumerate(changes.get("added_rows", [])):
        position = len(rows) + offset + 1
        cells = {column: cell for column, cell in added.items() if not column.startswith("_")}
        result.append(_coerced(cells, columns, f"{name} row {position}"))
    return result


def _coerced(cells: dict[str, Any], columns: dict[str, list[Any]], where: str) -> dict[str, Any]:
    return {column: coerce_cell(columns.get(column, []), cell, f"{where}.{column}")
            for column, cell in cells.items()}
