"""How small a change in a real runner's numbers does the change-point detector catch?

Takes the 908 real runs of one athlete (``dblock_runs_summary_2017-2025.csv`` in the shared data),
builds per-run series in date order — speed (m/s), cadence (steps/min; Strava's column is per
leg, so doubled), and efficiency (speed per heart beat, m/s per bpm, where heart rate was
recorded) — and, in many seeded trials, takes a window of consecutive runs that have the metric,
multiplies every value from a random point on by 1.02, 1.03 or 1.05 (a level step, at least
``min_size`` runs from either end), and runs :func:`tools.trends.changepoints.detect` with its
defaults on it. It reports:

- **detected**: a change found within ±5 runs of the injected point;
- **elsewhere**: a change found further than 5 runs from it (on the stepped window);
- **any on the unstepped window**: the same windows without a step. Real series hold real
  changes, so this is not a false-alarm rate;
- **shuffled**: the unstepped window in random order, which keeps the real spread and outliers but
  removes every real change and slow drift, so any change found there is a false alarm.

``--null`` measures the same rule on synthetic noise (normal, Student t with 3 degrees of freedom,
AR(1) with rho 0.3) of several lengths: the share of pure-noise series in which it finds a change.

    python -m evals.injected_steps [--csv PATH] [--window 120] [--trials 300] [--seed 0] [--null]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tools.trends.changepoints import MIN_SIZE, detect

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


def load_series(csv: Path) -> dict[str, np.ndarray]:
    """Per-run metric series in date order, runs lacking the metric left out."""
    runs = pd.read_csv(csv).sort_values("start_date")
    speed = runs["average_speed"].to_numpy(float)
    cadence = 2.0 * runs["average_cadence"].to_numpy(float)
    heart = runs["average_heartrate"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        efficiency = speed / heart
    series = {
        "speed m/s": speed,
        "cadence steps/min": cadence,
        "efficiency m/s per bpm": efficiency,
    }
    return {name: x[np.isfinite(x) & (x > 0)] for name, x in series.items()}


def _found(indices: list[int], at: int) -> tuple[bool, bool]:
    near = any(abs(i - at) <= TOLERANCE for i in indices)
    far = any(abs(i - at) > TOLERANCE for i in indices)
    return near, far


def measure(
    name: str, x: np.ndarray, window: int, trials: int, rng: np.random.Generator
) -> Row | None:
    """Inject steps into ``trials`` random windows of ``x``; None when ``x`` is too short."""
    if x.size < window:
        return None
    near = {s: 0 for s in STEPS}
    far = {s: 0 for s in STEPS}
    unstepped = shuffled = 0
    for _ in range(trials):
        start = int(rng.integers(0, x.size - window + 1))
        w = x[start : start + window]
        at = int(rng.integers(MIN_SIZE, window - MIN_SIZE + 1))
        for step in STEPS:
            y = w.copy()
            y[at:] *= 1.0 + step
            hit, other = _found(detect(y, resamples=0).indices, at)
            near[step] += hit
            far[step] += other
        unstepped += bool(detect(w, resamples=0).changes)
        shuffled += bool(detect(rng.permutation(w), resamples=0).changes)
    return Row(
        metric=name,
        runs=int(x.size),
        trials=trials,
        detected={s: near[s] / trials for s in STEPS},
        elsewhere={s: far[s] / trials for s in STEPS},
        unstepped=unstepped / trials,
        shuffled=shuffled / trials,
    )


def print_table(rows: list[Row], window: int) -> None:
    steps = " ".join(f"{f'+{s:.0%}':>6}" for s in STEPS)
    print(
        f"Injected level steps, windows of {window} consecutive runs, detected within ±{TOLERANCE}"
    )
    print(
        f"{'metric':<24} {'runs':>5} {'trials':>6} | detected {steps} | elsewhere {steps} |", end=""
    )
    print(" any, unstepped | false alarm, shuffled")
    for r in rows:
        det = " ".join(f"{r.detected[s]:>6.0%}" for s in STEPS)
        far = " ".join(f"{r.elsewhere[s]:>6.0%}" for s in STEPS)
        print(
            f"{r.metric:<24} {r.runs:>5} {r.trials:>6} |          {det} |           {far} |"
            f" {r.unstepped:>14.0%} | {r.shuffled:>20.0%}"
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--window", type=int, default=120, help="runs per window")
    parser.add_argument("--trials", type=int, default=300, help="windows per metric")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--null", action="store_true", help="also measure on synthetic noise")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    began = time.perf_counter()
    if args.null:
        null_rates(args.trials, rng)
        print()
    if not args.csv.is_file():
        print(f"runs file not found: {args.csv} (pass --csv)", file=sys.stderr)
        return 2
    rows = []
    for name, x in load_series(args.csv).items():
        row = measure(name, x, args.window, args.trials, rng)
        if row is None:
            print(f"{name}: only {x.size} runs, fewer than a window; skipped", file=sys.stderr)
        else:
            rows.append(row)
    print_table(rows, args.window)
    print(f"({time.perf_counter() - began:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
