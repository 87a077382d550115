"""The reviewer's screen in Chromium at 1280×720: one screen for any content, text edited as text,
shortcuts that keep what was just typed, Skip, and a session that survives a reload."""

import json
import random
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from review.demo_records import _invoice
from tests.browser.chromium import page_with_evidence
from tests.browser.server import Server, run_workbench, serving, write_jsonl

pytestmark = pytest.mark.browser

SCREEN: ViewportSize = {"width": 1280, "height": 720}
REVIEWER = "reviewer@example.com"
SENIOR = "senior@example.com"
EMAIL = (
    "Hi Maria,\n\nThank you for getting in touch about the double charge on your subscription, "
    "and sorry for the trouble.\n\n"
    + "I have looked into your account and found both payments. " * 12
    + "\n\nThe second one is refunded today; it shows on your statement within five working days."
    "\n\nKind regards,\nAlex from Support"
)
CONTROLS = ["Approve", "Save edit", "Reject", "Escalate", "Skip"]


def _invoice_with_30_lines() -> dict[str, Any]:
    rng = random.Random(7)
    while True:
        content = _invoice(rng, 1)
        if len(content["output"]["line_items"]) == 30:
            return content


def _record(external_id: str, **content: Any) -> dict[str, Any]:
    return {"external_id": external_id, "source": "helpdesk-ai", "task": "reply-draft",
            "model_version": "reply-v2", "confidence": 0.1, "impact": "high", **content}


RECORDS = [
    _record("email-1", input={"customer_message": "Hello,\n\nYou charged me twice!\n\nMaria"},
            output=EMAIL),
    _record("invoice-1", **_invoice_with_30_lines()),
    _record("small-1", input={"post": "hello"}, output={"label": "allow"}),
    _record("small-2", input={"post": "buy now"}, output={"label": "allow"}),
]


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    """A fresh `workbench serve` (SQLite) with the four records waiting, in this order."""
    run_workbench(tmp_path, "init")
    run_workbench(tmp_path, "role", "grant", REVIEWER, "reviewer")
    run_workbench(tmp_path, "role", "grant", SENIOR, "senior")
    run_workbench(tmp_path, "ingest", str(write_jsonl(tmp_path / "items.jsonl", RECORDS)))
    with serving(tmp_path, request) as running:
        yield running


