"""What a coach concludes from an athlete's training load: the biggest jump in weekly running,
the latest long run against the longest of the month before and against its week, and a recent
single-run spike. Each is a :class:`tools.result.Finding` written from facts by name, with what to
do, its source in words no stronger than the study's, and how close it is to its line.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import pandas as pd

from tools.result import Fact, Finding
from tools.trends import load as maths
from tools.words import day_words

#: A week counts as a jump when it is this much above the week before (Nielsen et al. 2014 used
#: +30 % over two weeks) and adds at least ``JUMP_KM``.
JUMP_RATIO = 1.30
JUMP_KM = 10.0
#: Weeks looked back for a jump, and days for the latest long run.
JUMP_WEEKS = 8
LONG_RUN_DAYS = 14
NIELSEN = (
    "Nielsen RO, Parner ET, Nohr EA, Sørensen H, Lind M, Rasmussen S. Excessive progression in "
    "weekly running distance and risk of running-related injuries: an association which varies "
    "according to type of injury (2014): in 874 novice runners, raising weekly distance by more "
    "than 30 % over two weeks went with more distance-related injuries (hazard ratio 1.59, 95 % "
    "CI 0.96-2.66, not statistically certain)"
)
FRANDSEN = (
    "Frandsen et al. 2025, Br J Sports Med 59:1203-1210: in 5,205 runners, a single run more than "
    "10 % longer than the longest of the 30 days before went with more overuse injuries (hazard "
    "rate ratio 1.64 for 10-30 % longer); week-to-week ratios did not"
)
LONG_RUN_CUE = r"\blong (run|one)s?\b|\blongest\b|\btoo (long|far)\b"
JUMP_CUE = (
    r"\b(jump|ramp\w*|increase|build|mileage|volume|too much|too soon|over ?(train|reach|do)\w*"
    r"|week)"
)


def signed_pct(value: float) -> str:
    return f"{value:+.0f} %"


def load_findings(
    report_weeks: pd.DataFrame,
    runs: pd.DataFrame,
    spikes: Iterable[maths.Spike],
    day: date,
    who: str = "you",
    whose: str = "your",
) -> tuple[list[Fact], list[Finding]]:
    """The facts and findings of a load report as of ``day``: ``report_weeks`` is the weekly
    table (Monday-indexed, ``km``), ``runs`` the sessions frame, ``spikes`` all the spikes."""
    facts: list[Fact] = []
    findings: list[Finding] = []
    if jump := _jump(report_weeks, day, whose):
        facts += jump[0]
        findings.append(jump[1])
    long_run = _long_run(runs, day, whose)
    recent = [s for s in spikes if s.date > pd.Timestamp(day - timedelta(days=30))]
    if recent:
        spike_facts, spike = _spike(recent[-1], who, whose)
        facts += spike_facts
        findings.append(spike)
        if long_run is not None and recent[-1].activity_id != long_run[2]:
            long_run[1].evidence += (
                f"Before it, on {{spike_date}} {who} ran {{spike_run}}, {{spike_rise}} longer "
                f"than {whose} longest of the 30 days before ({{spike_previous_longest}}): a "
                "spike.",
            )
            long_run[1].covers += ("spike",)
    if long_run is not None:
        facts += long_run[0]
        findings.append(long_run[1])
    return facts, findings


def _jump(weeks: pd.DataFrame, day: date, whose: str) -> tuple[list[Fact], Finding] | None:
    """The biggest week-on-week rise in running of the last weeks, if it is a jump."""
    monday = pd.Timestamp(day - timedelta(days=day.weekday()))
    window = weeks[weeks.index <= monday]["km"].tail(JUMP_WEEKS + 1)
    if len(window) < 3:
        return None
    before, after = window.shift(1).iloc[1:], window.iloc[1:]
    rise = (after - before)[before > 0]
    ratio = (after / before)[before > 0]
    jumps = ratio[(ratio >= JUMP_RATIO) & (rise >= JUMP_KM)]
    if jumps.empty:
        biggest = float(ratio.max()) if len(ratio) else 1.0
        facts = [Fact("largest_weekly_rise", round((biggest - 1) * 100), "%")]
        finding = Finding(
            topic="weekly_jump",
            verdict=f"No big jump in {whose} weekly running in the {JUMP_WEEKS} weeks to "
            f"{day_words(day)}: the largest rise from one week to the next was "
            "{largest_weekly_rise}.",
            action="Keep building gradually; the runs to watch are single long runs more than "
            "10 % longer than your longest of the month before.",
            source=FRANDSEN,
            confidence=0.8,
            priority=6,
            cue=JUMP_CUE,
        )
        return facts, finding
    week = jumps.idxmax()
    held = window[window.index >= week]
    stayed = len(held) >= 2 and float(held.iloc[1:].mean()) >= 0.8 * float(after[week])
    facts = [
        Fact("jump_week", day_words(week.date()), ""),
        Fact("jump_from", round(float(before[week]), 1), "km"),
        Fact("jump_to", round(float(after[week]), 1), "km"),
        Fact("jump_rise", round((float(ratio[week]) - 1) * 100), "%"),
        Fact("weeks_since_jump", len(held), "weeks"),
        Fact("average_week_since_jump", round(float(held.mean()), 1), "km"),
    ]
    finding = Finding(
        topic="weekly_jump",
        verdict=f"Yes, that was a big jump: {whose} weekly running went from {{jump_from}} to "
        "{jump_to} in the week of {jump_week} (+{jump_rise})"
        + (", and it stayed high." if stayed else "."),
        evidence=("{weeks_since_jump} from that week on averaged {average_week_since_jump}.",),
        action="Next time, build up over several weeks rather than in one, and keep each long "
        "run within about 10 % of your longest of the 30 days before.",
        source=NIELSEN,
        confidence=0.7,
        margin="The distances are exact; what the jump means is less sure: the largest study "
        "(Frandsen et al. 2025, 5,205 runners) found no link between weekly ratios and injury, "
        "so this is a warning sign, not a prediction.",
        priority=2,
        cue=JUMP_CUE,
    )
    return facts, finding


def _long_run(runs: pd.DataFrame, day: date, whose: str) -> tuple[list[Fact], Finding, int] | None:
    """The longest run of the last two weeks against the month before it and its week, and
    which activity it was."""
    runs = runs[(runs["sport"] == "run") & (runs["distance_km"] > 0)]
    recent = runs[(runs["date"] > pd.Timestamp(day - timedelta(days=LONG_RUN_DAYS)))
                  & (runs["date"] <= pd.Timestamp(day))]  # fmt: skip
    if recent.empty:
        return None
    longest = recent.loc[recent["distance_km"].idxmax()]
    when = longest["date"].date()
    before = runs[(runs["start_time"] < longest["start_time"])
                  & (runs["date"] >= pd.Timestamp(when - timedelta(days=30)))]  # fmt: skip
    monday = when - timedelta(days=when.weekday())
    week = runs[(runs["date"] >= pd.Timestamp(monday))
                & (runs["date"] < pd.Timestamp(monday + timedelta(days=7)))]  # fmt: skip
    km, week_km = float(longest["distance_km"]), float(week["distance_km"].sum())
    facts = [
        Fact("long_run", round(km, 1), "km"),
        Fact("long_run_date", day_words(when), ""),
        Fact("long_run_week", round(week_km, 1), "km"),
        Fact("long_run_share_of_week", round(100 * km / week_km), "%"),
    ]
    evidence = ["It was {long_run_share_of_week} of that week's {long_run_week}."]
    if before.empty:
        verdict = (
            f"{whose[0].upper() + whose[1:]} latest long run was {{long_run}} on "
            "{long_run_date}, with no run in the 30 days before it to compare with."
        )
        finding = Finding("long_run", verdict, tuple(evidence), confidence=0.5, priority=3,
                          cue=LONG_RUN_CUE)  # fmt: skip
        return facts, finding, int(longest["activity_id"])
    previous = float(before["distance_km"].max())
    change = (km / previous - 1) * 100
    facts += [
        Fact("longest_30_days_before", round(previous, 1), "km"),
        Fact("long_run_change", round(abs(change)), "%"),
    ]
    than = "longer than" if change >= 0 else "shorter than"
    if change > (maths.SPIKE_RATIO - 1) * 100:
        verdict = (
            f"Yes, {whose} latest long run was too big a step: {{long_run}} on {{long_run_date}}, "
            f"{{long_run_change}} {than} {whose} longest of the 30 days before "
            "({longest_30_days_before})."
        )
        action = (
            "Hold the long run near that length for a few weeks before going longer, and "
            "step up by no more than about 10 % at a time."
        )
    else:
        verdict = (
            f"No, {whose} latest long run is not too long: {{long_run}} on {{long_run_date}} was "
            f"{{long_run_change}} {than} {whose} longest of the 30 days before "
            "({longest_30_days_before}), inside the 10 % line."
        )
        action = "Keep long runs within about 10 % of your longest of the month before."
    finding = Finding(
        topic="long_run",
        verdict=verdict,
        evidence=tuple(evidence),
        action=action,
        source=FRANDSEN,
        confidence=0.75,
        margin=f"The line is +10 %; this one was {signed_pct(change)}.",
        priority=3,
        cue=LONG_RUN_CUE,
    )
    return facts, finding, int(longest["activity_id"])


def _spike(spike: maths.Spike, who: str, whose: str) -> tuple[list[Fact], Finding]:
    facts = [
        Fact("spike_date", day_words(spike.date.date()), ""),
        Fact("spike_run", round(spike.distance_km, 1), "km"),
        Fact("spike_rise", round(spike.increase_pct), "%"),
        Fact("spike_previous_longest", round(spike.previous_longest_km, 1), "km"),
    ]
    finding = Finding(
        topic="spike",
        verdict=f"On {{spike_date}} {who} ran {{spike_run}}, {{spike_rise}} longer than {whose} "
        "longest of the 30 days before ({spike_previous_longest}): a spike of the kind that "
        "went with more overuse injuries.",
        action="Step long runs up by no more than about 10 % at a time.",
        source=FRANDSEN,
        confidence=0.75,
        margin=f"The line is +10 %; this one was +{spike.increase_pct:.0f} %.",
        priority=1,
        cue=r"\bspikes?\b",
    )
    return facts, finding
