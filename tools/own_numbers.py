"""The runner's own numbers that a knowledge answer quotes beside a note: cadence from their runs
of the last three months, weekly distance and the longest recent run beside the notes on load and
progression, and the latest video analysis beside the notes on technique. Every number is a
``Fact`` computed here, read through the acting user's access to the athlete.

"Lately" ends at the athlete's latest run when that is before today (data that stopped long ago
still answers, with its dates said), and a value with a typical range in the literature gets a
verdict against it (:func:`range_finding`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from storage.gait_reports import list_gait_reports
from tools.context import ToolContext
from tools.result import Fact, Finding
from tools.trends.changes import MIN_RUN_MIN
from tools.trends.history import history
from tools.typical_range import range_verdict
from tools.words import day_words

if TYPE_CHECKING:
    import pandas as pd

#: How far back "your cadence lately" looks.
RECENT_DAYS = 91
#: Fewer runs than this and a range says nothing.
MIN_RUNS = 3
#: Full weeks of distance shown beside the notes on load and progression.
WEEKS = 4
#: "The longest run of the previous 30 days" (the single-session spike note).
LONGEST_DAYS = 30


@dataclass(frozen=True)
class OwnNumbers:
    """A sentence about the athlete and the facts behind every number in it."""

    sentence: str
    facts: list[Fact] = field(default_factory=list)


def latest_day(ctx: ToolContext) -> date:
    """The day "lately" ends: today, or the athlete's latest run when that was before."""
    import pandas as pd

    frame = history(ctx)
    runs = frame[(frame["sport"] == "run") & (frame["date"] <= pd.Timestamp(ctx.day))]
    return runs["date"].max().date() if not runs.empty else ctx.day


def _runs(ctx: ToolContext, days: int, end: date) -> pd.DataFrame:
    """The runs of the ``days`` up to ``end``."""
    import pandas as pd

    frame = history(ctx)
    if frame.empty:
        return frame
    keep = (
        (frame["sport"] == "run")
        & (frame["date"] > pd.Timestamp(end - timedelta(days=days)))
        & (frame["date"] <= pd.Timestamp(end))
    )
    return frame[keep]


def cadence(ctx: ToolContext, whose: str) -> OwnNumbers | None:
    """The middle half and median of the cadence of runs of 10 minutes or more lately; the
    latest video's cadence when the runs have too little."""
    runs = _runs(ctx, RECENT_DAYS, latest_day(ctx))
    if runs.empty:
        return gait_metric("cadence")(ctx, whose)
    runs = runs[runs["duration_min"] >= MIN_RUN_MIN]
    values = runs["cadence_spm"].to_numpy(dtype=float)
    ok = np.isfinite(values)
    if ok.sum() < MIN_RUNS:
        return gait_metric("cadence")(ctx, whose)
    values, days = values[ok], runs["date"][ok]
    low, median, high = (round(float(v)) for v in np.percentile(values, [25, 50, 75]))
    facts = [
        Fact("cadence_low", low, "steps/min"),
        Fact("cadence_high", high, "steps/min"),
        Fact("cadence_median", median, "steps/min"),
        Fact("runs_counted", int(ok.sum()), "runs"),
    ]
    first, last = days.min().date(), days.max().date()
    sentence = (
        f"{whose} cadence over the 3 months to {day_words(last)} was {low}-{high} steps/min in the "
        f"middle half of {facts[3].render()} of 10 minutes or more, median {median} steps/min, "
        f"from {day_words(first)} to {day_words(last)}."
    )
    return OwnNumbers(sentence, facts)


def weekly_distance(ctx: ToolContext, whose: str) -> OwnNumbers | None:
    """Running distance in each of the last full weeks, and the longest run lately."""
    end = latest_day(ctx)
    after = end + timedelta(days=1)  # full weeks end before the week that holds the next day
    this_monday = after - timedelta(days=after.weekday())
    start = this_monday - timedelta(weeks=WEEKS)
    runs = _runs(ctx, (end - start).days + 1, end)
    if runs.empty:
        return None
    weeks = [start + timedelta(weeks=i) for i in range(WEEKS)]
    distance = runs["distance_km"].fillna(0.0).to_numpy(dtype=float)
    days = runs["date"].dt.date.to_numpy()
    totals = [
        round(float(distance[(days >= w) & (days < w + timedelta(weeks=1))].sum()), 1)
        for w in weeks
    ]
    facts = [
        Fact(f"week_of_{w.isoformat()}_km", t, "km") for w, t in zip(weeks, totals, strict=True)
    ]
    shown = ", ".join(f"{t:.1f}" for t in totals[:-1]) + f" and {totals[-1]:.1f} km"
    sentence = (
        f"{whose} running distance in the last {WEEKS} full weeks, from {day_words(weeks[0])}, was "
        f"{shown}."
    )
    recent = days > end - timedelta(days=LONGEST_DAYS)
    if recent.any():
        longest = round(float(distance[recent].max()), 1)
        facts.append(Fact("longest_run_last_30_days", longest, "km"))
        sentence += f" The longest run in the last {LONGEST_DAYS} days was {longest:.1f} km."
    return OwnNumbers(sentence, facts)


