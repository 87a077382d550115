"""`Admin`: the role grants table, and granting or revoking a role from the form."""

from review.clock import utcnow
from review.enums import Role
from review.roles import grant_role, granted_roles
from review.tokens import list_token_info
from storage.engine import writing
from storage.models import Webhook
from tests.factories import tamper_audit_entry
from tests.ui.workbench_app import errors, infos, open_app, open_page, person, ran


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
    assert ["is not an e-mail address" in error for error in errors(at)] == [True]
    assert _grants_shown(at) == {(admin.identity, "admin")}


# The Admin page's tables in order: role grants, tokens, audit entries, webhooks (then failures).
TABLES = {"roles": 0, "tokens": 1, "audit": 2, "webhooks": 3}


def _table(at, name: str):
    return at.dataframe[TABLES[name]].value


def _form_submit(at, fields: dict[str, str], button: str):
    for key, value in fields.items():
        at.text_input(key=key).input(value)
    return ran(at.button(key=button).click().run())


def test_an_admin_creates_a_token_sees_it_once_and_revokes_it(app_engine):
    admin = person(app_engine, Role.ADMIN)
    at = open_page(open_app(admin.identity), "Admin")
    at.selectbox(key="admin_token_scope").select("ingest")
    _form_submit(at, {"admin_token_name": "crm-push"}, "admin_token_create")
    shown = [block.value for block in at.code]
    assert len(shown) == 1 and shown[0].startswith("wbt_")
    (token,) = [t for t in list_token_info(app_engine, admin) if t.name == "crm-push"]
    assert token.scope.value == "ingest" and token.revoked_at is None
    table = _table(at, "tokens")
    assert list(table["name"]) == ["crm-push"] and shown[0] not in table.to_string()
    # The next run no longer shows the value anywhere.
    ran(at.run())
    assert [block.value for block in at.code] == []
    at.checkbox(key="admin_revoke_token_confirm").check()
    _form_submit(at, {"admin_revoke_token_name": "crm-push"}, "admin_revoke_token")
    assert [toast.value for toast in at.toast] == ["Token revoked"]
    assert _table(at, "tokens")["revoked_at"].notna().all()


def test_an_admin_bounds_a_token_to_sources_and_the_list_says_so(app_engine):
    admin = person(app_engine, Role.ADMIN)
    at = open_page(open_app(admin.identity), "Admin")
    at.selectbox(key="admin_token_scope").select("decisions:read")
    at.text_area(key="admin_token_sources").input("crm-ai\n\n  billing-ai \n")
    at.checkbox(key="admin_token_reviewer_identities").check()
    _form_submit(at, {"admin_token_name": "crm-feed"}, "admin_token_create")
    at.selectbox(key="admin_token_scope").select("ingest")
    _form_submit(at, {"admin_token_name": "everything"}, "admin_token_create")
    assert not at.error
    tokens = {t.name: (t.sources, t.reviewer_identities) for t in list_token_info(app_engine, admin)}
    assert tokens == {"crm-feed": (("billing-ai", "crm-ai"), True), "everything": (None, False)}
    table = _table(at, "tokens").set_index("name")
    assert list(table["sources"]) == ["all", "billing-ai, crm-ai"]
    assert list(table["reviewer_identities"]) == [False, True]


def test_a_review_token_with_sources_is_refused_with_the_domains_message(app_engine):
    admin = person(app_engine, Role.ADMIN)
    at = open_page(open_app(admin.identity), "Admin")
    at.selectbox(key="admin_token_scope").select("review")
    at.text_area(key="admin_token_sources").input("crm-ai")
    _form_submit(at, {"admin_token_name": "bot", "admin_token_user": admin.identity}, "admin_token_create")
    assert ["acts as its user" in error for error in errors(at)] == [True]
    assert list_token_info(app_engine, admin) == []


