"""The rules every plan is held to, each with its source, and one checker that counts a plan's
breaches of them (the builder clamps to the same functions; the backtest and tests count).

Runs are plain ``(day, km)`` pairs: the athlete's recorded runs, then the plan's own runs as if
done (a plan's third week is measured against its first two).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from tools.plans.model import Plan

#: A single run at most this much longer than the longest of the days before.
SPIKE = 0.10
SPIKE_DAYS = 30
SPIKE_NOTE = (
    "No run is more than 10 % longer than the longest run of the 30 days before it "
    "(Frandsen et al. 2025, Br J Sports Med 59:1203-1210: a single run more than 10 % longer "
    "than the longest of the previous 30 days went with more overuse injuries). Later weeks "
    "count the plan's earlier runs as done: if you miss some, ask for a new plan."
)
#: A week's km at most this much above the mean of the four weeks before it.
RAMP = 0.10
RAMP_WEEKS = 4
RAMP_NOTE = (
    "Each week is at most 10 % above the average of the four weeks before it. This is a "
    "cautious rule, not a proven threshold: Nielsen et al. 2014 (J Orthop Sports Phys Ther "
    "44:739-747) found that more than 30 % weekly progression was not statistically certain to "
    "raise injury risk (HR 1.59, 95 % CI 0.96-2.66)."
)
#: A build week grows this much over the mean of the four weeks before (under the ramp limit).
BUILD = 0.05
#: Every this-many-th week is lighter, at this share of the four weeks before.
LIGHTER_EVERY = 4
LIGHTER = 0.70
LIGHTER_NOTE = (
    "Every fourth week is lighter (about 70 % of the four weeks before), so the training of the "
    "weeks before is absorbed: a common coaching practice, not a tested threshold."
)
#: The two weeks before a race, as shares of the peak week (race week without the race).
TAPER = (0.60, 0.45)
TAPER_NOTE = (
    "The two weeks before the race cut volume to about 60 % and then 45 % of the peak week, "
    "keeping one tempo or interval session and the number of run days: Bosquet et al. 2007 "
    "(Med Sci Sports Exerc 39:1358-1365), a meta-analysis of 27 studies, found the largest "
    "performance gain with a taper of about two weeks in which volume was reduced by 41-60 % "
    "and intensity and frequency were kept. It is a guide from pooled studies, not a guarantee."
)
#: With no run in this many days, the plan restarts from a reduced base.
STALE_DAYS = 28
RESTART = 0.5
#: After a break this long (about three months) the base is smaller still and capped, and the
#: first weeks are easy running only: Coach G's own caution, not a figure from a study.
LONG_BREAK_DAYS = 90
LONG_BREAK_RESTART = 0.3
LONG_BREAK_WEEK_KM = 20.0
LONG_BREAK_LONGEST_KM = 8.0
#: Weeks of easy running only after a break (of more than STALE_DAYS, of more than
#: LONG_BREAK_DAYS).
EASY_WEEKS_AFTER_BREAK, EASY_WEEKS_AFTER_LONG_BREAK = 1, 2
#: The shortest run a plan holds, km.
MIN_RUN_KM = 3.0


def longest_before(runs: Iterable[tuple[date, float]], day: date) -> float:
    """The longest run of the :data:`SPIKE_DAYS` days before ``day`` (0 when none)."""
    first = day - timedelta(days=SPIKE_DAYS)
    return max((km for d, km in runs if first <= d < day), default=0.0)


def spike_cap(runs: Iterable[tuple[date, float]], day: date) -> float:
    """The longest a run on ``day`` may be (0 when there is no run in the 30 days before)."""
    return round((1 + SPIKE) * longest_before(runs, day), 3)


def week_km(runs: Iterable[tuple[date, float]], start: date, days: int = 7) -> float:
    end = start + timedelta(days=days)
    return sum(km for d, km in runs if start <= d < end)


def ramp_reference(runs: Iterable[tuple[date, float]], start: date) -> float:
    """The mean km of the :data:`RAMP_WEEKS` seven-day blocks before ``start``."""
    runs = list(runs)
    return (
        sum(week_km(runs, start - timedelta(days=7 * (i + 1))) for i in range(RAMP_WEEKS))
        / RAMP_WEEKS
    )


def ramp_cap(runs: Iterable[tuple[date, float]], start: date, days: int = 7) -> float:
    """The most km a block of ``days`` days starting on ``start`` may hold."""
    return round((1 + RAMP) * ramp_reference(runs, start) * days / 7, 3)


def violations(plan: Plan, done: list[tuple[date, float]]) -> list[str]:
    """Every breach of the spike and ramp rules in ``plan``, given the runs ``done`` before it.

    A plan that restarts after a long break (no run in the 30 days before) is measured from its
    reduced base: its first runs against the base's long run, its weeks against the base."""
    before = [(d, km) for d, km in done if d < plan.start]
    if plan.restart:
        base = [(plan.start - timedelta(days=7 * i + 1), plan.base_long_km) for i in range(4)]
        before = before + base
        weekly = [(plan.start - timedelta(days=7 * i + 1), plan.base_km) for i in range(4)]
    found: list[str] = []
    planned = [(s.day, s.km) for s in plan.sessions if s.is_run]
    so_far = list(before)
    for day, km in planned:
        cap = spike_cap(so_far, day)
        if km > cap + 1e-6:
            found.append(f"{day}: a {km:.1f} km run over the 10 % cap of {cap:.1f} km")
        so_far.append((day, km))
    ramp_runs = (
        [(d, km) for d, km in done if d < plan.start - timedelta(days=28)] + weekly + planned
        if plan.restart
        else before + planned
    )
    for week in plan.weeks:
        days = (week.end - week.start).days + 1
        cap = ramp_cap(ramp_runs, week.start, days)
        if week.km > cap + 0.05:
            found.append(f"week of {week.start}: {week.km:.1f} km over the ramp cap of {cap:.1f}")
    return found
