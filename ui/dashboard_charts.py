"""Altair charts for the Dashboard, built from plain DataFrames; each says what it shows and on how
many decisions (n), and labels are never cut short."""

import altair as alt
import pandas as pd

from review.metrics import RateRow
from ui.dashboard_data import rate_frame
from ui.dashboard_trend import Trend

PERCENT = alt.Axis(format="%")
# Room for a whole source/task/model name beside a horizontal bar ("content-moderation-v2").
FULL_LABELS = alt.Axis(labelLimit=0)
RATE_TOOLTIP = ["key", "decided", "overridden", alt.Tooltip("rate:Q", format=".1%"),
                alt.Tooltip("low:Q", format=".1%", title="95% low"),
                alt.Tooltip("high:Q", format=".1%", title="95% high")]


def titled(text: str, n: int, subtitle: str | None = None) -> alt.TitleParams:
    """A chart title naming n, with an optional subtitle line."""
    return alt.TitleParams(f"{text} (n = {n:,})", subtitle=subtitle or "", anchor="start")


def override_trend(trend: Trend) -> alt.LayerChart:
    """Override rate per day or week with its 95 % interval as a band."""
    frame = rate_frame(trend.rows)
    label = "Week (ISO)" if trend.period == "week" else "Day (UTC)"
    base = alt.Chart(frame).encode(x=alt.X("key:O", title=label, axis=alt.Axis(labelAngle=-45)))
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q", title="Override rate", axis=PERCENT),
                                              y2="high:Q")
    line = base.mark_line(point=True).encode(y="rate:Q", tooltip=RATE_TOOLTIP)
    title = titled(f"Override rate by {trend.period}", int(frame["decided"].sum()),
                   f"Shaded: 95% interval; {trend.why}")
    return (band + line).properties(title=title)


def override_bars(rows: list[RateRow], title: str) -> alt.LayerChart:
    """Override rate per group (model version, task, reviewer) with interval whiskers."""
    frame = rate_frame(rows)
    base = alt.Chart(frame).encode(y=alt.Y("key:N", title=None, sort=None, axis=FULL_LABELS))
    bars = base.mark_bar().encode(x=alt.X("rate:Q", title="Override rate", axis=PERCENT),
                                  tooltip=RATE_TOOLTIP)
    whiskers = base.mark_rule().encode(x="low:Q", x2="high:Q")
    chart_title = titled(f"Override rate by {title.lower()}", int(frame["decided"].sum()),
                         "Lines: 95% interval")
    return (bars + whiskers).properties(title=chart_title)


def kind_bars(kinds: dict[str, int]) -> alt.Chart:
    """Decisions by kind, as horizontal bars."""
    frame = pd.DataFrame(sorted(kinds.items()), columns=["decision", "count"])
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("decision:N", sort=None, title=None, axis=FULL_LABELS), x=alt.X("count:Q", title="Decisions"),
        tooltip=["decision", "count"],
    ).properties(title=titled("Decisions by kind", int(frame["count"].sum())))


def band_chart(frame: pd.DataFrame) -> alt.Chart:
    """Override rate by confidence decile, one line per route."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("confidence:Q", title="Confidence (decile lower edge)"),
        y=alt.Y("rate:Q", title="Override rate", axis=PERCENT),
        color=alt.Color("route:N", legend=alt.Legend(labelLimit=0)),
        tooltip=["route", "confidence", "decided", "overridden", alt.Tooltip("rate:Q", format=".1%")],
    ).properties(title=titled("Override rate by model confidence", int(frame["decided"].sum()),
                              "One line per route; each point a confidence decile"))


def throughput_chart(rows: list[tuple[str, int]]) -> alt.Chart:
    """Human decisions per UTC hour over two days at most, else per UTC day (hourly bars over a
    month are too thin to read)."""
    frame = pd.DataFrame(rows, columns=["hour", "decisions"])
    hours = pd.to_datetime(frame["hour"], format="%Y-%m-%d %H", utc=True)
    hourly = frame.empty or hours.max() - hours.min() <= pd.Timedelta(hours=48)
    frame["when"] = hours.dt.strftime("%m-%d %H:00" if hourly else "%Y-%m-%d")
    frame = frame.groupby("when", as_index=False)["decisions"].sum()
    label = "Hour (UTC)" if hourly else "Day (UTC)"
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("when:O", title=label, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("decisions:Q", title="Decisions"), tooltip=[alt.Tooltip("when:O", title=label), "decisions"],
    ).properties(title=titled(f"Human decisions per {'hour' if hourly else 'day'}",
                              int(frame["decisions"].sum())))