def long_run_spikes(ctx: ToolContext, whose: str) -> OwnNumbers | None:
    """The athlete's single-run spikes (runs more than 10 % past the longest of the 30 days
    before): how many, how many in the last year of their running, and the latest."""
    from tools.trends.load import spikes

    frame = history(ctx)
    found = spikes(frame[frame["sport"] == "run"])
    if not found:
        return None
    latest = found[-1]
    end = latest_day(ctx)
    year = sum(1 for s in found if s.date.date() > end - timedelta(days=365))
    facts = [
        Fact("spikes_total", len(found), "runs"),
        Fact("spikes_last_year", year, "runs"),
        Fact("latest_spike", round(latest.distance_km, 1), "km"),
        Fact("latest_spike_before", round(latest.previous_longest_km, 1), "km"),
        Fact("latest_spike_increase", f"{latest.increase_pct:+.0f} %"),
    ]
    sentence = (
        f"{whose} runs that went more than 10 % past the longest of the 30 days before: "
        f"{len(found)} in all, {year} in the year to {day_words(end)}; the latest, on "
        f"{day_words(latest.date.date())}, was {facts[2].render()} against "
        f"{facts[3].render()}, {facts[4].render()}."
    )
    return OwnNumbers(sentence, facts)


def _both(
    *readers: Callable[[ToolContext, str], OwnNumbers | None],
) -> Callable[[ToolContext, str], OwnNumbers | None]:
    """The readers' numbers one after the other."""

    def read(ctx: ToolContext, whose: str) -> OwnNumbers | None:
        found = [own for reader in readers if (own := reader(ctx, whose))]
        if not found:
            return None
        return OwnNumbers(
            " ".join(own.sentence for own in found), [f for own in found for f in own.facts]
        )

    return read


def gait_metric(name: str) -> Callable[[ToolContext, str], OwnNumbers | None]:
    """A reader of ``name`` from the athlete's latest video analysis that measured it reliably."""

    def read(ctx: ToolContext, whose: str) -> OwnNumbers | None:
        with ctx.session() as session:
            for report in list_gait_reports(session, ctx.actor, ctx.athlete_id):
                metric = (report.report.get("metrics") or {}).get(name) or {}
                if metric.get("value") is None or not metric.get("reliable"):
                    continue
                fact = Fact(name, round(float(metric["value"]), 1), str(metric.get("unit", "")))
                label = str(metric.get("label") or name.replace("_", " ")).lower()
                sentence = (
                    f"In {whose.lower()} latest video analysis that measured it, on "
                    f"{day_words(report.created_at.date())}, the {label} was {fact.render()}."
                )
                return OwnNumbers(sentence, [fact])
        return None

    return read


#: Which of the athlete's numbers belong beside which note (by note file name).
READERS: dict[str, Callable[[ToolContext, str], OwnNumbers | None]] = {
    "cadence": cadence,
    "training_load": weekly_distance,
    "progression": _both(weekly_distance, long_run_spikes),
    "overstriding": gait_metric("overstride"),
    "vertical_oscillation": gait_metric("vertical_oscillation"),
    "contact_time": gait_metric("ground_contact"),
    "trunk_lean": gait_metric("trunk_lean"),
    "hip_and_pelvis": gait_metric("pelvic_drop"),
    "knee_alignment": gait_metric("knee_fppa"),
    "arm_swing": gait_metric("arm_crossover"),
    "foot_strike": gait_metric("foot_strike_angle"),
}


def own_numbers(ctx: ToolContext, note: str) -> OwnNumbers | None:
    """The athlete's numbers that belong beside note ``note`` (its file name), if they have any."""
    reader = READERS.get(note)
    if reader is None:
        return None
    whose = ctx.whose[0].upper() + ctx.whose[1:]
    return reader(ctx, whose)


#: The fact that holds a metric's level in each reader's numbers.
LEVEL_FACTS = {"cadence": ("cadence_median", "cadence")}


def range_finding(note: str, own: OwnNumbers, whose: str) -> Finding | None:
    """A verdict on the athlete's value beside note ``note`` against its typical range, when
    the note's metric has one (:func:`tools.typical_range.range_verdict`)."""
    metric = {"contact_time": "ground_contact", "hip_and_pelvis": "pelvic_drop",
              "knee_alignment": "knee_fppa", "arm_swing": "arm_crossover",
              "overstriding": "overstride"}.get(note, note)  # fmt: skip
    names = LEVEL_FACTS.get(metric, (metric,))
    fact = next((f for f in own.facts if f.name in names), None)
    return range_verdict(metric, fact, whose) if fact is not None else None
