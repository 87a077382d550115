"""`ingest`, `stats --json` and `export --format jsonl` as an operator runs them."""

import json
import re
from datetime import timedelta

from review.clock import utcnow
from review.enums import Action, Role
from review.queue import claim_next
from tests.cli.commandline import refused_in_one_line
from tests.factories import (
    claim,
    decide_held,
    make_actor,
    make_auto_record,
    make_record,
    stored_items,
)


def _jsonl(path, *records) -> str:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path.name


def _review_all(engine, action: Action = Action.APPROVE) -> int:
    reviewer, count = make_actor(Role.REVIEWER), 0
    while (held := claim_next(engine, reviewer)) is not None:
        decide_held(engine, reviewer, held, action)
        count += 1
    return count


def test_ingest_prints_counts_and_exits_0(initialised, cli_engine, tmp_path):
    records = [make_record(), make_record()]
    name = _jsonl(tmp_path / "a.jsonl", *records)
    run = initialised("ingest", name)
    assert run.code == 0, run.err
    assert run.out.strip() == f"{name}: 2 accepted, 0 duplicate, 0 rejected"
    again = initialised("ingest", name)
    assert again.code == 0 and "0 accepted, 2 duplicate, 0 rejected" in again.out
    assert len(stored_items(cli_engine)) == 2


def test_ingest_prints_each_rejection_with_its_line_and_exits_1(initialised, cli_engine, tmp_path):
    name = _jsonl(tmp_path / "b.jsonl", make_record(), "{broken", "",
                  {**make_record(), "impact": "severe"}, make_record())
    run = initialised("ingest", name)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == f"{name}: 2 accepted, 0 duplicate, 2 rejected"
    assert lines[1].startswith("  line 2: not valid JSON")
    assert lines[2].startswith("  line 4: 'impact' must be")
    assert len(stored_items(cli_engine)) == 2


def test_one_hostile_record_is_rejected_and_the_rest_are_stored(initialised, cli_engine, tmp_path):
    hostile = '{"external_id": "h-1", "source": "s", "task": "t", "output": "\\ud800"}'
    name = _jsonl(tmp_path / "h.jsonl", make_record(), hostile, '{"\\udc00": 1}', make_record())
    run = initialised("ingest", name)
    assert run.code == 1, run.err
    assert "Traceback" not in run.err
    assert f"{name}: 2 accepted, 0 duplicate, 2 rejected" in run.out
    assert "  line 2: 'output' contains an unpaired surrogate" in run.out
    assert "  line 3: unknown field" in run.out
    run.out.encode("utf-8")  # what it printed can be written to any terminal or file
    assert len(stored_items(cli_engine)) == 2


def test_ingest_reads_csv(initialised, cli_engine, tmp_path):
    (tmp_path / "c.csv").write_text(
        "external_id,source,task,output,confidence,impact\n"
        'c-1,helpdesk-ai,triage,"{""category"": ""billing""}",0.4,high\n'
        "c-2,helpdesk-ai,triage,{bad,0.4,high\n"
    )
    run = initialised("ingest", "c.csv")
    assert run.code == 1
    assert "1 accepted, 0 duplicate, 1 rejected" in run.out
    assert "  line 3: 'output' is not valid JSON" in run.out
    [item] = stored_items(cli_engine)
    assert (item.external_id, item.output, item.impact) == ("c-1", {"category": "billing"}, "high")


def test_an_unreadable_or_unknown_file_exits_2_and_stores_nothing(initialised, cli_engine,
                                                                  tmp_path):
    good = _jsonl(tmp_path / "good.jsonl", make_record())
    (tmp_path / "records.txt").write_text(json.dumps(make_record()) + "\n")
    (tmp_path / "folder.csv").mkdir()
    for name in ("missing.jsonl", "records.txt", "folder.csv"):
        run = initialised("ingest", good, name)
        assert refused_in_one_line(run), (name, run)
        assert name in run.err
        assert stored_items(cli_engine) == [], name


def test_strict_stores_nothing_from_any_file_when_one_record_is_invalid(initialised, cli_engine,
                                                                       tmp_path):
    first = _jsonl(tmp_path / "first.jsonl", make_record(), make_record())
    second = _jsonl(tmp_path / "second.jsonl", make_record(), {"external_id": "no-source"})
    run = initialised("ingest", first, second, "--strict")
    assert run.code == 1
    assert "nothing stored: --strict" in run.out
    assert "  line 2: 'output' is required" in run.out
    assert stored_items(cli_engine) == []

    run = initialised("ingest", first, "--strict")
    assert run.code == 0 and "2 accepted" in run.out
    assert len(stored_items(cli_engine)) == 2


