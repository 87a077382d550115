"""A lead's upload of gold items (known answers) from the Policy page; same rules as `ingest --gold`."""

from typing import IO

import pandas as pd
import streamlit as st

from review.actors import Actor
from review.gold import GOLD_FORMAT
from review.ingest import ingest_records
from review.permissions import Permission, can
from review.record_files import read_csv, read_json_lines
from ui.deps import get_engine
from ui.plain_text import show_toast


def render_gold_upload(actor: Actor) -> None:
    """A file upload that adds gold items; shown to those who may add them (leads, admins) only."""
    if not can(actor, Permission.ADD_GOLD_ITEMS):
        return
    st.subheader("Gold items")
    st.text("Records with a known answer, served to reviewers like any other item, never exported or "
            f"sent upstream; they measure each reviewer's accuracy. Each record carries {GOLD_FORMAT}.")
    upload = st.file_uploader("Gold file", type=["jsonl", "csv"], key="policy_gold_file")
    if upload is None or not st.button("Add gold items", key="policy_gold_add"):
        return
    _add(actor, upload, upload.name)


def _add(actor: Actor, stream: IO[bytes], name: str) -> None:
    reader = read_csv if name.lower().endswith(".csv") else read_json_lines
    # ingest_records checks the permission again: the page's check only hides the form.
    report = ingest_records(get_engine(), actor, reader(stream), gold=True)
    show_toast(f"{report.accepted} gold items added, {report.duplicates} duplicate, "
               f"{len(report.rejected)} rejected")
    if report.rejected:
        st.dataframe(pd.DataFrame([{"line": r.position, "field": r.field, "error": r.error}
                                   for r in report.rejected]), hide_index=True)
