"""Driving the workbench in AppTest: people per role, signing in, opening pages, finding landmarks."""

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from review.actors import Actor
from review.enums import Role
from review.roles import grant_role
from tests.factories import OPERATOR, make_actor
from ui.deps import LOCAL_USER_KEY

APP = Path(__file__).resolve().parents[2] / "app.py"
# Generous: every run talks to the database, and the suite also runs against PostgreSQL.
TIMEOUT_SECONDS = 30
LOCAL_MODE_BANNER = re.compile("local mode — no authentication", re.IGNORECASE)

# The contract's navigation: page title -> page file, and which roles see each page.
PAGE_FILES = {
    "Review": "app_pages/review.py",
    "Escalations": "app_pages/escalations.py",
    "Dashboard": "app_pages/dashboard.py",
    "Policy": "app_pages/policy.py",
    "Export": "app_pages/export.py",
    "Admin": "app_pages/admin.py",
}
PAGES_OF_ROLE = {
    Role.REVIEWER: {"Review"},
    Role.SENIOR: {"Review", "Escalations"},
    Role.LEAD: {"Review", "Escalations", "Dashboard", "Policy"},
    Role.DATA: {"Export"},
    Role.ADMIN: set(PAGE_FILES),
}


def person(engine: Engine, *roles: Role, email: str | None = None) -> Actor:
    """A new person granted `roles` in the workbench, as the domain sees them."""
    actor = make_actor(*roles, identity=email)
    for role in roles:
        grant_role(engine, OPERATOR, actor.identity, role)
    return actor


def open_app(email: str | None = None) -> AppTest:
    """The app after its first run, signed in as `email` (local mode) when one is given."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_SECONDS)
    if email is not None:
        at.session_state[LOCAL_USER_KEY] = email
    return ran(at.run())


def open_page(at: AppTest, title: str) -> AppTest:
    """Open the page the navigation calls `title`."""
    return ran(at.switch_page(PAGE_FILES[title]).run())


def ran(at: AppTest) -> AppTest:
    """`at`, after failing the test with the stack trace if the run raised."""
    assert not at.exception, "\n".join("".join(error.stack_trace) or error.value for error in at.exception)
    return at


def labelled(widgets: Any, label: str) -> Any:
    """The one widget or element of a list with this label."""
    found = [widget for widget in widgets if widget.label == label]
    assert len(found) == 1, f"expected one {label!r}, found {[w.label for w in widgets]}"
    return found[0]


def texts(at: AppTest) -> list[str]:
    """Everything shown with st.text, in order."""
    return [element.value for element in at.text]


def as_read(markdown: str) -> str:
    """A message as the person reads it: messages quoting typed text are escaped Markdown (see
    ui.plain_text), which renders without the backslashes and invisible word joiners."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def errors(at: AppTest) -> list[str]:
    """Every st.error message as the person reads it."""
    return [as_read(error.value) for error in at.error]


def toasts(at: AppTest) -> list[str]:
    """Every toast as the person reads it."""
    return [as_read(toast.value) for toast in at.toast]


def infos(at: AppTest) -> list[str]:
    """Every st.info message."""
    return [element.value for element in at.info]


def button_labels(at: AppTest) -> list[str]:
    """The labels of the main area's buttons (the sidebar's `Sign out` excluded)."""
    return [button.label for button in at.main.button]


def shows_local_mode_banner(at: AppTest) -> bool:
    """Whether the run showed the local-mode warning."""
    return any(LOCAL_MODE_BANNER.search(warning.value) for warning in at.warning)


def press(at: AppTest, label: str) -> AppTest:
    """Press the main area's button `label` and run."""
    labelled(at.main.button, label).click()
    return ran(at.run())


def fill_form(at: AppTest, reason: str | None = None, rationale: str | None = None,
              output: str | None = None) -> None:
    """Fill in the review form's `Reason`, `Rationale` and `Corrected output` where given."""
    if reason is not None:
        labelled(at.selectbox, "Reason").select(reason)
    if rationale is not None:
        labelled(at.text_area, "Rationale").input(rationale)
    if output is not None:
        labelled(at.text_area, "Corrected output").input(output)
