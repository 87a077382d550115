"""The review loop in a real browser against the real `workbench serve`, in local mode.

Items carry script, event-handler and javascript: payloads: a reviewer must see them as text,
and the browser must never run them.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.chromium import failed
from tests.browser.server import Server, free_port, run_workbench, write_jsonl

pytestmark = pytest.mark.browser

REVIEWER = "reviewer@example.com"
FIRST_SENIOR = "senior.one@example.com"
SECOND_SENIOR = "senior.two@example.com"
LOCAL_MODE_BANNER = re.compile("local mode — no authentication", re.IGNORECASE)
REJECT_WHY = "Promises a refund we cannot give."
ESCALATE_WHY = "Links out; needs a senior."


@dataclass(frozen=True)
class Hostile:
    """An item whose AI output tries to run script; `shown` is how its output reads on screen."""

    external_id: str
    output: str
    shown: str
    confidence: float


HOSTILE = (
    Hostile("xss-script", "<script>window.__xss=1</script>", "<script>window.__xss=1</script>", 0.1),
    Hostile("xss-img", '<img src=x onerror="window.__xss=2">', "<img src=x onerror=", 0.11),
    Hostile(
        "xss-link",
        '[click](javascript:window.__xss=3) or <a href="javascript:window.__xss=4">this</a>',
        "[click](javascript:window.__xss=3)",
        0.12,
    ),
)


def _records() -> list[dict[str, object]]:
    return [
        {
            "external_id": hostile.external_id, "source": "helpdesk-ai", "task": "reply-draft",
            "model_version": "draft-v2", "input": {"ticket": "Where is my refund?"},
            "output": {"reply": hostile.output}, "confidence": hostile.confidence, "impact": "low",
        }
        for hostile in HOSTILE
    ]


@pytest.fixture(scope="module")
def running_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`workbench serve` on a fresh SQLite file with three users and the hostile items."""
    directory = tmp_path_factory.mktemp("workbench")
    run_workbench(directory, "init")
    for email, role in ((REVIEWER, "reviewer"), (FIRST_SENIOR, "senior"), (SECOND_SENIOR, "senior")):
        run_workbench(directory, "role", "grant", email, role)
    ingested = run_workbench(directory, "ingest", str(write_jsonl(directory / "items.jsonl", _records())))
    assert f"{len(HOSTILE)} accepted" in ingested.stdout, ingested.stdout
    server = Server(directory, free_port(), directory / "server.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(running_server: Server, request: pytest.FixtureRequest) -> Iterator[Server]:
    """The running server; its log is printed when the test fails."""
    yield running_server
    if failed(request):
        print(running_server.log())


class Browsing:
    """A person at the browser, checking at every step that no payload ran."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", self._dismiss)

    def _dismiss(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def sign_in(self, email: str) -> None:
        """Pick the local user and sign in; the sidebar then shows the e-mail and `Sign out`."""
        page = self.page
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        expect(page.get_by_text(LOCAL_MODE_BANNER)).to_be_visible()
        page.get_by_role("combobox", name="Local user").click()
        page.get_by_role("option", name=email).click()
        expect(page.get_by_role("combobox", name="Local user")).to_have_value(re.compile(re.escape(email)))
        page.get_by_role("button", name="Sign in").click()
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text(email, exact=True)).to_be_visible()
        expect(sidebar.get_by_role("button", name="Sign out")).to_be_visible()
        expect(page.get_by_text(LOCAL_MODE_BANNER)).to_be_visible()

    def sign_out(self) -> None:
        """Sign out from the sidebar and land on the sign-in screen."""
        self.page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
        expect(self.page.get_by_role("combobox", name="Local user")).to_be_visible()

    def open(self, title: str) -> None:
        """Open a page from the navigation."""
        self.page.get_by_test_id("stSidebar").get_by_role("link", name=title).click()
        expect(self.page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(self.page.get_by_text(LOCAL_MODE_BANNER)).to_be_visible()

    def claim_next(self) -> Hostile | None:
        """Press `Claim next`; the item now held, or None when the queue says it is empty."""
        self.page.get_by_role("button", name="Claim next").click()
        return self._held_or_empty()

    def decide(self, held: Hostile, button: str, reason: str | None = None,
               rationale: str | None = None) -> Hostile | None:
        """Fill in the form, press `button`; the next item held, or None when the queue is empty."""
        page = self.page
        if reason is not None:
            page.get_by_role("combobox", name="Reason", exact=True).click()
            page.get_by_role("option", name=reason, exact=True).click()
            expect(page.get_by_role("combobox", name="Reason", exact=True)).to_have_value(reason)
        if rationale is not None:
            page.get_by_label("Rationale", exact=True).fill(rationale)
        page.get_by_role("button", name=button).click()
        expect(page.get_by_text(held.shown, exact=False)).to_have_count(0)
        return self._held_or_empty()

    def _held_or_empty(self) -> Hostile | None:
        page = self.page
        shown = page.get_by_text(re.compile("|".join(re.escape(hostile.shown) for hostile in HOSTILE)))
        empty = page.get_by_text("Queue is empty", exact=True)
        expect(shown.or_(empty).first).to_be_visible()
        if empty.is_visible():
            expect(page.get_by_role("button", name="Claim next")).to_be_visible()
            return None
        expect(page.get_by_role("button", name="Approve")).to_be_visible()
        held = [hostile for hostile in HOSTILE if page.get_by_text(hostile.shown).count() > 0]
        assert len(held) == 1, f"expected one held item on screen, saw {held}"
        self.assert_shown_as_text(held[0])
        return held[0]

    def assert_shown_as_text(self, held: Hostile) -> None:
        """The output reads as literal text, its field editable as that text, without the model's
        confidence or why it was routed (reviewers judge the output alone); nothing ran."""
        page = self.page
        expect(page.get_by_text(held.shown).first).to_be_visible()
        expect(page.get_by_text(held.external_id, exact=True)).to_be_visible()
        expect(page.get_by_text(f"{held.confidence:.2f}")).to_have_count(0)
        expect(page.get_by_text("Why it was routed")).to_have_count(0)
        page.get_by_role("tab", name="Corrected output").click()
        expect(page.get_by_role("textbox", name="reply", exact=True)).to_have_value(held.output)
        page.get_by_role("tab", name="AI output").click()
        self.assert_nothing_ran()

    def assert_nothing_ran(self) -> None:
        """No payload executed, opened a dialog or reached the DOM as live markup."""
        page = self.page
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert self.dialogs == []
        assert page.locator("[onerror]").count() == 0
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("script", has_text="__xss").count() == 0
        assert page.locator("a[href^='javascript:' i]").count() == 0


def test_two_seniors_review_escalate_and_clear_hostile_items_in_chromium(
    page: Page, server: Server, tmp_path: Path
) -> None:
    person = Browsing(page)
    page.goto(server.url)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.get_by_role("combobox", name="Local user").click()
    for email in (REVIEWER, FIRST_SENIOR, SECOND_SENIOR):
        expect(page.get_by_role("option", name=email)).to_be_visible()
    page.keyboard.press("Escape")

    approved, rejected, escalated = _first_senior_works_the_review_queue(person, tmp_path)
    _second_senior_clears_the_escalation(person, escalated, tmp_path)

    _assert_export(server, {
        approved.external_id: ("approved", FIRST_SENIOR, None, None, False),
        rejected.external_id: ("rejected", FIRST_SENIOR, "wrong_content", REJECT_WHY, False),
        escalated.external_id: ("approved", SECOND_SENIOR, None, None, True),
    })
    run_workbench(server.directory, "audit", "verify")


def _first_senior_works_the_review_queue(person: Browsing, tmp_path: Path) -> tuple[Hostile, ...]:
    """Approve, reject and escalate the three items; return them in that order."""
    person.sign_in(FIRST_SENIOR)
    person.open("Review")
    first = person.claim_next()
    assert first is not None
    person.page.screenshot(path=tmp_path / "review-page.png")
    second = person.decide(first, "Approve")
    assert second is not None and second != first
    third = person.decide(second, "Reject", "wrong_content", REJECT_WHY)
    assert third is not None and third not in (first, second)
    assert person.decide(third, "Escalate", "policy_violation", ESCALATE_WHY) is None
    person.open("Escalations")
    assert person.claim_next() is None, "a senior must never be handed their own escalation"
    person.assert_nothing_ran()
    person.sign_out()
    return first, second, third


def _second_senior_clears_the_escalation(person: Browsing, escalated: Hostile, tmp_path: Path) -> None:
    """Another senior sees who escalated the item and why, and approves it."""
    page = person.page
    person.sign_in(SECOND_SENIOR)
    person.open("Escalations")
    assert person.claim_next() == escalated
    expect(page.get_by_text(f"Escalated by {FIRST_SENIOR}: policy_violation")).to_be_visible()
    expect(page.get_by_text(ESCALATE_WHY)).to_be_visible()
    expect(page.get_by_role("button", name="Escalate")).to_have_count(0)
    page.screenshot(path=tmp_path / "escalations-page.png")
    assert person.decide(escalated, "Approve") is None
    person.assert_nothing_ran()


def _assert_export(server: Server, expected: dict[str, tuple[object, ...]]) -> None:
    """The data set the CLI exports holds exactly the decisions made in the browser."""
    out = server.directory / "export.jsonl"
    run_workbench(server.directory, "export", "--format", "jsonl", "--out", str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    decided = {
        row["external_id"]: (row["decision"], row["reviewer"], row["reason_code"], row["rationale"],
                             row["escalated"])
        for row in rows
    }
    assert decided == expected
    outputs = {hostile.external_id: {"reply": hostile.output} for hostile in HOSTILE}
    for row in rows:
        assert row["ai_output"] == outputs[row["external_id"]]
        if row["decision"] == "approved":
            assert row["final_output"] == row["ai_output"]
