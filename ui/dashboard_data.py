"""The Dashboard's figures: filters from the page, metrics from the domain, cached briefly."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from review.actors import Actor
from review.metrics import DashboardMetrics, RateRow, dashboard_metrics
from review.statistics import Proportion
from storage.repositories.metrics import MetricsFilter

METRICS_TTL_SECONDS = 60
RATE_COLUMNS = ["key", "decided", "overridden", "rate", "low", "high"]


@dataclass(frozen=True)
class DashboardFilters:
    """What the lead chose: a period of UTC days, scopes, and the trend's bucket."""

    since: date | None
    until: date | None
    source: str
    task: str
    model_version: str
    period: str

    def metrics_filter(self) -> MetricsFilter:
        """The domain's filter: whole UTC days, `until` inclusive; blank scopes mean all."""
        return MetricsFilter(
            since=None if self.since is None else datetime.combine(self.since, time.min, tzinfo=UTC),
            until=None if self.until is None else datetime.combine(
                self.until + timedelta(days=1), time.min, tzinfo=UTC),
            source=self.source.strip() or None,
            task=self.task.strip() or None,
            model_version=self.model_version.strip() or None,
        )


# Keyed by database and filters: the figures are the same for everyone allowed to see them, so
# the page checks the permission before asking (a cache hit never reaches the domain).
@st.cache_data(ttl=METRICS_TTL_SECONDS, show_spinner="Computing the figures…")
def load_dashboard_metrics(
    database: str, _engine: Engine, _actor: Actor, filters: DashboardFilters
) -> DashboardMetrics:
    """Every dashboard figure, from GROUP BY queries in the database."""
    return dashboard_metrics(_engine, _actor, filters.metrics_filter(), filters.period)


def rate_frame(rows: list[RateRow]) -> pd.DataFrame:
    """Override rates as a table: key, decided, overridden, rate and its 95 % interval."""
    return pd.DataFrame(
        [[row.key, row.decided, row.rate.successes, row.rate.rate, row.rate.low, row.rate.high]
         for row in rows],
        columns=RATE_COLUMNS,
    )


def format_rate(rate: Proportion | None) -> str:
    """`12.3 % (95 % CI 9.8–15.1 %, n = 412)`, or why there is no figure."""
    if rate is None or rate.rate is None:
        return "no sample yet"
    return f"{rate.rate:.1%} (95% CI {rate.low:.1%}–{rate.high:.1%}, n = {rate.total})"
