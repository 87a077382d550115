"""`Export`: the labelled data set as a JSON Lines download, filtered, with the next cursor."""

import streamlit as st

from review.actors import Actor
from review.errors import WorkbenchError
from review.export import ExportFilter
from review.permissions import Permission
from ui.deps import get_engine, require_permission
from ui.export_file import build_json_lines, export_filter, recent_exports_frame


def render_export() -> None:
    """The filter form, the file it builds, and the exports recorded so far."""
    actor = require_permission(Permission.EXPORT)
    st.title("Export")
    st.text("One row per decided item, in the same columns as the command line's export.")
    filters = _render_filter_form()
    if filters is not None:
        _render_file(actor, filters)
    st.subheader("Recent exports")
    st.dataframe(recent_exports_frame(get_engine(), actor), hide_index=True)


def _render_filter_form() -> ExportFilter | None:
    """The filters once `Build export` is pressed; None before, or when they are invalid."""
    with st.form("export_form"):
        source = st.text_input("Source", key="export_source", placeholder="all sources")
        task = st.text_input("Task", key="export_task", placeholder="all tasks")
        include_auto = st.checkbox("Include auto-approved", key="export_include_auto")
        since = st.date_input("Since", value=None, key="export_since",
                              help="Decided on or after this day (UTC)")
        after = st.text_input("After cursor", key="export_after", placeholder="from the first decision",
                              help="The cursor a previous export printed, for an incremental export")
        if not st.form_submit_button("Build export", type="primary", key="export_build"):
            return None
    try:
        return export_filter(source, task, include_auto, since, after)
    except WorkbenchError as error:
        st.error(str(error))
        return None


def _render_file(actor: Actor, filters: ExportFilter) -> None:
    try:
        with st.spinner("Building the export…"):
            file = build_json_lines(get_engine(), actor, filters)
    except WorkbenchError as error:
        st.error(str(error))
        return
    rows, cursor = st.columns(2)
    rows.metric("Rows", file.rows)
    with cursor:
        st.text("Cursor for the next incremental export")
        st.code(file.cursor, language=None)
    # The file lives only in this run: session state holds UI state, never exported data.
    st.download_button("Download JSON Lines", data=file.data, file_name=file.file_name,
                       mime="application/x-ndjson", on_click="ignore", key="export_download",
                       type="primary")


render_export()
