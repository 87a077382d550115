"""The override trend's bucket: days where each day has enough decisions to read, else ISO weeks."""

from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from review.metrics import RateRow, bucket
from review.statistics import proportion

# Below this many decisions a day, a daily rate swings 0–100 % on noise; weeks pool them.
MIN_DAILY_N = 30
PERIOD_CHOICES = ["auto", "day", "week"]


@dataclass(frozen=True)
class Trend:
    """Override rates per bucket, the bucket used, and why, for the chart's subtitle."""

    rows: list[RateRow]
    period: str
    why: str


def weekly(daily: list[RateRow]) -> list[RateRow]:
    """Daily override rates pooled into ISO weeks (decisions and overrides summed)."""
    decided: dict[str, int] = defaultdict(int)
    overridden: dict[str, int] = defaultdict(int)
    for row in daily:
        week = bucket(row.key, "week")
        decided[week] += row.decided
        overridden[week] += row.rate.successes
    return [RateRow(week, decided[week], proportion(overridden[week], decided[week]))
            for week in sorted(decided)]


def choose_trend(daily: list[RateRow], choice: str) -> Trend:
    """The trend for the lead's choice ("auto", "day" or "week") from daily rows."""
    middle = median(row.decided for row in daily) if daily else 0
    if choice == "day":
        return Trend(daily, "day", "daily, as chosen")
    if choice == "week":
        return Trend(weekly(daily), "week", "weekly, as chosen")
    if middle < MIN_DAILY_N:
        return Trend(weekly(daily), "week",
                     f"weekly because the median day has n = {middle:g} < {MIN_DAILY_N} decisions")
    return Trend(daily, "day", f"daily: the median day has n = {middle:g} decisions")
