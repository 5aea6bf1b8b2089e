"""The ``detect_changes`` tool: where a runner's own metric changed level, by how much, and what
else changed with it.

Like is compared with like. Cadence, step length, heart rate, power and efficiency depend on how
fast, how hilly and how long the run was (heart rate and efficiency on the heat too, where the
watch records it), so before looking for changes each run's value is moved to the athlete's usual
conditions by what their own runs predict for it: gradient-boosted trees over pace, climb,
duration, temperature, time of year, time of day and races for cadence, heart rate and
efficiency, a robust straight line for step length and power, whichever predicted better on
held-out months (:mod:`tools.trends.expected`). Pace itself and decoupling are used as they are;
the gait metrics of stored video analyses are one value per analysis. A change that coincides
with a new device or data source is flagged "device change?" (:mod:`tools.trends.sources`).

Changes are found by :func:`tools.trends.changepoints.detect` and one is told only when it is
worth telling: at least :data:`MIN_SIDE` runs on each side, and a size of at least the smallest
worthwhile change, the larger of the metric's everyday noise (how much one run differs from the
next at the same conditions, from the athlete's own runs) and a practical size per metric
(:attr:`Metric.practical`). What else differed between the runs before and after a change
(terrain, temperature or season, pace, duration) is said beside it, with a lower confidence:
"it may be the terrain, not you".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.gait_reports import list_gait_reports
from tools.activities import old_data_shift, old_data_words, pace_text, parse_day
from tools.context import ToolContext
from tools.gait.metrics import SPECS
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Fact, Finding, ToolResult
from tools.spec import ToolSpec
from tools.trends.by_year import recent_finding, year_finding
from tools.trends.changepoints import LEVEL, Detection, detect, run_to_run_sd
from tools.trends.expected import (
    Confounder,
    confounders,
    covariate_columns,
    expected_values,
    seasonal,
)
from tools.trends.expected_trees import expected_by_trees
from tools.trends.history import history
from tools.trends.sources import Switch, switch_near
from tools.typical_range import range_verdict
from tools.words import day_words, gap_words

if TYPE_CHECKING:
    import pandas as pd

TOOL = "detect_changes"
#: A level from runs that ended longer ago than this (days) is said with its date.
STALE_DAYS = 28
#: Runs shorter than this (minutes) are warm-ups, strides or tests, not comparable runs.
MIN_RUN_MIN = 10.0
#: A race within this many days before a change anchors it ("since your race on ...").
ANCHOR_DAYS = 45
#: Fewer comparable points than this and no change can be told from noise.
MIN_POINTS = 10
#: A change is told only with at least this many runs on each side of it; video analyses,
#: rarer and each over many steps, need MIN_SIDE_ANALYSES.
MIN_SIDE = 10
MIN_SIDE_ANALYSES = 5
#: The detector's penalty for a runner's series, as a share of the one that holds pure noise to
#: about 1 % false alarms (:func:`tools.trends.changepoints.penalty`); see ``find``.
PENALTY_SCALE = 1.0
#: How sure a change is said to be; lower when something else changed with it.
SURE, CONFOUNDED = 0.8, 0.45
#: How sure a change that came with a new device or data source is said to be about the runner.
DEVICE = 0.3
#: A change is said to follow the runs' conditions when the trees' expectation from them alone
#: accounts for at least this share of it (and in its direction).
CONDITIONS_EXPLAIN = 0.5
#: How a reply with too few points to tell a change begins.
NOT_ENOUGH = "Not enough data to tell a change:"


@dataclass(frozen=True)
class Metric:
    """A metric a runner can ask about."""

    key: str  # column of the history, or "gait:<name>" for a video-analysis metric
    label: str
    unit: str
    adjust: bool  # moved to the athlete's usual conditions before detecting (expected.py)
    digits: int = 1
    words: tuple[str, ...] = ()
    #: The smallest change that matters in practice, as a share of the level (or, with
    #: ``practical_abs``, in the metric's unit); a change must also exceed the everyday noise.
    practical: float = 0.0
    practical_abs: float = 0.0
    #: Why that size.
    practical_why: str = ""


METRICS = (
    Metric(
        "cadence_spm",
        "cadence",
        "steps/min",
        True,
        1,
        (
            "cadence",
            "steps per minute",
            "steps a minute",
            "steps/min",
            "spm",
            "step rate",
            "turnover",
            "leg speed",
        ),
        practical=0.02,
        practical_why="about 3 steps/min, less than watches differ by and well under the 5-10 % "
        "steps of gait retraining",
    ),
    Metric(
        "step_m",
        "step length",
        "m",
        True,
        2,
        # "stride" is what runners (and Coach G before) call it: an alias, answered as step length
        (
            "step length",
            "steps? lengths?",
            "strides?",
            "stride length",
            "stride lengths?",
            "stride m",
            "step m",
        ),
        practical=0.02,
        practical_why="about 2 cm, the counterpart of a 2 % change of cadence at one pace",
    ),
    Metric(
        "decoupling_pct",
        "aerobic decoupling",
        "%",
        False,
        1,
        ("decoupling", "decouple", "cardiac drift", "hr drift", "heart rate drift", "drift"),
        practical_abs=2.0,
        practical_why="2 points, under the 5 % that is read as a steady aerobic effort",
    ),
    Metric(
        "avg_hr",
        "heart rate at your usual pace",
        "bpm",
        True,
        0,
        ("heart ?rates?", "heart-rate", "hr", "pulse", "bpm"),
        practical=0.02,
        practical_why="about 3 bpm, what a chest strap and a wrist sensor differ by",
    ),
    Metric(
        "pace_s_per_km",
        "pace",
        "/km",
        False,
        0,
        ("pace", "speed", "fast", "faster", "slower"),
        practical=0.03,
        practical_why="about 10 s/km",
    ),
    Metric(
        "ef",
        "efficiency (metres per heartbeat) at your usual pace",
        "m/beat",
        True,
        2,
        ("efficiency", "efficient", "efficiency factor", "ef", "economy", "fitness", "aerobic"),
        practical=0.03,
        practical_why="about 0.03-0.04 m a beat",
    ),
    Metric(
        "power_w",
        "power at your usual pace",
        "W",
        True,
        0,
        ("power", "watts?"),
        practical=0.03,
        practical_why="about 7-10 W",
    ),
)
#: The runner's words for the video-analysis metrics, by each metric's own key: the key of a
#: stored report's ``metrics`` (:data:`tools.gait.metrics.SPECS`), which also gives its label.
GAIT_WORDS = {
    "ground_contact": ("contact time", "ground contact", "gct"),
    "vertical_oscillation": ("vertical oscillation", "bounce"),
    "overstride": ("overstride", "overstriding"),
    "trunk_lean": ("trunk lean", "lean", "posture"),
    "knee_flexion_contact": ("knee flexion", "knee bend"),
    "duty_factor": ("duty factor",),
    "pelvic_drop": ("pelvic drop", "hip drop"),
}
LAST_RACE = "last race"
#: Which races "since my marathon" means: a name pattern, or a distance band in km.
RACE_KINDS = {
    "race": (r"\b(?:race|marathon|half|10 ?k|5 ?k|parkrun)\b", (0.0, 500.0)),
    "marathon": (r"(?<!half )(?<!half-)\bmarathon\b", (41.0, 43.5)),
    "half": (r"\bhalf\b", (20.5, 21.9)),
    "10k": (r"\b10 ?k\b", (9.8, 10.5)),
    "5k": (r"\b(?:5 ?k|parkrun)\b", (4.9, 5.3)),
}
#: Race kinds found by distance alone when no run is marked or named a race (a training run
#: is rarely a full marathon or half; often a 10 km or 5 km).
BY_DISTANCE = ("marathon", "half")
#: What "anything unusual in my metrics?" looks at.
OVERVIEW = {
    "cadence_spm": "cadence",
    "step_m": "step_length",
    "avg_hr": "heart_rate",
    "pace_s_per_km": "pace",
    "ef": "efficiency",
}
_SINCE_RACE = re.compile(
    r"\b(?:since|after|before|from) (?:my |the |his |her |their |our )?(?:last |latest |recent )?"
    r"(race|marathon|half(?:[- ]marathon| mara)?|10 ?km?|5 ?km?|parkrun)\b"
)


def read_metric(text: str) -> str | None:
    """The metric a message names ("has my cadence dropped?" -> "cadence"). "Stride" stays
    "stride length" as the runner said it: :func:`find_metric` takes it for step length."""
    metric = find_metric(text)
    if metric and metric.key == "step_m" and re.search(r"\bstrides?\b", text.lower()):
        return "stride length"
    return metric.label.split(" (")[0].split(" at ")[0] if metric else None


def read_since(text: str) -> str | None:
    """``"last marathon"`` for "since my marathon", ``"last race"`` for "after the race"; else
    None (dates are read by the shared date reader)."""
    found = _SINCE_RACE.search(text)
    if not found:
        return None
    word = re.sub(r"[- ]?(marathon|mara)$", "", found[1]).replace(" ", "").replace("km", "k")
    word = word or "marathon"
    return f"last {'5k' if word == 'parkrun' else word}"


def find_metric(text: str | None) -> Metric | None:
    """The metric ``text`` names ("stride length", "HR", "gait:ground_contact"...). Each
    metric's words are patterns; video metrics are looked for first, as their names are the
    more specific ("ground contact time" is not a heart rate)."""
    wanted = (text or "").strip().lower().replace("_", " ")
    if not wanted:
        return None
    for name, words in GAIT_WORDS.items():
        if wanted.removeprefix("gait:") == name.replace("_", " ") or any(
            re.search(rf"\b{w}\b", wanted) for w in words
        ):
            label = SPECS[name].label
            return Metric(f"gait:{name}", label[0].lower() + label[1:], "", False, 1, words)
    for metric in METRICS:
        if wanted in (metric.key.replace("_", " "), metric.label) or any(
            re.search(rf"\b{w}\b", wanted) for w in metric.words
        ):
            return metric
    return None


@dataclass
class Series:
    """The values change detection looked at, oldest first."""

    dates: list[date]
    values: np.ndarray  # as adjusted (or as measured when not adjusted)
    names: list[str]
    races: list[bool]
    unit: str
    adjustment: str = ""
    reference: dict[str, float] = field(default_factory=dict)
    #: The history rows of the runs (None for video analyses), for what else changed.
    rows: pd.DataFrame | None = None
    #: Whether most runs have a temperature (so the season is not needed to stand for it).
    temperature_known: bool = False
    #: Each run's device or data source ("" unknown), for "device change?".
    sources: list[str] = field(default_factory=list)
    #: The metric as measured and the conditions of every comparable run (also those before
    #: ``since``), and which of them are kept: what the trees learn the conditions' part from.
    measured: np.ndarray | None = None
    covariates: dict[str, np.ndarray] = field(default_factory=dict)
    kept: np.ndarray | None = None

    def conditions_part(self) -> np.ndarray | None:
        """What the runner's own runs predict for each kept run from its conditions alone
        (gradient-boosted trees, :mod:`tools.trends.expected_trees`), centred on zero; None
        with too few runs for the trees."""
        if self.measured is None or self.kept is None:
            return None
        try:
            fit = expected_by_trees(self.measured, self.covariates)
        except ValueError:
            return None
        expected = fit.expected[self.kept]
        return expected - float(np.median(expected))


def metric_series(
    ctx: ToolContext,
    metric: Metric,
    since: date | None,
    frame: pd.DataFrame | None = None,
    until: date | None = None,
) -> Series:
    """The values of ``metric``, one per comparable run (or video analysis), from ``since`` (to
    ``until``); ``frame`` is the athlete's history when the caller has it already."""
    import pandas as pd

    if metric.key.startswith("gait:"):
        return _gait_series(ctx, metric, since)
    frame = history(ctx) if frame is None else frame
    runs = frame[(frame["sport"] == "run") & (frame["duration_min"] >= MIN_RUN_MIN)]
    key = metric.key
    if key == "step_m" and key not in runs:  # a history of before the rename
        key = "stride_m"
    runs = runs[np.isfinite(runs[key].to_numpy(dtype=float))]
    values = runs[key].to_numpy(dtype=float)
    covariates = covariate_columns(runs)
    adjustment, reference = "", {}
    if metric.adjust and len(runs) >= MIN_POINTS:
        moved = expected_values(values, covariates, metric.key)
        values, adjustment, reference = moved.values, moved.text, moved.reference
    keep = runs["date"] >= pd.Timestamp(since) if since else np.ones(len(runs), dtype=bool)
    keep = np.asarray(keep)
    if until is not None:
        keep = keep & np.asarray(runs["date"] < pd.Timestamp(until + timedelta(days=1)))
    kept = runs[keep]
    return Series(
        dates=[d.date() for d in kept["date"]],
        values=values[keep],
        names=list(kept["name"]),
        races=list(kept["race"]),
        unit=metric.unit,
        adjustment=adjustment,
        reference=reference,
        rows=kept,
        temperature_known=bool(keep.any())
        and bool(np.isfinite(covariates["temperature"][keep]).mean() >= 0.5),
        sources=[str(s or "") for s in kept["data_source"]] if "data_source" in kept else [],
        measured=runs[key].to_numpy(dtype=float) if metric.adjust else None,
        covariates=covariates,
        kept=keep,
    )


