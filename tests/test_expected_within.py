"""The straight line's slopes are learnt within calendar months (issue 19, heart rate and
efficiency), on the real 908-run series in ``../shared/data``."""

from __future__ import annotations

import numpy as np
import pytest

from evals.injected_steps import DEFAULT_CSV, load_series
from tools.trends.changepoints import run_to_run_sd
from tools.trends.expected import ADJUSTED_FOR, adjust, month_of


def _kept(y: np.ndarray, cond: dict[str, np.ndarray], key: str) -> list[float]:
    """The share of a lasting +5 % step (put in every 50 runs) left in the moved values, 60
    runs a side."""
    base = adjust(y, cond, ADJUSTED_FOR[key]).values
    kept = []
    for at in range(100, y.size - 100, 50):
        stepped = y.copy()
        stepped[at:] *= 1.05
        moved = adjust(stepped, cond, ADJUSTED_FOR[key]).values - base
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
