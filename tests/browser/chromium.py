"""Browser fixtures shared by tests/browser and tests/oidc: one Debian Chromium per session."""

import os
from collections.abc import Generator, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
# Streamlit reruns the script on the server after every interaction; the first page load also
# fetches the whole front end. Generous waits, but never sleeps.
WAIT_MS = 30_000
VIEWPORT: ViewportSize = {"width": 1280, "height": 1600}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's outcome on the test, so fixtures can add evidence when it failed."""
    report = yield
    setattr(item, f"report_{call.when}", report)
    return report


def failed(request: pytest.FixtureRequest) -> bool:
    """Whether the requesting test failed in setup or in its body."""
    return any(
        getattr(getattr(request.node, f"report_{phase}", None), "failed", False)
        for phase in ("setup", "call")
    )


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """Headless Debian Chromium; a missing Chromium fails the test, it never skips it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install Debian's package (apt-get install chromium)")
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    """A fresh browser context; on failure a screenshot and the page's text land in tmp_path."""
    with page_with_evidence(chromium_browser, request, tmp_path, VIEWPORT) as opened:
        yield opened


@contextmanager
def page_with_evidence(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path,
                       viewport: ViewportSize) -> Iterator[Page]:
    """A page in a fresh context of `viewport`; evidence of a failed test lands in tmp_path."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    yield page
    if failed(request):
        _print_evidence(page, tmp_path / "failure.png")
    context.close()


def _print_evidence(page: Page, shot: Path) -> None:
    # Best effort: a crashed page must not hide the test's own failure.
    with suppress(PlaywrightError):
        page.screenshot(path=shot)
        print(f"screenshot of the failing page: {shot}")
        print(f"----- page text -----\n{page.locator('body').inner_text()}\n----- end of page text -----")
