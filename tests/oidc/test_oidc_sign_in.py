"""Signing in through a real OpenID Connect provider, one person per role and one with none."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.oidc.conftest import SignInSetup

NAVIGATION = ["Review", "Escalations", "Dashboard", "Policy", "Export", "Admin"]
# The provider's `groups` claim gives each of these one role; data@ also holds a granted role.
PAGES_OF_PERSON = {
    "reviewer@example.com": {"Review"},
    "senior@example.com": {"Review", "Escalations"},
    "lead@example.com": {"Review", "Escalations", "Dashboard", "Policy"},
    "data@example.com": {"Export", "Review"},
    "admin@example.com": set(NAVIGATION),
}


def _sign_in(page: Page, setup: SignInSetup, email: str) -> None:
    page.goto(setup.server.url)
    expect(page.get_by_text("local mode", exact=False)).to_have_count(0)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{setup.issuer}/**")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill("any")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{setup.server.url}/**")
    expect(page.get_by_test_id("stSidebar").get_by_text(email, exact=True)).to_be_visible()


def _sign_out(page: Page, setup: SignInSetup) -> None:
    """Sign out of the workbench and, as st.logout asks, of the provider too."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{setup.issuer}/**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{setup.server.url}/**")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def _pages_offered(page: Page) -> set[str]:
    """The navigation's pages; Streamlit shows no navigation for one page, only that page."""
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    if links.count():
        return {name for name in NAVIGATION if links.filter(has_text=name).count()}
    heading = page.get_by_role("heading", level=1).inner_text()
    return {heading} if heading in NAVIGATION else set()


@pytest.mark.browser
@pytest.mark.parametrize("email", list(PAGES_OF_PERSON))
def test_each_role_signs_in_and_sees_exactly_its_pages(page: Page, sign_in_setup: SignInSetup,
                                                      email: str) -> None:
    _sign_in(page, sign_in_setup, email)
    assert _pages_offered(page) == PAGES_OF_PERSON[email]
    _sign_out(page, sign_in_setup)
    engine = create_engine(f"sqlite:///{sign_in_setup.server.directory / 'workbench.db'}")
    with engine.connect() as connection:
        entries = connection.execute(
            text("SELECT details FROM audit_entry WHERE action = 'signed_in' AND actor = :email"),
            {"email": email},
        ).scalars().all()
    engine.dispose()
    assert len(entries) >= 1 and '"oidc"' in entries[-1]


@pytest.mark.browser
def test_a_person_without_a_role_sees_only_no_access(page: Page, sign_in_setup: SignInSetup) -> None:
    _sign_in(page, sign_in_setup, "nobody@example.com")
    expect(page.get_by_role("heading", name="No access")).to_be_visible()
    expect(page.get_by_text("Ask an admin to grant you a role.")).to_be_visible()
    assert _pages_offered(page) == set()
    page.goto(f"{sign_in_setup.server.url}/admin")
    expect(page.get_by_role("heading", name="No access")).to_be_visible()
    expect(page.get_by_role("heading", name="Admin")).to_have_count(0)


@pytest.mark.browser
def test_a_reload_or_a_bookmark_keeps_the_oidc_session_and_the_page(
    page: Page, sign_in_setup: SignInSetup
) -> None:
    _sign_in(page, sign_in_setup, "senior@example.com")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Escalations").click()
    expect(page.get_by_role("heading", name="Escalations", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Escalations", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("senior@example.com", exact=True)).to_be_visible()
    bookmark = page.context.new_page()
    bookmark.goto(f"{sign_in_setup.server.url}/review")
    expect(bookmark.get_by_role("heading", name="Review", exact=True)).to_be_visible()
    bookmark.close()
    _sign_out(page, sign_in_setup)
    page.goto(f"{sign_in_setup.server.url}/review")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