@dataclass(frozen=True)
class Threshold:
    """The smallest worthwhile change of a series: the larger of its everyday ``noise`` (how
    much one run differs from the next, robust standard deviation of neighbours' differences
    over sqrt 2) and the metric's ``practical`` size, both in the metric's unit."""

    noise: float
    practical: float

    @property
    def smallest(self) -> float:
        return max(self.noise if np.isfinite(self.noise) else 0.0, self.practical)


def threshold(values: np.ndarray, metric: Metric) -> Threshold:
    """The smallest worthwhile change of ``values`` of ``metric`` (see :class:`Threshold`)."""
    level = abs(float(np.nanmedian(values))) if len(values) else 0.0
    practical = metric.practical_abs or metric.practical * level
    return Threshold(noise=run_to_run_sd(values), practical=practical)


def min_side(metric: Metric) -> int:
    """Runs (or, for a video-analysis metric, analyses) needed on each side of a change."""
    return MIN_SIDE_ANALYSES if metric.key.startswith("gait:") else MIN_SIDE


def find(values: np.ndarray, metric: Metric, seed: int = 0, resamples: int = 1000) -> Detection:
    """The changes of ``values`` (one metric, oldest first, already adjusted) that are worth
    telling: :func:`tools.trends.changepoints.detect` with the smallest worthwhile change
    (:func:`threshold`) and :func:`min_side` runs a side."""
    return detect(
        values,
        smallest=threshold(values, metric).smallest,
        min_side=min_side(metric),
        seed=seed,
        resamples=resamples,
        wandering="decline",  # a runner is told changes of level, not of a rate
        penalty_scale=PENALTY_SCALE,
    )


