"""The ``detect_changes`` tool: where a runner's own metric changed level, and by how much.

Like is compared with like. Cadence, stride length, heart rate and power depend on how fast the
run was (heart rate on the heat too), so before looking for changes each run's value is moved to
the athlete's usual pace with a straight-line fit over their runs (robust: Huber's loss), and where
temperatures are known, to their usual temperature: a slower month is not a change of form. Pace
itself, efficiency (already speed over heart rate) and decoupling are used as they are. The
gait metrics of stored video analyses are one value per analysis.

Changes are found by :func:`tools.trends.changepoints.detect` with its one fixed rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from storage.gait_reports import list_gait_reports
from tools.activities import old_data_shift, old_data_words, pace_text, parse_day
from tools.context import ToolContext
from tools.gait.metrics import SPECS
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Fact, ToolResult
from tools.spec import ToolSpec
from tools.trends.changepoints import LEVEL, Detection, detect
from tools.trends.history import history
from tools.typical_range import range_verdict

TOOL = "detect_changes"
#: Runs shorter than this (minutes) are warm-ups, strides or tests, not comparable runs.
MIN_RUN_MIN = 10.0
#: A race within this many days before a change anchors it ("since your race on ...").
ANCHOR_DAYS = 45
#: Fewer comparable points than this and no change can be told from noise.
MIN_POINTS = 10
#: How a reply with too few points to tell a change begins.
NOT_ENOUGH = "Not enough data to tell a change:"


@dataclass(frozen=True)
class Metric:
    """A metric a runner can ask about."""

    key: str  # column of the history, or "gait:<name>" for a video-analysis metric
    label: str
    unit: str
    adjust: bool  # moved to the athlete's usual pace (and temperature) before detecting
    digits: int = 1
    words: tuple[str, ...] = ()


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
    ),
    Metric(
        "stride_m",
        "stride length",
        "m",
        True,
        2,
        ("strides?", "stride length", "step length", "stride lengths?"),
    ),
    Metric(
        "decoupling_pct",
        "aerobic decoupling",
        "%",
        False,
        1,
        ("decoupling", "decouple", "cardiac drift", "hr drift", "heart rate drift", "drift"),
    ),
    Metric(
        "avg_hr",
        "heart rate at your usual pace",
        "bpm",
        True,
        0,
        ("heart ?rates?", "heart-rate", "hr", "pulse", "bpm"),
    ),
    Metric("pace_s_per_km", "pace", "/km", False, 0, ("pace", "speed", "fast", "faster", "slower")),
    Metric(
        "ef",
        "efficiency (metres per heartbeat)",
        "m/beat",
        False,
        2,
        ("efficiency", "efficient", "efficiency factor", "ef", "economy", "fitness", "aerobic"),
    ),
    Metric("power_w", "power at your usual pace", "W", True, 0, ("power", "watts?")),
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
#: What "anything unusual in my metrics?" looks at.
OVERVIEW = {
    "cadence_spm": "cadence",
    "stride_m": "stride",
    "avg_hr": "heart_rate",
    "pace_s_per_km": "pace",
    "ef": "efficiency",
}
_SINCE_RACE = re.compile(
    r"\b(?:since|after|before|from) (?:my |the |his |her |their |our )?(?:last |latest |recent )?"
    r"(race|marathon|half(?:[- ]marathon| mara)?|10 ?km?|5 ?km?|parkrun)\b"
)


def read_metric(text: str) -> str | None:
    """The metric a message names ("has my stride got shorter?" -> "stride length")."""
    metric = find_metric(text)
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


def metric_series(
    ctx: ToolContext, metric: Metric, since: date | None, frame: pd.DataFrame | None = None
) -> Series:
    """The values of ``metric``, one per comparable run (or video analysis), from ``since``;
    ``frame`` is the athlete's history when the caller has it already."""
    if metric.key.startswith("gait:"):
        return _gait_series(ctx, metric, since)
    frame = history(ctx) if frame is None else frame
    runs = frame[(frame["sport"] == "run") & (frame["duration_min"] >= MIN_RUN_MIN)]
    runs = runs[np.isfinite(runs[metric.key].to_numpy(dtype=float))]
    values = runs[metric.key].to_numpy(dtype=float)
    adjustment, reference = "", {}
    if metric.adjust and len(runs) >= MIN_POINTS:
        values, adjustment, reference = _adjusted(runs, metric)
    keep = runs["date"] >= pd.Timestamp(since) if since else np.ones(len(runs), dtype=bool)
    keep = np.asarray(keep)
    return Series(
        dates=[d.date() for d in runs["date"][keep]],
        values=values[keep],
        names=list(runs["name"][keep]),
        races=list(runs["race"][keep]),
        unit=metric.unit,
        adjustment=adjustment,
        reference=reference,
    )