def test_stats_json_counts_the_queue(initialised, cli_engine, tmp_path):
    records = [make_record(), make_record(), make_record(source="billing-ai"), make_auto_record()]
    assert initialised("ingest", _jsonl(tmp_path / "s.jsonl", *records)).code == 0
    reviewer = make_actor(Role.REVIEWER)
    decide_held(cli_engine, reviewer, claim(cli_engine, reviewer))
    claim(cli_engine, reviewer)

    run = initialised("stats", "--json")
    assert run.code == 0
    stats = json.loads(run.out)
    assert stats["waiting"] == 2
    assert stats["decisions_today"] == 1
    depth = {(d["source"], d["route"], d["state"]): d["count"] for d in stats["depth"]}
    assert depth == {("helpdesk-ai", "review", "claimed"): 1, ("billing-ai", "review", "pending"): 1}
    assert 0 <= stats["oldest_waiting_seconds"] < 3600


def test_stats_on_an_empty_queue(initialised):
    stats = json.loads(initialised("stats", "--json").out)
    assert (stats["waiting"], stats["oldest_waiting_seconds"], stats["decisions_today"]) == (0, None, 0)
    plain = initialised("stats")
    assert plain.code == 0 and "waiting: 0" in plain.out


CONTRACT_COLUMNS = [
    "item_id", "source", "external_id", "task", "model_version", "input", "ai_output",
    "confidence", "impact", "route", "route_reason", "policy_version", "decision",
    "final_output", "reason_code", "rationale", "reviewer", "escalated", "decided_at",
    "review_seconds", "received_at",
]


def _export(run_cli, tmp_path, *options: str):
    out = tmp_path / "export.jsonl"
    run = run_cli("export", "--format", "jsonl", "--out", str(out), *options)
    assert run.code == 0, run.err
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert f"wrote {len(lines)} rows" in run.out
    cursor = run.out.strip().splitlines()[-1].removeprefix("cursor: ")
    return lines, cursor


def test_export_jsonl_then_after_the_printed_cursor(initialised, cli_engine, tmp_path):
    first = [make_record(), make_record()]
    initialised("ingest", _jsonl(tmp_path / "1.jsonl", *first))
    _review_all(cli_engine)

    lines, cursor = _export(initialised, tmp_path)
    assert [line["external_id"] for line in lines] == [r["external_id"] for r in first]
    assert all(list(line) == CONTRACT_COLUMNS for line in lines)
    for line in lines:
        for column in ("decided_at", "received_at"):
            assert line[column].endswith("+00:00")
    assert re.fullmatch(r"[0-9]+\.[0-9]+", cursor)  # "txid.id": a position in commit order

    assert _export(initialised, tmp_path, "--after", cursor) == ([], cursor)
    later = [make_record()]
    initialised("ingest", _jsonl(tmp_path / "2.jsonl", *later))
    _review_all(cli_engine, Action.REJECT)
    newer, next_cursor = _export(initialised, tmp_path, "--after", cursor)
    assert [(line["external_id"], line["decision"]) for line in newer] == [
        (later[0]["external_id"], "rejected")
    ]
    assert _export(initialised, tmp_path, "--after", next_cursor)[0] == []


def test_export_include_auto_adds_auto_approvals_without_a_reviewer(initialised, cli_engine,
                                                                     tmp_path):
    auto, reviewed = make_auto_record(), make_record()
    initialised("ingest", _jsonl(tmp_path / "a.jsonl", auto, reviewed))
    _review_all(cli_engine)
    assert [line["external_id"] for line in _export(initialised, tmp_path)[0]] == [
        reviewed["external_id"]
    ]
    lines, _ = _export(initialised, tmp_path, "--include-auto")
    by_id = {line["external_id"]: line for line in lines}
    assert set(by_id) == {auto["external_id"], reviewed["external_id"]}
    assert (by_id[auto["external_id"]]["decision"], by_id[auto["external_id"]]["reviewer"]) == (
        "approved", None
    )


BAD_EXPORT_OPTIONS = [
    ["--out", "x.jsonl", "--after", "abc"],
    ["--out", "x.jsonl", "--after", "99999999999999999999"],
    ["--out", "x.jsonl", "--since", "yesterday"],
    ["--out", "no/such/folder/x.jsonl"],
]


def test_export_refuses_bad_arguments_in_one_line(initialised, cli_engine, tmp_path):
    initialised("ingest", _jsonl(tmp_path / "a.jsonl", make_record()))
    _review_all(cli_engine)
    for options in BAD_EXPORT_OPTIONS:
        run = initialised("export", "--format", "jsonl", *options)
        assert refused_in_one_line(run), (options, run)
        assert not (tmp_path / "x.jsonl").exists()
    assert initialised("export", "--format", "xml", "--out", "x.xml").code == 2


def test_export_since_keeps_later_decisions(initialised, cli_engine, tmp_path):
    initialised("ingest", _jsonl(tmp_path / "a.jsonl", make_record()))
    _review_all(cli_engine)
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    assert _export(initialised, tmp_path, "--since", tomorrow)[0] == []
    assert len(_export(initialised, tmp_path, "--since", "2000-01-01")[0]) == 1
