"""The straight line's slopes are learnt within calendar months (issue 19, heart rate and
efficiency), on the real 908-run series in ``../shared/data``."""

from __future__ import annotations

import numpy as np
import pytest

from evals.injected_steps import DEFAULT_CSV, load_series
from tools.trends.changepoints import run_to_run_sd
from tools.trends.expected import (
    ADJUSTED_FOR,
    INTERACTIONS,
    adjust,
    expected_values,
    interaction_name,
    month_of,
)


def _kept(
    y: np.ndarray,
    cond: dict[str, np.ndarray],
    key: str,
    pairs: tuple[tuple[str, str], ...] = (),
) -> list[float]:
    """The share of a lasting +5 % step (put in every 50 runs) left in the moved values, 60
    runs a side."""
    base = adjust(y, cond, ADJUSTED_FOR[key], pairs).values
    kept = []
    for at in range(100, y.size - 100, 50):
        stepped = y.copy()
        stepped[at:] *= 1.05
        moved = adjust(stepped, cond, ADJUSTED_FOR[key], pairs).values - base
        size = moved[at : at + 60].mean() - moved[at - 60 : at].mean()
        kept.append(size / (0.05 * y[at - 60 : at + 60].mean()))
    return kept


def test_slopes_learnt_within_months_keep_a_lasting_step_and_leave_less_noise() -> None:
    """Across all the runs, the fitter years are also the faster ones, so the line takes part of
    a lasting heart-rate step out with the pace (as little as 76 % of it kept); learnt from
    runs of the same month only it keeps at least 95 % of it wherever it is put, and leaves
    less run-to-run noise."""
    series = load_series(DEFAULT_CSV)["heart rate at pace bpm"]
    y, cond = series.values, series.conditions
    across = {k: v for k, v in cond.items() if k != "day_number"}  # no date: the old line
    within_kept, across_kept = _kept(y, cond, "avg_hr"), _kept(y, across, "avg_hr")
    assert min(within_kept) > 0.95
    assert min(across_kept) < 0.85
    within = adjust(y, cond, ADJUSTED_FOR["avg_hr"]).values
    plain = adjust(y, across, ADJUSTED_FOR["avg_hr"]).values
    assert run_to_run_sd(within) < 0.97 * run_to_run_sd(plain)


def test_month_of_counts_calendar_months_and_a_short_history_keeps_the_plain_line() -> None:
    """31 January and 1 February are different months; with a single month of runs the fixed
    effect is the intercept, and with too few runs within months the plain line is used."""
    days = np.array([0.0, 30.0, 31.0, 365.0])  # 1 Jan 2000, 31 Jan, 1 Feb, 31 Dec 2000
    assert list(month_of({"day_number": days})) == [360, 360, 361, 371]
    rng = np.random.default_rng(3)
    speed = rng.uniform(2.5, 3.5, 40)
    y = 100 + 20 * speed + rng.normal(0, 1, 40)
    one_month = {"speed": speed, "day_number": np.full(40, 100.0)}
    no_date = {"speed": speed}
    plain = adjust(y, no_date, ("speed",)).slopes["speed"]
    assert adjust(y, one_month, ("speed",)).slopes["speed"] == pytest.approx(plain, rel=1e-6)
    every_run_its_month = {"speed": speed, "day_number": np.arange(40) * 31.0}
    assert adjust(y, every_run_its_month, ("speed",)).slopes["speed"] == plain


def test_heat_times_duration_leaves_less_heart_rate_noise_and_keeps_a_lasting_step() -> None:
    """Heart rate's rise with the heat grows with the run's length: with temperature times
    log-duration in the line (what ``expected_values`` uses for heart rate), the real series'
    run-to-run noise falls (3.40 -> 3.27 % of the level when written) and a lasting +5 % step
    is still kept (at least 95 % of it wherever it is put)."""
    series = load_series(DEFAULT_CSV)["heart rate at pace bpm"]
    y, cond = series.values, series.conditions
    pairs = INTERACTIONS["avg_hr"]
    assert pairs == (("temperature", "duration"),)
    plain = adjust(y, cond, ADJUSTED_FOR["avg_hr"]).values
    with_heat = expected_values(y, cond, "avg_hr").values
    assert np.allclose(with_heat, adjust(y, cond, ADJUSTED_FOR["avg_hr"], pairs).values)
    assert run_to_run_sd(with_heat) < 0.975 * run_to_run_sd(plain)
    assert min(_kept(y, cond, "avg_hr", pairs)) > 0.95


def test_a_product_of_two_covariates_is_learnt_and_zero_at_their_medians() -> None:
    """Simulated runs whose heart rate rises 0.3 bpm per degree at the usual duration and 0.6
    bpm more per degree for each unit of log-duration: the line with the product finds that
    slope, leaves only the noise, and moves runs at the median temperature and duration by
    nothing; without it, more is left."""
    rng = np.random.default_rng(5)
    n = 600
    days = np.sort(rng.uniform(0, 900, n))
    temperature = rng.uniform(0, 32, n)
    duration = np.exp(rng.uniform(np.log(20), np.log(150), n))
    log_d = np.log(duration) - np.median(np.log(duration))
    heat = temperature - np.median(temperature)
    y = 150 + 0.3 * heat + 6 * log_d + 6 * heat * log_d / 10 + rng.normal(0, 1, n)
    cond = {"temperature": temperature, "duration": duration, "day_number": days}
    names, pairs = ("temperature", "duration"), (("temperature", "duration"),)
    fit = adjust(y, cond, names, pairs)
    assert fit.slopes[interaction_name(pairs[0])] == pytest.approx(0.6, abs=0.05)
    assert fit.slopes["temperature"] == pytest.approx(0.3, abs=0.03)
    assert np.std(fit.values) < 1.1
    assert np.std(adjust(y, cond, names).values) > 1.5
    usual = {k: np.append(v, np.median(v)) for k, v in cond.items()}
    at_medians = adjust(np.append(y, 150.0), usual, names, pairs)
    assert at_medians.values[-1] == pytest.approx(150.0)
