"""Nothing the app serves makes the browser ask another host for anything (fonts, icons, scripts):
a reviewer's browser talks to the workbench only."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.server import Server, run_workbench, serving

pytestmark = pytest.mark.browser

ADMIN = "admin@example.com"
PAGES = ["Review", "Escalations", "Dashboard", "Export", "Admin"]


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    """`workbench serve` on demo data, with an admin."""
    run_workbench(tmp_path, "init")
    run_workbench(tmp_path, "demo", "--items", "300")
    run_workbench(tmp_path, "role", "grant", ADMIN, "admin")
    with serving(tmp_path, request) as running:
        yield running


def test_every_page_loads_only_from_the_apps_own_origin(page: Page, server: Server) -> None:
    outside: list[str] = []

    def note(request: Request) -> None:
        if not re.match(rf"^({re.escape(server.url)}/|data:|blob:|about:)", request.url):
            outside.append(request.url)

    page.on("request", note)
    page.goto(server.url)
    page.get_by_role("combobox", name="Local user").click()
    page.get_by_role("option", name=ADMIN).click()
    page.get_by_role("button", name="Sign in").click()
    for title in PAGES:
        page.get_by_test_id("stSidebar").get_by_role("link", name=title).click()
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        if title == "Review":
            page.get_by_role("button", name="Claim next").click()
            expect(page.locator(".st-key-review_header")).to_be_visible()
        page.wait_for_load_state("networkidle")
    assert outside == []


HOSTILE = "![x](http://198.51.100.7/x.png) :red[red] **bold** http://198.51.100.7/"


def test_a_refusal_quoting_typed_text_shows_it_as_plain_text(page: Page, server: Server) -> None:
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if "198.51.100.7" in request.url else None)
    page.goto(server.url)
    page.get_by_role("combobox", name="Local user").click()
    page.get_by_role("option", name=ADMIN).click()
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebar").get_by_role("link", name="Admin").click()
    page.get_by_label("E-mail", exact=True).fill(HOSTILE)
    page.get_by_role("button", name="Grant", exact=True).click()
    alert = page.get_by_test_id("stAlertContentError")
    expect(alert).to_contain_text("is not an e-mail address")
    # An invisible word joiner keeps the URL from being linked; otherwise the text is as typed.
    assert f"'{HOSTILE}' is not an e-mail address" in alert.inner_text().replace("\u2060", "")
    assert alert.locator("img, a, strong, [style*='color']").count() == 0
    assert outside == []
