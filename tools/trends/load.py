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

Fitness and fatigue are the exponentially weighted averages of daily load with time
constants of 42 and 7 days (each day moves them 1/42 and 1/7 of the way to that day's load):
the two after-effects of Banister et al.'s 1975 impulse-response model with their gains left
out, in the form Coggan's Performance Manager calls CTL and ATL. Both start from zero the day
before the first session, so one short jog is a small fraction of a fitness that needs about
six weeks of history to settle. Form is fitness minus fatigue; the acute:chronic ratio is
fatigue / fitness of these same averages. This is *not* the EWMA of Williams et al. 2017
(Br J Sports Med 51:209), which uses λ = 2/(N+1) with N = 7 and 28 days. Monotony is the week's
mean daily load over its standard deviation and strain the week's load times monotony
(Foster 1998).

How form reads is a description (fatigue above or below fitness), never an injury risk: the
"optimal" and "high-risk" zones of training sites are rules of thumb with no injury study behind
them. Where a threshold was assumed or estimated, :func:`form_if` recomputes form with a plausible
other value, so a reply can say which assumption would change how form reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from tools.importing.sports import FOOT_SPORTS

if TYPE_CHECKING:
    import pandas as pd

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
    import pandas as pd

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
    import pandas as pd

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
    import pandas as pd

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
    table["fitness"] = from_zero(table["load"], FITNESS_DAYS)
    table["fatigue"] = from_zero(table["load"], FATIGUE_DAYS)
    table["form"] = table["fitness"] - table["fatigue"]
    # Until fitness has had its six weeks, the ratio mostly says how little history there is.
    settled = np.arange(len(table)) >= FITNESS_DAYS - 1
    table["acwr"] = table["fatigue"] / table["fitness"].where(settled & (table["fitness"] > 1.0))
    table.index.name = "date"
    return table


def from_zero(load: pd.Series, days: int) -> pd.Series:
    """The exponentially weighted average of daily ``load`` with time constant ``days``
    (``x[t] = x[t-1] + (load[t] - x[t-1]) / days``), starting from zero the day before the
    first: nothing is assumed about training before the history starts."""
    import pandas as pd

    padded = pd.concat([pd.Series([0.0]), load.reset_index(drop=True)], ignore_index=True)
    average = padded.ewm(alpha=1 / days, adjust=False).mean().iloc[1:]
    return pd.Series(average.to_numpy(), index=load.index)


def weekly(days: pd.DataFrame, loads: pd.DataFrame) -> pd.DataFrame:
    """One row per week (Monday to Sunday, labelled by its Monday): running km, sessions, load,
    monotony and strain."""
    import pandas as pd

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
    import pandas as pd

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


#: How form reads, by form as a share of fitness (upper bounds, %). The cut points are those of
#: intervals.icu's chart, used only to put words on the number: no study ties a form value to
#: injury, so none of these words says risk.
FORM_WORDS = (
    (-30.0, "fatigue well above fitness"),
    (-10.0, "fatigue above fitness"),
    (5.0, "fatigue and fitness about level"),
    (25.0, "fitness above fatigue"),
    (float("inf"), "fitness well above fatigue (recent load well below the usual)"),
)
#: Below this fitness there is too little recent training for form to mean anything.
LEAST_FITNESS = 5.0


def form_share(form: float, fitness: float) -> float | None:
    """Form as a percentage of fitness, or None with too little recent training."""
    return None if fitness < LEAST_FITNESS else form / fitness * 100.0


def form_band(form: float, fitness: float) -> str:
    """How form reads, in words that describe it (see :data:`FORM_WORDS`)."""
    share = form_share(form, fitness)
    if share is None:
        return "too little recent training to say"
    return next(words for bound, words in FORM_WORDS if share < bound)


def form_line(share: float) -> float:
    """The cut point of :data:`FORM_WORDS` nearest to ``share``."""
    return min((bound for bound, _ in FORM_WORDS[:-1]), key=lambda b: abs(share - b))


@dataclass(frozen=True)
class Alternative:
    """Form worked out again with one threshold set to another plausible value."""

    what: str  # "resting heart rate", ...
    used: float
    other: float
    unit: str
    source: str  # how the used value was found: "assumed" | "estimated"
    form: float
    fitness: float

    @property
    def words(self) -> str:
        return form_band(self.form, self.fitness)

    @property
    def share(self) -> float | None:
        return form_share(self.form, self.fitness)


def _others(th: Thresholds, chief: str) -> list[tuple[str, str, Value, float, str]]:
    """Plausible other values of each threshold that was not given by the athlete and that
    the chief method uses: (field, words, value used, other value, unit)."""
    out: list[tuple[str, str, Value, float, str]] = []

    def given(value: Value) -> bool:
        return value.source == "profile" or not value.value

    if chief == "hr":
        if not given(th.resting_hr):  # adult runners' resting rates span about 40-70 bpm
            rest = th.resting_hr.value
            out += [("resting_hr", "resting heart rate", th.resting_hr, rest + d, "bpm")
                    for d in (-10.0, 10.0)]  # fmt: skip
        if not given(th.max_hr):  # the second-highest peak may sit a few beats off the maximum
            top = th.max_hr.value
            out += [("max_hr", "maximum heart rate", th.max_hr, top + d, "bpm")
                    for d in (5.0, -5.0)]  # fmt: skip
        if not given(th.threshold_hr) and th.max_hr.value:  # threshold near 85-92 % of maximum
            out += [("threshold_hr", "threshold heart rate", th.threshold_hr,
                     round(f * th.max_hr.value), "bpm") for f in (0.85, 0.92)]  # fmt: skip
    if chief == "pace" and not given(th.threshold_speed):
        speed = th.threshold_speed.value
        out += [("threshold_speed", "threshold pace", th.threshold_speed, speed * f, "m/s")
                for f in (0.95, 1.05)]  # fmt: skip
    return out


def form_if(history: pd.DataFrame, th: Thresholds, chief: str, day: date) -> list[Alternative]:
    """Form and fitness on ``day`` with each threshold the chief method relies on, where it
    was assumed or estimated, set to a plausible other value in turn."""
    import pandas as pd

    out = []
    for name, words, value, other, unit in _others(th, chief):
        changed = replace(th, **{name: replace(value, value=other)})
        if name == "max_hr" and th.threshold_hr.source != "profile" and th.threshold_hr.value:
            # the threshold was taken from the maximum: it moves with it
            changed = replace(
                changed,
                threshold_hr=replace(th.threshold_hr, value=round(THRESHOLD_HR_FRACTION * other)),
            )
        days = daily(session_loads(history, changed).frame, day)
        today = days.loc[pd.Timestamp(day)]
        out.append(
            Alternative(
                what=words,
                used=float(value.value),
                other=float(other),
                unit=unit,
                source=value.source,
                form=float(today["form"]),
                fitness=float(today["fitness"]),
            )
        )
    return out
