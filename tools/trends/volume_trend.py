"""Which way an athlete's running volume is going ("is my mileage going up?", "how has Bob's
weekly mileage changed since August?"): kilometres by calendar month up to the report day, each
also as km a week so that a month still running is compared fairly, and the direction from the
first month to the last.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING

from tools.result import Fact, Finding
from tools.words import day_words, week_of

if TYPE_CHECKING:
    import pandas as pd

#: The names of this module's facts start so.
PREFIX = "trend_"
#: Months shown when no start is asked: the report day's month and the three before it.
MONTHS = 4
#: The most months compared: a longer span asked starts this many months before its end.
LONGEST = 12
#: The last month's km a week against the first's: this much more is "up", this much less "down".
CHANGE = 0.10
_AMOUNT = r"(mileage|volume|km|kms|kilomet\w*|distance|miles|running|training)"
_WAY = (
    r"((going|gone|went|come|came) (up|down)|up or|chang\w*|trend\w*|mov(e|ed|ing)|increas\w*"
    r"|decreas\w*|climb\w*"
    r"|grow\w*|ris\w+|fall\w*|dropp\w*)"
)
#: A question about the direction of volume: "is my mileage going up?", "how has Bob's weekly
#: mileage changed since August?".
CUE = rf"\b{_AMOUNT}\b.{{0,40}}\b{_WAY}|\b{_WAY}\b.{{0,30}}\b{_AMOUNT}\b"


def _months_before(first: date, months: int) -> date:
    """The first day of the month ``months`` before the month starting ``first``."""
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _month_words(first: date, day: date) -> str:
    """ "Sep 2025", or "Oct 2025 (to 19 Oct)" for the month still running on ``day``."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    words = f"{first:%b %Y}"
    return words if last <= day else f"{words} (to {day.day} {day:%b})"


