"""`Admin`: the role grants table, and granting or revoking a role from the form."""

from review.enums import Role
from review.roles import granted_roles
from tests.ui.workbench_app import infos, open_app, open_page, person, ran


def _submit(at, email: str, role: str, button: str):
    at.text_input(key="admin_email").input(email)
    at.selectbox(key="admin_role").select(role)
    return ran(at.button(key=button).click().run())


def _grants_shown(at) -> set[tuple[str, str]]:
    table = at.dataframe[0].value
    return set(zip(table["email"], table["role"], strict=True))


def test_an_admin_grants_a_role_and_the_person_can_sign_in_with_it(app_engine):
    admin = person(app_engine, Role.ADMIN)
    at = open_app(admin.identity)
    open_page(at, "Admin")
    assert _grants_shown(at) == {(admin.identity, "admin")}
    _submit(at, "New.Reviewer@Example.com", "reviewer", "admin_grant")
    assert not at.error
    assert [toast.value for toast in at.toast] == ["Granted the reviewer role"]
    assert _grants_shown(at) == {(admin.identity, "admin"), ("new.reviewer@example.com", "reviewer")}
    assert granted_roles(app_engine, "new.reviewer@example.com") == {Role.REVIEWER}
    newcomer = open_app("new.reviewer@example.com")
    assert [heading.value for heading in newcomer.title] == ["Review"]


def test_granting_twice_changes_nothing_and_says_so(app_engine):
    admin = person(app_engine, Role.ADMIN)
    reviewer = person(app_engine, Role.REVIEWER)
    at = open_app(admin.identity)
    open_page(at, "Admin")
    _submit(at, reviewer.identity, "reviewer", "admin_grant")
    assert any("already holds the reviewer role" in message for message in infos(at))


def test_an_admin_revokes_a_role(app_engine):
    admin = person(app_engine, Role.ADMIN)
    lead = person(app_engine, Role.LEAD, Role.DATA)
    at = open_app(admin.identity)
    open_page(at, "Admin")
    _submit(at, lead.identity, "lead", "admin_revoke")
    assert [toast.value for toast in at.toast] == ["Revoked the lead role"]
    assert (lead.identity, "lead") not in _grants_shown(at)
    assert granted_roles(app_engine, lead.identity) == {Role.DATA}


def test_a_bad_email_is_refused_with_the_domains_message(app_engine):
    admin = person(app_engine, Role.ADMIN)
    at = open_app(admin.identity)
    open_page(at, "Admin")
    _submit(at, "not an address", "senior", "admin_grant")
    assert ["is not an e-mail address" in error.value for error in at.error] == [True]
    assert _grants_shown(at) == {(admin.identity, "admin")}
