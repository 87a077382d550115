"""A lead in Chromium applies Earned autonomy's threshold and pauses a whole source on `Policy`;
the next confident record of that source, sent with `workbench ingest`, goes to a person."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from review.enums import Action, Role
from review.policies import PolicyChange, set_policy
from storage.engine import create_database_engine
from tests.browser.server import Server, run_workbench, serving, write_jsonl
from tests.browser.test_review_in_browser import Browsing
from tests.factories import OPERATOR, claim, decide_held, ingest, make_actor, make_record

pytestmark = pytest.mark.browser
LEAD = "lead@example.com"


def _decided_history(directory: Path) -> None:
    """80 approved outputs at confidence 0.95 and 20 rejected at 0.35, all reviewed by people.

    Earned autonomy at the default 5% target: from 0.9 up, 0 errors in 80 give an upper bound of
    z²/(80 + z²) = 4.6% < 5%; from 0.3 up, 20 in 100 do not, so it suggests 0.9.
    """
    engine = create_database_engine(f"sqlite:///{directory / 'workbench.db'}")
    set_policy(engine, OPERATOR, "*", "*", PolicyChange(threshold=0.99, audit_rate=0.0))
    ingest(engine, *[make_record(confidence=0.95, impact="low") for _ in range(80)],
           *[make_record(confidence=0.35, impact="low") for _ in range(20)])
    reviewer = make_actor(Role.REVIEWER)
    for _ in range(100):
        held = claim(engine, reviewer)
        decide_held(engine, reviewer, held,
                    Action.APPROVE if _confident(engine, held.item_id) else Action.REJECT)
    engine.dispose()


def _confident(engine, item_id: int) -> bool:
    with engine.connect() as connection:
        query = "SELECT confidence FROM item WHERE id = ?"
        return connection.exec_driver_sql(query, (item_id,)).scalar() > 0.9


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    """A served database with a lead and a decided history."""
    run_workbench(tmp_path, "init")
    run_workbench(tmp_path, "role", "grant", LEAD, "lead")
    _decided_history(tmp_path)
    with serving(tmp_path, request) as running:
        yield running


def _route(server: Server, external_id: str) -> tuple[str, str]:
    with sqlite3.connect(server.directory / "workbench.db") as connection:
        return connection.execute("SELECT route, route_reason FROM item WHERE external_id = ?",
                                  (external_id,)).fetchone()


def _ingest(server: Server, tmp_path: Path, record: dict) -> None:
    path = write_jsonl(tmp_path / f"{record['external_id']}.jsonl", [record])
    run_workbench(server.directory, "ingest", str(path))


def test_a_lead_applies_the_suggested_threshold_then_pauses_a_whole_source(
    page: Page, server: Server, tmp_path: Path
) -> None:
    page.goto(server.url)
    person = Browsing(page)
    person.sign_in(LEAD)
    person.open("Dashboard")
    page.get_by_role("tab", name="Earned autonomy").click()
    expect(page.get_by_text("Lowest safe threshold: 0.9.")).to_be_visible()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Policy", exact=True)).to_be_visible()
    expect(page.get_by_label("Threshold")).to_have_value("0.90")
    why = "earned autonomy: 0.9 keeps errors under 5%"
    page.get_by_label("Reason for change").fill(why)
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text(f"Saved * / * as version 3: {why}")).to_be_visible()

    page.get_by_text("A whole source (every task)").click()
    page.get_by_label("Source of the pause").fill("helpdesk-ai")
    page.get_by_label("Reason for pause or resume").fill("vendor incident 12")
    page.get_by_role("button", name="Pause automation").click()
    expect(page.get_by_text("Automation paused for helpdesk-ai / *: vendor incident 12")).to_be_visible()

    confident = make_record(external_id="after-pause", confidence=0.97, impact="low", task="new-task")
    other = make_record(external_id="other-source", source="billing-ai", confidence=0.97, impact="low")
    _ingest(server, tmp_path, confident)
    _ingest(server, tmp_path, other)
    assert _route(server, "after-pause") == ("review", "automation paused")
    # The applied threshold (0.9, down from 0.99) lets the other source's 0.97 through.
    assert _route(server, "other-source") == ("auto", "confidence 0.97 at or above threshold 0.9")
    assert person.dialogs == []


def test_a_lead_adds_gold_items_from_the_policy_page(page: Page, server: Server, tmp_path: Path) -> None:
    gold = write_jsonl(tmp_path / "gold.jsonl", [
        {**make_record(external_id="gold-1", confidence=0.99, impact="low"),
         "gold": {"decision": "reject"}},
        {**make_record(external_id="gold-2", output={"category": "billing"}),
         "gold": {"decision": "edit", "output": {"category": "account"}}},
    ])
    person = Browsing(page)
    page.goto(server.url)
    person.sign_in(LEAD)
    person.open("Policy")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(gold))
    page.get_by_role("button", name="Add gold items").click()
    expect(page.get_by_text("2 gold items added, 0 duplicate, 0 rejected")).to_be_visible()
    with sqlite3.connect(server.directory / "workbench.db") as connection:
        stored = connection.execute(
            "SELECT external_id, route, state, gold IS NOT NULL FROM item WHERE external_id LIKE 'gold-%' "
            "ORDER BY external_id").fetchall()
    assert stored == [("gold-1", "review", "pending", 1), ("gold-2", "review", "pending", 1)]
