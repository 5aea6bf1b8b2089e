"""A metric year by year ("am I getting faster over the years?"): each year's median, and a
direction only when the first and latest years differ by more than the practical size and
twice the medians' uncertainty. Series are built here with known medians."""

from __future__ import annotations

from datetime import date

import numpy as np

from tools.trends.by_year import MIN_RUNS, year_finding, yearly


def _series(medians: dict[int, float], runs: int = 40, spread: float = 10.0):
    rng = np.random.default_rng(1)
    dates, values = [], []
    for year, median in medians.items():
        noise = rng.normal(0, spread, runs)
        noise -= np.median(noise)  # each year's median is exactly the one given
        dates += [date(year, 1 + i % 12, 1 + i % 28) for i in range(runs)]
        values += list(median + noise)
    return dates, np.array(values)


def _pace(seconds: float) -> str:
    return f"{int(seconds // 60)}:{round(seconds % 60):02d} /km"


def test_pace_slower_over_the_years_is_said_in_the_runner_s_words() -> None:
    dates, values = _series({2019: 300.0, 2020: 305.0, 2021: 320.0, 2022: 340.0})
    facts, finding = year_finding(dates, values, "pace", 20.0, 10.0, _pace, lower_is_faster=True)
    assert finding.verdict.startswith("Slower over the years")
    shown = {f.name: f.value for f in facts}
    assert shown["year_first_median"] == "5:00 /km" and shown["year_last_median"] == "5:40 /km"
    assert "2020 5:05 /km (40 runs)" in finding.evidence[0]


def test_a_difference_inside_the_line_is_about_the_same() -> None:
    dates, values = _series({2020: 152.0, 2021: 151.0, 2022: 153.0, 2023: 153.5})
    _, finding = year_finding(dates, values, "cadence", 1.5, 3.0, lambda v: f"{v:.1f}")
    assert finding.verdict.startswith("About the same over the years")
    _, up = year_finding(*_series({2020: 150.0, 2021: 151, 2022: 155.0}), "cadence", 1.5, 3.0,
                         lambda v: f"{v:.1f}")  # fmt: skip
    assert up.verdict.startswith("Up a little over the years")


def test_few_runs_a_year_or_few_years_give_no_year_by_year_answer() -> None:
    dates, values = _series({2021: 150.0, 2022: 155.0}, runs=40)
    assert year_finding(dates, values, "cadence", 1.5, 3.0, str) is None
    dates, values = _series({2020: 150.0, 2021: 152.0, 2022: 155.0}, runs=MIN_RUNS - 1)
    assert yearly(dates, values) == []
