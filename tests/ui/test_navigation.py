"""Signing in, the local-mode banner, and a navigation that offers each role exactly its pages."""

import time

import pytest

from review.audit import AuditAction, list_audit
from review.enums import Role
from review.roles import revoke_role
from tests.factories import OPERATOR, queue_items
from tests.ui.workbench_app import (
    PAGE_FILES,
    PAGES_OF_ROLE,
    infos,
    open_app,
    open_page,
    person,
    ran,
    shows_local_mode_banner,
    texts,
)
from ui import deps


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_offered_exactly_its_pages_and_each_opens(app_engine, role):
    queue_items(app_engine, 2)
    someone = person(app_engine, role)
    at = open_app(someone.identity)
    for title, path in PAGE_FILES.items():
        if title not in PAGES_OF_ROLE[role]:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(path)
            continue
        open_page(at, title)
        assert [heading.value for heading in at.title] == [title]
        assert shows_local_mode_banner(at)
        assert someone.identity in [element.value for element in at.sidebar.text]
        assert [button.label for button in at.sidebar.button] == ["Sign out"]


@pytest.mark.parametrize(("role", "landing"), [(Role.REVIEWER, "Review"), (Role.SENIOR, "Review"),
                                               (Role.DATA, "Export"), (Role.LEAD, "Dashboard"),
                                               (Role.ADMIN, "Dashboard")])
def test_signing_in_lands_leads_on_the_dashboard_and_others_on_their_first_page(app_engine, role, landing):
    at = open_app(person(app_engine, role).identity)
    assert [heading.value for heading in at.title] == [landing]


def test_signing_in_through_the_local_user_picker_and_out_again(app_engine):
    reviewer = person(app_engine, Role.REVIEWER)
    admin = person(app_engine, Role.ADMIN)
    at = open_app()
    assert [heading.value for heading in at.title] == ["Review workbench"]
    assert shows_local_mode_banner(at)
    picker = at.selectbox(key="sign_in_local_user")
    assert picker.label == "Local user"
    emails = sorted(option.split()[0] for option in picker.options)
    assert emails == sorted([reviewer.identity, admin.identity])
    picker.select(reviewer.identity)
    ran(at.button(key="sign_in").click().run())
    assert [heading.value for heading in at.title] == ["Review"]
    assert reviewer.identity in [element.value for element in at.sidebar.text]
    assert shows_local_mode_banner(at)
    sign_out = at.sidebar.button(key="sign_out")
    assert sign_out.label == "Sign out"
    ran(sign_out.click().run())
    assert [heading.value for heading in at.title] == ["Review workbench"]
    assert at.selectbox(key="sign_in_local_user").label == "Local user"


def test_each_sign_in_is_audited_once_not_once_per_rerun(app_engine):
    reviewer = person(app_engine, Role.REVIEWER)
    at = open_app()
    for _ in range(2):
        at.selectbox(key="sign_in_local_user").select(reviewer.identity)
        ran(at.button(key="sign_in").click().run())
        ran(at.run())
        ran(at.sidebar.button(key="sign_out").click().run())
    entries = list_audit(app_engine, OPERATOR, action=AuditAction.SIGNED_IN)
    assert [(entry.actor, entry.subject) for entry in entries] == [
        (reviewer.identity, f"user:{reviewer.identity}")
    ] * 2
    assert entries[0].details == {"via": "local", "roles": ["reviewer"]}


def test_the_sign_in_screen_offers_no_pages(app_engine):
    person(app_engine, Role.ADMIN)
    at = open_app()
    assert [button.label for button in at.button] == ["Sign in"]
    for path in PAGE_FILES.values():
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(path)


def test_the_sign_in_screen_says_how_to_make_a_first_user(app_engine):
    at = open_app()
    assert any("Grant a role first" in message for message in infos(at))
    assert not at.button


def test_a_signed_in_person_without_a_role_sees_no_access(app_engine):
    at = open_app("nobody@example.com")
    assert [heading.value for heading in at.title] == ["No access"]
    assert any("Ask an admin" in message for message in infos(at))
    assert any("nobody@example.com" in text for text in texts(at))
    assert shows_local_mode_banner(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE_FILES["Review"])


def test_losing_the_last_role_leads_to_no_access_within_the_role_cache_bound(app_engine, monkeypatch):
    reviewer = person(app_engine, Role.REVIEWER)
    at = open_app(reviewer.identity)
    assert [heading.value for heading in at.title] == ["Review"]
    revoke_role(app_engine, OPERATOR, reviewer.identity, Role.REVIEWER)
    ran(at.run())
    assert [heading.value for heading in at.title] == ["Review"]  # roles are trusted for a while
    later = time.monotonic() + deps.ACTOR_TTL_SECONDS + 1
    monkeypatch.setattr(deps, "role_cache_clock", lambda: later)
    ran(at.run())
    assert [heading.value for heading in at.title] == ["No access"]