def _gait_series(ctx: ToolContext, metric: Metric, since: date | None) -> Series:
    name = metric.key.removeprefix("gait:")
    rows = []
    with ctx.session() as session:
        for report in list_gait_reports(session, ctx.actor, ctx.athlete_id):
            value = (report.report.get("metrics") or {}).get(name) or {}
            if value.get("value") is None or not value.get("reliable"):
                continue
            rows.append((report.created_at.date(), float(value["value"]), report.video_name))
            unit = value.get("unit", "")
    rows.sort()
    rows = [r for r in rows if since is None or r[0] >= since]
    return Series(
        dates=[r[0] for r in rows],
        values=np.array([r[1] for r in rows], dtype=float),
        names=[r[2] for r in rows],
        races=[False] * len(rows),
        unit=unit if rows else "",
    )


def last_race(
    frame: pd.DataFrame, before: date | None = None, kind: str = "race"
) -> tuple[date, str] | None:
    """The day and name of the latest race of ``kind`` (see :data:`RACE_KINDS`) in the history
    ``frame``: a run Strava marks as a race, or whose name says so, of the kind's distance; for
    a marathon or a half with none, the latest run of that distance (its name says so)."""
    import pandas as pd

    pattern, (low, high) = RACE_KINDS[kind]
    names = frame["name"].fillna("")
    named = names.str.contains(pattern, case=False, regex=True)
    if kind != "race":  # Strava's flag and a race-like name, at the distance, also count
        named |= frame["race"] | names.str.contains(RACE_KINDS["race"][0], case=False, regex=True)
    else:
        named |= frame["race"]
    fits = frame["distance_km"].between(low, high)
    runs = frame[(frame["sport"] == "run") & fits]
    if before is not None:
        runs = runs[runs["date"] < pd.Timestamp(before)]
    races = runs[named.loc[runs.index]]
    if races.empty and kind in BY_DISTANCE and not runs.empty:
        row = runs.iloc[-1]  # no race marked or named: the latest run of the full distance
        return row["date"].date(), f"{row['distance_km']:.2f} km, not marked as a race"
    if races.empty:
        return None
    row = races.iloc[-1]
    return row["date"].date(), str(row["name"] or "race")


