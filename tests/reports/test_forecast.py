"""The capacity forecast's arithmetic (fangkong.reports.forecast) on hand-made series: the fit
recovers a known growth, the band is tight on a clean series and wider on a noisy one and widens
with the horizon, occupancy is arrivals convolved with the stay, the run-out day, the back-test."""

from __future__ import annotations

import math

import pytest

from fangkong.reports import forecast


def exponential(n: int, start: float, growth: float) -> list[float]:
    """y + 1 = start · growth^t: the model's own shape."""
    return [start * growth**t - 1 for t in range(n)]


def test_the_fit_recovers_a_known_growth_and_projects_it():
    series = exponential(14, 5, 1.2)
    f = forecast.fit(series)
    assert f.daily_growth == pytest.approx(0.2)
    assert f.doubling_days == pytest.approx(math.log(2) / math.log(1.2))
    assert f.residual_sd == pytest.approx(0, abs=1e-9)
    p = forecast.project(f, 7)
    expected_next = [5 * 1.2 ** (14 + h) - 1 for h in range(7)]
    assert p.expected == pytest.approx(expected_next)
    assert p.low == pytest.approx(expected_next) and p.high == pytest.approx(expected_next)  # no residuals, no band


def test_only_the_last_14_days_are_fitted_and_7_are_needed():
    old = [1000] * 10  # a wave long gone does not weigh on the fit
    f = forecast.fit(old + exponential(14, 3, 1.1))
    assert f.n == 14 and f.daily_growth == pytest.approx(0.1)
    with pytest.raises(ValueError):
        forecast.fit([1, 2, 3, 4, 5, 6])


def test_a_flat_series_has_no_growth_and_a_falling_one_halves():
    assert forecast.fit([10] * 10).doubling_days is None
    falling = forecast.fit(exponential(10, 100, 0.8))
    assert falling.daily_growth == pytest.approx(-0.2)
    assert forecast.project(falling, 3).expected[0] < 100 * 0.8**9


def test_the_band_comes_from_the_residuals_and_widens_with_the_horizon():
    noisy = [y * (1.3 if t % 2 else 0.75) for t, y in enumerate(exponential(14, 10, 1.1))]
    p = forecast.project(forecast.fit(noisy), 7)
    widths = [math.log(hi + 1) - math.log(lo + 1) for lo, hi in zip(p.low, p.high, strict=True)]
    assert all(lo < e < hi for lo, e, hi in zip(p.low, p.expected, p.high, strict=True))
    assert widths == sorted(widths) and widths[-1] > widths[0]
    assert forecast.project(forecast.fit(exponential(14, 10, 1.1)), 7).high[0] < p.high[0]


def test_counts_never_go_below_zero():
    p = forecast.project(forecast.fit([9, 3, 0, 0, 0, 0, 0, 0]), 7)
    assert min(p.low) >= 0 and min(p.expected) >= 0


def test_occupancy_is_arrivals_convolved_with_the_stay():
    # 100 in now, nobody new, a 5-day stay: a fifth leave each day.
    assert forecast.occupancy(100, [0] * 7, 5) == pytest.approx([80, 60, 40, 20, 0, 0, 0])
    # 10 a day for a 3-day stay: fills to 30 and stays there.
    assert forecast.occupancy(0, [10] * 6, 3) == pytest.approx([10, 20, 30, 30, 30, 30])
    # A longer stay never needs fewer places.
    arrivals = [5, 8, 12, 18, 27, 40, 60]
    assert all(a >= b for a, b in zip(forecast.occupancy(50, arrivals, 7), forecast.occupancy(50, arrivals, 5), strict=True))


def test_the_run_out_day_is_the_first_day_over_capacity():
    assert forecast.runs_out([10, 20, 30, 40], 25) == 3
    assert forecast.runs_out([10, 20, 25], 25) is None  # full is not over


def test_the_back_test_of_a_series_that_kept_its_growth_lands_in_the_band():
    noisy = [y * (1.15 if t % 2 else 0.87) for t, y in enumerate(exponential(21, 4, 1.12))]
    t = forecast.back_test([round(v) for v in noisy], 7)
    assert len(t.actual) == 7 and t.within_band >= 6
    assert abs(t.total_error) < 0.2


def test_the_back_test_sees_a_turn_it_could_not_know():
    rising_then_falling = [round(v) for v in exponential(14, 4, 1.2)] + [40, 30, 22, 16, 12, 9, 7]
    t = forecast.back_test(rising_then_falling, 7)
    assert t.total_error > 1  # it projected the growth on; the page shows how far off that was
    assert t.within_band < 7
