"""A metric year by year: the answer to "am I getting faster over the years?" and "is my
cadence creeping up?", which a list of change points does not give. Each calendar year's
median of the runs change detection compares, the first against the latest, read against the
metric's smallest worthwhile change: within it is "about the same", beyond it a direction in
the runner's words (faster or slower for pace)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from tools.result import Fact, Finding
from tools.words import day_words

#: Runs a year needs for its median to stand for it.
MIN_RUNS = 10
#: Years the question must span for a year-by-year answer.
MIN_YEARS = 3
#: A median's standard error against a mean's, for values spread like a normal distribution.
MEDIAN_ERROR = 1.2533


@dataclass(frozen=True)
class Year:
    year: int
    median: float
    runs: int


def yearly(dates: Sequence[date], values: np.ndarray) -> list[Year]:
    """Each calendar year with at least :data:`MIN_RUNS` runs, oldest first."""
    years: dict[int, list[float]] = {}
    for day, value in zip(dates, values, strict=True):
        if np.isfinite(value):
            years.setdefault(day.year, []).append(float(value))
    return [
        Year(y, float(np.median(v)), len(v)) for y, v in sorted(years.items()) if len(v) >= MIN_RUNS
    ]


def _smallest(noise: float, practical: float, runs: int, other_runs: int) -> float:
    """The least difference of two medians (of ``runs`` and ``other_runs`` values) told as a
    change: the practical size, or twice the medians' standard error when that is larger."""
    error = MEDIAN_ERROR * noise * float(np.sqrt(1 / runs + 1 / other_runs))
    return max(practical, 2 * error)


def _way(difference: float, lower_is_faster: bool) -> str:
    """The direction of a difference past the smallest change, in the runner's words."""
    if lower_is_faster:
        return "Slower" if difference > 0 else "Faster"
    return "Up" if difference > 0 else "Down"


def year_finding(
    dates: Sequence[date],
    values: np.ndarray,
    label: str,
    noise: float,
    practical: float,
    show: Callable[[float], str],
    lower_is_faster: bool = False,
    asked: bool = False,
) -> tuple[list[Fact], Finding] | None:
    """The year-by-year finding, or None when fewer than :data:`MIN_YEARS` years hold enough
    runs. ``show`` writes a value as the metric reads. Two years' medians differ when the
    difference passes both the metric's practical size and twice its standard error (a
    median's is about 1.25 times the mean's, from ``noise``, the run-to-run spread). ``asked``:
    the question named the years ("from 2019 to 2024"), so this answer leads, and two do."""
    years = yearly(dates, values)
    if len(years) < (2 if asked else MIN_YEARS):
        return None
    first, last = years[0], years[-1]
    smallest = _smallest(noise, practical, first.runs, last.runs)
    facts = [
        Fact("year_first", first.year),
        Fact("year_first_median", show(first.median), ""),
        Fact("year_last", last.year),
        Fact("year_last_median", show(last.median), ""),
        Fact("years_compared", len(years), "years"),
        Fact("year_smallest_change", show(smallest), ""),
    ]
    difference = last.median - first.median
    if abs(difference) < smallest:
        verdict = (
            f"About the same over the years: your typical {label} was {{year_first_median}} in "
            "{year_first} and {year_last_median} in {year_last}, a difference smaller than "
            "{year_smallest_change}."
        )
    else:
        way = _way(difference, lower_is_faster)
        way += " a little" if abs(difference) < 2 * smallest else ""
        verdict = (
            f"{way} over the years: your typical {label} went from {{year_first_median}} in "
            "{year_first} to {year_last_median} in {year_last}."
        )
    each = "; ".join(f"{y.year} {show(y.median)} ({y.runs} runs)" for y in years)
    return facts, Finding(
        topic="by_year",
        verdict=verdict,
        evidence=(f"Median by year: {each}.",),
        action="",
        confidence=0.8,
        margin="Years differ when their medians are more than {year_smallest_change} apart: the "
        "larger of the practical size and twice the medians' uncertainty.",
        answers=("trend", "judgement"),
        priority=0 if asked else 1,
        cue=r"."  # the years were asked: this answer comes first
        if asked
        else r"\b(over|through|across) the years\b|\byears?\b|\bcreep\w*\b|\bever\b|\ball time\b"
        r"|\blong term\b|\bolder\b",
        needs_cue=not asked,
    )


#: "Lately": the runs of the last this many days against those of the same span before.
RECENT_DAYS = 91
#: Runs each span needs for its median to stand for it.
MIN_RECENT_RUNS = 5


def recent_finding(
    dates: Sequence[date],
    values: np.ndarray,
    label: str,
    noise: float,
    practical: float,
    show: Callable[[float], str],
    lower_is_faster: bool = False,
) -> tuple[list[Fact], Finding] | None:
    """The answer to "am I getting faster?": the median of the runs of the three months to the
    latest run against the three months before, told as a direction only past the metric's
    practical size and twice the medians' uncertainty; None with too few runs in either."""
    if not len(dates):
        return None
    latest = max(dates)
    cut, start = latest - timedelta(days=RECENT_DAYS), latest - timedelta(days=2 * RECENT_DAYS)
    recent = [v for d, v in zip(dates, values, strict=True) if d > cut and np.isfinite(v)]
    before = [v for d, v in zip(dates, values, strict=True) if start < d <= cut and np.isfinite(v)]
    if len(recent) < MIN_RECENT_RUNS or len(before) < MIN_RECENT_RUNS:
        return None
    now, then = float(np.median(recent)), float(np.median(before))
    smallest = _smallest(noise, practical, len(recent), len(before))
    facts = [
        Fact("recent_to", day_words(latest), ""),
        Fact("recent_median", show(now), ""),
        Fact("recent_runs", len(recent), "runs"),
        Fact("before_median", show(then), ""),
        Fact("before_runs", len(before), "runs"),
        Fact("recent_smallest_change", show(smallest), ""),
    ]
    difference = now - then
    way = "About the same" if abs(difference) < smallest else _way(difference, lower_is_faster)
    way += " lately"
    verdict = (
        f"{way}: your typical {label} over the 3 months to {{recent_to}} was {{recent_median}} "
        "({recent_runs}), against {before_median} in the 3 months before ({before_runs})."
    )
    return facts, Finding(
        topic="recent",
        verdict=verdict,
        confidence=0.75,
        margin="Two spans differ when their medians are more than {recent_smallest_change} apart: "
        "the larger of the practical size and twice the medians' uncertainty.",
        answers=("trend", "judgement"),
        priority=0,
        cue=r"^(?!.*\byears?\b).*\b(getting|improv\w*|better|worse|faster|slower|fitter|lately"
        r"|recent\w*|these days)\b",
        needs_cue=True,
    )