def detect_changes(
    ctx: ToolContext,
    metric: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> ToolResult:
    """Find where one of the runner's metrics changed level, with the size of each change and a
    confidence interval; pace-dependent metrics are compared at the runner's usual pace.

    Args:
        metric: cadence, stride length, heart rate, pace, efficiency, decoupling, power, or a
            video-analysis metric such as contact time; default: an overview of cadence, stride
            length, heart rate, pace and efficiency.
        since: the first day to look at, an ISO date (YYYY-MM-DD), or "last race" (or "last
            marathon", "last half", "last 10k", "last 5k"); default all.
        until: the last day to look at, an ISO date (YYYY-MM-DD); default today. From one
            calendar year to another ("from 2019 to 2024") the answer compares those years.
    """
    if not metric:
        return overview(ctx, since)
    chosen = find_metric(metric)
    if chosen is None:
        known = ", ".join(m.label.split(" (")[0] for m in METRICS)
        return ToolResult.failure(
            TOOL, f"I don't track {metric!r}. Ask about one of: {known}, or contact time."
        )
    start, anchor_text = None, ""
    frame = history(ctx)
    kind = _race_kind(since)
    if kind:
        race = last_race(frame, kind=kind)
        what = "race" if kind == "race" else kind
        if race is None:
            return ToolResult.failure(
                TOOL,
                f"I can't find a {what} in your history. Tell me its date (for example "
                "'since 2025-05-12'), or mark the run as a race on Strava.",
            )
        start = race[0]
        run = f"{what}-distance run" if race[1].endswith("not marked as a race") else what
        anchor_text = f"since your {run} on {race[0].isoformat()} ({escape(race[1])})"
    elif since:
        try:
            start = parse_day(since).date()
        except ValueError:
            return ToolResult.failure(TOOL, "Give dates as YYYY-MM-DD, for example 2024-03-01.")
    try:
        end = parse_day(until).date() if until else None
    except ValueError:
        return ToolResult.failure(TOOL, "Give dates as YYYY-MM-DD, for example 2024-12-31.")
    years = bool(start and end and end.year > start.year and (start.month, start.day) == (1, 1))
    shifted = _old_data(ctx, frame, start) if start and not kind else None
    if shifted:
        start = date.fromisoformat(shifted["from"])
    series = metric_series(ctx, chosen, start, frame, until=end)
    if len(series.values) < MIN_POINTS:
        result = _too_few(chosen, series, start, anchor_text)
        if video := _video_level(ctx, chosen, result.message):
            return video  # "is my cadence ok?" with too few runs: the analysed video's level
    else:
        result = _detected(frame, chosen, series, start, anchor_text, years)
    if shifted:
        result.message = f"{shifted['message']}\n\n{result.message}".strip()
        result.data["shifted"] = shifted
    if ctx.about_someone_else and result.ok:
        _third_person(result, ctx.whose, ctx.who)
    level = result.fact("recent_level")
    typical = chosen.key.removeprefix("gait:").removesuffix("_spm")
    source = ""
    if series.dates and (gap := (ctx.day - series.dates[-1]).days) > STALE_DAYS:
        source = f"from {ctx.whose} runs up to {day_words(series.dates[-1])}, {gap_words(gap)} ago"
    if level is not None and (judged := range_verdict(typical, level, ctx.whose, source)):
        result.findings.append(judged)  # "is my cadence ok?": its level against the range
    return result


def _video_level(ctx: ToolContext, metric: Metric, too_few: str) -> ToolResult | None:
    """Why no change can be told (``too_few``), with the level of the metric from the athlete's
    latest video analysis that measured it reliably (cadence), judged against its typical range
    for "is my cadence ok?"; None without such an analysis."""
    name = {"cadence_spm": "cadence"}.get(metric.key)
    if name is None:
        return None
    with ctx.session() as session:
        for report in list_gait_reports(session, ctx.actor, ctx.athlete_id):
            value = (report.report.get("metrics") or {}).get(name) or {}
            if value.get("value") is not None and value.get("reliable"):
                break
        else:
            return None
        day, clip = report.created_at.date(), report.video_name
    level = Fact("recent_level", round(float(value["value"]), 1), metric.unit)
    source = f"from {ctx.whose} video of {day_words(day)}, “{escape(clip)}”"
    judged = range_verdict(name, level, ctx.whose, source)
    if judged is None:
        return None
    said = f"{ctx.whose[:1].upper()}{ctx.whose[1:]} video of {day_words(day)} measured "
    return ToolResult(
        tool=TOOL,
        message=f"{too_few} {said}{level.render()} (“{escape(clip)}”).",
        facts=[level],
        confidence=0.7,
        findings=[replace(judged, answers=("judgement", "should"))],
        reasons=[f"too few runs with {metric.label} to tell its level; the video's is used"],
        data={"source": "video", "video": clip, "day": day.isoformat()},
    )


def _third_person(result: ToolResult, whose: str, who: str) -> None:
    """The change findings and lines of ``result`` about another athlete: "Ann's cadence",
    "it may be the terrain, not Ann"."""

    def say(text: str) -> str:
        text = text.replace("Your ", f"{whose[:1].upper()}{whose[1:]} ")
        return text.replace("your ", f"{whose} ").replace("not you.", f"not {who}.")

    result.findings = [
        replace(f, verdict=say(f.verdict), action=say(f.action)) for f in result.findings
    ]
    result.data["who"] = who
    result.data["label"] = say(result.data.get("label", ""))


def _old_data(ctx: ToolContext, frame: pd.DataFrame, start: date) -> dict[str, Any] | None:
    """Where to look instead when the period asked (``start`` to today) holds no runs but older
    runs exist: the same calendar year, month or week that holds the latest run, or the same
    length of time up to it (see :func:`tools.activities.old_data_shift`), with the sentence
    that says so; None when the period asked is to be used."""
    import pandas as pd

    if start > ctx.day:
        return None
    days = frame.loc[frame["sport"] == "run", "date"]
    if days.empty or (days >= pd.Timestamp(start)).any():
        return None
    latest = days.max().date()
    shift = old_data_shift(start, None, ctx.day, latest)
    return {
        "from": shift.first.isoformat(),
        "to": shift.last.isoformat(),
        "days": shift.days,
        "unit": shift.unit,
        "message": old_data_words(ctx, start, ctx.day, shift, "run"),
    }


def _detected(
    frame: pd.DataFrame,
    chosen: Metric,
    series: Series,
    start: date | None,
    anchor_text: str,
    years: bool = False,
) -> ToolResult:
    """The changes of ``series`` worth telling, or why none can be told from its ups and downs."""
    found = find(series.values, chosen)
    if not found.changes and not np.isfinite(found.min_detectable):
        return ToolResult.failure(
            TOOL,
            f"I can't tell changes in your {chosen.label} from its ups and downs: "
            f"{found.note or 'the values vary too much from run to run'}.",
        )
    return _result(frame, chosen, series, found, start, anchor_text, years)


def _race_kind(since: str | None) -> str | None:
    """``"marathon"`` for ``"last marathon"``, ``"race"`` for ``"last race"`` or ``"race"``."""
    words = (since or "").strip().lower().removeprefix("my ").removeprefix("last ").strip()
    return words if words in RACE_KINDS else None


def overview(ctx: ToolContext, since: str | None) -> ToolResult:
    """The latest change worth telling (if any) of each of the main metrics, in one reply,
    with what else changed with it."""
    results = {key: detect_changes(ctx, key.replace("_", " "), since) for key in OVERVIEW}
    # a level from a video (too few runs) is no change of the runs to put in the overview
    usable = {k: r for k, r in results.items() if r.ok and r.data.get("source") != "video"}
    if not usable:
        return next(iter(results.values()))  # why not (with a video's level, if one)
    shifted = next((r.data["shifted"] for r in results.values() if "shifted" in r.data), None)
    facts, lines, changes, findings = [], [], {}, []
    for key, result in usable.items():
        data = result.data
        name = OVERVIEW[key]
        if data["changes"]:
            latest = data["changes"][-1]
            changes[key] = latest
            if latest["size_pct"] is not None:
                facts.append(Fact(f"{name}_change", latest["size_pct"], "%"))
            also = f" It follows {latest['confounded']}." if latest["confounded"] else ""
            lines.append(
                f"- {data['label'].capitalize()}: {latest['anchor']}, {latest['before_text']} → "
                f"{latest['after_text']} {data['unit']} ({latest['runs_before']} runs before, "
                f"{latest['runs_after']} after; the smallest worthwhile change is "
                f"{data['smallest_change_text']} {data['difference_unit']}).{also}"
            )
        else:
            lines.append(
                f"- {data['label'].capitalize()}: no change as large as the smallest "
                f"worthwhile change ({data['smallest_change_text']} {data['difference_unit']}; "
                f"everyday noise {data['noise_text']})."
            )
        for finding in result.findings:
            if finding.topic == "change":  # its verdict only: the lines say the rest
                findings.append(_renamed(finding, result, name))
                facts.extend(
                    Fact(f"{name}_{f.name}", f.value, f.unit, f.confidence)
                    for f in result.facts
                    if f"{{{f.name}}}" in finding.verdict and f.name != "latest_change"
                )
    first = next(iter(usable.values()))
    return ToolResult(
        tool=TOOL,
        message=shifted["message"] if shifted else "",
        facts=facts,
        confidence=min(r.confidence for r in usable.values()),
        data={
            "overview": True,
            "lines": lines,
            "latest_changes": changes,
            "since": first.data["since"],
            "first": min(r.data["first"] for r in usable.values()),
            "last": max(r.data["last"] for r in usable.values()),
        },
        reasons=[
            "each metric's latest change worth telling, found as for a single metric",
            *[r for r in first.reasons if "runs from" in r],
        ],
        caveats=['ask about one metric ("has my cadence changed?") for every change and its size'],
        findings=findings,
    )


def _renamed(finding: Finding, result: ToolResult, prefix: str) -> Finding:
    """``finding`` of one metric's result with its facts named ``<prefix>_<fact>``, as the
    overview holds them."""
    names = [f.name for f in result.facts]

    def rename(text: str) -> str:
        for name in names:
            text = text.replace(f"{{{name}}}", f"{{{prefix}_{name}}}")
        return text

    verdict = rename(finding.verdict).replace(f"{{{prefix}_latest_change}}", f"{{{prefix}_change}}")
    # the overview says the verdict alone: its evidence and margin stay with the metric's answer
    return replace(
        finding, topic=f"{prefix}_{finding.topic}", verdict=verdict, evidence=(), margin=""
    )


def _too_few(metric: Metric, series: Series, start: date | None, anchor: str) -> ToolResult:
    where = f" {anchor}" if anchor else f" since {start.isoformat()}" if start else ""
    count = len(series.values)
    if metric.key.startswith("gait:"):
        what = "video analysis" if count == 1 else "video analyses"
    else:
        what = (
            f"run of {MIN_RUN_MIN:.0f} minutes or more"
            if count == 1
            else (f"runs of {MIN_RUN_MIN:.0f} minutes or more")
        )
    return ToolResult.failure(
        TOOL,
        f"{NOT_ENOUGH} I have {count} {what} with {metric.label}{where}; I need at least "
        f"{MIN_POINTS} to tell a change from day-to-day variation.",
        count=count,
    )


def _difference_unit(metric: Metric) -> str:
    return "s/km" if metric.key == "pace_s_per_km" else metric.unit


def _level_fact(name: str, value: float, metric: Metric) -> Fact:
    if metric.key == "pace_s_per_km":
        return Fact(name, pace_text(value / 60.0), "/km")
    if metric.digits >= 2:  # 1.16 → 1.23 m/beat, not 1.2 → 1.2
        return Fact(name, f"{value:.{metric.digits}f}", metric.unit)
    return Fact(name, round(float(value), metric.digits), metric.unit)


def _fact(name: str, value: float, digits: int, unit: str) -> Fact:
    """A fact of ``digits`` decimals. A fact renders one decimal, so a small value that needs
    more is written out as text (0.044 m/beat, not 0.0)."""
    if digits <= 1:
        return Fact(name, round(float(value), 1), unit)
    return Fact(name, f"{value:.{digits}f}", unit)


def _show(value: float, metric: Metric) -> str:
    if metric.key == "pace_s_per_km":
        return pace_text(value / 60.0)
    return f"{value:.{metric.digits}f}"


def _anchor(frame: pd.DataFrame, day: date) -> str:
    race = last_race(frame, before=day)
    if race is not None and (day - race[0]).days <= ANCHOR_DAYS:
        return f"since your race on {race[0].isoformat()} ({escape(race[1])})"
    return f"from around {day.isoformat()}"


def _result(
    frame: pd.DataFrame,
    metric: Metric,
    series: Series,
    found: Detection,
    start: date | None,
    anchor_text: str,
    years_asked: bool = False,
) -> ToolResult:
    limit = threshold(series.values, metric)
    pace_dependent = metric.adjust or metric.key == "ef"
    changes = []
    cuts = [0, *(c.index for c in found.changes), len(series.values)]
    yearly = (
        seasonal(series.values, series.rows["date"])
        if series.rows is not None
        else np.zeros(len(series.values))
    )
    conditions = series.conditions_part() if found.changes else None
    for k, change in enumerate(found.changes):
        day = series.dates[change.index]
        relative = change.relative * 100.0 if change.relative is not None else None
        others: list[Confounder] = []
        if series.rows is not None:
            rows = series.rows
            first_, cut, last_ = cuts[k], cuts[k + 1], cuts[k + 2]
            others = confounders(
                rows.iloc[first_:cut],
                rows.iloc[cut:last_],
                pace_dependent,
                series.temperature_known,
                season=(
                    np.vstack([yearly[first_:cut], series.values[first_:cut]]),
                    np.vstack([yearly[cut:last_], series.values[cut:last_]]),
                ),
            )
        if conditions is not None:
            share = _conditions_share(conditions, series.values, cuts[k], cuts[k + 1], cuts[k + 2])
            if share >= CONDITIONS_EXPLAIN:
                others.append(_conditions_confounder(share))
        switch: Switch | None = switch_near(series.sources, change.index)
        if switch is not None:
            others.insert(0, _device_confounder(switch))
        sure = SURE if change.n_before + change.n_after >= 40 else 0.6
        if change.ci_low <= 0 <= change.ci_high:
            sure = min(sure, 0.5)
        if others:
            sure = min(sure, CONFOUNDED)
        if switch is not None:
            sure = min(sure, DEVICE)
        changes.append(
            {
                "date": day.isoformat(),
                "anchor": _anchor(frame, day),
                "before": round(change.before, metric.digits + 1),
                "after": round(change.after, metric.digits + 1),
                "before_text": _show(change.before, metric),
                "after_text": _show(change.after, metric),
                "size": round(change.size, metric.digits + 1),
                "size_pct": round(relative, 1) if relative is not None else None,
                "ci_low": round(change.ci_low, metric.digits + 1),
                "ci_high": round(change.ci_high, metric.digits + 1),
                "runs_before": change.n_before,
                "runs_after": change.n_after,
                "confounders": [c.text for c in others],
                "confounded": " and ".join(c.text for c in others),
                "blame": " or ".join(c.blame for c in others),
                "confidence": sure,
                "device_change": switch.text if switch is not None else "",
                "_others": others,
            }
        )
    first, last = series.dates[0], series.dates[-1]
    level = float(np.median(series.values[-min(len(series.values), 10) :]))
    unit = _difference_unit(metric)
    gait = metric.key.startswith("gait:")
    what = "video analyses" if gait else "runs"
    digits = metric.digits + 1 if metric.digits >= 2 else 1  # as facts: 1.5 steps/min, 0.044 m
    facts = [
        Fact("runs_compared", len(series.values), "runs"),
        Fact("changes_found", len(changes), ""),
        _level_fact("recent_level", level, metric),
        _fact("everyday_noise", limit.noise, digits, unit),
        _fact("practical_size", limit.practical, digits, unit),
        _fact("smallest_worthwhile_change", limit.smallest, digits, unit),
        Fact("runs_each_side", min_side(metric), "analyses" if gait else "runs"),
    ]
    if changes:
        latest = changes[-1]
        if latest["size_pct"] is not None:
            facts.append(Fact("latest_change", latest["size_pct"], "%"))
        facts += [
            Fact("latest_change_date", latest["date"]),
            _level_fact("latest_before", found.changes[-1].before, metric),
            _level_fact("latest_after", found.changes[-1].after, metric),
            _fact("latest_size", abs(found.changes[-1].size), digits, unit),
            Fact("latest_runs_before", latest["runs_before"], "runs"),
            Fact("latest_runs_after", latest["runs_after"], "runs"),
        ]
        for other in latest["_others"]:
            if other.which == "season":
                facts.append(Fact("latest_season", other.span))
                if np.isfinite(other.before):  # the share of the change the season accounts for
                    facts.append(Fact("latest_season_before", round(other.before)))
            elif other.which == "device":
                facts.append(Fact("latest_device_change", latest["device_change"]))
            elif other.which == "conditions":  # the share of the change they account for
                facts.append(Fact("latest_conditions_before", round(other.before)))
            else:
                facts.append(Fact(f"latest_{other.which}_before", other.shown(other.before)))
                facts.append(Fact(f"latest_{other.which}_after", other.shown(other.after)))
    else:
        # nothing under the smallest worthwhile change is told, whatever the detector could see
        detectable = max(found.min_detectable, limit.smallest)
        facts.append(_fact("smallest_detectable_change", detectable, digits, unit))
    confidence = 0.8 if len(series.values) >= 40 else 0.6
    if changes:
        confidence = min(confidence, changes[-1]["confidence"])
    reasons = [f"{len(series.values)} runs from {first.isoformat()} to {last.isoformat()}"]
    if series.adjustment:
        reasons.append(f"each run's {metric.label.split(' at ')[0]} {series.adjustment}")
    reasons.append(found.method)
    reasons.append(
        f"a change is told only with at least {min_side(metric)} {what} on each side and at "
        "least the "
        f"smallest worthwhile change, {limit.smallest:.{digits}f} {unit}: the larger of the "
        f"everyday noise ({limit.noise:.{digits}f} {unit}) and a practical size "
        f"({limit.practical:.{digits}f} {unit}, {metric.practical_why or 'none set'})"
    )
    findings = _findings(metric, changes, anchor_text)
    pace = metric.key == "pace_s_per_km"
    unit_of = " /km" if pace else f" {metric.unit}"
    medians = (  # what the year-by-year and the lately answers read the runs by
        series.dates,
        series.values,
        metric.label,
        limit.noise,
        limit.practical,
        lambda v: _show(v, metric) + unit_of,
    )
    if years := year_finding(*medians, lower_is_faster=pace, asked=years_asked):
        facts += years[0]
        findings.insert(0, years[1])
    if lately := recent_finding(*medians, lower_is_faster=pace):  # "am I getting faster?"
        facts += lately[0]
        findings.insert(0, lately[1])
    for change in changes:
        del change["_others"]
    result = ToolResult(
        tool=TOOL,
        facts=facts,
        confidence=confidence,
        data={
            "metric": metric.key,
            "label": metric.label,
            "unit": metric.unit,
            "since": start.isoformat() if start else None,
            "anchor": anchor_text,
            "first": first.isoformat(),
            "last": last.isoformat(),
            "changes": changes,
            "recent_level_text": _show(level, metric),
            "smallest_change_text": f"{limit.smallest:.{digits}f}",
            "noise_text": f"{limit.noise:.{digits}f}",
            "practical_text": f"{limit.practical:.{digits}f}",
            "practical_why": metric.practical_why,
            "detectable_text": f"{max(found.min_detectable, limit.smallest):.{digits}f}",
            "runs_each_side": min_side(metric),
            "what": what,
            "difference_unit": unit,
            "adjustment": series.adjustment,
            "interval": f"{round(LEVEL * 100)} % interval of the change",
        },
        reasons=reasons,
        findings=findings,
    )
    if found.note:
        result.caveats.append(found.note)
    if any(c["device_change"] for c in changes):
        result.caveats.append(
            "a change that comes with a new device or data source may be the sensor: watches "
            "and straps count steps and beats differently"
        )
    if any(c["confounded"] for c in changes):
        result.caveats.append(
            "a change that follows a switch of terrain, season or pace may be that, not a "
            "change of form"
        )
    if any(c["ci_low"] <= 0 <= c["ci_high"] for c in changes):
        result.caveats.append("a change whose interval includes no change at all may be noise")
    return result


def _conditions_share(
    expected: np.ndarray, values: np.ndarray, first: int, cut: int, last: int
) -> float:
    """The share of the change at ``cut`` (runs ``first:cut`` before, ``cut:last`` after) that
    the trees' expectation from the runs' conditions alone accounts for, in its direction."""
    change = float(np.mean(values[cut:last]) - np.mean(values[first:cut]))
    part = float(np.mean(expected[cut:last]) - np.mean(expected[first:cut]))
    if change == 0 or part * change <= 0:
        return 0.0
    return min(part / change, 1.0)


def _conditions_confounder(share: float) -> Confounder:
    return Confounder(
        "conditions",
        100 * share,
        float("nan"),
        "%",
        "a change in the runs' conditions (by what your own runs predict from their pace, "
        "climb, duration, time of year, time of day and races, they account for about "
        "{before} % of this change)",
    )


def _device_confounder(switch: Switch) -> Confounder:
    """A new device or data source, said as something else that changed with a metric."""
    named = escape(switch.text).replace("{", "{{").replace("}", "}}")
    return Confounder(
        "device", float("nan"), float("nan"), "", f"a new device or data source ({named})"
    )


def _findings(metric: Metric, changes: list[dict[str, Any]], anchor: str = "") -> list[Finding]:
    """The verdict on the latest change worth telling (or on there being none, ``anchor``: "since
    your marathon on ..."), written from the result's facts by name."""
    label = metric.label
    since = (" " + anchor).replace("{", "{{").replace("}", "}}") if anchor else ""
    answers = ("trend", "judgement", "lookup", "listing", "extreme")
    cue = rf"\b{re.escape(label.split()[0])}|\bchang|\bunusual"
    margin = (
        "{smallest_worthwhile_change} is the smallest worthwhile change: the larger of the "
        "everyday noise ({everyday_noise}, how much one run differs from the next) and the "
        "practical size ({practical_size}); at least {runs_each_side} on each side."
    )
    if not changes:
        return [
            Finding(
                topic="no_change",
                verdict=f"No change in your {label}{since} beyond its everyday noise over the "
                "{runs_compared} compared: any change was smaller than "
                "{smallest_worthwhile_change}.",
                evidence=("Recent level: {recent_level}.",),
                action="Nothing to act on.",
                confidence=0.7,
                margin=margin,
                answers=answers,
                priority=2,
                cue=cue,
            )
        ]
    latest = changes[-1]
    others: list[Confounder] = latest["_others"]
    size = " ({latest_change})" if latest["size_pct"] is not None else ""
    verdict = (
        f"Your {label} changed from {{latest_before}} to {{latest_after}}{size} from "
        "{latest_change_date}, with {latest_runs_before} before and {latest_runs_after} after"
    )
    if latest["device_change"]:
        verdict = "Device change? " + verdict
    evidence = ["It is larger than the smallest worthwhile change, {smallest_worthwhile_change}."]
    if others:
        said = " and ".join(
            "a new device or data source ({latest_device_change})"
            if o.which == "device"
            else o.words.replace("{runs} runs", "{runs}").format(  # the fact says "11 runs"
                before=f"{{latest_{o.which}_before}}",
                after=f"{{latest_{o.which}_after}}",
                span="{latest_season}",
                runs="{latest_runs_before}" if "before it" in o.words else "{latest_runs_after}",
            )
            for o in others
        )
        verdict += f"; this follows {said}: it may be {latest['blame']}, not you."
        action = (
            "Read it as a change in you only if it holds once you are back on your usual "
            "terrain, in usual conditions and at your usual paces."
        )
        if latest["device_change"]:
            action = (
                "Before reading it as a change in your form, check the new device against the "
                "old one on a few runs, or compare only runs recorded with the new one."
            )
    else:
        verdict += "."
        action = "Nothing else in the data changed with it (terrain, season, pace, duration)."
    return [
        Finding(
            topic="change",
            verdict=verdict,
            evidence=tuple(evidence),
            action=action,
            confidence=latest["confidence"],
            margin=margin,
            answers=answers,
            priority=2,
            cue=cue,
        )
    ]


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    data = result.data
    if data.get("overview"):
        head = f"**Your metrics**, {data['first']} to {data['last']}:"
        return standard_reply(result, [head, *data["lines"]])
    if data.get("source") == "video":  # too few runs to tell a change; a video's level
        return result.message
    unit = data["unit"]
    diff = data["difference_unit"]
    head = f"**{data['label'].capitalize()}**"
    head += f" {data['anchor']}" if data.get("anchor") else f", {data['first']} to {data['last']}"
    lines = [head + ":"]
    if data["metric"] == "step_m":
        lines.append("- Step length: the distance of one step (a stride is two steps).")
    lines.append(
        f"- A change counts when it is at least {data['smallest_change_text']} {diff} with "
        f"{data['runs_each_side']} {data['what']} or more on each side: one differs from the "
        f"next by about {data['noise_text']} {diff} (everyday noise), and "
        f"{data['practical_text']} {diff} is the smallest that matters in practice."
    )
    if not data["changes"]:
        lines.append(
            f"- No change in level beyond that. The smallest change these runs could have shown "
            f"is about {data['detectable_text']} {diff}."
        )
    for change in reversed(data["changes"]):  # most recent first
        size = f" ({change['size_pct']:+.1f} %)" if change["size_pct"] is not None else ""
        flag = " (**device change?**)" if change.get("device_change") else ""
        line = (
            f"- {change['anchor'].capitalize()}{flag}: {change['before_text']} → "
            f"{change['after_text']} {unit}{size}; {data['interval']} "
            f"{change['ci_low']:+} to {change['ci_high']:+} {diff}; "
            f"{change['runs_before']} runs before, {change['runs_after']} after."
        )
        if change["confounded"]:
            line += (
                f" This follows {change['confounded']}: it may be {change['blame']}, "
                f"not {data.get('who', 'you')}."
            )
        lines.append(line)
    return standard_reply(result, lines)


SPEC = ToolSpec(
    name=TOOL,
    function=detect_changes,
    summary="spot changes in your cadence, step length (stride), heart rate, pace or efficiency",
    examples=(
        "has my cadence changed this year?",
        "has my cadence changed since my marathon?",
        "is my pace getting better or worse",
        "any change points in my heart rate",
        "show me trends in my stride length since march",
        "has my efficiency improved",
        "anything unusual in my metrics lately",
        "is my running getting better",
        "has my heart rate at easy pace come down",
        "is my stride getting shorter",
        "did my cadence go up after the race",
        "has my contact time changed",
        "has my step rate changed",
        "is my running economy improving",
        "is my cardiac drift getting better",
        "are my watts up at the same pace",
        "is my heart rate lower than it used to be",
        "are my strides longer than before",
        "has my decoupling improved since spring",
        "check my cadence trend",
        "her heart rate since her last race",
        "am I getting faster?",
        "am I getting slower these days?",
    ),
    phrase=_phrase,
    answers=frozenset({"lookup", "listing", "extreme", "trend", "judgement"}),
    readers={"metric": read_metric, "since": read_since},
)
