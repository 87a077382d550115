"""What a lead reads on the Dashboard: every chart titled with its n, percentages rather than
fractions, kappa "—" with a reason, weekly trends on thin days, and the Alerts list."""

import json
import re
from datetime import timedelta

from review.alerts import raise_alerts
from review.clock import utcnow
from review.demo import load_demo
from review.enums import Action, Role
from review.policies import PolicyChange, set_policy
from review.settings import AlertSettings
from tests.factories import OPERATOR, claim, decide_held, ingest, make_actor, make_audit_record, queue_items
from tests.ui.workbench_app import open_app, open_page, person

TITLE_WITH_N = re.compile(r"^.+ \(n = [\d,]+\)$")
FRACTION = re.compile(r"^0\.\d+$")


def _chart_titles(at) -> list[dict]:
    return [json.loads(chart.proto.spec)["title"] for chart in at.get("vega_lite_chart")]


def _dashboard(engine):
    at = open_app(person(engine, Role.LEAD).identity)
    return open_page(at, "Dashboard")


def test_every_chart_has_a_title_with_its_n(app_engine):
    load_demo(app_engine, OPERATOR, items=300, days=10)
    titles = _chart_titles(_dashboard(app_engine))
    assert len(titles) >= 6
    assert [title["text"] for title in titles if not TITLE_WITH_N.match(title["text"])] == []


def test_thin_days_are_pooled_into_weeks_with_n_and_the_reason(app_engine):
    queue_items(app_engine, 3)
    reviewer = make_actor(Role.REVIEWER)
    for action in (Action.APPROVE, Action.APPROVE, Action.EDIT):
        decide_held(app_engine, reviewer, claim(app_engine, reviewer), action)
    by_text = {title["text"]: title.get("subtitle") for title in _chart_titles(_dashboard(app_engine))}
    assert by_text["Override rate by week (n = 3)"] == (
        "Shaded: 95% interval; weekly because the median day has n = 3 < 30 decisions")
    assert "Decisions by kind (n = 3)" in by_text
    assert "Override rate by model version (n = 3)" in by_text
    assert "Human decisions per hour (n = 3)" in by_text


def test_no_table_shown_to_a_lead_holds_a_raw_fraction(app_engine):
    load_demo(app_engine, OPERATOR, items=300, days=10)
    at = _dashboard(app_engine)
    raw = [(list(frame.value.columns), column) for frame in at.dataframe
           for column in frame.value.columns
           if column != "Cohen's kappa"  # a coefficient from -1 to 1, not a share
           and frame.value[column].map(lambda v: isinstance(v, float) and 0 < v < 1
                                      or isinstance(v, str) and bool(FRACTION.match(v))).any()]
    assert raw == []


def test_agreement_shows_percent_and_kappa_dash_with_the_reason(app_engine):
    set_policy(app_engine, OPERATOR, "helpdesk-ai", "ticket-triage", PolicyChange(second_review_rate=1.0))
    ingest(app_engine, make_audit_record(), make_audit_record())
    first, second = make_actor(Role.REVIEWER), make_actor(Role.REVIEWER)
    for reviewer in (first, first, second, second):  # both approve both: chance agreement is 1
        decide_held(app_engine, reviewer, claim(app_engine, reviewer), Action.APPROVE)
    at = _dashboard(app_engine)
    [table] = [frame.value for frame in at.dataframe if "Cohen's kappa" in frame.value.columns]
    assert table.to_dict("records") == [{
        "task": "ticket-triage", "pairs": 2, "agreement": "100.0%",
        "Cohen's kappa": "— (undefined: every pair got the same single decision)"}]


def test_the_error_estimate_table_shows_percentages(app_engine):
    ingest(app_engine, *[make_audit_record() for _ in range(4)])
    reviewer = make_actor(Role.REVIEWER)
    for action in (Action.APPROVE, Action.APPROVE, Action.APPROVE, Action.EDIT):
        decide_held(app_engine, reviewer, claim(app_engine, reviewer), action)
    at = _dashboard(app_engine)
    [table] = [frame.value for frame in at.dataframe if "error rate" in frame.value.columns]
    row = table.to_dict("records")[0]
    # 1 of 4: 25 %, Wilson 95 % interval 4.6 %–69.9 %
    assert (row["audit samples"], row["errors"], row["error rate"], row["95% low"], row["95% high"]) == (
        4, 1, "25.0%", "4.6%", "69.9%")


def test_the_alerts_list_shows_condition_text_time_and_delivery(app_engine):
    queue_items(app_engine, 3, impact="low")
    raised_at = utcnow() - timedelta(minutes=5)
    settings = AlertSettings(url="https://alerts.example", queue_depth=2)
    raise_alerts(app_engine, raised_at, lambda url, body: None, settings)
    at = _dashboard(app_engine)
    [expander] = [e for e in at.expander if e.label.startswith("Alerts:")]
    assert expander.label == "Alerts: 0 conditions now, 1 raised recently"  # default limit 500
    [table] = [frame.value for frame in at.dataframe if "delivery" in frame.value.columns]
    [row] = table.to_dict("records")
    assert (row["condition"], row["text"], row["raised (UTC)"]) == (
        "queue_depth", "Queue depth is 3, over the limit of 2.", f"{raised_at:%Y-%m-%d %H:%M}")
    assert row["delivery"].startswith("delivered ")
