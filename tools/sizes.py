"""How big one run or one week was against the training around it, for a question about a
day or a week ("was the 29k on 14 June too long for that week?", "was going from 25 to 72 km a
week in early September a bad idea?"): the run against the longest of the 30 days before it and
as a share of its week; the week against the week before and the average of the four before.

Each verdict is a :class:`tools.result.Finding` written from facts by name, with its line and
source (the same studies as the training-load findings, worded no stronger).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from tools.result import Fact, Finding
from tools.trends.load_findings import FRANDSEN, NIELSEN
from tools.words import day_words, week_of

#: A run more than this much longer than the longest of the 30 days before is a spike
#: (Frandsen et al. 2025's lowest band, 10-30 % longer, went with more overuse injuries).
SPIKE = 0.10
SPIKE_DAYS = 30
#: A week this much above the average of the four before it, adding at least ``RAMP_KM``, is a
#: big jump: the +30 % echoes Nielsen et al. 2014's top group, a line to look at, not a threshold.
RAMP = 0.30
RAMP_KM = 10.0
RAMP_WEEKS = 4
#: The longest span asked about (days) whose longest run is judged; a longer one gets its week.
RUN_SPAN_DAYS = 31
#: How sure a verdict on a spike or a ramp is: the distances are exact, what they mean is not.
SURE_OF_MEANING = 0.7


#: The names of this module's facts start so: a listing leaves them to the verdict.
PREFIX = "asked_"


def is_size_fact(fact: Fact) -> bool:
    return fact.name.startswith(PREFIX)


@dataclass(frozen=True)
class Run:
    """A run's day and distance in km."""

    day: date
    km: float


def _km_between(runs: Sequence[Run], first: date, last: date) -> float:
    """Kilometres run from ``first`` to ``last``, both included."""
    return sum(r.km for r in runs if first <= r.day <= last)


def run_finding(runs: Sequence[Run], run: Run, whose: str = "your") -> tuple[list[Fact], Finding]:
    """``run`` against the longest of the 30 days before it and as a share of its week."""
    before = [r.km for r in runs if run.day - timedelta(days=SPIKE_DAYS) <= r.day < run.day]
    week = week_of(run.day)
    week_km = _km_between(runs, week, week + timedelta(days=6))
    facts = [
        Fact("asked_run", round(run.km, 1), "km"),
        Fact("asked_run_day", day_words(run.day)),
        Fact("asked_run_week", round(week_km, 1), "km"),
        Fact("asked_run_week_start", day_words(week)),
        Fact("asked_run_share", round(100 * run.km / week_km) if week_km else 0, "%"),
    ]
    share = (
        "It was {asked_run_share} of its week ({asked_run_week}, the week of "
        "{asked_run_week_start})."
    )
    if not before:
        finding = Finding(
            topic="asked_run",
            polar=True,
            verdict="I can't call it long or not: there were no runs in the 30 days before "
            "{asked_run_day}, so there is nothing to compare the {asked_run} with.",
            evidence=(share,),
            action="After a break, start well below your old long runs and build back up.",
            source=FRANDSEN,
            confidence=0.5,
            answers=("judgement", "should"),
            priority=1,
        )
        return facts, finding
    longest = max(before)
    change = run.km / longest - 1
    facts += [
        Fact("asked_run_longest_before", round(longest, 1), "km"),
        Fact("asked_run_change", round(100 * change), "%"),
    ]
    longer = "{asked_run_change} longer" if change >= 0 else "shorter"
    against = f"{longer} than {whose} longest of the 30 days before ({{asked_run_longest_before}})"
    if change > SPIKE:
        verdict = (
            f"Yes, on the long side: the {{asked_run}} run on {{asked_run_day}} was {against}."
        )
        action = "Build long runs up by no more than about 10 % over the month before's longest."
    elif change > 0:
        verdict = f"No, not a jump: the {{asked_run}} run on {{asked_run_day}} was {against}."
        action = "That kind of step is fine; keep long runs growing gradually like this."
    else:
        verdict = f"No, not a jump: the {{asked_run}} run on {{asked_run_day}} was {against}."
        action = "Nothing to change: it was no longer than what the month before had held."
    finding = Finding(
        topic="asked_run",
        polar=True,
        verdict=verdict,
        evidence=(share,),
        action=action,
        source=FRANDSEN,
        confidence=SURE_OF_MEANING,
        margin=f"The line is +10 %; this run was {'+' if change >= 0 else ''}{{asked_run_change}}.",
        answers=("judgement", "should"),
        priority=1,
    )
    return facts, finding


