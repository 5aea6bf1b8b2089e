"""Like with like: each run's value moved to the runner's usual conditions, and what else changed.

A run's cadence, step length, heart rate, power and efficiency move with how fast it was, how hilly,
how long and (for heart rate) how hot. Before looking for changes in the runner, each run's value is
moved along a straight line, fitted robustly (Huber's loss) over the runner's own runs, to their
usual speed, climb, duration and temperature: :func:`adjust`. The line's slopes are learnt
from differences between runs of the same calendar month (each month its own level), so that a
level that moves between months, a runner getting fitter or a change to be found, cannot tilt
them (issue 19: across all runs, the fitter years were also the faster ones, and the line took
up to a quarter of a lasting heart-rate step out with the pace). What the line cannot take out (a
trip to the mountains or to altitude, a heat wave the watch did not record, a block of trail
running) is checked afterwards by :func:`confounders`, which says what differed between the runs
before and after a change, so that a change that follows a switch of terrain or season is said
to do so.

Since issue 19 a metric can instead be moved by gradient-boosted trees
(:mod:`tools.trends.expected_trees`), which also take the time of year, the time of day and races
into account: :func:`expected_values` uses, per metric, whichever of the two predicted the metric
better on held-out months of the 908-run series (:data:`MODEL_FOR`).

Pure functions of a history frame (:func:`tools.trends.history.history`) or of plain arrays; the
evaluation ``evals.injected_steps`` uses the same :func:`expected_values`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tools.trends.expected_trees import MIN_RUNS, expected_by_trees

if TYPE_CHECKING:
    import pandas as pd

#: Covariates a metric can be adjusted for, by metric key (a column of the history). Pace is
#: not adjusted (it is the runner's choice of the day; what it follows is said by
#: :func:`confounders`), nor are video-analysis metrics.
ADJUSTED_FOR: dict[str, tuple[str, ...]] = {
    "cadence_spm": ("speed", "climb", "duration"),
    "step_m": ("speed", "climb", "duration"),
    "avg_hr": ("speed", "climb", "duration", "temperature"),
    "power_w": ("speed", "climb", "duration"),
    "ef": ("speed", "climb", "duration", "temperature"),
}
#: Products of two covariates a metric's line also has, by metric key: heart rate's rise with
#: the heat grows with the run's duration (cardiovascular drift), so temperature times
#: log-duration, both taken from their medians (issue 19, fifth part: run-to-run noise of heart
#: rate at pace 3.40 -> 3.27 %, held-out months 6.45 -> 6.41 bpm, +5 % steps found in real
#: windows 50.0 -> 52.0 % on seeds 21-23 and 46.3 -> 50.7 % on 31-33 of
#: ``evals.injected_steps``; chosen on seeds 11-16. Efficiency was not helped, 61.6 -> 59.1 %
#: on seeds 14-16, and keeps its line; squares of temperature and duration predicted held-out
#: months worse and were left out).
INTERACTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "avg_hr": (("temperature", "duration"),),
}
#: Each covariate's words in a reply, and its unit.
WORDS = {
    "speed": ("pace", "/km"),
    "climb": ("climb", "m/km"),
    "duration": ("duration", "min"),
    "temperature": ("temperature", "°C"),
}
#: A covariate known for fewer runs than this share is left out (temperature, on most histories).
MIN_KNOWN = 0.5
#: Huber's threshold, in robust standard deviations.
HUBER = 1.345


@dataclass(frozen=True)
class Adjusted:
    """``values`` moved to the ``reference`` conditions (by covariate, in the covariate's own
    units: m/s, m/km, min, °C) along ``slopes`` (the metric's change per unit of each)."""

    values: np.ndarray
    slopes: dict[str, float]
    reference: dict[str, float]
    text: str
    #: "line" (this module's robust straight line) or "trees" (gradient-boosted trees).
    model: str = "line"


def covariate_columns(runs: pd.DataFrame) -> dict[str, np.ndarray]:
    """The covariates of each run of a history frame: grade-adjusted speed (m/s), climb (metres
    of ascent per km), duration (min), temperature (°C, NaN where unknown), and for the trees
    the day of the year, the local hour it started (NaN where unknown) and whether it was a
    race (0/1); ``day_number`` (days since 2000) says how many years the runs span."""
    import pandas as pd

    speed = runs["gap_speed_mps"].fillna(runs["speed_mps"]).to_numpy(dtype=float)
    distance = runs["distance_km"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        climb = runs["elevation_gain_m"].to_numpy(dtype=float) / distance
    hour = runs["hour"] if "hour" in runs else pd.Series(np.nan, index=runs.index)
    race = runs["race"] if "race" in runs else pd.Series(False, index=runs.index)
    days = pd.to_datetime(runs["date"])
    return {
        "speed": speed,
        "climb": np.where(np.isfinite(climb), climb, np.nan),
        "duration": runs["duration_min"].to_numpy(dtype=float),
        "temperature": runs["temp_c"].to_numpy(dtype=float),
        "day_of_year": days.dt.dayofyear.to_numpy(dtype=float),
        "day_number": ((days - pd.Timestamp("2000-01-01")).dt.days).to_numpy(dtype=float),
        "hour": hour.to_numpy(dtype=float),
        "race": race.fillna(False).to_numpy(dtype=float),
    }


def robust_fit(x: np.ndarray, y: np.ndarray, iterations: int = 30) -> np.ndarray:
    """Intercept and slopes of ``y`` on the columns of ``x`` by least squares with Huber's loss
    (iteratively reweighted): a race or a walk break left in pulls the line far less than it
    would pull plain least squares."""
    design = np.column_stack([np.ones(len(y)), x])
    weights = np.ones(len(y))
    coef = np.zeros(design.shape[1])
    for _ in range(iterations):
        root = np.sqrt(weights)
        coef = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)[0]
        residual = y - design @ coef
        scale = 1.4826 * np.median(np.abs(residual - np.median(residual))) or 1.0
        new = np.minimum(1.0, HUBER * scale / np.maximum(np.abs(residual), 1e-12))
        if np.allclose(new, weights, atol=1e-4):
            break
        weights = new
    return coef


def within_fit(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, iterations: int = 30
) -> np.ndarray:
    """Slopes of ``y`` on the columns of ``x`` learnt from differences between runs of the same
    group (a calendar month) only: each group has its own level (a fixed effect), and the
    slopes are fitted with Huber's loss (iteratively reweighted, the weighted group means taken
    out at each step). A level that changes between months, a runner getting fitter or a
    change to be found, cannot pull the slopes: over the years a fitter runner runs faster at a
    lower heart rate, which a line across all the runs takes for heart rate falling with pace
    and which partly takes a lasting change out with the pace. A group of one run says
    nothing."""
    _, group = np.unique(groups, return_inverse=True)
    count = np.bincount(group)
    weights = np.ones(len(y))
    slopes = np.zeros(x.shape[1])
    for _ in range(iterations):
        total = np.bincount(group, weights=weights)
        y_mean = np.bincount(group, weights=weights * y) / total
        x_mean = np.column_stack(
            [np.bincount(group, weights=weights * x[:, j]) / total for j in range(x.shape[1])]
        )
        yd, xd = y - y_mean[group], x - x_mean[group]
        root = np.sqrt(weights)
        slopes = np.linalg.lstsq(xd * root[:, None], yd * root, rcond=None)[0]
        residual = (yd - xd @ slopes)[count[group] > 1]
        scale = 1.4826 * np.median(np.abs(residual - np.median(residual))) or 1.0
        new = np.minimum(1.0, HUBER * scale / np.maximum(np.abs(yd - xd @ slopes), 1e-12))
        if np.allclose(new, weights, atol=1e-4):
            break
        weights = new
    return slopes


def month_of(covariates: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """Each run's calendar month (months since January 2000) from ``day_number`` (days since
    1 January 2000); None when the covariates do not say when the runs were."""
    days = covariates.get("day_number")
    if days is None:
        return None
    days = np.asarray(days, dtype=float)
    if not np.isfinite(days).all():
        return None
    moment = np.datetime64("2000-01-01") + days.astype("int64").astype("timedelta64[D]")
    return moment.astype("datetime64[M]").astype("int64")


#: The slopes are learnt within months (:func:`within_fit`) when the runs beyond the first of
#: their month number at least this many per covariate; else across all runs.
WITHIN_RUNS = 15


def _transform(name: str, x: np.ndarray) -> np.ndarray:
    """Duration enters as its logarithm (heart rate drifts up fast, then slowly)."""
    if name == "duration":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(np.where(x > 0, x, np.nan))
    return x


def interaction_name(pair: tuple[str, str]) -> str:
    """The key of a product of two covariates in :attr:`Adjusted.slopes`: "temperature*duration"."""
    return f"{pair[0]}*{pair[1]}"


def adjust(
    y: np.ndarray,
    covariates: Mapping[str, np.ndarray],
    names: tuple[str, ...],
    interactions: tuple[tuple[str, str], ...] = (),
) -> Adjusted:
    """``y`` moved to the median of each covariate in ``names`` along a robust straight-line fit.

    The slopes are learnt from runs of the same calendar month (:func:`within_fit`, months
    from ``covariates["day_number"]``) when there are enough of them (:data:`WITHIN_RUNS`),
    else across all the runs. A covariate known for fewer than :data:`MIN_KNOWN` of the runs
    is left out; where one is unknown for a run, the run is taken at the median (no move for
    it). Each pair in ``interactions`` whose two covariates are used adds their product (each
    taken from its median, on the scale it enters: duration as its logarithm) to the line, with
    its own slope (key :func:`interaction_name`, per unit of the product); at the medians it is
    zero, so the reference conditions stay the medians. With fewer runs than ten per term
    nothing is moved.
    """
    y = np.asarray(y, dtype=float)
    used = [n for n in names if np.isfinite(covariates[n]).mean() >= MIN_KNOWN]
    pairs = [p for p in interactions if p[0] in used and p[1] in used]
    if not used or len(y) < 10 * (len(used) + len(pairs)):
        return Adjusted(y.copy(), {}, {}, "")
    raw = np.column_stack([covariates[n] for n in used]).astype(float)
    x = np.column_stack([_transform(n, raw[:, i]) for i, n in enumerate(used)])
    reference = np.nanmedian(x, axis=0)
    x = np.where(np.isfinite(x), x, reference)
    if pairs:
        centred = x - reference
        products = [centred[:, used.index(a)] * centred[:, used.index(b)] for a, b in pairs]
        x = np.column_stack([x, *products])
        reference = np.concatenate([reference, np.zeros(len(pairs))])
    ok = np.isfinite(y)
    month = month_of(covariates)
    within = 0  # runs beyond the first of their month: what a within-month slope learns from
    if month is not None:
        within = int(ok.sum() - np.unique(month[ok]).size)
    if month is not None and within >= WITHIN_RUNS * (len(used) + len(pairs)):
        slopes = within_fit(x[ok], y[ok], month[ok])
    else:
        slopes = robust_fit(x[ok], y[ok])[1:]
    moved = y - (x - reference) @ slopes
    ref_raw = {n: float(np.nanmedian(raw[:, i])) for i, n in enumerate(used)}
    per_unit = {}
    for i, n in enumerate(used):  # the slope per unit of the covariate itself, at its median
        per_unit[n] = float(slopes[i] / ref_raw[n]) if n == "duration" else float(slopes[i])
    for k, pair in enumerate(pairs):  # per unit of the product, as it enters the line
        per_unit[interaction_name(pair)] = float(slopes[len(used) + k])
    return Adjusted(moved, per_unit, ref_raw, describe(ref_raw))


#: Which model gives each metric its expected value before changes are looked for. Measured on
#: the 908-run series (``python -m evals.injected_steps --models`` and its injected steps):
#: gradient-boosted trees predict held-out months better (mean absolute error, 10 folds of whole
#: months, line / trees: cadence 1.89 / 1.74 steps/min, heart rate 6.36 / 5.54 bpm, efficiency
#: 0.050 / 0.046 m/beat; step length 0.0134 / 0.0141 m, where the line wins), but they take
#: part of a lasting change out with it (a 3 % cadence step kept 79 % on average, the line 98 %;
#: heart rate as little as 21 %: pace and time of day differ between years) and leave no less
#: run-to-run noise, so they find fewer steps (+3 % cadence: 74 % against 89 %). Changes are
#: looked for along the line; the trees say how much of a change the runs' conditions account
#: for (``tools.trends.changes``). Power has no runs in that series and keeps the line.
MODEL_FOR: dict[str, str] = {
    "cadence_spm": "line",
    "step_m": "line",
    "avg_hr": "line",
    "power_w": "line",
    "ef": "line",
}
#: What the trees take into account, in a reply's words.
TREE_WORDS = {
    "speed": "pace",
    "climb": "climb",
    "duration": "duration",
    "temperature": "temperature",
    "day_of_year": "time of year",
    "hour": "time of day",
    "race": "race or training run",
}


def expected_values(
    y: np.ndarray, covariates: Mapping[str, np.ndarray], key: str, model: str | None = None
) -> Adjusted:
    """``y`` (metric ``key``, one value per run) moved to the runner's usual conditions by the
    model :data:`MODEL_FOR` names: the trees' expected value of each run taken away and their
    expected value at usual conditions (the median of their expectations) put back, or the
    straight line of :func:`adjust` (``model`` overrides the table). Too few runs for the
    trees (or no known condition) and the line is used."""
    y = np.asarray(y, dtype=float)
    names = ADJUSTED_FOR.get(key, ("speed",))
    if (model or MODEL_FOR.get(key)) == "trees" and np.isfinite(y).sum() >= MIN_RUNS:
        try:
            fit = expected_by_trees(y, covariates)
        except ValueError:
            return adjust(y, covariates, names, INTERACTIONS.get(key, ()))
        level = float(np.median(fit.expected[np.isfinite(y)]))
        reference = {
            n: float(np.nanmedian(covariates[n]))
            for n in names
            if np.isfinite(covariates[n]).mean() >= MIN_KNOWN
        }
        said = [TREE_WORDS[n] for n in fit.used]
        listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
        text = (
            f"{describe(reference) or 'moved to your usual conditions'}, by what your own runs "
            f"predict from their {listed} (gradient-boosted trees)"
        )
        return Adjusted(y - fit.expected + level, {}, reference, text, "trees")
    return adjust(y, covariates, names, INTERACTIONS.get(key, ()))


def describe(reference: Mapping[str, float]) -> str:
    """The words for ``reference``: "moved to your usual pace (5:41 /km), climb (5 m/km) and
    duration (52 min)"."""
    parts = []
    for name, value in reference.items():
        if name == "speed":
            seconds = round(1000.0 / value) if value > 0 else 0
            shown = f"{seconds // 60}:{seconds % 60:02d} /km"
        else:
            shown = f"{value:.0f} {WORDS[name][1]}"
        parts.append(f"{WORDS[name][0]} ({shown})")
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"moved to your usual {listed}"


# --- what else changed --------------------------------------------------------------------------

#: A difference in a condition between the runs before and after a change that could explain a
#: change of the runner's own: climb (m/km, and at least this share of the smaller side's),
#: temperature (°C), pace (share of the speed), duration (share).
CLIMB_M_PER_KM = 5.0
CLIMB_SHARE = 0.5
TEMPERATURE_C = 4.0
SPEED_SHARE = 0.05
DURATION_SHARE = 0.3
#: A side whose runs fall this much inside one stretch of SEASON_DAYS of the year (when the other
#: side's do not, by SEASON_GAP) is one season's runs: heat, cold or altitude may explain it.
SEASON_SHARE = 0.75
SEASON_DAYS = 92
SEASON_GAP = 0.4
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Confounder:
    """Something else that changed with the metric: ``which`` condition, its typical value
    ``before`` and ``after`` the change (in ``unit``; NaN for the season), and ``words``, a
    template of how a coach says it with ``{before}``, ``{after}``, ``{span}`` and ``{runs}``:
    "a switch to hillier runs (climb {before} → {after} m/km on average)". ``span`` is the
    stretch of the year one side's runs fall in, ``runs`` how many they are."""

    which: str
    before: float
    after: float
    unit: str
    words: str
    span: str = ""
    runs: int = 0

    def shown(self, value: float) -> str:
        """A value of this condition as a reply shows it (a pace as 5:41)."""
        if self.which == "pace":
            seconds = round(value)
            return f"{seconds // 60}:{seconds % 60:02d}"
        return f"{value:.0f}"

    @property
    def text(self) -> str:
        return self.words.format(
            before=self.shown(self.before) if math.isfinite(self.before) else "",
            after=self.shown(self.after) if math.isfinite(self.after) else "",
            span=self.span,
            runs=self.runs,
        )

    @property
    def blame(self) -> str:
        """What it may be instead of the runner: "the terrain", "the heat or cold"..."""
        return {
            "terrain": "the terrain",
            "temperature": "the heat or cold",
            "season": "the season (heat, cold or travel)",
            "pace": "the pace",
            "duration": "the length of the runs",
            "device": "the device (a new watch or sensor can read differently)",
            "conditions": "the conditions of the runs",
        }[self.which]


def _season(days: pd.Series) -> tuple[int, float]:
    """The day of the year starting the SEASON_DAYS stretch holding most of ``days``, and its
    share of them."""
    doy = days.dt.dayofyear.to_numpy()
    best, share = 1, 0.0
    for start in range(1, 366, 7):
        inside = ((doy - start) % 365) < SEASON_DAYS
        if inside.mean() > share:
            best, share = start, float(inside.mean())
    return best, share


def _season_text(days: pd.Series) -> str:
    first, last = days.min(), days.max()
    if first.year == last.year:
        if first.month == last.month:
            return f"{_MONTHS[first.month - 1]} {first.year}"
        return f"{_MONTHS[first.month - 1]}-{_MONTHS[last.month - 1]} {first.year}"
    return f"{first.date().isoformat()} to {last.date().isoformat()}"


#: The time of year counts as a confounder when the runner's own seasonal swing accounts for at
#: least this share of a change (and in its direction).
SEASON_EXPLAINS = 0.5


def seasonal(values: np.ndarray, days: pd.Series) -> np.ndarray:
    """Each run's expected value from the time of year alone: a robust fit of ``values`` on one
    yearly harmonic (sine and cosine of the day of the year) over all the runs given, centred
    on zero. Years of runs pooled, a change that holds for months moves it little; the same
    swing every summer, such as heat on heart rate, it takes."""
    angle = 2 * np.pi * days.dt.dayofyear.to_numpy(dtype=float) / 365.25
    x = np.column_stack([np.sin(angle), np.cos(angle)])
    ok = np.isfinite(values)
    if ok.sum() < 30 or (days.max() - days.min()).days < 2 * 365:
        return np.zeros(len(values))  # fewer than two years: a season cannot be told apart
    coef = robust_fit(x[ok], values[ok], iterations=8)
    return x @ coef[1:]


def confounders(
    before: pd.DataFrame,
    after: pd.DataFrame,
    pace_dependent: bool,
    temperature_known: bool,
    season: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[Confounder]:
    """What differed between the runs ``before`` and ``after`` a change (history rows): terrain
    (climb per km), temperature where known, the season where it is not (one side's runs
    mostly in one stretch of the year, the other's not), pace for a pace-dependent metric, and
    duration. ``season``, each side's values of :func:`seasonal` and the sides' metric
    values, says how much of the change the time of year alone accounts for. Most telling
    first."""
    found: list[Confounder] = []
    b, a = covariate_columns(before), covariate_columns(after)

    def mid(x: np.ndarray) -> float:
        return float(np.nanmedian(x)) if np.isfinite(x).any() else math.nan

    def mean(x: np.ndarray) -> float:
        return float(np.nanmean(x)) if np.isfinite(x).any() else math.nan

    climb_b, climb_a = mean(b["climb"]), mean(a["climb"])
    if (
        math.isfinite(climb_b)
        and math.isfinite(climb_a)
        and abs(climb_a - climb_b) >= CLIMB_M_PER_KM
        and abs(climb_a - climb_b) >= CLIMB_SHARE * max(min(climb_a, climb_b), 1.0)
    ):
        way = "hillier" if climb_a > climb_b else "flatter"
        found.append(
            Confounder(
                "terrain",
                climb_b,
                climb_a,
                "m/km",
                f"a switch to {way} runs (climb {{before}} → {{after}} m/km on average: "
                "trails, hills or mountains)",
            )
        )
    temp_b, temp_a = mid(b["temperature"]), mid(a["temperature"])
    known = temperature_known and math.isfinite(temp_b) and math.isfinite(temp_a)
    if known and abs(temp_a - temp_b) >= TEMPERATURE_C:
        way = "warmer" if temp_a > temp_b else "cooler"
        words = f"{way} runs ({{before}} → {{after}} °C)"
        found.append(Confounder("temperature", temp_b, temp_a, "°C", words))
    explained = _season_share(season) if season is not None else 0.0
    if explained >= SEASON_EXPLAINS:
        found.append(
            Confounder(
                "season",
                100 * explained,
                math.nan,
                "%",
                "the time of year (across all your years, the season alone accounts for about "
                "{before} % of this change)",
            )
        )
    elif len(before) and len(after) and not known:
        for side, other, word in ((before, after, "before"), (after, before, "after")):
            start, share = _season(side["date"])
            doy = other["date"].dt.dayofyear.to_numpy()
            other_share = float((((doy - start) % 365) < SEASON_DAYS).mean())
            if share >= SEASON_SHARE and share - other_share >= SEASON_GAP:
                found.append(
                    Confounder(
                        "season",
                        math.nan,
                        math.nan,
                        "",
                        f"the {{runs}} runs {word} it, which fall mostly in {{span}} (no "
                        "temperature recorded: heat, cold or travel may be behind it)",
                        span=_season_text(side["date"]),
                        runs=len(side),
                    )
                )
                break
    if pace_dependent:
        speed_b, speed_a = mid(b["speed"]), mid(a["speed"])
        if speed_b > 0 and speed_a > 0 and abs(speed_a / speed_b - 1) >= SPEED_SHARE:
            way = "faster" if speed_a > speed_b else "slower"
            found.append(
                Confounder(
                    "pace",
                    1000 / speed_b,
                    1000 / speed_a,
                    "/km",
                    f"{way} runs ({{before}} → {{after}} /km; compared at one pace along a "
                    "straight line, which may not hold that far)",
                )
            )
    dur_b, dur_a = mid(b["duration"]), mid(a["duration"])
    if dur_b > 0 and dur_a > 0 and abs(dur_a / dur_b - 1) >= DURATION_SHARE:
        way = "longer" if dur_a > dur_b else "shorter"
        words = f"{way} runs ({{before}} → {{after}} min)"
        found.append(Confounder("duration", dur_b, dur_a, "min", words))
    return found


def _season_share(season: tuple[np.ndarray, np.ndarray]) -> float:
    """The share of a change that the time of year accounts for: ``season`` holds, for the runs
    before and after it, their seasonal expectation and their values, stacked as (2, n) each."""
    before, after = season
    change = float(np.nanmean(after[1]) - np.nanmean(before[1]))
    expected = float(np.mean(after[0]) - np.mean(before[0]))
    if change == 0 or expected * change <= 0:
        return 0.0
    return min(expected / change, 1.0)
