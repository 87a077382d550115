"""`init`, refusals before it, `policy`, `role` and `demo`."""

import pytest

from review.enums import Role
from review.roles import list_grants
from tests.cli.commandline import refused_in_one_line
from tests.factories import OPERATOR, stored_items


def test_init_twice_is_fine(workbench):
    for _ in range(2):
        run = workbench("init")
        assert run.code == 0, run.err
        assert "newest schema version" in run.out


BEFORE_INIT = [
    ["stats"],
    ["stats", "--json"],
    ["policy", "show"],
    ["policy", "set", "--source", "s", "--task", "t", "--threshold", "0.5"],
    ["role", "grant", "ann@example.com", "reviewer"],
    ["demo", "--items", "5"],
    ["export", "--format", "jsonl", "--out", "out.jsonl"],
]


def test_commands_before_init_refuse_in_one_line(workbench):
    for command in BEFORE_INIT:
        run = workbench(*command)
        assert refused_in_one_line(run), (command, run)
        assert "workbench init" in run.err, command


def test_ingest_before_init_refuses_in_one_line(workbench, tmp_path):
    (tmp_path / "r.jsonl").write_text('{"external_id": "1", "source": "s", "task": "t", "output": 1}\n')
    run = workbench("ingest", "r.jsonl")
    assert refused_in_one_line(run) and "workbench init" in run.err


UNUSABLE_URLS = [
    "postgresql+psycopg://postgres@127.0.0.1:1/none",  # nothing listens there
    "sqlite:////no/such/folder/workbench.db",
    "not a database url",
    "nosuch://x",
]


def test_an_unusable_database_url_is_a_one_line_refusal(workbench, monkeypatch):
    for url in UNUSABLE_URLS:
        monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
        for command in (["init"], ["stats"]):
            run = workbench(*command)
            assert refused_in_one_line(run), (url, command, run)


def test_policy_set_appends_versions_and_show_lists_them(initialised):
    run = initialised("policy", "set", "--source", "helpdesk-ai", "--task", "triage",
                      "--threshold", "0.9", "--audit-rate", "0.1")
    assert run.code == 0 and "helpdesk-ai/triage is now at version 1" in run.out
    run = initialised("policy", "set", "--source", "helpdesk-ai", "--task", "triage", "--pause")
    assert refused_in_one_line(run) and "needs a reason" in run.err
    run = initialised("policy", "set", "--source", "helpdesk-ai", "--task", "triage", "--pause",
                      "--reason", "vendor outage")
    assert run.code == 0 and "version 2" in run.out

    shown = initialised("policy", "show")
    assert shown.code == 0
    lines = shown.out.splitlines()
    default = next(line for line in lines if line.startswith("*/* v1:"))
    assert "threshold 0.80" in default and "active" in default and "by system" in default
    scoped = next(line for line in lines if line.startswith("helpdesk-ai/triage v2:"))
    assert "threshold 0.90" in scoped and "audit rate 10.0%" in scoped and "PAUSED" in scoped
    assert "by cli:" in scoped
    assert "reason codes: wrong_content, incomplete" in shown.out

    assert "why this version: vendor outage" in shown.out
    resumed = initialised("policy", "set", "--source", "helpdesk-ai", "--task", "triage", "--resume",
                          "--reason", "vendor back")
    assert resumed.code == 0
    assert "v3: threshold 0.90, audit rate 10.0%, active" in initialised("policy", "show").out


def test_policy_set_without_a_task_pauses_the_whole_source_and_sets_an_error_target(initialised):
    run = initialised("policy", "set", "--source", "helpdesk-ai", "--pause", "--reason", "rollback",
                      "--error-target", "0.05")
    assert run.code == 0 and "helpdesk-ai/* is now at version 1" in run.out
    shown = initialised("policy", "show").out
    block = shown[shown.index("helpdesk-ai/* v1:"):]
    assert "PAUSED" in block.splitlines()[0]
    assert "guardrail error target: 5.0%; why this version: rollback" in block
    cleared = initialised("policy", "set", "--source", "helpdesk-ai", "--no-error-target")
    assert cleared.code == 0
    assert "guardrail error target: none" in initialised("policy", "show").out.split("helpdesk-ai/* v2:")[1]
    for target in ("0", "1", "1.5"):
        refused = initialised("policy", "set", "--source", "s", "--error-target", target)
        assert refused_in_one_line(refused) and "'error_target'" in refused.err