def _adjusted(runs: pd.DataFrame, metric: Metric) -> tuple[np.ndarray, str, dict[str, float]]:
    """Each run's value moved to the athlete's median grade-adjusted speed (and median
    temperature, when most runs have one) along a robust straight-line fit."""
    speed = runs["gap_speed_mps"].fillna(runs["speed_mps"]).to_numpy(dtype=float)
    columns = [speed]
    names = ["speed"]
    temp = runs["temp_c"].to_numpy(dtype=float)
    if np.isfinite(temp).mean() >= 0.8 and metric.key == "avg_hr":
        temp = np.where(np.isfinite(temp), temp, np.nanmedian(temp))
        columns.append(temp)
        names.append("temperature")
    x = np.column_stack(columns)
    ok = np.isfinite(x).all(axis=1)
    y = runs[metric.key].to_numpy(dtype=float)
    slopes = robust_slopes(x[ok], y[ok])
    reference = np.nanmedian(x[ok], axis=0)
    shift = (np.where(ok[:, None], x, reference) - reference) @ slopes
    text = f"moved to your usual pace ({pace_text(1000.0 / reference[0] / 60.0)} /km)"
    if len(names) > 1:
        text += f" and usual temperature ({reference[1]:.0f} °C)"
    return y - shift, text, dict(zip(names, map(float, reference), strict=True))


def robust_slopes(x: np.ndarray, y: np.ndarray, iterations: int = 20) -> np.ndarray:
    """The slopes of ``y`` on the columns of ``x`` by least squares with Huber's loss (iteratively
    reweighted, threshold 1.345 robust standard deviations): a race or a walk break left in pulls
    the line far less than it would pull plain least squares."""
    design = np.column_stack([np.ones(len(y)), x])
    weights = np.ones(len(y))
    coef = np.zeros(design.shape[1])
    for _ in range(iterations):
        root = np.sqrt(weights)
        coef = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)[0]
        residual = y - design @ coef
        scale = 1.4826 * np.median(np.abs(residual - np.median(residual))) or 1.0
        limit = 1.345 * scale
        new = np.minimum(1.0, limit / np.maximum(np.abs(residual), 1e-12))
        if np.allclose(new, weights, atol=1e-4):
            break
        weights = new
    return coef[1:]


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
    ``frame``: a run Strava marks as a race, or whose name says so, of the kind's distance."""
    pattern, (low, high) = RACE_KINDS[kind]
    names = frame["name"].fillna("")
    named = names.str.contains(pattern, case=False, regex=True)
    if kind != "race":  # Strava's flag and a race-like name, at the distance, also count
        named |= frame["race"] | names.str.contains(RACE_KINDS["race"][0], case=False, regex=True)
    else:
        named |= frame["race"]
    fits = frame["distance_km"].between(low, high)
    races = frame[(frame["sport"] == "run") & named & fits]
    if before is not None:
        races = races[races["date"] < pd.Timestamp(before)]
    if races.empty:
        return None
    row = races.iloc[-1]
    return row["date"].date(), str(row["name"] or "race")


