"""What a coach concludes from an athlete's training load: the biggest weekly ramp (a week's
running against the average of the four weeks before it, beside the single-run spikes of that
week), the latest long run against the longest of the month before and as a share of its week, a
recent single-run spike, and how form reads with the assumption that would change it. Each is a
:class:`tools.result.Finding` written from facts by name, with what to do, its source in words no
stronger than the study's, and how close it is to its line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from tools.result import Fact, Finding
from tools.trends import load as maths
from tools.words import day_words

if TYPE_CHECKING:
    import pandas as pd

#: A week counts as a ramp when it is this much above the average of the ``RAMP_WEEKS`` weeks
#: before it and adds at least ``JUMP_KM``. The +30 % echoes Nielsen et al. 2014's top group;
#: it is a line to look at, not an injury threshold (see the sources).
JUMP_RATIO = 1.30
JUMP_KM = 10.0
RAMP_WEEKS = 4
#: Weeks looked back for a ramp, and days for the latest long run.
JUMP_WEEKS = 8
LONG_RUN_DAYS = 14
NIELSEN = (
    "Nielsen RO, Parner ET, Nohr EA, Sørensen H, Lind M, Rasmussen S. Excessive progression in "
    "weekly running distance and risk of running-related injuries: an association which varies "
    "according to type of injury. J Orthop Sports Phys Ther (2014): in 874 novice runners, "
    "raising weekly distance by more than 30 % over two weeks went with more distance-related "
    "injuries than under 10 % (hazard ratio 1.59, 95 % CI 0.96-2.66, not statistically certain)"
)
FRANDSEN = (
    "Frandsen JSB et al. How much running is too much? Identifying high-risk running sessions in "
    "a 5200-person cohort study. Br J Sports Med 2025;59:1203-1210: in 5,205 runners, a single run "
    "more than 10 % longer than the longest of the 30 days before went with more overuse injuries "
    "(hazard rate ratio 1.64 for 10-30 % longer, 1.52 for 30-100 %, 2.28 for over 100 %)"
)
FRANDSEN_WEEKLY = (
    "Frandsen JSB et al. 2025, Br J Sports Med 59:1203-1210, on weekly ratios: in the same 5,205 "
    "runners, a week's distance high against the three weeks before it (the acute:chronic ratio) "
    "went with fewer overuse injuries, not more, and the week-to-week ratio with neither"
)
#: Where form's words come from, and what they are not.
FORM_SOURCE = (
    "Fitness and fatigue: the impulse-response (fitness-fatigue) model of Banister and colleagues "
    "(Calvert TW, Banister EW, Savage MV, Bach T. A systems model of the effects of training on "
    "physical performance. IEEE Trans Syst Man Cybern 1976;6:94-102), in the form of Coggan's "
    "Performance Manager (42- and 7-day exponentially weighted averages, gains left out); the "
    "word cut points are intervals.icu's, used as descriptions only: no study ties a form value "
    "to injury"
)
LONG_RUN_CUE = r"\blong (run|one)s?\b|\blongest\b|\btoo (long|far)\b"
JUMP_CUE = (
    r"\b(jump|ramp\w*|increase|build|mileage|volume|too much|too soon|over ?(train|reach|do)\w*"
    r"|week)"
)
FORM_CUE = r"\b(fatigu\w*|tired\w*|fresh\w*|form|recover\w*|rested|tsb)\b"
#: The confidence of a form reading that a plausible other threshold would change.
FLIPS_CONFIDENCE = 0.45


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
    import pandas as pd

    facts: list[Fact] = []
    findings: list[Finding] = []
    spikes = list(spikes)
    if jump := _jump(report_weeks, runs, spikes, day, whose):
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


def _jump(
    weeks: pd.DataFrame, runs: pd.DataFrame, spikes: Sequence[maths.Spike], day: date, whose: str
) -> tuple[list[Fact], Finding] | None:
    """The biggest weekly ramp of the last weeks: each week's running against the average of
    the four weeks before it, with the single-run spikes of that week beside it."""
    import pandas as pd

    monday = pd.Timestamp(day - timedelta(days=day.weekday()))
    km = weeks[weeks.index <= monday]["km"]
    before = km.shift(1).rolling(RAMP_WEEKS).mean()  # the four whole weeks before each week
    window = km.tail(JUMP_WEEKS)
    base = before.reindex(window.index)
    usable = base > 0
    if usable.sum() < 2:
        return None
    ratio = (window / base)[usable]
    rise = (window - base)[usable]
    line = round((JUMP_RATIO - 1) * 100)
    jumps = ratio[(ratio >= JUMP_RATIO) & (rise >= JUMP_KM)]
    if jumps.empty:
        biggest = float(ratio.max())
        facts = [
            Fact("largest_weekly_rise", round((biggest - 1) * 100), "%"),
            Fact("ramp_line", line, "%"),
        ]
        finding = Finding(
            topic="weekly_jump",
            verdict=f"No big jump in {whose} weekly running in the {JUMP_WEEKS} weeks to "
            f"{day_words(day)}: no week was more than {{ramp_line}} above the average of the "
            "four weeks before it; the largest rise was {largest_weekly_rise}.",
            action="Keep building gradually; the runs to watch are single long runs more than "
            "10 % longer than your longest of the month before.",
            source=FRANDSEN_WEEKLY,
            confidence=0.8,
            priority=6,
            cue=JUMP_CUE,
        )
        return facts, finding
    week = jumps.idxmax()
    held = window[window.index >= week]
    stayed = len(held) >= 2 and float(held.iloc[1:].mean()) >= 0.8 * float(window[week])
    previous = float(km.get(week - pd.Timedelta(weeks=1), 0.0))
    facts = [
        Fact("jump_week", day_words(week.date()), ""),
        Fact("jump_from", round(previous, 1), "km"),
        Fact("jump_to", round(float(window[week]), 1), "km"),
        Fact("four_weeks_before", round(float(base[week]), 1), "km"),
        Fact("ramp_rise", round((float(ratio[week]) - 1) * 100), "%"),
        Fact("ramp_line", line, "%"),
        Fact("weeks_since_jump", len(held), "weeks"),
        Fact("average_week_since_jump", round(float(held.mean()), 1), "km"),
    ]
    if previous > 0:
        facts.append(Fact("jump_rise", round((float(window[week]) / previous - 1) * 100), "%"))
    evidence = [
        "The four weeks before it averaged {four_weeks_before} a week.",
        "{weeks_since_jump} from that week on averaged {average_week_since_jump}.",
    ]
    spike_facts, spike_line = _spikes_in_week(runs, spikes, week, whose)
    facts += spike_facts
    evidence.append(spike_line)
    finding = Finding(
        topic="weekly_jump",
        polar=True,
        verdict=f"Yes, that was a big jump: {whose} weekly running went from {{jump_from}} to "
        "{jump_to} in the week of {jump_week}, +{ramp_rise} on the average of the four weeks "
        "before it" + (", and it stayed high." if stayed else "."),
        evidence=tuple(evidence),
        action="Next time, build up over several weeks rather than in one, and keep each long "
        "run within about 10 % of your longest of the 30 days before.",
        source=f"{NIELSEN}; {FRANDSEN_WEEKLY}",
        confidence=0.7,
        margin="The distances are exact; what the ramp means is much less sure: the +{ramp_line} "
        "line is a rule of thumb, not an injury threshold. The single-run spike has the firmer "
        "evidence (see the sources).",
        priority=2,
        cue=JUMP_CUE,
    )
    return facts, finding


def _spikes_in_week(
    runs: pd.DataFrame, spikes: Sequence[maths.Spike], week: pd.Timestamp, whose: str
) -> tuple[list[Fact], str]:
    """The single-run spikes of the week that starts on ``week``, or its longest run against
    the longest of the 30 days before it: the session view beside the weekly one."""
    import pandas as pd

    end = week + pd.Timedelta(days=7)
    inside = [s for s in spikes if week <= s.date < end]
    if inside:
        biggest = max(inside, key=lambda s: s.increase_pct)
        facts = [
            Fact("jump_week_spikes", len(inside), "runs"),
            Fact("jump_week_spike_run", round(biggest.distance_km, 1), "km"),
            Fact("jump_week_spike_rise", round(biggest.increase_pct), "%"),
            Fact("jump_week_spike_before", round(biggest.previous_longest_km, 1), "km"),
        ]
        return facts, (
            "Beside it, run by run: {jump_week_spikes} in that week went more than 10 % past "
            f"{whose} longest of the 30 days before; the biggest, {{jump_week_spike_run}}, was "
            "{jump_week_spike_rise} longer than {jump_week_spike_before}."
        )
    runs = runs[(runs["sport"] == "run") & (runs["distance_km"] > 0)]
    week_runs = runs[(runs["date"] >= week) & (runs["date"] < end)]
    if week_runs.empty:
        return [], "No single run that week went more than 10 % past the longest before it."
    longest = week_runs.loc[week_runs["distance_km"].idxmax()]
    return [Fact("jump_week_longest_run", round(float(longest["distance_km"]), 1), "km")], (
        "Beside it, run by run: none went more than 10 % past "
        f"{whose} longest of the 30 days before; the longest that week was "
        "{jump_week_longest_run}."
    )


def _long_run(runs: pd.DataFrame, day: date, whose: str) -> tuple[list[Fact], Finding, int] | None:
    """The longest run of the last two weeks against the month before it and its week, and
    which activity it was."""
    import pandas as pd

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


def form_finding(
    fitness: float,
    fatigue: float,
    form: float,
    alternatives: Sequence[maths.Alternative],
    confidence: float,
    whose: str = "your",
) -> tuple[list[Fact], Finding] | None:
    """How form reads, in words that describe it (never a risk zone), how near it is to the
    nearest cut point, and the assumed or estimated threshold whose plausible other value would
    change how it reads: then the reading is only a rough guide. ``alternatives`` are
    :func:`tools.trends.load.form_if`'s; ``confidence`` that of the load figures."""
    share = maths.form_share(form, fitness)
    if share is None:
        return None
    words = maths.form_band(form, fitness)
    line = maths.form_line(share)
    facts = [
        Fact("form_share", _beside(share, line), "%"),
        Fact("form_line", round(line), "%"),
    ]
    owner = whose[0].upper() + whose[1:]
    flips = changes_reading(alternatives, words)
    action = ""
    if share < -10:
        action = (
            "If you feel run down, a few easier days bring fatigue down quickly; fitness falls "
            "far more slowly."
        )
    if flips:
        alt = flips[0]
        facts += [
            _threshold_fact("assumed_threshold", alt.used, alt.unit),
            _threshold_fact("plausible_other_threshold", alt.other, alt.unit),
            Fact("form_share_with_other_threshold", _beside(float(alt.share or 0.0), line), "%"),
        ]
        margin = (
            f"That is near the {{form_line}} line, and with a "
            f"{alt.what} of {{plausible_other_threshold}} instead of the {alt.source} "
            f"{{assumed_threshold}} it would be {{form_share_with_other_threshold}} and read "
            f"{alt.words}."
        )
        action = (
            f"Tell me {whose} {alt.what} (say “my {alt.what} is …”) to settle it. " + action
        ).strip()
        confidence = min(confidence, FLIPS_CONFIDENCE)
    elif alternatives:
        margin = (
            "Form is {form_share} of fitness against the {form_line} line; the assumed or "
            "estimated thresholds, set to other plausible values, don't change how it reads."
        )
    else:
        margin = "Form is {form_share} of fitness against the {form_line} line."
    finding = Finding(
        topic="form",
        verdict=f"{owner} form reads {words}: fatigue {{fatigue}} against fitness {{fitness}} "
        "(form {form_share} of fitness).",
        evidence=(
            "Form compares the past week's load with the past six weeks'; it describes "
            "training, it is not a measure of injury risk.",
        ),
        action=action,
        source=FORM_SOURCE,
        confidence=round(confidence, 2),
        margin=margin,
        answers=("judgement", "should", "trend"),
        priority=4,
        cue=FORM_CUE,
    )
    return facts, finding


def _beside(share: float, line: float) -> float:
    """``share`` to one decimal, rounded away from ``line`` so that a share just past it is
    never shown as on it (-29.97 is shown as -29.9, not -30.0, against a -30 line)."""
    scaled = share * 10
    return (math.ceil(scaled) if share >= line else math.floor(scaled)) / 10


def _threshold_fact(name: str, value: float, unit: str) -> Fact:
    """A threshold as a fact: heart rates in whole beats, a threshold speed as its pace."""
    if unit == "m/s":
        return Fact(name, threshold_words(value, unit), "")
    return Fact(name, round(value), unit)


def threshold_words(value: float, unit: str) -> str:
    """A threshold as a person reads it: ``50 bpm``, or a threshold speed as ``4:58 /km``."""
    if unit == "m/s":
        minutes, seconds = divmod(round(1000.0 / value), 60)
        return f"{minutes}:{seconds:02d} /km"
    return f"{value:.0f} {unit}"


def changes_reading(
    alternatives: Sequence[maths.Alternative], words: str
) -> list[maths.Alternative]:
    """The other plausible thresholds under which form would read other than ``words``."""
    return [a for a in alternatives if a.share is not None and a.words != words]
