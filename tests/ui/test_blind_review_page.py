"""The review page shows an audit sample exactly like an ordinary item (unless confidence is opted in)."""

from review.enums import Role
from review.policies import PolicyChange, set_policy
from tests.factories import OPERATOR, ingest, make_audit_record, make_record
from tests.ui.workbench_app import open_app, person, press, texts


def _page_texts_of_both(engine) -> dict[str, list[str]]:
    """A sample and an ordinary item alike but for confidence: each one's page texts, id blanked."""
    same = {"input": {"subject": "Cannot log in"}, "output": {"category": "account"}, "impact": "low"}
    sample, ordinary = make_audit_record(**same), make_record(confidence=0.3, **same)
    ingest(engine, sample, ordinary)
    at = open_app(person(engine, Role.REVIEWER).identity)
    shown: dict[str, list[str]] = {}
    press(at, "Claim next")
    for _ in range(2):
        page = texts(at)
        external_id = next(key for key in (sample["external_id"], ordinary["external_id"]) if key in page)
        shown["sample" if external_id == sample["external_id"] else "ordinary"] = [
            _label(text, external_id) for text in page
        ]
        press(at, "Approve")
    return shown


def _label(text: str, external_id: str) -> str:
    """A page text with what differs between any two items (id, clock) blanked."""
    if text == external_id:
        return "ID"
    # Waiting time and SLA tick with the clock between the two claims.
    return text.split(" ")[0] if text.startswith(("waiting ", "SLA ")) else text


def test_a_sample_and_an_ordinary_item_show_the_same_labels(app_engine):
    shown = _page_texts_of_both(app_engine)
    assert shown["sample"] == shown["ordinary"]
    assert not any("confidence" in text or "0.97" in text or "audit" in text.lower()
                   for text in shown["sample"])


def test_a_policy_that_opts_in_shows_confidence_for_sample_and_ordinary_item(app_engine):
    set_policy(app_engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(show_confidence=True))
    shown = _page_texts_of_both(app_engine)
    assert "confidence 0.97" in shown["sample"] and "confidence 0.30" in shown["ordinary"]
    blanked = {kind: [t for t in page if not t.startswith("confidence ")] for kind, page in shown.items()}
    assert blanked["sample"] == blanked["ordinary"]