def _weeks(runs: pd.DataFrame, start: date, day: date) -> dict[date, float]:
    """Km by week (Monday) from ``start``'s week to ``day``'s, weeks without runs at 0."""
    first = week_of(start)
    weeks = {first + timedelta(days=7 * i): 0.0 for i in range((day - first).days // 7 + 1)}
    for when, km in zip(runs["date"], runs["distance_km"], strict=True):
        if (monday := week_of(when.date())) in weeks:
            weeks[monday] += float(km)
    return weeks


def _biggest_step(weeks: dict[date, float]) -> tuple[date, float, float] | None:
    """The week whose km rose most over the week before, with both weeks' km; None without a
    rise."""
    week_before = timedelta(days=7)
    rises = [(weeks[w] - weeks[w - week_before], w) for w in weeks if w - week_before in weeks]
    if not rises or max(rises)[0] <= 0:
        return None
    _, week = max(rises)
    return week, weeks[week - week_before], weeks[week]


def _month_runs(
    runs: pd.DataFrame, day: date, since: date | None
) -> tuple[date, list[tuple[date, int, pd.DataFrame]]]:
    """The runs of each month from ``since`` (default: the three months before ``day``'s; at
    most the 12 months to ``day``) to ``day``: the first day from which runs count, and each
    month's first day, its days counted and its runs (of :func:`_running`)."""
    import pandas as pd

    earliest = _months_before(day.replace(day=1), LONGEST - 1)
    start = max(since, earliest) if since else _months_before(day.replace(day=1), MONTHS - 1)
    months = []
    first = start.replace(day=1)
    while first <= day:
        last = min(day, first.replace(day=calendar.monthrange(first.year, first.month)[1]))
        begin = max(first, start)
        inside = runs[(runs["date"] >= pd.Timestamp(begin)) & (runs["date"] <= pd.Timestamp(last))]
        months.append((first, (last - begin).days + 1, inside))
        first = last + timedelta(days=1)
    return start, months


def _running(sessions: pd.DataFrame) -> pd.DataFrame:
    """The runs with a distance among the sessions."""
    return sessions[(sessions["sport"] == "run") & (sessions["distance_km"] > 0)]


def _way(before: float, after: float, up: str, down: str, level: str) -> str:
    """Which of the words the change from ``before`` to ``after`` earns: past ``CHANGE`` either
    way, else ``level``."""
    if after >= (1 + CHANGE) * before:
        return up
    return down if after <= (1 - CHANGE) * before else level


def volume_trend(
    runs: pd.DataFrame, day: date, since: date | None = None, whose: str = "your"
) -> tuple[list[Fact], Finding] | None:
    """The monthly running volume from ``since`` (default: the three months before ``day``'s;
    at most the 12 months to ``day``) to ``day``, and which way it went; None with fewer than
    two months to compare. ``runs`` is the sessions frame (``sport``, ``distance_km``, ``date``)."""
    runs = _running(runs)
    start, walked = _month_runs(runs, day, since)
    months: list[tuple[date, float, float]] = []  # first day, km, km a week
    for first, days, inside in walked:
        km = float(inside["distance_km"].sum())
        months.append((first, km, km / days * 7))
    if len(months) < 2 or not any(km for _, km, _ in months):
        return None
    names = [f"{first:%b}_{first.year}".lower() for first, _, _ in months]
    facts = [Fact(f"{PREFIX}from", _month_words(months[0][0], day))]
    facts.append(Fact(f"{PREFIX}to", _month_words(months[-1][0], day)))
    for name, (_, km, weekly) in zip(names, months, strict=True):
        facts.append(Fact(f"{PREFIX}km_in_{name}", round(km, 1), "km"))
        facts.append(Fact(f"{PREFIX}km_a_week_in_{name}", round(weekly, 1), "km a week"))
    (_, _, before), (_, _, after) = months[0], months[-1]
    went = (
        f"{whose} running went from {{{PREFIX}km_a_week_in_{names[0]}}} in {{{PREFIX}from}} to "
        f"{{{PREFIX}km_a_week_in_{names[-1]}}} in {{{PREFIX}to}}"
    )
    verdict = f"{_way(before, after, 'Yes, going up', 'No, going down', 'About level')}: {went}."
    by_month = "; ".join(
        f"{_month_words(first, day)} {{{PREFIX}km_in_{name}}}"
        for name, (first, _, _) in zip(names, months, strict=True)
    )
    evidence: tuple[str, ...] = (f"By month: {by_month}.",)
    weeks = _weeks(runs, start, day)
    peak = max(weeks, key=lambda w: weeks[w])
    facts += [
        Fact(f"{PREFIX}peak_week", day_words(peak)),
        Fact(f"{PREFIX}peak_km", round(weeks[peak], 1), "km"),
    ]
    evidence += (f"The biggest week: {{{PREFIX}peak_km}} in the week of {{{PREFIX}peak_week}}.",)
    if step := _biggest_step(weeks):
        week, before_km, after_km = step
        facts += [
            Fact(f"{PREFIX}step_week", day_words(week)),
            Fact(f"{PREFIX}step_from", round(before_km, 1), "km"),
            Fact(f"{PREFIX}step_to", round(after_km, 1), "km"),
        ]
        evidence += (
            f"The biggest step up: {{{PREFIX}step_from}} to {{{PREFIX}step_to}} in the week of "
            f"{{{PREFIX}step_week}}.",
        )
    finding = Finding(
        topic="volume_trend",
        verdict=verdict,
        evidence=evidence,
        action="Raise volume over several weeks, not in one; a month that still runs is "
        "compared by its km a week so far.",
        source="your stored runs",
        confidence=0.9,
        answers=("trend",),
        priority=0,
        cue=CUE,
        needs_cue=True,
    )
    return facts, finding


#: "Are my long runs getting longer?": the long run, not the week.
LONG_RUN_CUE = (
    r"\blong(est)? ?runs?\b.{0,30}\b(longer|shorter|getting|grow\w*|going|trend\w*|increas\w*"
    r"|up|down|chang\w*|progress\w*)\b|\b(longer|growing)\b.{0,20}\blong ?runs?\b"
)


def long_run_trend(
    runs: pd.DataFrame, day: date, since: date | None = None, whose: str = "your"
) -> tuple[list[Fact], Finding] | None:
    """The longest run of each month from ``since`` (default: the three months before
    ``day``'s) to ``day``, and which way it went: "are my long runs getting longer?"."""
    months = [
        (first, float(inside["distance_km"].max()) if len(inside) else 0.0)
        for first, _, inside in _month_runs(_running(runs), day, since)[1]
    ]
    if len(months) < 2 or not months[0][1]:
        return None
    names = [f"{first:%b}_{first.year}".lower() for first, _ in months]
    facts = [
        Fact(f"{PREFIX}longest_in_{name}", round(km, 1), "km")
        for name, (_, km) in zip(names, months, strict=True)
    ]
    went = (
        f"{whose} longest run went from {{{PREFIX}longest_in_{names[0]}}} in "
        f"{_month_words(months[0][0], day)} to {{{PREFIX}longest_in_{names[-1]}}} in "
        f"{_month_words(months[-1][0], day)}"
    )
    way = _way(
        months[0][1], months[-1][1], "Yes, getting longer", "No, getting shorter", "About the same"
    )
    verdict = f"{way}: {went}."
    by_month = "; ".join(
        f"{_month_words(first, day)} {{{PREFIX}longest_in_{name}}}"
        for name, (first, _) in zip(names, months, strict=True)
    )
    return facts, Finding(
        topic="long_run_trend",
        verdict=verdict,
        evidence=(f"Longest run by month: {by_month}.",),
        action="Lengthen the long run by no more than about 10 % over the longest of the 30 "
        "days before (Frandsen et al. 2025).",
        source="your stored runs",
        confidence=0.9,
        answers=("trend",),
        priority=0,
        cue=LONG_RUN_CUE,
        needs_cue=True,
    )


#: A question about years: "how did my yearly volume go from 2023 to 2025?", "km per year".
YEAR_CUE = (
    r"\b(yearly|annual\w*|per year|a year|each year|every year|by year|year (by|to|on|over) year"
    r"|over the years|years?)\b"
)


def year_trend(
    runs: pd.DataFrame, first: date, last: date, day: date, whose: str = "your"
) -> tuple[list[Fact], Finding] | None:
    """The running km of each calendar year from ``first``'s to ``last``'s (up to ``day``, the
    latest run), and which way it went, a year still running compared by its km a week so far;
    None with fewer than two years."""
    import pandas as pd

    runs = _running(runs)
    years = []
    for year in range(first.year, min(last.year, day.year) + 1):
        start, end = date(year, 1, 1), min(date(year, 12, 31), day)
        inside = runs[(runs["date"] >= pd.Timestamp(start)) & (runs["date"] <= pd.Timestamp(end))]
        km = float(inside["distance_km"].sum())
        years.append((year, km, len(inside), km / ((end - start).days + 1) * 7, end))
    if len(years) < 2 or not any(km for _, km, _, _, _ in years):
        return None
    facts: list[Fact] = []
    shown = []
    for year, km, count, weekly, end in years:
        facts += [
            Fact(f"{PREFIX}km_in_{year}", round(km, 1), "km"),
            Fact(f"{PREFIX}runs_in_{year}", count, "runs"),
        ]
        words = f"{{{PREFIX}km_in_{year}}} in {year} ({{{PREFIX}runs_in_{year}}}"
        if end < date(year, 12, 31):  # the year the data stops in: so far
            facts += [
                Fact(f"{PREFIX}year_end", day_words(end)),
                Fact(f"{PREFIX}km_a_week_in_{year}", round(weekly, 1), "km a week"),
            ]
            words += f", to {{{PREFIX}year_end}}: {{{PREFIX}km_a_week_in_{year}}}"
        shown.append(words + ")")
    way = _way(years[0][3], years[-1][3], "Up", "Down", "About level")
    verdict = (
        f"{way} from {years[0][0]} to {years[-1][0]}: {whose} running was " + ", ".join(shown) + "."
    )
    evidence: tuple[str, ...] = ()
    latest, previous = years[-1][0], years[-2]
    if years[-1][4] < date(latest, 12, 31):  # the year still running, against the one before
        facts.append(
            Fact(f"{PREFIX}km_a_week_in_{previous[0]}", round(previous[3], 1), "km a week")
        )
        evidence = (
            f"{latest} ends with the latest run, so it is compared by km a week: "
            f"{{{PREFIX}km_a_week_in_{latest}}} against {{{PREFIX}km_a_week_in_"
            f"{previous[0]}}} in {previous[0]}.",
        )
    finding = Finding(
        topic="year_trend",
        verdict=verdict,
        evidence=evidence,
        source="your stored runs",
        confidence=0.9,
        answers=("trend", "judgement", "lookup"),
        priority=0,
        cue=YEAR_CUE,
        needs_cue=True,
    )
    return facts, finding
