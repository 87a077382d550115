"""Exported files load unchanged in pandas, pyarrow and Hugging Face `datasets`, offline."""

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from review.demo import load_demo
from review.enums import Action, Role
from review.export import EXPORT_COLUMNS
from review.export_file import export_to_file
from review.export_formats import ExportFormat
from storage.repositories.export_rows import ExportFilter
from tests.factories import OPERATOR, claim, decide_held, ingest, make_actor, make_record

FORMULA = "=HYPERLINK(\"http://evil.example\",\"click\")"


@pytest.fixture
def exported(engine, tmp_path: Path) -> dict[ExportFormat, Path]:
    """A demo history plus one edit whose rationale looks like a spreadsheet formula."""
    load_demo(engine, OPERATOR, items=150, days=10)
    ingest(engine, make_record(impact="high"))
    reviewer = make_actor(Role.SENIOR)
    decide_held(engine, reviewer, claim(engine, reviewer), Action.REJECT, reason_code="other",
                rationale=FORMULA)
    paths = {}
    for file_format in ExportFormat:
        path = tmp_path / f"labelled.{file_format.value}"
        export_to_file(engine, OPERATOR, ExportFilter(include_auto=True), file_format, path)
        paths[file_format] = path
    return paths


def test_pandas_reads_every_format_with_the_same_rows(exported):
    frames = {
        ExportFormat.JSONL: pd.read_json(exported[ExportFormat.JSONL], lines=True),
        ExportFormat.CSV: pd.read_csv(exported[ExportFormat.CSV]),
        ExportFormat.PARQUET: pd.read_parquet(exported[ExportFormat.PARQUET]),
    }
    counts = {len(frame) for frame in frames.values()}
    assert len(counts) == 1 and counts.pop() > 100
    for frame in frames.values():
        assert list(frame.columns) == list(EXPORT_COLUMNS)
        assert frame["item_id"].tolist() == frames[ExportFormat.PARQUET]["item_id"].tolist()
    csv_rationales = set(frames[ExportFormat.CSV]["rationale"].dropna())
    # The formula is neutralised in CSV only, and an ordinary value survives unchanged.
    assert "'" + FORMULA in csv_rationales and FORMULA not in csv_rationales
    assert FORMULA in set(frames[ExportFormat.PARQUET]["rationale"].dropna())
    assert "Fixed." in csv_rationales


def test_pyarrow_sees_typed_columns(exported):
    table = pq.read_table(exported[ExportFormat.PARQUET])
    assert table.column_names == list(EXPORT_COLUMNS)
    schema = table.schema
    for name in ("decided_at", "received_at"):
        assert pa.types.is_timestamp(schema.field(name).type) and schema.field(name).type.tz == "UTC"
    for name in ("confidence", "review_seconds"):
        assert pa.types.is_floating(schema.field(name).type)
    assert pa.types.is_boolean(schema.field("escalated").type)
    assert pa.types.is_integer(schema.field("item_id").type)
    for value in table.column("ai_output").to_pylist():
        json.loads(value)  # JSON values travel as JSON text


def test_hugging_face_datasets_loads_the_files_offline(exported, tmp_path, monkeypatch):
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
    assert parquet.column_names == list(EXPORT_COLUMNS)
    assert parquet[0]["item_id"] == lines[0]["item_id"]
