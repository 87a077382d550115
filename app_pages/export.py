"""`Export`: the labelled data set in JSON Lines, CSV or Parquet, filtered, redacted on request."""

from pathlib import Path

import streamlit as st

from review.actors import Actor
from review.enums import Route
from review.errors import WorkbenchError
from review.export import ExportFilter
from review.export_choices import ExportChoices
from review.export_formats import ExportFormat
from review.permissions import Permission
from storage.repositories.export_rows import FINAL_OUTCOMES
from ui.deps import database_key, get_engine, require_permission
from ui.export_file import (
    ExportFile,
    build_export_file,
    cached_export_choices,
    count_rows,
    export_filter,
    recent_exports_frame,
)
from ui.plain_text import show_error

FORMAT_LABELS = {ExportFormat.JSONL: "JSON Lines", ExportFormat.CSV: "CSV", ExportFormat.PARQUET: "Parquet"}
# Session state keeps where the built file is (UI state), never its rows.
FILE_KEY = "export_built_file"
ANY = "(any)"


def render_export() -> None:
    """The export form, the file it built, and the exports recorded so far."""
    actor = require_permission(Permission.EXPORT)
    st.title("Export")
    st.caption("One row per decided item, in the same columns and bytes as `workbench export`.")
    request = _render_form(cached_export_choices(database_key(), get_engine(), actor))
    if request is not None:
        _count_or_build(actor, *request)
    _render_download()
    st.subheader("Recorded exports")
    st.dataframe(recent_exports_frame(get_engine(), actor), hide_index=True)


def _render_form(choices: ExportChoices) -> tuple[bool, ExportFilter, ExportFormat, bool] | None:
    """Whether to write, the filters, format and redaction once `Count rows` or `Build export` is
    pressed and the filters are valid."""
    with st.form("export_form"):
        # Rows of three: what (scope), when and which decisions, and how the file is written.
        first, second, third = st.columns(3)
        source = first.selectbox("Source", [ANY, *choices.sources], key="export_source")
        task = second.selectbox("Task", [ANY, *choices.tasks], key="export_task")
        model = third.selectbox("Model version", [ANY, *choices.model_versions], key="export_model_version")
        first, second, third = st.columns(3)
        since = first.date_input("Decided from", value=None, key="export_since", help="UTC day")
        until = second.date_input("Decided until", value=None, key="export_until", help="UTC day, inclusive")
        decision = third.selectbox("Decision", [ANY, *FINAL_OUTCOMES], key="export_decision")
        first, second, third = st.columns(3, vertical_alignment="bottom")
        route = first.selectbox("Route", [ANY, *(route.value for route in Route)], key="export_route")
        file_format = second.selectbox("Format", list(ExportFormat), format_func=FORMAT_LABELS.__getitem__,
                                       key="export_format")
        include_auto = third.checkbox("Include auto-approved", key="export_include_auto")
        redact = third.checkbox("Redact personal data", key="export_redact",
                                help="Masks e-mail addresses, phone and card numbers in every text field")
        after = st.text_input("After cursor", key="export_after", placeholder="from the first decision",
                              help="The cursor a previous export gave, for an incremental export")
        count, build = st.columns([1, 6])
        counting = count.form_submit_button("Count rows", key="export_count")
        if not build.form_submit_button("Build export", type="primary", key="export_build") and not counting:
            return None
    try:
        filters = export_filter(_chosen(source) or "", _chosen(task) or "", _chosen(model) or "",
                                _chosen(decision), _chosen(route), include_auto, since, until, after)
    except WorkbenchError as error:
        show_error(str(error))
        return None
    # The select box always has a choice; None only satisfies its type.
    return not counting, filters, ExportFormat(file_format or ExportFormat.JSONL), redact


def _chosen(value: str | None) -> str | None:
    return None if value in (ANY, None) else value


def _count_or_build(actor: Actor, write: bool, filters: ExportFilter, file_format: ExportFormat,
                    redact: bool) -> None:
    """Count the matching rows first; write only when asked and there is something to write."""
    st.session_state.pop(FILE_KEY, None)
    try:
        total = count_rows(get_engine(), actor, filters)
    except WorkbenchError as error:
        show_error(str(error))
        return
    if total == 0:
        st.warning("No decided item matches these filters: nothing was written and no export recorded.")
    elif not write:
        st.info(f"{total:,} rows match these filters.")
    else:
        _build(actor, filters, file_format, redact, total)


def _build(actor: Actor, filters: ExportFilter, file_format: ExportFormat, redact: bool, total: int) -> None:
    try:
        bar = st.progress(0.0, text=f"Exporting {total:,} rows…")
        step = max(total // 100, 1)

        def advance(done: int) -> None:
            if done % step == 0 or done == total:
                bar.progress(min(done / max(total, 1), 1.0), text=f"Exported {done:,} of {total:,} rows")

        built = build_export_file(get_engine(), actor, filters, file_format, redact, on_row=advance)
    except WorkbenchError as error:
        show_error(str(error))
        return
    bar.progress(1.0, text=f"Exported {built.rows:,} rows")
    st.session_state[FILE_KEY] = built


def _render_download() -> None:
    built: ExportFile | None = st.session_state.get(FILE_KEY)
    if built is None or not Path(built.path).exists():
        return
    rows, cursor = st.columns(2)
    rows.metric("Rows", built.rows)
    with cursor:
        st.text("Cursor for the next incremental export")
        st.code(built.cursor, language=None)
    st.text(f"SHA-256: {built.sha256}")
    path = Path(built.path)
    # Deferred: the file is read from disk when the button is pressed, not held for the session.
    st.download_button(f"Download {built.file_name}", data=path.read_bytes, file_name=built.file_name,
                       mime=built.mime, on_click="ignore", key="export_download", type="primary")


render_export()
