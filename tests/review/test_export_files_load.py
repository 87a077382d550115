"""Exported files load unchanged in pandas, pyarrow and Hugging Face `datasets`, offline."""

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from review.demo import load_demo
from review.enums import Action, Role
from review.export_file import export_to_file
from review.export_formats import ExportFormat
from storage.repositories.export_rows import ExportFilter
from tests.factories import OPERATOR, claim, decide_held, ingest, make_actor, make_record, stored_item

# Written out, not imported: a change to the code's column list must fail here.
CONTRACT_COLUMNS = [
    "item_id", "source", "external_id", "task", "model_version", "input", "ai_output",
    "confidence", "impact", "route", "route_reason", "policy_version", "decision",
    "final_output", "reason_code", "rationale", "reviewer", "escalated", "decided_at",
    "review_seconds", "received_at",
]
FORMULA = "=HYPERLINK(\"http://evil.example\",\"click\")"
# Spreadsheets skip the no-break space and run the formula behind it.
BLANK_FORMULA = "\u00a0=1+1"
MARKED = {"external_id": "formula-1", "input": {"subject": "Refund", "lines": [1, 2]},
          "output": {"category": "billing", "note": "ünïcode ✓"}, "confidence": 0.25,
          "model_version": BLANK_FORMULA}


@pytest.fixture
def exported(engine, tmp_path: Path) -> dict[ExportFormat, Path]:
    """A demo history of a few hundred items plus one rejection whose rationale is a formula."""
    load_demo(engine, OPERATOR, items=300, days=10)
    ingest(engine, make_record(impact="high", **MARKED))
    marked_id = stored_item(engine, MARKED["external_id"]).id
    reviewer = make_actor(Role.SENIOR)
    # Demo items wait in the queue too: approve those claimed before the marked one.
    while (held := claim(engine, reviewer)).item_id != marked_id:
        decide_held(engine, reviewer, held)
    decide_held(engine, reviewer, held, Action.REJECT, reason_code="other", rationale=FORMULA)
    paths = {}
    for file_format in ExportFormat:
        path = tmp_path / f"labelled.{file_format.value}"
        export_to_file(engine, OPERATOR, ExportFilter(include_auto=True), file_format, path)
        paths[file_format] = path
    return paths


@pytest.fixture
def marked_id(engine, exported) -> int:
    """The item id of the rejection with the formula rationale."""
    item_id = stored_item(engine, MARKED["external_id"]).id
    assert item_id is not None
    return item_id


def _row(frame: pd.DataFrame, item_id: int) -> pd.Series:
    [index] = frame.index[frame["item_id"] == item_id]
    return frame.loc[index]


def test_pandas_reads_every_format_with_the_same_rows(exported, marked_id):
    frames = {
        ExportFormat.JSONL: pd.read_json(exported[ExportFormat.JSONL], lines=True),
        ExportFormat.CSV: pd.read_csv(exported[ExportFormat.CSV]),
        ExportFormat.PARQUET: pd.read_parquet(exported[ExportFormat.PARQUET]),
    }
    reference = frames[ExportFormat.PARQUET]
    assert len(reference) > 250
    for frame in frames.values():
        assert list(frame.columns) == CONTRACT_COLUMNS
        assert frame["item_id"].tolist() == reference["item_id"].tolist()
        assert frame["decision"].tolist() == reference["decision"].tolist()
    csv_row = _row(frames[ExportFormat.CSV], marked_id)
    # The formula is neutralised in CSV only; ordinary values survive unchanged.
    assert csv_row["rationale"] == "'" + FORMULA
    assert csv_row["model_version"] == "'" + BLANK_FORMULA
    assert (csv_row["external_id"], csv_row["reason_code"]) == ("formula-1", "other")
    assert json.loads(csv_row["ai_output"]) == MARKED["output"]
    assert _row(frames[ExportFormat.PARQUET], marked_id)["rationale"] == FORMULA
    jsonl_row = _row(frames[ExportFormat.JSONL], marked_id)
    assert jsonl_row["rationale"] == FORMULA
    assert jsonl_row["model_version"] == BLANK_FORMULA
    assert _row(frames[ExportFormat.PARQUET], marked_id)["model_version"] == BLANK_FORMULA
    assert jsonl_row["ai_output"] == MARKED["output"]  # nested JSON, not text, in JSON Lines
    assert "Fixed." in set(frames[ExportFormat.CSV]["rationale"].dropna())


def test_pyarrow_sees_typed_columns(exported, marked_id):
    table = pq.read_table(exported[ExportFormat.PARQUET])
    assert table.column_names == CONTRACT_COLUMNS
    schema = table.schema
    for name in ("decided_at", "received_at"):
        assert pa.types.is_timestamp(schema.field(name).type) and schema.field(name).type.tz == "UTC"
    for name in ("confidence", "review_seconds"):
        assert pa.types.is_floating(schema.field(name).type)
    assert pa.types.is_boolean(schema.field("escalated").type)
    for name in ("item_id", "policy_version"):
        assert pa.types.is_integer(schema.field(name).type)
    for name in ("input", "ai_output", "final_output"):
        assert pa.types.is_string(schema.field(name).type)
        values = [value for value in table.column(name).to_pylist() if value is not None]
        assert values and all(json.loads(value) is not None for value in values)
    [marked] = [row for row in table.to_pylist() if row["item_id"] == marked_id]
    assert json.loads(marked["input"]) == MARKED["input"]
    assert (marked["final_output"], marked["decision"], marked["confidence"]) == (None, "rejected", 0.25)
    assert marked["decided_at"].utcoffset().total_seconds() == 0


def test_hugging_face_datasets_loads_the_files_offline(exported, marked_id, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from datasets import load_dataset  # imported late: it reads the offline switches on import

    cache = str(tmp_path / "hf-cache")
    parquet = load_dataset("parquet", data_files=str(exported[ExportFormat.PARQUET]), split="train",
                           cache_dir=cache)
    lines = load_dataset("json", data_files=str(exported[ExportFormat.JSONL]), split="train",
                         cache_dir=cache)
    expected = len(pd.read_parquet(exported[ExportFormat.PARQUET]))
    assert parquet.num_rows == lines.num_rows == expected
    assert parquet.column_names == lines.column_names == CONTRACT_COLUMNS
    assert parquet["item_id"] == lines["item_id"]
    assert str(parquet.features["decided_at"].dtype) == "timestamp[us, tz=UTC]"
    [from_parquet] = parquet.filter(lambda row: row["item_id"] == marked_id)
    [from_lines] = lines.filter(lambda row: row["item_id"] == marked_id)
    assert from_parquet["rationale"] == from_lines["rationale"] == FORMULA
    assert json.loads(from_parquet["ai_output"]) == from_lines["ai_output"] == MARKED["output"]
