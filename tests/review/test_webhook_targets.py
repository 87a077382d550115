"""Where webhooks may point: no internal addresses (unless allowed), never credentials in the URL."""

import pytest
from sqlalchemy import Engine

from review.audit import list_audit
from review.clock import utcnow
from review.errors import InvalidRequest
from review.webhook_targets import mask_userinfo, private_targets_allowed
from review.webhooks import delivery_overview, register_webhook
from storage.engine import writing
from storage.models import Webhook
from tests.factories import OPERATOR

ALLOW = "WORKBENCH_WEBHOOK_ALLOW_PRIVATE"

# (URL, the words the refusal must contain): every class of internal address, in every spelling.
INTERNAL_URLS = [
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://10.0.0.5/hook", "private"),
    ("http://172.16.3.4/hook", "private"),
    ("https://192.168.1.10:8443/hook", "private"),
    ("http://[fd12:3456::5]/hook", "private"),
    ("http://127.0.0.1:9000/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://localhost:8080/hook", "loopback"),
    ("http://api.LOCALHOST./hook", "loopback"),
    ("http://127.1/hook", "loopback"),  # inet_aton spellings that getaddrinfo also accepts
    ("http://2130706433/hook", "loopback"),
    ("http://0x7f000001/hook", "loopback"),
    ("http://0.0.0.0/hook", "unspecified"),
    ("http://[::]/hook", "unspecified"),
    ("http://224.0.0.1/hook", "multicast"),
    ("http://[ff02::1]/hook", "multicast"),
    ("http://240.0.0.1/hook", "reserved"),
    ("http://255.255.255.255/hook", "reserved"),
    ("http://100.64.0.1/hook", "CGNAT"),
    ("http://[::ffff:169.254.169.254]/hook", "link-local"),
    ("http://[::ffff:10.0.0.1]/hook", "private"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://[::ffff:7f00:1]/hook", "loopback"),
]
CREDENTIAL_URLS = [
    "https://user:hunter2@crm.example.com/hook",
    "https://hunter2@crm.example.com/hook",
    "https://:hunter2@crm.example.com/hook",
    "https://@crm.example.com/hook",
]


def _stored_urls(engine: Engine) -> list[str]:
    return [hook["url"] for hook in delivery_overview(engine, OPERATOR).webhooks]


@pytest.mark.parametrize(("url", "words"), INTERNAL_URLS)
def test_registration_refuses_every_class_of_internal_address(engine, monkeypatch, url, words):
    monkeypatch.delenv(ALLOW, raising=False)
    with pytest.raises(InvalidRequest, match=words) as refused:
        register_webhook(engine, OPERATOR, "helpdesk-ai", url)
    assert refused.value.field == "url"
    assert _stored_urls(engine) == []


@pytest.mark.parametrize("url", CREDENTIAL_URLS)
def test_registration_refuses_credentials_and_never_stores_shows_or_audits_them(engine, url):
    with pytest.raises(InvalidRequest, match=r"credentials \(user:password@\)") as refused:
        register_webhook(engine, OPERATOR, "helpdesk-ai", url)
    assert "hunter2" not in str(refused.value)
    assert _stored_urls(engine) == []
    assert [entry for entry in list_audit(engine, OPERATOR) if "hunter2" in str(entry.details)] == []


def test_the_allow_setting_admits_on_premise_ranges_but_never_metadata_or_unspecified(engine, monkeypatch):
    monkeypatch.setenv(ALLOW, "1")
    for url in ("http://10.0.0.5/hook", "http://127.0.0.1:9000/hook", "http://localhost/hook",
                "http://[fd12::5]/hook", "http://100.64.0.1/hook"):
        register_webhook(engine, OPERATOR, "helpdesk-ai", url)
        assert _stored_urls(engine) == [url]
    for url, words in [("http://169.254.169.254/latest/meta-data/", "link-local"),
                       ("http://0.0.0.0/hook", "unspecified"), ("http://224.0.0.1/hook", "multicast")]:
        with pytest.raises(InvalidRequest, match=words):
            register_webhook(engine, OPERATOR, "helpdesk-ai", url)
    with pytest.raises(InvalidRequest, match="credentials"):
        register_webhook(engine, OPERATOR, "helpdesk-ai", "http://user:pw@10.0.0.5/hook")


def test_a_refusal_of_an_allowable_range_names_the_setting(engine, monkeypatch):
    monkeypatch.delenv(ALLOW, raising=False)
    with pytest.raises(InvalidRequest, match=f"{ALLOW}=1") as refused:
        register_webhook(engine, OPERATOR, "helpdesk-ai", "http://10.0.0.5/hook")
    assert "10.0.0.5" in str(refused.value)
    with pytest.raises(InvalidRequest) as metadata:
        register_webhook(engine, OPERATOR, "helpdesk-ai", "http://169.254.169.254/")
    assert ALLOW not in str(metadata.value)  # no setting opens the metadata service


def test_public_names_and_addresses_are_accepted_without_resolving_them(engine, monkeypatch):
    monkeypatch.delenv(ALLOW, raising=False)
    monkeypatch.setattr("socket.getaddrinfo", _no_dns)  # a name is checked when delivering
    for url in ("https://crm.example.com/hook", "http://93.184.215.14:8080/in",
                "https://[2606:4700::1111]/hook"):
        register_webhook(engine, OPERATOR, "helpdesk-ai", url)
        assert _stored_urls(engine) == [url]


def _no_dns(*_args: object, **_kwargs: object) -> list[object]:
    raise AssertionError("registration must not resolve names")


@pytest.mark.parametrize(("value", "allowed"), [(None, False), ("", False), ("0", False), ("1", True),
                                                 ("true", True), ("yes", True)])
def test_private_targets_allowed_reads_one_environment_variable(monkeypatch, value, allowed):
    if value is None:
        monkeypatch.delenv(ALLOW, raising=False)
    else:
        monkeypatch.setenv(ALLOW, value)
    assert private_targets_allowed() is allowed


def test_a_stored_url_with_credentials_is_shown_masked(engine):
    with writing(engine) as session:  # a row from before registration refused credentials
        session.add(Webhook(source="crm", url="https://user:hunter2@crm.example.com/in?x=1", secret="s",
                            created_by="cli:test", created_at=utcnow()))
        session.commit()
    assert _stored_urls(engine) == ["https://***@crm.example.com/in?x=1"]


@pytest.mark.parametrize(("url", "shown"), [
    ("https://crm.example.com/in", "https://crm.example.com/in"),
    ("https://u:p@crm.example.com:8443/in#f", "https://***@crm.example.com:8443/in#f"),
    ("http://a@b@[::1]/x", "http://***@[::1]/x"),
])
def test_mask_userinfo(url, shown):
    assert mask_userinfo(url) == shown
