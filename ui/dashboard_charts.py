"""Altair charts for the Dashboard, built from plain DataFrames."""

import altair as alt
import pandas as pd

from review.metrics import RateRow
from ui.dashboard_data import rate_frame


def override_trend(rows: list[RateRow], period: str) -> alt.LayerChart:
    """Override rate per day or week with its 95 % interval as a band."""
    frame = rate_frame(rows)
    base = alt.Chart(frame).encode(x=alt.X("key:O", title=period.capitalize()))
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q", title="Override rate",
                                                        axis=alt.Axis(format="%")), y2="high:Q")
    line = base.mark_line(point=True).encode(
        y="rate:Q", tooltip=["key", "decided", "overridden", alt.Tooltip("rate:Q", format=".1%")]
    )
    return band + line


def override_bars(rows: list[RateRow], title: str) -> alt.LayerChart:
    """Override rate per group (model version, task, reviewer) with interval whiskers."""
    frame = rate_frame(rows)
    base = alt.Chart(frame).encode(y=alt.Y("key:N", title=title, sort=None))
    bars = base.mark_bar().encode(
        x=alt.X("rate:Q", title="Override rate", axis=alt.Axis(format="%")),
        tooltip=["key", "decided", "overridden", alt.Tooltip("rate:Q", format=".1%")],
    )
    whiskers = base.mark_rule().encode(x="low:Q", x2="high:Q")
    return bars + whiskers


def kind_bars(kinds: dict[str, int]) -> alt.Chart:
    """Decisions by kind."""
    frame = pd.DataFrame(sorted(kinds.items()), columns=["decision", "count"])
    return alt.Chart(frame).mark_bar().encode(x=alt.X("decision:N", sort=None), y="count:Q",
                                              tooltip=["decision", "count"])


def band_chart(frame: pd.DataFrame) -> alt.Chart:
    """Override rate by confidence decile, one line per route."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("confidence:Q", title="Confidence (decile lower edge)"),
        y=alt.Y("rate:Q", title="Override rate", axis=alt.Axis(format="%")),
        color="route:N", tooltip=["route", "confidence", "decided", "overridden"],
    )


def throughput_chart(rows: list[tuple[str, int]]) -> alt.Chart:
    """Human decisions per UTC hour."""
    frame = pd.DataFrame(rows, columns=["hour", "decisions"])
    frame["hour"] = pd.to_datetime(frame["hour"], format="%Y-%m-%d %H", utc=True)
    return alt.Chart(frame).mark_bar().encode(x=alt.X("hour:T", title="Hour (UTC)"), y="decisions:Q")
