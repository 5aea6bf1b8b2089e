"""Training load: a load per session, fitness / fatigue / form, the acute:chronic ratio, weekly
volume, monotony and strain, and single-session distance spikes.

Every session's load is on one scale, so sessions measured in different ways add up: **an hour
at threshold is 100**. The method is picked per session, best first:

- ``hr``: Banister's training impulse (TRIMP) from the time at each heart rate (or, from a summary,
  the average heart rate over the duration), with its sex-specific weighting (men 0.64·e^(1.92x),
  women 0.86·e^(1.67x), x the fraction of heart-rate reserve), divided by the TRIMP of an hour at
  threshold heart rate.
- ``pace``: the grade-adjusted speed as a fraction of threshold speed (the intensity factor,
  IF), as hours x IF² x 100.
- ``effort``: the session-RPE method (Foster 2001): minutes x perceived effort (1-10), with an
  hour at 7 ("hard", about threshold) as 100.
- ``duration``: minutes at an assumed moderate effort (4 of 10), when nothing else is known.

Fitness and fatigue are the 42-day and 7-day exponentially weighted averages of daily load
(impulse-response constants 1/42 and 1/7); form is fitness minus fatigue; the acute:chronic ratio
is fatigue / fitness (the EWMA form of Williams et al. 2017). Monotony is the week's mean daily
load over its standard deviation and strain the week's load times monotony (Foster 1998).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from tools.importing.sports import FOOT_SPORTS

FITNESS_DAYS = 42
FATIGUE_DAYS = 7
#: Frandsen et al. 2025: a run more than 10 % longer than the longest of the previous 30 days.
SPIKE_WINDOW = "30D"
SPIKE_RATIO = 1.10
SPIKE_SOURCE = (
    "Frandsen et al. 2025, Br J Sports Med 59:1203-1210 (5,205 runners followed for 18 months)"
)
#: Hazard rate ratios of overuse injury per spike size (Frandsen et al. 2025), against runs
#: within 10 % of the recent longest.
SPIKE_BANDS = (
    (1.10, "small", 1.64),  # >10-30 %
    (1.30, "moderate", 1.52),  # >30-100 %
    (2.00, "large", 2.28),  # >100 %
)
RPE_AT_THRESHOLD = 7.0
ASSUMED_RPE = 4.0
#: Typical values used when neither the profile nor the data give one.
ASSUMED_RESTING_HR = 60.0
THRESHOLD_HR_FRACTION = 0.89  # lactate-threshold heart rate is near 89 % of maximum
#: Heart rates a person can have, in beats per minute: a profile value outside is refused, a
#: recorded sample outside is a strap glitch.
HR_LOW, HR_HIGH = 30, 230
#: Banister's weighting: (a, b) in a·e^(b·x).
TRIMP_WEIGHTS = {"male": (0.64, 1.92), "female": (0.86, 1.67)}


@dataclass
class Value:
    """A threshold used for load, where it came from and how sure it is."""

    value: float | None
    source: str  # "profile" | "estimated" | "assumed" | "missing"
    confidence: float
    how: str = ""


@dataclass
class Thresholds:
    sex: str
    resting_hr: Value
    max_hr: Value
    threshold_hr: Value
    threshold_speed: Value  # m/s

    def notes(self) -> list[str]:
        """One line per value that was not given by the athlete."""
        return [v.how for v in self.values() if v.source != "profile" and v.how]

    def values(self) -> list[Value]:
        return [self.resting_hr, self.max_hr, self.threshold_hr, self.threshold_speed]


def estimate_thresholds(runs: pd.DataFrame, profile: dict, today: date) -> Thresholds:
    """The athlete's heart rates and threshold speed: their profile's, else estimated from
    ``runs`` (the history of foot-sport sessions), each with how it was found."""
    # The year before the asked day, or before the last session when that is long ago: a
    # runner back after a break is judged on their last active year, not on all of history.
    last = runs["date"].max() if len(runs) else pd.Timestamp(today)
    end = min(pd.Timestamp(today), last)
    recent = runs[(runs["date"] > end - pd.Timedelta(days=365)) & (runs["date"] <= end)]
    basis = recent if len(recent.dropna(subset=["max_hr"])) >= 5 else runs

    def given(name: str, unit: str) -> Value | None:
        value = profile.get(name)
        if value:
            return Value(float(value), "profile", 1.0, f"{name.replace('_', ' ')} {value} {unit}")
        return None

    max_hr = given("max_hr", "bpm")
    if max_hr is None:
        peaks = basis["max_hr"].dropna().sort_values(ascending=False)
        peaks = peaks[(peaks > 120) & (peaks < HR_HIGH)]
        if len(peaks) >= 2:
            # The second-highest peak: one strap glitch does not set the maximum.
            value = float(peaks.iloc[1])
            confidence = 0.6 if len(peaks) >= 20 else 0.4
            max_hr = Value(
                value,
                "estimated",
                confidence,
                f"maximum heart rate {value:.0f} bpm, estimated from the highest of "
                f"{len(peaks)} sessions",
            )
        else:
            max_hr = Value(None, "missing", 0.0)
    resting = given("resting_hr", "bpm") or Value(
        ASSUMED_RESTING_HR,
        "assumed",
        0.3,
        f"resting heart rate assumed {ASSUMED_RESTING_HR:.0f} bpm",
    )
    threshold_hr = given("threshold_hr", "bpm")
    if threshold_hr is None:
        if max_hr.value:
            value = round(THRESHOLD_HR_FRACTION * max_hr.value)
            threshold_hr = Value(
                value,
                "estimated",
                min(max_hr.confidence, 0.4),
                f"threshold heart rate {value} bpm, taken as 89 % of maximum",
            )
        else:
            threshold_hr = Value(None, "missing", 0.0)
    pace = profile.get("threshold_pace_s_per_km")
    if pace:
        speed = Value(1000.0 / float(pace), "profile", 1.0, "")
    else:
        speed = _estimated_threshold_speed(recent if len(recent) >= 10 else runs)
    return Thresholds(profile.get("sex") or "", resting, max_hr, threshold_hr, speed)


def _estimated_threshold_speed(runs: pd.DataFrame) -> Value:
    """About the speed held for an hour all out: the second-fastest run of 30-75 minutes
    (races count; grade-adjusted where known)."""
    speed = runs["gap_speed_mps"].fillna(runs["speed_mps"])
    fit = speed[(runs["duration_min"] >= 30) & (runs["duration_min"] <= 75) & (speed > 1.5)]
    if len(fit) < 2:
        return Value(None, "missing", 0.0)
    value = float(fit.sort_values(ascending=False).iloc[1])
    pace = 1000.0 / value
    return Value(
        value,
        "estimated",
        0.5 if len(fit) >= 20 else 0.3,
        f"threshold pace {int(pace // 60)}:{round(pace % 60):02d} /km, estimated from your "
        f"fastest runs of 30-75 min",
    )


def _trimp_rate(x: np.ndarray | float, sex: str) -> np.ndarray | float:
    """Banister's TRIMP per minute at heart-rate-reserve fraction ``x``; without a sex given,
    the mean of the two weightings."""
    x = np.clip(x, 0.0, 1.0)
    if sex in TRIMP_WEIGHTS:
        a, b = TRIMP_WEIGHTS[sex]
        return x * a * np.exp(b * x)
    (a1, b1), (a2, b2) = TRIMP_WEIGHTS.values()
    return x * (a1 * np.exp(b1 * x) + a2 * np.exp(b2 * x)) / 2.0


@dataclass
class SessionLoads:
    """``frame`` is the history with ``load`` and ``method`` columns added."""

    frame: pd.DataFrame
    thresholds: Thresholds
    methods: dict[str, int] = field(default_factory=dict)


def session_loads(history: pd.DataFrame, th: Thresholds) -> SessionLoads:
    """The load of every session of ``history``, with the method used (vectorised: the only
    loop is over sessions with a heart-rate histogram)."""
    frame = history.copy()
    n = len(frame)
    rest, top, thr = th.resting_hr.value, th.max_hr.value, th.threshold_hr.value
    hr_ok = bool(rest and top and thr and top > rest)
    minutes = frame["duration_min"].to_numpy(dtype=float)
    usable = np.isfinite(minutes) & (minutes > 0)
    loads = np.where(usable, minutes * ASSUMED_RPE / (60.0 * RPE_AT_THRESHOLD) * 100.0, 0.0)
    methods = np.where(usable, "duration", "none").astype(object)
    effort = frame["effort"].to_numpy(dtype=float)
    speed = frame["gap_speed_mps"].fillna(frame["speed_mps"]).to_numpy(dtype=float)
    if th.threshold_speed.value:
        by_pace = usable & frame["sport"].isin(FOOT_SPORTS).to_numpy() & (np.nan_to_num(speed) > 0)
        intensity = np.nan_to_num(speed) / th.threshold_speed.value
        loads = np.where(by_pace, minutes / 60.0 * intensity**2 * 100.0, loads)
        methods = np.where(by_pace, "pace", methods)
    by_effort = usable & (np.nan_to_num(effort) > 0)
    loads = np.where(by_effort, minutes * effort / (60.0 * RPE_AT_THRESHOLD) * 100.0, loads)
    methods = np.where(by_effort, "effort", methods)
    if hr_ok:
        per_hour = 60.0 * float(_trimp_rate((thr - rest) / (top - rest), th.sex))
        avg_hr = frame["avg_hr"].to_numpy(dtype=float)
        by_average = usable & (np.nan_to_num(avg_hr) > 0)
        rate = _trimp_rate((np.nan_to_num(avg_hr) - rest) / (top - rest), th.sex)
        loads = np.where(by_average, rate * minutes / per_hour * 100.0, loads)
        methods = np.where(by_average, "hr", methods)
        # Sessions with a heart-rate histogram: all of them at once, rows tagged by session.
        sizes = np.array([len(b) for b in frame["hr_bpm"]], dtype=int)
        with_histogram = usable & (sizes > 0)
        if with_histogram.any():
            rows = np.repeat(np.arange(n), sizes)
            bpm = np.concatenate(frame["hr_bpm"].to_list())
            seconds = np.concatenate(frame["hr_s"].to_list())
            rate = _trimp_rate((bpm - rest) / (top - rest), th.sex)
            trimp = np.bincount(rows, weights=rate * seconds / 60.0, minlength=n)
            loads = np.where(with_histogram, trimp / per_hour * 100.0, loads)
            methods = np.where(with_histogram, "hr", methods)
    frame["load"] = loads if n else pd.Series(dtype=float)
    frame["method"] = methods if n else pd.Series(dtype=object)
    counts = frame.loc[frame["method"] != "none", "method"].value_counts()
    return SessionLoads(frame, th, {str(k): int(v) for k, v in counts.items()})


def _finite(value: float) -> bool:
    return value is not None and np.isfinite(value) and value > 0


def daily(loads: pd.DataFrame, until: date) -> pd.DataFrame:
    """One row per day from the first session to ``until``: load, running km, fitness,
    fatigue, form and the acute:chronic ratio."""
    if loads.empty:
        return pd.DataFrame(columns=["load", "km", "fitness", "fatigue", "form", "acwr"])
    end = max(pd.Timestamp(until), loads["date"].max())
    days = pd.date_range(loads["date"].min(), end, freq="D")
    foot = loads["sport"].isin(FOOT_SPORTS)
    table = pd.DataFrame(
        {
            "load": loads.groupby("date")["load"].sum(),
            "km": loads[foot].groupby("date")["distance_km"].sum(),
        }
    ).reindex(days, fill_value=0.0)
    table = table.fillna(0.0)
    table["fitness"] = table["load"].ewm(alpha=1 / FITNESS_DAYS, adjust=False).mean()
    table["fatigue"] = table["load"].ewm(alpha=1 / FATIGUE_DAYS, adjust=False).mean()
    table["form"] = table["fitness"] - table["fatigue"]
    table["acwr"] = table["fatigue"] / table["fitness"].where(table["fitness"] > 1.0)
    table.index.name = "date"
    return table


def weekly(days: pd.DataFrame, loads: pd.DataFrame) -> pd.DataFrame:
    """One row per week (Monday to Sunday, labelled by its Monday): running km, sessions, load,
    monotony and strain."""
    if days.empty:
        return pd.DataFrame(columns=["km", "sessions", "load", "monotony", "strain"])
    grouped = days.resample("W-MON", label="left", closed="left")
    table = pd.DataFrame({"km": grouped["km"].sum(), "load": grouped["load"].sum()})
    spread = grouped["load"].std(ddof=0)
    table["monotony"] = grouped["load"].mean() / spread.where(spread > 0)
    table["strain"] = table["load"] * table["monotony"]
    sessions = loads.set_index("date")["load"].resample("W-MON", label="left", closed="left")
    table["sessions"] = sessions.count().reindex(table.index, fill_value=0)
    table.index.name = "week"
    return table


@dataclass
class Spike:
    """A run more than 10 % longer than the longest of the 30 days before it."""

    activity_id: int
    date: pd.Timestamp
    name: str
    distance_km: float
    previous_longest_km: float
    increase_pct: float
    band: str
    hazard_ratio: float


def spikes(loads: pd.DataFrame) -> list[Spike]:
    """The single-session distance spikes among the runs, oldest first (Frandsen et al. 2025).
    A run with no run in the 30 days before it has nothing to compare with, and is not one."""
    runs = loads[(loads["sport"] == "run") & (loads["distance_km"] > 0)].sort_values("start_time")
    if runs.empty:
        return []
    distance = runs["distance_km"].to_numpy(dtype=float)
    by_time = pd.Series(distance, index=runs["start_time"])
    longest = by_time.rolling(SPIKE_WINDOW, closed="left").max().to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = distance / longest
    hit = np.isfinite(longest) & (longest > 0) & (ratio > SPIKE_RATIO)
    # The band is the last whose lower bound the ratio exceeds (bounds in increasing order).
    bands = np.searchsorted([low for low, _, _ in SPIKE_BANDS], ratio[hit], side="left") - 1
    return [
        Spike(
            activity_id=int(activity_id),
            date=day,
            name=name,
            distance_km=float(km),
            previous_longest_km=float(previous),
            increase_pct=float((share - 1.0) * 100.0),
            band=SPIKE_BANDS[band][1],
            hazard_ratio=SPIKE_BANDS[band][2],
        )
        for activity_id, day, name, km, previous, share, band in zip(
            runs["activity_id"].to_numpy()[hit],
            runs["date"][hit],
            runs["name"].to_numpy()[hit],
            distance[hit],
            longest[hit],
            ratio[hit],
            bands,
            strict=True,
        )
    ]


def form_band(form: float, fitness: float) -> str:
    """Form as a share of fitness, in the bands intervals.icu uses (a rule of thumb)."""
    if fitness < 5:
        return "too little recent training to say"
    share = form / fitness * 100.0
    if share < -30:
        return "very fatigued (high-risk zone)"
    if share < -10:
        return "tired from productive training"
    if share < 5:
        return "neutral"
    if share < 25:
        return "fresh"
    return "very fresh (fitness is fading)"
