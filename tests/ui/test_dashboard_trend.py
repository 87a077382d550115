"""The override trend pools thin days into ISO weeks, unless the lead chose days."""

from review.metrics import RateRow
from review.statistics import proportion
from ui.dashboard_trend import choose_trend, weekly


def _day(key: str, decided: int, overridden: int) -> RateRow:
    return RateRow(key, decided, proportion(overridden, decided))


# 2026-11-29 is a Sunday (ISO week 48); 2026-11-30 a Monday (week 49).
THIN = [_day("2026-11-29", 10, 1), _day("2026-11-30", 20, 4), _day("2026-12-01", 5, 5)]


def test_thin_days_become_weeks_with_summed_counts():
    trend = choose_trend(THIN, "auto")
    assert trend.period == "week"
    assert [(row.key, row.decided, row.rate.successes) for row in trend.rows] == [
        ("2026-W48", 10, 1), ("2026-W49", 25, 9)]
    assert trend.why == "weekly because the median day has n = 10 < 30 decisions"


def test_days_with_enough_decisions_stay_days():
    days = [_day("2026-11-29", 30, 3), _day("2026-11-30", 40, 4), _day("2026-12-01", 5, 0)]
    trend = choose_trend(days, "auto")
    assert (trend.period, trend.rows) == ("day", days)
    assert trend.why == "daily: the median day has n = 30 decisions"


def test_the_leads_choice_wins():
    assert choose_trend(THIN, "day").rows == THIN
    assert choose_trend(THIN, "week").rows == weekly(THIN)
