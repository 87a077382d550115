"""The dashboard's statistics against hand-computed examples."""

import pytest

from review.statistics import (
    BandCounts,
    cohen_kappa,
    lowest_safe_threshold,
    override_rate,
    percent_agreement,
    percentile,
    proportion,
    wilson_interval,
)


def test_wilson_interval_matches_a_hand_computed_example():
    # 8 of 20: p = 0.4, z = 1.96 → centre 0.4159, margin 0.2040 (worked by hand)
    low, high = wilson_interval(8, 20)
    assert low == pytest.approx(0.2188, abs=1e-4)
    assert high == pytest.approx(0.6134, abs=1e-4)


def test_wilson_interval_at_zero_successes_starts_at_zero():
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)  # z²/(n+z²) = 3.8415/13.8415


def test_wilson_interval_at_all_successes_ends_at_one():
    low, high = wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(0.7225, abs=1e-4)


def test_no_sample_means_nothing_is_known():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    estimate = proportion(0, 0)
    assert estimate.rate is None and not estimate.conclusive


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        wilson_interval(5, 3)


def test_override_rate_counts_edits_and_rejections():
    rate = override_rate(edited=3, rejected=1, decided=40)
    assert rate.rate == pytest.approx(0.1)
    assert rate.conclusive


def test_cohen_kappa_matches_a_textbook_example():
    # 50 items: both yes 20, both no 15, A yes/B no 5, A no/B yes 10.
    # p_o = 0.7; p_e = 0.5*0.6 + 0.5*0.4 = 0.5; κ = 0.4
    pairs = [("yes", "yes")] * 20 + [("no", "no")] * 15 + [("yes", "no")] * 5 + [("no", "yes")] * 10
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert percent_agreement(pairs) == pytest.approx(0.7)


def test_cohen_kappa_is_one_for_perfect_agreement_and_undefined_without_variety():
    assert cohen_kappa([("a", "a"), ("b", "b")]) == pytest.approx(1.0)
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None
    assert cohen_kappa([]) is None


def test_lowest_safe_threshold_uses_the_upper_bound_of_the_tail():
    bands = [
        BandCounts(0.7, decided=100, overridden=30),
        BandCounts(0.8, decided=400, overridden=4),
        BandCounts(0.9, decided=600, overridden=3),
    ]
    # From 0.7: 37/1100 → upper bound ≈ 0.046; from 0.8: 7/1000 → upper ≈ 0.0144
    found = lowest_safe_threshold(bands, target_error=0.02)
    assert found is not None
    threshold, estimate = found
    assert threshold == 0.8
    assert estimate.successes == 7 and estimate.total == 1000
    assert lowest_safe_threshold(bands, target_error=0.001) is None


def test_a_small_lucky_sample_does_not_open_automation():
    # 0 errors in 5 decisions: point estimate 0, but the upper bound is ~0.43
    assert lowest_safe_threshold([BandCounts(0.5, decided=5, overridden=0)], 0.05) is None


def test_percentile_interpolates():
    assert percentile([10, 20, 30, 40], 0.5) == 25
    assert percentile([10, 20, 30, 40], 0.9) == pytest.approx(37)
    assert percentile([], 0.5) is None
