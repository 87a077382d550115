"""The Dashboard with `workbench demo` data in real Chromium: the charts render, shown in a screenshot."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.server import Server, free_port, run_workbench
from tests.browser.test_review_in_browser import Browsing

DRAWN_CHARTS = (
    "[...document.querySelectorAll('.vega-embed')]"
    ".filter(chart => chart.querySelector('.role-mark path, .role-mark line')).length"
)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`workbench demo` data behind a running server."""
    directory = tmp_path_factory.mktemp("dashboard")
    run_workbench(directory, "init")
    run_workbench(directory, "demo", "--items", "800", "--days", "14")
    server = Server(directory, free_port(), directory / "server.log")
    server.start()
    yield server
    server.stop()


@pytest.mark.browser
def test_the_dashboard_renders_its_charts_for_a_lead(page: Page, demo_server: Server, tmp_path: Path) -> None:
    page.goto(demo_server.url)
    person = Browsing(page)
    person.sign_in("lead@example.com")
    person.open("Dashboard")
    expect(page.get_by_text("Override rate: ")).to_be_visible()
    expect(page.locator(".vega-embed").first).to_be_visible()
    page.mouse.wheel(0, 5000)  # charts further down render once scrolled to
    # Each chart of the Overrides tab drew its marks (bars, lines, points) into its SVG.
    page.wait_for_function(DRAWN_CHARTS + " >= 5")
    assert page.evaluate(DRAWN_CHARTS) >= 5
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=shot, full_page=True)
    print(f"dashboard screenshot: {shot}")
    assert shot.stat().st_size > 50_000
    page.get_by_role("tab", name="Automation").click()
    expect(page.get_by_role("button", name="Pause automation").first).to_be_visible()
    assert person.dialogs == []