def test_a_review_token_without_a_user_is_refused_with_the_domains_message(app_engine):
    admin = person(app_engine, Role.ADMIN)
    at = open_page(open_app(admin.identity), "Admin")
    at.selectbox(key="admin_token_scope").select("review")
    _form_submit(at, {"admin_token_name": "bot"}, "admin_token_create")
    assert ["acts as a person" in error for error in errors(at)] == [True]
    assert at.code == [] or [block.value for block in at.code] == []
    assert list_token_info(app_engine, admin) == []


def test_the_audit_log_filters_and_verification_finds_the_edited_entry(app_engine):
    admin = person(app_engine, Role.ADMIN)
    for email in ("a@example.com", "b@example.com"):
        grant_role(app_engine, admin, email, Role.REVIEWER)
    at = open_page(open_app(admin.identity), "Admin")
    at.selectbox(key="admin_audit_action").select("role_granted")
    ran(at.run())
    table = _table(at, "audit")
    assert set(table["action"]) == {"role_granted"}
    assert {"user:a@example.com", "user:b@example.com"} <= set(table["subject"])
    ran(at.button(key="admin_audit_verify").click().run())
    assert [message.value for message in at.success][-1].startswith("Chain intact")
    seq = int(table[table["subject"] == "user:a@example.com"]["seq"].iloc[0])
    tamper_audit_entry(app_engine, seq=seq)
    ran(at.button(key="admin_audit_verify").click().run())
    assert [error for error in errors(at)] == [
        f"Chain broken at entry {seq}: its content does not match its hash (edited after it was written)."
    ]


def test_webhooks_refuse_other_schemes_and_show_registered_ones(app_engine):
    admin = person(app_engine, Role.ADMIN)
    at = open_page(open_app(admin.identity), "Admin")
    _form_submit(at, {"admin_webhook_source": "crm", "admin_webhook_url": "ftp://example.com/in"},
                 "admin_webhook_register")
    assert ["http:// or https://" in error for error in errors(at)] == [True]
    _form_submit(at, {"admin_webhook_source": "crm", "admin_webhook_url": "https://crm.example.com/in"},
                 "admin_webhook_register")
    assert not at.error
    assert len(at.code) == 1 and len(at.code[0].value) >= 32  # the generated secret, shown once
    hooks = _table(at, "webhooks")
    assert list(hooks["url"]) == ["https://crm.example.com/in"]
    assert list(hooks["pending"]) == [0]
    assert "No delivery is failing." in [text.value for text in at.text]


def test_webhooks_refuse_internal_addresses_and_credentials_which_show_nowhere(app_engine, monkeypatch):
    monkeypatch.delenv("WORKBENCH_WEBHOOK_ALLOW_PRIVATE", raising=False)
    admin = person(app_engine, Role.ADMIN)
    at = open_page(open_app(admin.identity), "Admin")
    register = {"admin_webhook_source": "crm", "admin_webhook_url": "http://169.254.169.254/latest/meta-data/"}
    _form_submit(at, register, "admin_webhook_register")
    assert ["cloud metadata services" in error for error in errors(at)] == [True]
    register["admin_webhook_url"] = "https://admin:hunter2@crm.example.com/in"
    _form_submit(at, register, "admin_webhook_register")
    assert ["must not carry credentials" in error for error in errors(at)] == [True]
    assert _table(at, "webhooks").empty
    shown = [error for error in errors(at)] + [_table(at, name).to_string() for name in TABLES]
    assert not any("hunter2" in text for text in shown)


def test_a_stored_webhook_url_with_credentials_is_shown_masked(app_engine):
    with writing(app_engine) as session:  # a row from before registration refused credentials
        session.add(Webhook(source="crm", url="https://admin:hunter2@crm.example.com/in", secret="s",
                            created_by="cli:test", created_at=utcnow()))
        session.commit()
    admin = person(app_engine, Role.ADMIN)
    at = open_page(open_app(admin.identity), "Admin")
    assert list(_table(at, "webhooks")["url"]) == ["https://***@crm.example.com/in"]