def week_finding(
    runs: Sequence[Run], week: date, whose: str = "your", best_week: float | None = None
) -> tuple[list[Fact], Finding]:
    """The week starting Monday ``week`` against the week before and the four weeks before
    (and, with ``best_week``, whether it was the biggest ever)."""
    week_km = _km_between(runs, week, week + timedelta(days=6))
    previous = _km_between(runs, week - timedelta(days=7), week - timedelta(days=1))
    average = _km_between(runs, week - timedelta(days=7 * RAMP_WEEKS), week - timedelta(days=1))
    average /= RAMP_WEEKS
    facts = [
        Fact("asked_week", round(week_km, 1), "km"),
        Fact("asked_week_start", day_words(week)),
        Fact("asked_week_before", round(previous, 1), "km"),
        Fact("asked_week_average", round(average, 1), "km"),
    ]
    evidence = ("The week before: {asked_week_before}.",)
    if previous > 0:
        facts.append(Fact("asked_week_times", round(week_km / previous, 1), "times"))
        evidence = ("The week before: {asked_week_before}, so this was {asked_week_times} that.",)
    if best_week is not None and week_km >= best_week - 0.05:
        evidence += (f"It was {whose} biggest week on record.",)
    if average <= 0:
        verdict = (
            "A big start from nothing: {asked_week} in the week of {asked_week_start}, with no "
            "running in the 4 weeks before."
        )
        return facts, Finding(
            topic="asked_week",
            polar=True,
            verdict=verdict,
            evidence=evidence,
            action="After a break, build up over several weeks rather than in one.",
            source=NIELSEN,
            confidence=SURE_OF_MEANING,
            answers=("judgement", "should"),
            priority=2,
        )
    change = week_km / average - 1
    facts.append(Fact("asked_week_change", round(100 * change), "%"))
    than = (
        "{asked_week} in the week of {asked_week_start}, against an average of "
        "{asked_week_average} a week over the 4 weeks before ("
        + ("+" if change >= 0 else "")
        + "{asked_week_change})"
    )
    if change > RAMP and week_km - average >= RAMP_KM:
        verdict = "Yes, that was a big jump: " + than + "."
        action = "Build up over several weeks rather than in one week."
    elif change > 0.10:
        verdict = "A moderate step up: " + than + "."
        action = "A step like this is usually fine if the weeks after it settle."
    else:
        verdict = f"No, that was in line with {whose} weeks before: " + than + "."
        action = "Nothing to change on volume."
    finding = Finding(
        topic="asked_week",
        polar=True,
        verdict=verdict,
        evidence=evidence,
        action=action,
        source=NIELSEN,
        confidence=SURE_OF_MEANING,
        margin="The line to look at is +30 % over the 4 weeks before; this week was "
        + ("+" if change >= 0 else "")
        + "{asked_week_change}.",
        answers=("judgement", "should"),
        priority=2,
    )
    return facts, finding


#: A run named by distance and day is looked for up to this many days off, when nothing that
#: day is within this share of the distance.
NEAR_DAYS, NEAR_DISTANCE = 2, 0.25


def size_findings(
    runs: Sequence[Run], first: date, last: date, whose: str = "your", asked_km: float | None = None
) -> tuple[list[Fact], list[Finding]]:
    """The run and week verdicts for a question about ``first`` to ``last``: the week in it
    that grew most against the four before (up to a year asked) and, for a month or less, the
    longest run in it (or, with ``asked_km``, the run of about that distance) against the month
    before it. The run leads for a day or two asked, or when named by its distance, the week for
    a longer span. ``runs`` are all the athlete's runs, so a record week is said."""
    inside = [r for r in runs if first <= r.day <= last]
    if not inside:
        return [], []
    weeks = sorted({week_of(r.day) for r in inside})

    def growth(week: date) -> float:
        before = _km_between(runs, week - timedelta(days=28), week - timedelta(days=1)) / 4
        return _km_between(runs, week, week + timedelta(days=6)) - before

    by_week: dict[date, float] = {}
    for run in runs:
        by_week[week_of(run.day)] = by_week.get(week_of(run.day), 0.0) + run.km
    best_week = max(by_week.values())
    facts, week_verdict = week_finding(runs, max(weeks, key=growth), whose, best_week)
    if (last - first).days > RUN_SPAN_DAYS:  # a season asked: its biggest step up
        return facts, [week_verdict]
    judged = max(inside, key=lambda r: r.km)
    if asked_km:  # a run named by its distance: the one closest to it, a day or two off
        # if none that day comes near it ("the 32k on 5 October" run on the 4th)
        judged = min(inside, key=lambda r: abs(r.km - asked_km))
        if abs(judged.km - asked_km) > NEAR_DISTANCE * asked_km:
            slack = timedelta(days=NEAR_DAYS)
            near = [r for r in runs if first - slack <= r.day <= last + slack]
            judged = min(near, key=lambda r: abs(r.km - asked_km))
    run_facts, run_verdict = run_finding(runs, judged, whose)
    if asked_km:  # it is what was asked about, whatever the span
        run_verdict = replace(run_verdict, priority=0)
        return run_facts + facts, [run_verdict, replace(week_verdict, priority=1)]
    if (last - first).days >= 2:  # a span asked: the week leads
        run_verdict = replace(run_verdict, priority=2)
        week_verdict = replace(week_verdict, priority=1)
    return run_facts + facts, [run_verdict, week_verdict]