@pytest.fixture
def screen(chromium_browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    """A browser window of 1280×720; its screenshot and text land in tmp_path when the test fails."""
    with page_with_evidence(chromium_browser, request, tmp_path, SCREEN) as page:
        yield page


def sign_in(page: Page, server: Server, email: str) -> None:
    """Pick the local user and sign in."""
    page.goto(server.url)
    page.get_by_role("combobox", name="Local user").click()
    page.get_by_role("option", name=email).click()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stSidebar").get_by_text(email, exact=True)).to_be_visible()


def holding(page: Page, external_id: str) -> None:
    """Wait until the item header names `external_id` and the decision buttons take input again
    (Streamlit disables widgets while the panel's run is still drawing)."""
    expect(page.locator(".st-key-review_header")).to_contain_text(external_id)
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_attached()
    expect(page.get_by_role("button", name="Approve")).to_be_enabled()


def claim(page: Page, external_id: str) -> None:
    """Press `Claim next` once the page has finished drawing, and wait for `external_id`."""
    # A click while the page's first run is still drawing can land on a button Streamlit then
    # replaces (seen on a loaded machine); a person, too, clicks what has settled.
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_attached()
    expect(page.get_by_role("button", name="Claim next")).to_be_enabled()
    page.get_by_role("button", name="Claim next").click()
    holding(page, external_id)


def stored(server: Server, external_id: str) -> dict[str, Any]:
    """The item's state and its decisions, straight from the database file."""
    with sqlite3.connect(server.directory / "workbench.db") as connection:
        item_id, state, holder = connection.execute(
            "SELECT id, state, lease_holder FROM item WHERE external_id = ?", (external_id,)).fetchone()
        decisions = connection.execute(
            "SELECT outcome, reason_code, rationale, output_after FROM decision WHERE item_id = ?",
            (item_id,)).fetchall()
    return {"state": state, "holder": holder,
            "decisions": [(o, c, r, None if a is None else json.loads(a)) for o, c, r, a in decisions]}


def assert_in_view(page: Page, *locators: Any) -> None:
    """Each locator is fully inside the 1280×720 window, and the page itself does not scroll."""
    for locator in locators:
        box = locator.bounding_box()
        assert box is not None, locator
        assert box["x"] >= 0 and box["y"] >= 0, (locator, box)
        assert box["x"] + box["width"] <= SCREEN["width"], (locator, box)
        assert box["y"] + box["height"] <= SCREEN["height"], (locator, box)
    main = page.get_by_test_id("stMain")
    assert main.evaluate("m => m.scrollHeight <= m.clientHeight + 1"), "the page scrolls"


def controls(page: Page) -> list[Any]:
    """The item header and every decision control."""
    return [
        page.locator(".st-key-review_header"),
        page.get_by_role("combobox", name="Reason", exact=True),
        page.get_by_label("Rationale", exact=True),
        *[page.get_by_role("button", name=re.compile(f"^{name}")) for name in CONTROLS],
    ]


def test_long_text_and_a_30_line_invoice_fit_one_screen_with_every_control(
    screen: Page, server: Server, tmp_path: Path
) -> None:
    sign_in(screen, server, REVIEWER)
    claim(screen, "email-1")
    for part in ["email-1", "helpdesk-ai / reply-draft", "model reply-v2", "impact high", "waiting",
                 "SLA due in"]:
        expect(screen.locator(".st-key-review_header")).to_contain_text(part)
    expect(screen.get_by_text("4 waiting · 0 past SLA · 0 decided by you this session")).to_be_visible()
    assert_in_view(screen, *controls(screen))
    # The e-mail reads with its own line breaks, not as a JSON string literal.
    output = screen.locator('[class*="st-key-review_pane_output"]')
    expect(output).to_contain_text("Hi Maria,")
    assert '\\n' not in output.inner_text() and '"Hi Maria' not in output.inner_text()
    screen.screenshot(path=tmp_path / "email.png")

    screen.get_by_role("button", name=re.compile("^Skip")).click()
    holding(screen, "invoice-1")
    assert_in_view(screen, *controls(screen))
    output = screen.locator('[class*="st-key-review_pane_output"]')
    expect(output.get_by_text("line_items", exact=True)).to_be_attached()
    expect(output.get_by_test_id("stDataFrame")).to_have_count(1)
    assert output.evaluate("pane => pane.scrollHeight > pane.clientHeight"), "the invoice scrolls in its pane"
    assert output.evaluate("pane => pane.scrollTop") == 0, "a new item opens at the top"
    screen.screenshot(path=tmp_path / "invoice.png")


def test_a_text_edit_and_its_rationale_submitted_by_shortcut_are_stored_as_typed(
    screen: Page, server: Server
) -> None:
    sign_in(screen, server, REVIEWER)
    claim(screen, "email-1")
    screen.get_by_role("tab", name="Corrected output").click()
    editor = screen.get_by_role("textbox", name="Corrected output")
    expect(editor).to_have_value(EMAIL)
    edited = EMAIL.replace("Kind regards", "Best wishes")
    editor.fill(edited)
    screen.get_by_role("combobox", name="Reason", exact=True).click()
    screen.get_by_role("option", name="wrong_content", exact=True).click()
    screen.get_by_label("Rationale", exact=True).click()
    screen.keyboard.type("Warmer sign-off.")
    screen.keyboard.press("Alt+E")  # still typing in the rationale: nothing was blurred
    holding(screen, "invoice-1")
    assert stored(server, "email-1")["decisions"] == [("edited", "wrong_content", "Warmer sign-off.", edited)]
    # The next item starts afresh: first tab, no reason, no rationale, its own output in the editor.
    expect(screen.get_by_role("tab", name="AI output")).to_have_attribute("aria-selected", "true")
    expect(screen.get_by_test_id("stSelectbox")).not_to_contain_text("wrong_content")
    expect(screen.get_by_label("Rationale", exact=True)).to_have_value("")
    screen.get_by_role("tab", name="Corrected output").click()
    expect(screen.get_by_role("textbox", name="Corrected output")).to_have_count(0)
    expect(screen.get_by_role("textbox", name="vendor")).to_have_value(RECORDS[1]["output"]["vendor"])

    screen.get_by_role("combobox", name="Reason", exact=True).click()
    screen.get_by_role("option", name="hallucination", exact=True).click()
    screen.get_by_label("Rationale", exact=True).click()
    screen.keyboard.type("Line 12 does not exist.")
    screen.keyboard.press("Alt+J")
    holding(screen, "small-1")
    assert stored(server, "invoice-1")["decisions"] == [
        ("rejected", "hallucination", "Line 12 does not exist.", None)]
    expect(screen.get_by_text(re.compile("2 decided by you this session"))).to_be_visible()


def test_everything_missing_is_reported_at_once_within_view(screen: Page, server: Server) -> None:
    sign_in(screen, server, REVIEWER)
    claim(screen, "email-1")
    screen.keyboard.press("Alt+J")
    reason = screen.get_by_text("reject needs a reason code", exact=True)
    rationale = screen.get_by_text("reject needs a rationale", exact=True)
    expect(reason).to_be_visible()
    expect(rationale).to_be_visible()
    assert_in_view(screen, reason, rationale, *controls(screen))
    assert stored(server, "email-1") == {"state": "pending", "holder": REVIEWER, "decisions": []}


def test_skip_hands_out_another_item_and_keeps_the_skipped_one_waiting(screen: Page, server: Server) -> None:
    sign_in(screen, server, REVIEWER)
    claim(screen, "email-1")
    screen.get_by_label("Rationale", exact=True).fill("Cannot judge billing replies.")
    screen.keyboard.press("Alt+S")
    holding(screen, "invoice-1")
    assert stored(server, "email-1") == {"state": "pending", "holder": None, "decisions": []}
    for following in ("small-1", "small-2"):
        screen.keyboard.press("Alt+A")
        holding(screen, following)
    # The skipped e-mail is not handed back to this reviewer; the queue is empty for them.
    screen.keyboard.press("Alt+A")
    expect(screen.get_by_text("Queue is empty", exact=True)).to_be_visible()
    assert stored(server, "email-1") == {"state": "pending", "holder": None, "decisions": []}


def test_a_reload_or_a_bookmark_keeps_the_person_signed_in_and_on_the_page(
    screen: Page, server: Server, chromium_browser: Browser
) -> None:
    sign_in(screen, server, SENIOR)
    screen.get_by_test_id("stSidebar").get_by_role("link", name="Escalations").click()
    expect(screen.get_by_role("heading", name="Escalations", exact=True)).to_be_visible()
    expect(screen).to_have_url(re.compile(r"/escalations$"))
    screen.reload()
    expect(screen.get_by_role("heading", name="Escalations", exact=True)).to_be_visible()
    expect(screen.get_by_test_id("stSidebar").get_by_text(SENIOR, exact=True)).to_be_visible()

    bookmark = screen.context.new_page()
    bookmark.goto(f"{server.url}/review")
    expect(bookmark.get_by_role("heading", name="Review", exact=True)).to_be_visible()
    expect(bookmark.get_by_test_id("stSidebar").get_by_text(SENIOR, exact=True)).to_be_visible()

    other_browser = chromium_browser.new_context(viewport=SCREEN)
    stranger = other_browser.new_page()
    stranger.goto(f"{server.url}/review")
    expect(stranger.get_by_role("combobox", name="Local user")).to_be_visible()
    expect(stranger.get_by_text(SENIOR, exact=True)).to_have_count(0)
    other_browser.close()

    screen.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    expect(screen.get_by_role("combobox", name="Local user")).to_be_visible()
    screen.reload()
    expect(screen.get_by_role("combobox", name="Local user")).to_be_visible()


def test_a_senior_sees_why_it_was_escalated_and_every_control_on_one_screen(
    screen: Page, server: Server, chromium_browser: Browser, tmp_path: Path
) -> None:
    why = "It promises a refund over 100 EUR, which needs a lead's approval. " * 5
    sign_in(screen, server, REVIEWER)
    claim(screen, "email-1")
    screen.get_by_role("combobox", name="Reason", exact=True).click()
    screen.get_by_role("option", name="policy_violation", exact=True).click()
    screen.get_by_label("Rationale", exact=True).fill(why)
    screen.keyboard.press("Alt+X")
    holding(screen, "invoice-1")

    context = chromium_browser.new_context(viewport=SCREEN)
    senior = context.new_page()
    sign_in(senior, server, SENIOR)
    senior.get_by_test_id("stSidebar").get_by_role("link", name="Escalations").click()
    claim(senior, "email-1")
    escalated = senior.get_by_text(f"Escalated by {REVIEWER}: policy_violation", exact=True)
    expect(escalated).to_be_visible()
    expect(senior.get_by_role("button", name=re.compile("^Escalate"))).to_have_count(0)
    assert_in_view(senior, escalated, *[
        senior.get_by_role("button", name=re.compile(f"^{name}")) for name in CONTROLS if name != "Escalate"
    ], senior.locator(".st-key-review_header"), senior.get_by_label("Rationale", exact=True))
    senior.screenshot(path=tmp_path / "escalation.png")
    context.close()
