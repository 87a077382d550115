"""`workbench ingest --gold` and `workbench policy set --show-confidence` on the command line."""

import json

from tests.factories import make_audit_record, make_record, stored_items


def _write(path, *records) -> str:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path.name


def test_ingest_gold_stores_answers_and_sends_confident_items_to_review(initialised, cli_engine, tmp_path):
    name = _write(tmp_path / "gold.jsonl",
                  make_audit_record(gold={"decision": "approve"}),
                  make_record(gold={"decision": "edit", "output": {"category": "billing"}}))
    run = initialised("ingest", "--gold", name)
    assert run.code == 0, run.err
    assert run.out.strip() == f"{name}: 2 accepted, 0 duplicate, 0 rejected"
    items = stored_items(cli_engine)
    assert [(item.route, item.gold) for item in items] == [
        ("review", {"decision": "approve", "output": None}),
        ("review", {"decision": "edit", "output": {"category": "billing"}}),
    ]


def test_ingest_gold_rejects_bad_answers_naming_the_field_and_line(initialised, cli_engine, tmp_path):
    name = _write(tmp_path / "gold.jsonl",
                  make_record(gold={"decision": "edit"}),
                  make_record(),
                  make_record(gold={"decision": "approve", "output": "x"}))
    run = initialised("ingest", "--gold", "--strict", name)
    assert run.code == 1
    assert run.out.splitlines() == [
        f"{name}: 0 accepted, 0 duplicate, 3 rejected (nothing stored: --strict)",
        "  line 1: 'gold.output' is required when 'gold.decision' is edit: the corrected output a "
        "reviewer should arrive at",
        "  line 2: 'gold' is required in a gold file: {\"decision\": …, \"output\": …}",
        "  line 3: 'gold.output' is only for edit; a gold approve has no output of its own",
    ]
    assert stored_items(cli_engine) == []


def test_plain_ingest_refuses_a_gold_answer(initialised, cli_engine, tmp_path):
    name = _write(tmp_path / "planted.jsonl", make_record(gold={"decision": "approve"}))
    run = initialised("ingest", name)
    assert run.code == 1
    assert "line 1: 'gold' is accepted only from a gold file" in run.out
    assert stored_items(cli_engine) == []


def test_policy_set_show_confidence_is_shown_and_can_be_undone(initialised):
    assert initialised("policy", "set", "--source", "a", "--task", "t", "--show-confidence").code == 0
    shown = initialised("policy", "show").out
    assert "a/t v1" in shown and "confidence shown to reviewers: yes (not blind)" in shown
    assert initialised("policy", "set", "--source", "a", "--task", "t", "--hide-confidence").code == 0
    shown = initialised("policy", "show").out
    section = shown[shown.index("a/t v2"):]
    assert "confidence shown to reviewers: no" in section
