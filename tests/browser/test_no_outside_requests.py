"""Nothing the app serves makes the browser ask another host for anything (fonts, icons, scripts):
a reviewer's browser talks to the workbench only."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.chromium import failed
from tests.browser.server import Server, free_port, run_workbench

pytestmark = pytest.mark.browser

ADMIN = "admin@example.com"
PAGES = ["Review", "Escalations", "Dashboard", "Export", "Admin"]


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    """`workbench serve` on demo data, with an admin."""
    run_workbench(tmp_path, "init")
    run_workbench(tmp_path, "demo", "--items", "300")
    run_workbench(tmp_path, "role", "grant", ADMIN, "admin")
    running = Server(tmp_path, free_port(), tmp_path / "server.log")
    running.start()
    yield running
    if failed(request):
        print(running.log())
    running.stop()


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
