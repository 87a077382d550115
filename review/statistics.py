"""Pure statistics behind the dashboards; no database, no Streamlit, unit-tested by hand."""

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Z_95 = 1.959963984540054
# Below this many audit samples an interval is too wide to act on; the dashboard says so.
MIN_SAMPLE_TO_CONCLUDE = 30


@dataclass(frozen=True)
class Proportion:
    """A rate with its 95 % Wilson interval and sample size."""

    successes: int
    total: int
    low: float
    high: float

    @property
    def rate(self) -> float | None:
        """The point estimate, or None with no sample."""
        return self.successes / self.total if self.total else None

    @property
    def conclusive(self) -> bool:
        """Whether the sample is large enough to act on."""
        return self.total >= MIN_SAMPLE_TO_CONCLUDE


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for `successes` out of `total` ((0, 1) with no sample)."""
    if total < 0 or not 0 <= successes <= total:
        raise ValueError(f"need 0 <= successes <= total, got {successes} of {total}")
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    margin = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    # At 0 and n successes the bounds are exactly 0 and 1; floats would drift by an ulp.
    low = 0.0 if successes == 0 else max(0.0, centre - margin)
    high = 1.0 if successes == total else min(1.0, centre + margin)
    return low, high


def proportion(successes: int, total: int) -> Proportion:
    """A rate with its 95 % Wilson interval."""
    low, high = wilson_interval(successes, total)
    return Proportion(successes, total, low, high)


def override_rate(edited: int, rejected: int, decided: int) -> Proportion:
    """(edited + rejected) / decided, with its interval."""
    return proportion(edited + rejected, decided)


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's κ for two raters' labels of the same items; None when undefined (no pairs, or
    both raters always gave one and the same label, so chance agreement is 1)."""
    return cohen_kappa_from_counts(Counter(pairs))


def cohen_kappa_from_counts(counts: Mapping[tuple[Any, Any], int]) -> float | None:
    """Cohen's κ from a contingency table {(first label, second label): number of items}."""
    n = sum(counts.values())
    if n == 0:
        return None
    observed = sum(count for (a, b), count in counts.items() if a == b) / n
    first: Counter[Hashable] = Counter()
    second: Counter[Hashable] = Counter()
    for (a, b), count in counts.items():
        first[a] += count
        second[b] += count
    expected = sum(first[label] * second[label] for label in first) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def percent_agreement(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """The share of pairs whose two labels agree."""
    pairs = list(pairs)
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else None


@dataclass(frozen=True)
class BandCounts:
    """Human decisions on items whose confidence falls in [lower, lower + width)."""

    lower: float
    decided: int
    overridden: int


def lowest_safe_threshold(
    bands: Sequence[BandCounts], target_error: float
) -> tuple[float, Proportion] | None:
    """The lowest band edge t such that, for items with confidence >= t, the upper 95 % bound
    of the override rate stays under `target_error`; with the estimate. None if no edge does.

    The upper bound, not the point estimate, is used so a lead can defend the threshold:
    a lucky small sample cannot open automation up.
    """
    ordered = sorted(bands, key=lambda band: band.lower)
    for index, band in enumerate(ordered):
        above = ordered[index:]
        estimate = proportion(sum(b.overridden for b in above), sum(b.decided for b in above))
        if estimate.total and estimate.high < target_error:
            return band.lower, estimate
    return None


def histogram_percentile(histogram: Iterable[tuple[float, int]], fraction: float) -> float | None:
    """`percentile` of the values a histogram {value: count} stands for, without expanding it."""
    ordered = sorted((value, count) for value, count in histogram if count > 0)
    total = sum(count for _, count in ordered)
    if not total:
        return None
    position = (total - 1) * fraction
    below, above = math.floor(position), min(math.floor(position) + 1, total - 1)
    low = high = None
    seen = 0
    for value, count in ordered:
        if low is None and below < seen + count:
            low = value
        if above < seen + count:
            high = value
            break
        seen += count
    assert low is not None and high is not None
    return low + (high - low) * (position - below)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The `fraction` percentile by linear interpolation (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