def detect_changes(
    ctx: ToolContext, metric: str | None = None, since: str | None = None
) -> ToolResult:
    """Find where one of the runner's metrics changed level, with the size of each change and a
    confidence interval; pace-dependent metrics are compared at the runner's usual pace.

    Args:
        metric: cadence, stride length, heart rate, pace, efficiency, decoupling, power, or a
            video-analysis metric such as contact time; default: an overview of cadence, stride
            length, heart rate, pace and efficiency.
        since: the first day to look at, an ISO date (YYYY-MM-DD), or "last race" (or "last
            marathon", "last half", "last 10k", "last 5k"); default all.
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
        anchor_text = f"since your {what} on {race[0].isoformat()} ({escape(race[1])})"
    elif since:
        try:
            start = parse_day(since).date()
        except ValueError:
            return ToolResult.failure(TOOL, "Give dates as YYYY-MM-DD, for example 2024-03-01.")
    shifted = _old_data(ctx, frame, start) if start and not kind else None
    if shifted:
        start = date.fromisoformat(shifted["from"])
    series = metric_series(ctx, chosen, start, frame)
    if len(series.values) < MIN_POINTS:
        result = _too_few(chosen, series, start, anchor_text)
    else:
        result = _detected(frame, chosen, series, start, anchor_text)
    if shifted:
        result.message = f"{shifted['message']}\n\n{result.message}".strip()
        result.data["shifted"] = shifted
    level = result.fact("recent_level")
    typical = chosen.key.removeprefix("gait:").removesuffix("_spm")
    if level is not None and (judged := range_verdict(typical, level, ctx.whose)):
        result.findings.append(judged)  # "is my cadence ok?": its level against the range
    return result


def _old_data(ctx: ToolContext, frame: pd.DataFrame, start: date) -> dict[str, Any] | None:
    """Where to look instead when the period asked (``start`` to today) holds no runs but older
    runs exist: the same calendar year, month or week that holds the latest run, or the same
    length of time up to it (see :func:`tools.activities.old_data_shift`), with the sentence
    that says so; None when the period asked is to be used."""
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
    frame: pd.DataFrame, chosen: Metric, series: Series, start: date | None, anchor_text: str
) -> ToolResult:
    """The changes of ``series``, or why none can be told from its ups and downs."""
    found = detect(series.values)
    if not found.changes and not np.isfinite(found.min_detectable):
        return ToolResult.failure(
            TOOL,
            f"I can't tell changes in your {chosen.label} from its ups and downs: "
            f"{found.note or 'the values vary too much from run to run'}.",
        )
    return _result(frame, chosen, series, found, start, anchor_text)


def _race_kind(since: str | None) -> str | None:
    """``"marathon"`` for ``"last marathon"``, ``"race"`` for ``"last race"`` or ``"race"``."""
    words = (since or "").strip().lower().removeprefix("my ").removeprefix("last ").strip()
    return words if words in RACE_KINDS else None


def overview(ctx: ToolContext, since: str | None) -> ToolResult:
    """The latest change (if any) of each of the main metrics, in one reply."""
    results = {key: detect_changes(ctx, key.replace("_", " "), since) for key in OVERVIEW}
    usable = {key: r for key, r in results.items() if r.ok}
    if not usable:
        return next(iter(results.values()))
    shifted = next((r.data["shifted"] for r in results.values() if "shifted" in r.data), None)
    facts, lines, changes = [], [], {}
    for key, result in usable.items():
        data = result.data
        if data["changes"]:
            latest = data["changes"][-1]
            changes[key] = latest
            if latest["size_pct"] is not None:
                facts.append(Fact(f"{OVERVIEW[key]}_change", latest["size_pct"], "%"))
            lines.append(
                f"- {data['label'].capitalize()}: {latest['anchor']}, {latest['before_text']} → "
                f"{latest['after_text']} {data['unit']}."
            )
        else:
            lines.append(f"- {data['label'].capitalize()}: no change that stands out.")
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
            "each metric's latest change, found as for a single metric",
            *[r for r in first.reasons if "runs from" in r],
        ],
        caveats=['ask about one metric ("has my cadence changed?") for every change and its size'],
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
    return Fact(name, round(value, metric.digits), metric.unit)


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
) -> ToolResult:
    changes = []
    for change in found.changes:
        day = series.dates[change.index]
        relative = change.relative * 100.0 if change.relative is not None else None
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
            }
        )
    first, last = series.dates[0], series.dates[-1]
    level = float(np.median(series.values[-min(len(series.values), 10) :]))
    facts = [
        Fact("runs_compared", len(series.values), "runs"),
        Fact("changes_found", len(changes), ""),
        _level_fact("recent_level", level, metric),
    ]
    if changes:
        latest = changes[-1]
        if latest["size_pct"] is not None:
            facts.append(Fact("latest_change", latest["size_pct"], "%"))
    else:
        facts.append(
            Fact(
                "smallest_detectable_change",
                round(found.min_detectable, metric.digits + 1),
                _difference_unit(metric),
            )
        )
    confidence = 0.8 if len(series.values) >= 40 else 0.6
    if any(c["ci_low"] <= 0 <= c["ci_high"] for c in changes):
        confidence = min(confidence, 0.5)
    reasons = [f"{len(series.values)} runs from {first.isoformat()} to {last.isoformat()}"]
    if series.adjustment:
        reasons.append(f"each run's {metric.label.split(' at ')[0]} {series.adjustment}")
    reasons.append(found.method)
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
            "smallest_change_text": f"{found.min_detectable:.{metric.digits + 1}f}",
            "difference_unit": _difference_unit(metric),
            "adjustment": series.adjustment,
            "interval": f"{round(LEVEL * 100)} % interval of the change",
        },
        reasons=reasons,
    )
    if found.note:
        result.caveats.append(found.note)
    if any(c["ci_low"] <= 0 <= c["ci_high"] for c in changes):
        result.caveats.append("a change whose interval includes no change at all may be noise")
    return result


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    data = result.data
    if data.get("overview"):
        head = f"**Your metrics**, {data['first']} to {data['last']}:"
        return standard_reply(result, [head, *data["lines"]])
    unit = data["unit"]
    head = f"**{data['label'].capitalize()}**"
    head += f" {data['anchor']}" if data.get("anchor") else f", {data['first']} to {data['last']}"
    lines = [head + ":"]
    if not data["changes"]:
        lines.append(
            f"- No change in level that stands out from run-to-run variation. The smallest change "
            f"these runs could have shown is about {data['smallest_change_text']} "
            f"{data['difference_unit']}."
        )
    for change in data["changes"]:
        size = f" ({change['size_pct']:+.1f} %)" if change["size_pct"] is not None else ""
        lines.append(
            f"- {change['anchor'].capitalize()}: {change['before_text']} → "
            f"{change['after_text']} {unit}{size}; {data['interval']} "
            f"{change['ci_low']:+} to {change['ci_high']:+} {data['difference_unit']}; "
            f"{change['runs_before']} runs before, {change['runs_after']} after."
        )
    return standard_reply(result, lines)


SPEC = ToolSpec(
    name=TOOL,
    function=detect_changes,
    summary="spot changes in your cadence, stride, heart rate, pace or efficiency over time",
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
    ),
    phrase=_phrase,
    answers=frozenset({"lookup", "listing", "extreme", "trend", "judgement"}),
    readers={"metric": read_metric, "since": read_since},
)