def test_policy_set_sla_second_reviews_and_four_eyes(initialised):
    run = initialised("policy", "set", "--source", "s", "--task", "t", "--sla-minutes-high", "30",
                      "--sla-minutes-low", "2880", "--second-review-rate", "0.2", "--four-eyes")
    assert run.code == 0, run.err
    shown = initialised("policy", "show").out
    block = shown[shown.index("s/t v1:"):]
    assert "SLA minutes: high 30, medium 240, low 2880" in block
    assert "second reviews of audits 20.0%" in block and "four-eyes on high impact on" in block
    initialised("policy", "set", "--source", "s", "--task", "t", "--no-four-eyes")
    assert "four-eyes on high impact off" in initialised("policy", "show").out.split("s/t v2:")[1]
    assert "s/t v3" not in initialised("policy", "show").out


@pytest.mark.parametrize(
    "option, minutes",
    [("--sla-minutes-high", "-5"), ("--sla-minutes-medium", "0"), ("--sla-minutes-low", "999999999")],
)
def test_policy_set_refuses_an_sla_that_is_not_a_positive_duration_naming_it(
    initialised, option, minutes
):
    run = initialised("policy", "set", "--source", "s", "--task", "t", option, minutes)
    field = option.removeprefix("--").replace("-", "_")
    assert refused_in_one_line(run) and f"'{field}'" in run.err and minutes in run.err
    assert "s/t" not in initialised("policy", "show").out


def test_policy_set_refuses_an_sla_that_is_not_a_whole_number(initialised):
    run = initialised("policy", "set", "--source", "s", "--task", "t", "--sla-minutes-high", "1.5")
    assert run.code == 2 and "--sla-minutes-high" in run.err


@pytest.mark.parametrize(
    "option, field",
    [("--threshold", "threshold"), ("--audit-rate", "audit_rate"),
     ("--second-review-rate", "second_review_rate")],
)
def test_policy_set_refuses_a_rate_outside_zero_to_one_naming_it(initialised, option, field):
    run = initialised("policy", "set", "--source", "s", "--task", "t", option, "1.5")
    assert refused_in_one_line(run) and f"'{field}'" in run.err
    assert "s/t" not in initialised("policy", "show").out


def test_policy_set_refuses_names_no_database_can_store(initialised):
    # An argument with a byte that is not UTF-8 reaches Python as a lone surrogate.
    run = initialised("policy", "set", "--source", "bad\udcffname", "--task", "t", "--pause")
    assert refused_in_one_line(run) and "'source'" in run.err
    run = initialised("policy", "set", "--source", "s" * 201, "--task", "t", "--pause")
    assert refused_in_one_line(run) and "'source'" in run.err


def test_policy_set_usage_errors_exit_2(initialised):
    assert initialised("policy", "set", "--source", "s", "--task", "t", "--pause",
                       "--resume").code == 2
    assert initialised("policy", "set", "--source", "s", "--task", "t",
                       "--threshold", "high").code == 2
    assert initialised("policy", "set", "--task", "t").code == 2
    assert initialised("policy", "set", "--source", "s", "--error-target", "0.1",
                       "--no-error-target").code == 2


def test_role_grant_and_revoke(initialised, cli_engine):
    run = initialised("role", "grant", "Ann@Example.com", "senior")
    assert run.code == 0 and "granted senior" in run.out
    assert initialised("role", "grant", "ann@example.com", "senior").out.strip().endswith(
        "already has senior"
    )
    assert [(g.email, g.role) for g in list_grants(cli_engine, OPERATOR)] == [
        ("ann@example.com", "senior")
    ]
    run = initialised("role", "revoke", "ann@example.com", "senior")
    assert run.code == 0 and "revoked senior" in run.out
    assert "did not have" in initialised("role", "revoke", "ann@example.com", "senior").out
    assert list_grants(cli_engine, OPERATOR) == []


def test_role_grant_refuses_an_unknown_role_clearly(initialised, cli_engine):
    run = initialised("role", "grant", "ann@example.com", "superuser")
    assert refused_in_one_line(run)
    assert "unknown role 'superuser'" in run.err and "reviewer, senior, lead, data, admin" in run.err
    assert list_grants(cli_engine, OPERATOR) == []


BAD_EMAILS = ["ann", "ann@", "@example.com", "a b@example.com", "ann\udcff@example.com"]


def test_role_grant_refuses_a_bad_email_clearly(initialised, cli_engine):
    for email in BAD_EMAILS:
        run = initialised("role", "grant", email, "reviewer")
        assert refused_in_one_line(run) and "is not an e-mail address" in run.err, (email, run)
    assert list_grants(cli_engine, OPERATOR) == []


def test_demo_loads_items_and_grants_one_user_per_role(initialised, cli_engine):
    run = initialised("demo", "--items", "50")
    assert run.code == 0 and "loaded 50 items" in run.out
    assert len(stored_items(cli_engine)) == 50
    granted = {Role(grant.role) for grant in list_grants(cli_engine, OPERATOR)}
    assert granted == set(Role)
    stats = initialised("stats")
    assert stats.code == 0


def test_demo_refuses_zero_items(initialised):
    assert initialised("demo", "--items", "0").code == 2
