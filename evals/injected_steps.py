"""How small a change in a real runner's numbers does Coach G tell, and how often does it cry wolf?

Takes the 908 real runs of one athlete (``dblock_runs_summary_2017-2025.csv`` in the shared data),
keeps runs of 10 minutes or more (as the tool does), builds per-run series in date order —
cadence (steps/min; Strava's column is per leg, so doubled), step length (m: speed over steps a
second), heart rate at the usual pace (bpm), efficiency (metres per heart beat) and speed (m/s) —
each with the run's conditions (speed, climb per km, duration, temperature where recorded), and,
in many seeded trials, takes a window of ``--window`` consecutive runs that have the metric,
multiplies every value from a random point on by 1.02, 1.03 or 1.05 (a level step, at least
``MIN_SIZE`` runs from either end), and runs the ``detect_changes`` tool's own rule on it:
the metric moved to the window's usual conditions (:func:`tools.trends.expected.adjust`, for the
metrics the tool adjusts), then :func:`tools.trends.changes.find` (change points, kept only when
beyond the smallest worthwhile change with enough runs a side). It reports:

- **detected**: a change told within ±5 runs of the injected point;
- **elsewhere**: a change told further than 5 runs from it (on the stepped window);
- **any on the unstepped window**: the same windows without a step. Real series hold real
  changes, so this is not a false-alarm rate;
- **shuffled**: the unstepped window's runs in random order (each run keeps its conditions),
  which keeps the real spread and outliers but removes every real change and slow drift, so any
  change told there is a false alarm;
- **shuffled, then stepped**: the step put into the shuffled window: what the rule finds when
  no real change or drift is around the step, i.e. against the runner's noise alone.

``--raw`` runs the bare detector on the values as measured (no adjustment, no smallest
worthwhile change), as before issue 19. ``--null`` measures the detector on synthetic noise
(normal, Student t with 3 degrees of freedom, AR(1) with rho 0.3) of several lengths: the share
of pure-noise series in which it finds a change. ``--models`` compares, on held-out months, how
well each metric is predicted from the run's conditions by the straight line used before issue
19 (speed; and temperature for heart rate), the straight line used now, and gradient-boosted
trees (xgboost, :mod:`tools.trends.expected_trees`): mean absolute error, 10 folds of whole
months, line before / line now / trees: cadence 1.954 / 1.893 / 1.738 steps/min, step length
0.0137 / 0.0134 / 0.0141 m, heart rate 7.62 / 6.36 / 5.54 bpm, efficiency 0.059 / 0.050 / 0.046
m/beat.

Before issue 19 (bare detector, modified-BIC penalty, pace-adjusted only inside the tool, not
here; 300 trials, seed 0; detected / told elsewhere / unstepped / shuffled):

    speed        +2 % 6 %, +3 % 6 %, +5 % 13 %   | 19-27 % | 20 % | 2 %
    cadence      +2 % 38 %, +3 % 60 %, +5 % 85 % | 30-42 % | 37 % | 5 %
    efficiency   +2 % 4 %, +3 % 6 %, +5 % 18 %   | 31-39 % | 36 % | 2 %

After (the tool's rule: adjusted, calibrated penalty, smallest worthwhile change, 10 runs a
side; 300 trials, seed 0; detected | told elsewhere | unstepped | shuffled | shuffled, then
stepped):

    cadence      +2 % 52 %, +3 % 84 %, +5 % 87 % | 2-4 %   | 0 %  | 0 % | 32 / 89 / 88 %
    step length  +2 % 15 %, +3 % 75 %, +5 % 89 % | 1-4 %   | 0 %  | 0 % | 30 / 90 / 90 %
    heart rate   +2 % 11 %, +3 % 18 %, +5 % 35 % | 39-46 % | 33 % | 0 % |  1 /  9 / 60 %
    efficiency   +2 % 18 %, +3 % 26 %, +5 % 46 % | 38-43 % | 37 % | 0 % |  2 / 12 / 64 %
    speed        +2 % 3 %, +3 % 5 %, +5 % 10 %   | 17-23 % | 15 % | 1 % |  1 /  2 /  8 %

A step within 10 runs of a window's end is not told by design (too few runs on one side): 9 %
of the steps, so about 91 % is the most any metric can score. Heart rate at pace and efficiency
fall short of the 60 % asked for +5 % steps in real windows, though not in shuffled ones: their
real series hold real changes (a third of the unstepped windows show one beyond everyday
noise) that a step has to be told apart from.

Issue 19, third part (gradient-boosted trees, device changes). The measurement now follows the
tool: the expected-value model is fitted over the runner's whole history (as ``detect_changes``
does), not over the window, and the step lasts from its point to the end of the history (a
real change stays), so the model sees it too. Before, re-run at the start of this part (the
tool's rule with the line fitted per window, ``--window-fit``; 300 trials, seed 0; detected |
told elsewhere | unstepped | shuffled | shuffled, then stepped):

    cadence      +2 % 54 %, +3 % 83 %, +5 % 91 % | 3-7 %   | 0 %  | 0 % | 35 / 92 / 92 %
    step length  +2 % 14 %, +3 % 77 %, +5 % 90 % | 0-4 %   | 0 %  | 0 % | 35 / 91 / 91 %
    heart rate   +2 % 12 %, +3 % 20 %, +5 % 38 % | 42-45 % | 35 % | 1 % |  3 / 16 / 62 %
    efficiency   +2 % 14 %, +3 % 23 %, +5 % 45 % | 45-48 % | 36 % | 0 % |  2 / 11 / 62 %
    speed        +2 % 2 %, +3 % 2 %, +5 % 7 %    | 16-20 % | 16 % | 1 % |  0 /  0 /  6 %

Cross-fitted trees (``--model trees``; 200 trials, no "shuffled, then stepped"): cadence 26 /
74 / 90 %, heart rate 4 / 11 / 36 %, efficiency 4 / 10 / 42 % (step length keeps the line:
17 / 83 / 92 %), unstepped windows with a change 0 % / 8 % / 8 %. They predict held-out months
better (``--models``) and explain away most changes in real windows, but they also take part of
an injected lasting step out (a +3 % cadence step kept 79 % on average, the line 98 %), and
leave no less run-to-run noise, so they find fewer steps. The tool keeps the line (the trees
say how much of a change found the runs' conditions account for). After, the line over the
whole history (the tool now; 300 trials, seed 0):

    cadence      +2 % 59 %, +3 % 89 %, +5 % 92 % | 2-3 %   | 2 %  | 0 % | 42 / 92 / 92 %
    step length  +2 % 15 %, +3 % 81 %, +5 % 92 % | 0-3 %   | 0 %  | 0 % | 38 / 91 / 92 %
    heart rate   +2 % 10 %, +3 % 17 %, +5 % 37 % | 49-52 % | 47 % | 1 % |  1 / 14 / 61 %
    efficiency   +2 % 15 %, +3 % 25 %, +5 % 44 % | 43-55 % | 45 % | 0 % |  1 /  8 / 54 %
    speed        +2 % 1 %, +3 % 3 %, +5 % 7 %    | 15-25 % | 15 % | 1 % |  0 /  2 /  6 %

Cadence and step length reach 80 % for +3 %; heart rate at pace and efficiency stay under the
60 % asked for +5 % (about 60 % only against shuffled runs). Tried on the development half
(``--half dev``, windows starting in the first half of each series; 200 trials) and not kept:
the penalty at 0.78 and 0.7 times the 1 % one (``--penalty-scale``) moved +5 % heart rate
36 -> 38 -> 41 % and efficiency 55 -> 56 -> 57 %, within the trials' noise, while changes told
elsewhere rose by up to 8 points; the everyday-noise floor at 0.75 or 0.5 of the noise
changed nothing (the penalty, not that floor, is what a +5 % step misses). False alarms on
shuffled runs stay at 0-1 % (at most 5 % asked).

Issue 19, fourth part (power for heart rate at pace and efficiency). Two changes, chosen on
seeds 11-13 (150 trials each) and reported on seeds the choice never saw:

1. The straight line's slopes are learnt within calendar months
   (:func:`tools.trends.expected.within_fit`, each month its own level): across all runs the
   fitter years were also the faster ones, and the line took up to a quarter of a lasting
   heart-rate step out with the pace (now at least 98 % kept); run-to-run noise 3.56 -> 3.40 %
   (heart rate), 3.65 -> 3.40 % (efficiency). It predicts held-out months a little worse
   (``--models``, line now: cadence 1.905, step length 0.01357, heart rate 6.45 bpm,
   efficiency 0.0511 m/beat; was 1.893 / 0.0134 / 6.36 / 0.050): months' levels are no longer
   read from the pace, which is what detection needs.
2. With the tool's bar (a smallest change of at least the everyday noise, 10 runs a side), the
   penalty is the share of the 1 % one with which the whole rule still shows a change in about
   1 % of Gaussian-noise series (:data:`tools.trends.changepoints.FILTERED`, 0.7 at 120 runs).

Measured and not kept (seed 11, 150-200 trials): gradient-boosted trees on the conditions
alone (no time of year, cross-fitted; +5 % heart rate 28 %), trees fitted within months (42 %,
efficiency 50 %), extra covariates in the line (time of day, races, stops, the pace's spread,
load of the last 2 and 7 days, days since the last run: run-to-run noise 3.40 -> 3.35 % at
most), a curved pace and a heat term (no gain), clipping wild runs at 2 or 2.5 noise units
instead of 3 (no gain), and counting the autocorrelation only where significant (+3 points,
but the penalty has to rise again to hold false alarms). No per-run streams are in this
series (summaries only), so the first minutes' heart rate could not be tried.

Before (the code at the start of this part) -> after, 300 trials; seed 0, and the held-out
seeds 21, 22 and 23 (mean; "shuffled, then stepped" on seed 0 only):

    seed 0       +2 %        +3 %        +5 %        | unstepped | shuffled | shuffled, stepped +5 %
    cadence      59 -> 66 %  89 -> 89 %  92 -> 92 %  | 2 -> 2 %  | 0 -> 0 % | 92 -> 92 %
    step length  17 -> 23 %  83 -> 83 %  91 -> 91 %  | 0 -> 0 %  | 0 -> 0 % | 91 -> 91 %
    heart rate   13 -> 20 %  22 -> 23 %  40 -> 49 %  | 48 -> 56 % | 1 -> 2 % | 58 -> 62 %
    efficiency   14 -> 21 %  24 -> 36 %  50 -> 63 %  | 39 -> 58 % | 0 -> 1 % | 52 -> 60 %
    speed         2 ->  4 %   2 ->  4 %   7 -> 10 %  | 16 -> 20 % | 1 -> 3 % |  6 ->  7 %
    seeds 21-23  +3 % cadence 87.3 -> 87.7 %, step length 80.3 -> 82.7 %; +5 % heart rate
                 40.3 -> 50.0 % (41/37/43 -> 50/47/53), efficiency 46.0 -> 61.3 %
                 (42/50/46 -> 58/65/61); false alarms on shuffled runs at most 2 % (speed 3 %)

Efficiency now reaches the 60 % asked for a +5 % step; heart rate at pace does not (50 %).
Against the runner's noise alone (shuffled, then stepped) a +5 % heart-rate step is found 62 %
of the time, about what this size allows: 5 % is 1.3 times the noise of one run (3.9 % in a
120-run window), and a step within 10 runs of either end is not told (9 % of them). Real
windows cost the rest, and by direction: this runner's heart rate at pace drifts down (about
1.5 % per 120 runs, fitter over the years) and most changes told in real windows are drops
(34 of 55), so a step up is fought by the drift. With ``--steps=-0.05,0.05`` (seed 21): heart
rate -5 % 62 %, +5 % 50 %; efficiency, whose drift is upward, -5 % 54 %, +5 % 58 %. Changes
told in real windows without a step rose (heart rate 48 -> 56 %, efficiency 39 -> 58 %): the
lower penalty finds the runner's own real changes more often too.

Issue 19, fifth part (heart rate at pace, again). Chosen on seeds 11-16 (150 trials each) and
reported on seeds 21-23 (those of the fourth part) and 31-33 (never used before); 300 trials:

1. Heart rate's line has temperature times log-duration (both from their medians,
   :data:`tools.trends.expected.INTERACTIONS`): in the heat, heart rate climbs more the longer
   the run. Run-to-run noise 3.40 -> 3.27 %; held-out months (``--models``, line now) 6.45 ->
   6.41 bpm; a lasting step still kept (at least 95 %). Efficiency keeps its line (with the
   product its noise rose, 3.40 -> 3.48 %, and +5 % steps found fell 61.6 -> 59.1 %).
2. A local check beside PELT (:func:`tools.trends.changepoints.local_scan`, a moving-sum scan of
   15 runs a side, 2.5 standard errors, its interior peaks only), judged by the same bar: PELT
   weighs a step against everything else in the window, and the runner's real changes (heat
   waves, altitude, fitness) hid many +5 % steps beside them.

    +5 % heart rate      start      1.       1. + 2.
    seeds 21-23          50.0 %     52.0 %   54.0 %   (50/47/53 -> 51/50/55 -> 52/54/56)
    seeds 31-33          46.3 %     50.7 %   52.0 %   (46/46/47 -> 49/52/51 -> 50/53/53)
    +5 % efficiency      61.3 / 62.3 % -> 62.0 / 63.0 %  (seeds 21-23 / 31-33)
    +3 % cadence         87.7 / 89.7 % -> 88.0 / 89.7 %
    +3 % step length     82.7 / 82.7 % -> 82.7 / 82.7 %
    shuffled, any metric at most 3 % -> at most 5 % (speed, seed 21; heart rate at most 3 %)
    heart rate, unstepped windows with a change: 54 % -> 50-51 % (1.) -> 55 % (1. + 2.)

Heart rate at pace stays under the 60 % asked (52-54 %). Measured and not kept (seeds 11-13
unless said): a seasonal term (a yearly harmonic fitted after the line: 45.1 -> 45.1 %);
temperature filled in from the month where unknown (44.7 %); days since the last run and the
last 7 days' minutes (46.9 %; with the product, 49.1-51.3 % against its 51.7 % alone on seeds
11-16); hour and races (46.2 %);
heat above 20 degrees and pace squared (46.0 %); log heart rate on log pace (46.4 %); the means
that the bar compares taken on the clipped values (no change); and the filtered penalty
recalibrated to about 2 % of Gaussian noise (0.5-0.7 of the plain one instead of 0.7-0.95):
+5 % heart rate 50.0 -> 52.7 % (21-23), 46.3 -> 51.3 % (31-33), but false alarms on shuffled
speed 6 / 8 / 5 % and 6 / 4 / 5 % and heart rate up to 5 %, over what the issue allows. Lower
penalties still (0.3-0.4 of the plain one) gain nothing more (51.3-51.6 % on seeds 11-13,
from 45.1 %): what is left is the bar. A smallest change of 0.75 times the everyday noise
(with half the penalty) would find 57 % but alarm on 7 % of shuffled windows. Temperature and
log-duration squared beside their product found more (57.0 % on seeds 21-23, 53.7 % on 31-33,
with the local check) but predict held-out months worse (6.49 bpm against 6.41; 6.45 with
neither) and leave more run-to-run noise (3.36 % against 3.27 %): they take real variation out
rather than predict better, so the issue's rule (keep what predicts better) leaves them out.
Against the runner's noise alone (shuffled, then stepped) a +5 % heart-rate step is found
about 62 % of the time; in a quarter of those trials nothing is told at all, mostly because
the step as measured falls under the everyday noise (5 % is about 1.5 times this runner's
run-to-run noise); in real windows the rest is lost to real changes around the step and to
steps within 10 runs of an end (9 %, never told). More power needs less noise per run
(per-run streams: the first minutes' heart rate, a chest strap against a wrist sensor), not a
looser rule.

    python -m evals.injected_steps [--csv PATH] [--window 120] [--trials 300] [--seed 0]
        [--raw] [--null] [--models] [--window-fit] [--model line|trees] [--half dev|test]
        [--penalty-scale X] [--no-clean] [--only NAME] [--steps=0.02,0.03,0.05]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tools.trends import changes
from tools.trends.changepoints import MIN_SIZE, detect
from tools.trends.changes import METRICS, Metric, find
from tools.trends.expected import (
    ADJUSTED_FOR,
    INTERACTIONS,
    adjust,
    expected_values,
    interaction_name,
)
from tools.trends.expected_trees import fit_trees, usable

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CSV = (
    REPO.parent
    / "shared"
    / "data"
    / "activity_files"
    / "series"
    / "dblock_runs_summary_2017-2025.csv"
)
STEPS = (0.02, 0.03, 0.05)
TOLERANCE = 5


@dataclass(frozen=True)
class Row:
    metric: str
    runs: int
    trials: int
    detected: dict[float, float]  # step -> share of trials with a change within TOLERANCE
    elsewhere: dict[float, float]  # step -> share with a change further away
    unstepped: float  # share of unstepped windows with any change
    shuffled: float  # share of shuffled windows with any change
    #: step -> share found within TOLERANCE when the window is shuffled before the step is put
    #: in (no real changes left around it)
    clean: dict[float, float] = field(default_factory=dict)

    @classmethod
    def of_counts(
        cls,
        metric: str,
        runs: int,
        trials: int,
        near: dict[float, int],
        far: dict[float, int],
        unstepped: int,
        shuffled: int,
        clean: dict[float, int],
    ) -> Row:
        """The row of counts over ``trials`` (per step where keyed by step), as shares."""
        return cls(
            metric=metric,
            runs=runs,
            trials=trials,
            detected={s: n / trials for s, n in near.items()},
            elsewhere={s: n / trials for s, n in far.items()},
            unstepped=unstepped / trials,
            shuffled=shuffled / trials,
            clean={s: n / trials for s, n in clean.items()},
        )


@dataclass(frozen=True)
class Runs:
    """One metric's runs, oldest first: its values and each run's conditions."""

    key: str  # the tool's metric key ("speed" for speed, which the tool shows as pace)
    values: np.ndarray
    conditions: dict[str, np.ndarray]
    month: np.ndarray  # months since 2000, for the held-out months of --models

    def window(self, start: int, size: int) -> Runs:
        cut = slice(start, start + size)
        return Runs(
            self.key,
            self.values[cut],
            {k: v[cut] for k, v in self.conditions.items()},
            self.month[cut],
        )

    def shuffled(self, rng: np.random.Generator) -> Runs:
        order = rng.permutation(self.values.size)
        return Runs(
            self.key,
            self.values[order],
            {k: v[order] for k, v in self.conditions.items()},
            self.month[order],
        )


def load_series(csv: Path) -> dict[str, Runs]:
    """Per-run metric series in date order (runs of 10 minutes or more), runs lacking the
    metric left out."""
    runs = pd.read_csv(csv).sort_values("start_date")
    runs = runs[runs["moving_time"] >= 600]
    speed = runs["average_speed"].to_numpy(float)
    cadence = 2.0 * runs["average_cadence"].to_numpy(float)
    heart = runs["average_heartrate"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = speed / (cadence / 60.0)
        efficiency = speed * 60.0 / heart
        climb = runs["total_elevation_gain"].to_numpy(float) / (
            runs["distance"].to_numpy(float) / 1000.0
        )
    local = pd.to_datetime(runs["start_date_local"].str[:19])
    conditions = {
        "speed": speed,
        "climb": np.where(np.isfinite(climb), climb, np.nan),
        "duration": runs["moving_time"].to_numpy(float) / 60.0,
        "temperature": runs["average_temp"].to_numpy(float),
        "day_of_year": local.dt.dayofyear.to_numpy(float),
        "day_number": (local - pd.Timestamp("2000-01-01")).dt.days.to_numpy(float),
        "hour": (local.dt.hour + local.dt.minute / 60.0).to_numpy(float),
        "race": (runs["workout_type"] == 1).to_numpy(float),
    }
    month = ((local.dt.year - 2000) * 12 + local.dt.month - 1).to_numpy()
    series = {
        "cadence steps/min": ("cadence_spm", cadence),
        "step length m": ("step_m", step),
        "heart rate at pace bpm": ("avg_hr", heart),
        "efficiency m/beat": ("ef", efficiency),
        "speed m/s": ("speed", speed),
    }
    out = {}
    for name, (key, x) in series.items():
        ok = np.isfinite(x) & (x > 0)
        out[name] = Runs(key, x[ok], {k: v[ok] for k, v in conditions.items()}, month[ok])
    return out


_METRIC = {m.key: m for m in METRICS}


def _metric_of(runs: Runs) -> Metric:
    """The change-detection metric of ``runs`` (speed is read as pace's)."""
    return _METRIC["pace_s_per_km"] if runs.key == "speed" else _METRIC[runs.key]


#: The expected-value model the history-wide measurement uses (None: the tool's own choice,
#: :data:`tools.trends.expected.MODEL_FOR`); ``--model`` sets it.
MODEL: str | None = None
#: Which windows: "" all, "dev" those starting in the first half of the series, "test" the
#: second half (``--half``; a rule tuned on dev is reported once on test).
HALF = ""


def told(runs: Runs, raw: bool = False) -> list[int]:
    """Where the tool's rule tells a change in ``runs`` (``raw``: the bare detector)."""
    if raw or runs.key == "speed":
        values = runs.values
    else:
        names, pairs = ADJUSTED_FOR[runs.key], INTERACTIONS.get(runs.key, ())
        values = adjust(runs.values, runs.conditions, names, pairs).values
    if raw:
        return detect(values, resamples=0).indices
    return find(values, _metric_of(runs), resamples=0).indices


def _found(indices: list[int], at: int) -> tuple[bool, bool]:
    near = any(abs(i - at) <= TOLERANCE for i in indices)
    far = any(abs(i - at) > TOLERANCE for i in indices)
    return near, far


def measure(
    name: str, runs: Runs, window: int, trials: int, rng: np.random.Generator, raw: bool = False
) -> Row | None:
    """Inject steps into ``trials`` random windows of ``runs``; None when too short."""
    x = runs.values
    if x.size < window:
        return None
    near = {s: 0 for s in STEPS}
    far = {s: 0 for s in STEPS}
    clean = {s: 0 for s in STEPS}
    unstepped = shuffled = 0
    for _ in range(trials):
        start = int(rng.integers(0, x.size - window + 1))
        w = runs.window(start, window)
        at = int(rng.integers(MIN_SIZE, window - MIN_SIZE + 1))
        mixed = w.shuffled(rng)
        for step in STEPS:
            for base, counts in ((w, near), (mixed, clean)):
                y = base.values.copy()
                y[at:] *= 1.0 + step
                hit, other = _found(told(Runs(base.key, y, base.conditions, base.month), raw), at)
                counts[step] += hit
                if base is w:
                    far[step] += other
        unstepped += bool(told(w, raw))
        shuffled += bool(told(mixed, raw))
    return Row.of_counts(name, int(x.size), trials, near, far, unstepped, shuffled, clean)


def moved(runs: Runs, values: np.ndarray) -> np.ndarray:
    """``values`` (the whole series of ``runs``) as the tool moves them: by the model
    :data:`tools.trends.expected.MODEL_FOR` names, fitted over the whole history."""
    if runs.key == "speed":
        return values
    return expected_values(values, runs.conditions, runs.key, MODEL).values


def _reordered(runs: Runs, order: np.ndarray) -> Runs:
    return Runs(
        runs.key,
        runs.values[order],
        {k: v[order] for k, v in runs.conditions.items()},
        runs.month[order],
    )


def measure_history(
    name: str, runs: Runs, window: int, trials: int, rng: np.random.Generator, clean: bool
) -> Row | None:
    """As :func:`measure`, the way the tool works since issue 19: the expected-value model is
    fitted over the athlete's whole history, and the step lasts from its point to the end of
    the history (a real change stays), so the model sees it; changes are looked for in the
    window's moved values. The shuffled window reuses the unstepped fit (the runs of the
    window put in random order; the trees' cross-fitting groups aside, a fit does not depend
    on the order of the runs); ``clean`` (shuffled, then stepped) refits."""
    x = runs.values
    if x.size < window:
        return None
    metric = _metric_of(runs)

    def tells(values: np.ndarray) -> list[int]:
        return find(values, metric, resamples=0).indices

    base = moved(runs, x)
    starts = x.size - window + 1  # window starts: all, or one half (--half)
    low, high = {"": (0, starts), "dev": (0, starts // 2), "test": (starts // 2, starts)}[HALF]
    near = {s: 0 for s in STEPS}
    far = {s: 0 for s in STEPS}
    found_clean = {s: 0 for s in STEPS}
    unstepped = shuffled = 0
    for _ in range(trials):
        start = int(rng.integers(low, high))
        at = int(rng.integers(MIN_SIZE, window - MIN_SIZE + 1))
        order = np.arange(x.size)
        order[start : start + window] = start + rng.permutation(window)
        cut = slice(start, start + window)
        for step in STEPS:
            y = x.copy()
            y[start + at :] *= 1.0 + step
            hit, other = _found(tells(moved(runs, y)[cut]), at)
            near[step] += hit
            far[step] += other
            if clean:
                mixed = _reordered(runs, order)
                y = mixed.values.copy()
                y[start + at :] *= 1.0 + step
                found_clean[step] += _found(tells(moved(mixed, y)[cut]), at)[0]
        unstepped += bool(tells(base[cut]))
        shuffled += bool(tells(base[order][cut]))
    found = found_clean if clean else {}
    return Row.of_counts(name, int(x.size), trials, near, far, unstepped, shuffled, found)


def print_table(rows: list[Row], window: int) -> None:
    steps = " ".join(f"{f'{s:+.0%}':>6}" for s in STEPS)
    print(
        f"Injected level steps, windows of {window} consecutive runs, detected within ±{TOLERANCE}"
    )
    print(
        f"{'metric':<24} {'runs':>5} {'trials':>6} | detected {steps} | elsewhere {steps} |", end=""
    )
    print(f" any, unstepped | false alarm, shuffled | shuffled, then stepped {steps}")
    for r in rows:
        det = " ".join(f"{r.detected[s]:>6.0%}" for s in STEPS)
        far = " ".join(f"{r.elsewhere[s]:>6.0%}" for s in STEPS)
        clean = " ".join(f"{r.clean.get(s, 0):>6.0%}" for s in STEPS)
        print(
            f"{r.metric:<24} {r.runs:>5} {r.trials:>6} |          {det} |           {far} |"
            f" {r.unstepped:>14.0%} | {r.shuffled:>20.0%} |                        {clean}"
        )


def _ar1(rho: float, n: int, rng: np.random.Generator) -> np.ndarray:
    e = rng.normal(size=n)
    x = np.empty(n)
    x[0] = e[0] / np.sqrt(1 - rho**2)
    for i in range(1, n):
        x[i] = rho * x[i - 1] + e[i]
    return x


def null_rates(trials: int, rng: np.random.Generator) -> None:
    """Share of pure-noise series in which the detector finds a change."""
    lengths = (60, 120, 300, 908)
    kinds = {
        "normal": lambda n: rng.normal(size=n),
        "Student t, 3 df": lambda n: rng.standard_t(3, size=n),
        "AR(1), rho 0.3": lambda n: _ar1(0.3, n, rng),
    }
    print(f"Pure noise, {trials} series each: share with any change found")
    print(f"{'noise':<18}" + "".join(f"{f'n={n}':>9}" for n in lengths))
    for kind, make in kinds.items():
        shares = [
            sum(bool(detect(make(n), resamples=0).changes) for _ in range(trials)) / trials
            for n in lengths
        ]
        print(f"{kind:<18}" + "".join(f"{s:>9.1%}" for s in shares))


def line_prediction(
    values: np.ndarray,
    conditions: dict[str, np.ndarray],
    train: np.ndarray,
    names: tuple[str, ...],
    interactions: tuple[tuple[str, str], ...] = (),
) -> np.ndarray:
    """Each run's value as predicted by the robust straight line of
    :func:`tools.trends.expected.adjust` (with the products of ``interactions``) fitted on the
    runs in ``train`` alone."""
    moved = adjust(values[train], {c: v[train] for c, v in conditions.items()}, names, interactions)
    predicted = np.full(values.size, float(np.median(moved.values)))
    centred = {}
    for c in moved.reference:
        x, ref, slope = conditions[c], moved.reference[c], moved.slopes[c]
        if c == "duration":  # its slope is per minute at the median (log scale)
            x, ref, slope = np.log(x), np.log(ref), slope * moved.reference[c]
        centred[c] = np.where(np.isfinite(x), x - ref, 0.0)
        predicted += centred[c] * slope
    for pair in interactions:
        if interaction_name(pair) in moved.slopes:
            product = centred[pair[0]] * centred[pair[1]]
            predicted += product * moved.slopes[interaction_name(pair)]
    return predicted


def compare_models(series: dict[str, Runs], folds: int = 10) -> None:
    """Mean absolute error of each metric's prediction from the run's conditions, on held-out
    months (``folds`` groups of whole calendar months, each predicted from the others)."""
    print(f"Predicting each run from its conditions, {folds} folds of whole months held out:")
    print(f"{'metric':<24} {'line before':>12} {'line now':>10} {'trees':>8}   (mean abs. error)")
    for name, runs in series.items():
        if runs.key == "speed":
            continue
        months = np.unique(runs.month)
        fold_of = {m: i % folds for i, m in enumerate(months)}
        fold = np.array([fold_of[m] for m in runs.month])
        before = ("speed", "temperature") if runs.key == "avg_hr" else ("speed",)
        errors: dict[str, list[float]] = {"before": [], "now": [], "trees": []}
        cond = runs.conditions
        used = usable(cond)
        for k in range(folds):
            test = fold == k
            train = ~test
            now = (ADJUSTED_FOR[runs.key], INTERACTIONS.get(runs.key, ()))
            for label, (names, pairs) in (("before", (before, ())), ("now", now)):
                predicted = line_prediction(runs.values, cond, train, names, pairs)
                errors[label] += list(np.abs(runs.values[test] - predicted[test]))
            trees = fit_trees(runs.values, cond, train=train, used=used)
            errors["trees"] += list(np.abs(runs.values[test] - trees.expected[test]))
        mae = {k: float(np.mean(v)) for k, v in errors.items()}
        print(f"{name:<24} {mae['before']:>12.4g} {mae['now']:>10.4g} {mae['trees']:>8.4g}")


def main(argv: list[str] | None = None) -> int:
    global MODEL, HALF, STEPS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--window", type=int, default=120, help="runs per window")
    parser.add_argument("--trials", type=int, default=300, help="windows per metric")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--null", action="store_true", help="also measure on synthetic noise")
    parser.add_argument("--raw", action="store_true", help="the bare detector, as measured")
    parser.add_argument("--models", action="store_true", help="also compare models by month")
    parser.add_argument("--only", default="", help="only metrics whose name has this")
    parser.add_argument(
        "--window-fit",
        action="store_true",
        help="as before issue 19's trees: the straight line fitted on each window alone",
    )
    parser.add_argument(
        "--no-clean", action="store_true", help="leave out 'shuffled, then stepped' (refits)"
    )
    parser.add_argument(
        "--model", choices=("line", "trees"), default=None, help="force one expected-value model"
    )
    parser.add_argument("--half", choices=("", "dev", "test"), default="", help="window starts")
    parser.add_argument(
        "--steps",
        default=",".join(f"{s:g}" for s in STEPS),
        help="step sizes as shares, comma-separated (negative: a step down)",
    )
    parser.add_argument(
        "--penalty-scale", type=float, default=None, help="the tool's penalty, times this"
    )
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    MODEL, HALF = args.model, args.half
    STEPS = tuple(float(x) for x in args.steps.split(","))
    if args.penalty_scale is not None:
        changes.PENALTY_SCALE = args.penalty_scale
    began = time.perf_counter()
    if args.null:
        null_rates(args.trials, rng)
        print()
    if not args.csv.is_file():
        print(f"runs file not found: {args.csv} (pass --csv)", file=sys.stderr)
        return 2
    series = load_series(args.csv)
    if args.models:
        compare_models(series)
        print()
    rows = []
    for name, runs in series.items():
        if args.only not in name:
            continue
        if args.raw or args.window_fit:
            row = measure(name, runs, args.window, args.trials, rng, args.raw)
        else:
            row = measure_history(name, runs, args.window, args.trials, rng, not args.no_clean)
        if row is None:
            print(f"{name}: only {runs.values.size} runs, fewer than a window", file=sys.stderr)
        else:
            rows.append(row)
    print_table(rows, args.window)
    print(f"({time.perf_counter() - began:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
