"""Each run's expected value from what moves it, by gradient-boosted trees (xgboost).

A straight line (:func:`tools.trends.expected.adjust`) moves a metric along pace, climb, duration
and temperature one at a time and by the same amount everywhere. Trees also take what a line
cannot: the time of year (heat, altitude trips the watch did not record), the time of day, races
against training runs, and how these combine (heat matters more on a long run). They are fitted,
per metric, over the athlete's own runs, cross-fitted (each run predicted by trees that did not
see it, :func:`cross_fitted`).

No feature says when a run was (no date, no running count), and the time of year and the
temperature are used only over two years or more, where they cannot stand for the date. Even so
the trees take part of a lasting change out (pace and time of day differ between years), so
changes are looked for along the straight line and the trees say how much of a change found
the runs' conditions account for; :data:`tools.trends.expected.MODEL_FOR` holds the measured
choice per metric. Nor is the device or data source a feature: a step that coincides with a new
one is flagged (:mod:`tools.trends.sources`).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

#: The conditions the trees see, by name: grade-adjusted speed (m/s), climb (m/km), duration
#: (min), temperature (°C, NaN where unknown), the time of year (day of the year, 1-366, as a
#: point on a circle), the local hour the run started (0-24, NaN where unknown) and whether it
#: was a race (0/1). Trees need no transform; missing values go the way the training data says.
FEATURES = ("speed", "climb", "duration", "temperature", "day_of_year", "hour", "race")
#: Fewer comparable runs than this and the trees are not used (the straight line is): on 160
#: real runs, cross-fitted trees left more run-to-run noise than the line (2.1-2.7 against
#: 1.5 steps/min); on 650-815 they predict held-out months better.
MIN_RUNS = 300
#: A feature known for fewer runs than this share is left out.
MIN_KNOWN = 0.2
#: The time of year and the temperature are features only over runs spanning at least this many
#: days (two years).
SEASONAL = ("day_of_year", "temperature")
SEASON_SPAN_DAYS = 730
#: Boosting settings: shallow trees, a slow rate and a robust loss, so that one race or a walk
#: break left in does not steer them and runs are not memorised. Fixed, not tuned per athlete.
PARAMS: dict[str, float | int | str] = {
    "max_depth": 3,
    "eta": 0.1,
    "subsample": 0.8,
    "colsample_bytree": 1.0,
    "min_child_weight": 10,
    "lambda": 5.0,
    "objective": "reg:pseudohubererror",
    "tree_method": "hist",
    "max_bin": 64,
    "nthread": 1,
    "seed": 0,
}
ROUNDS = 100
#: Groups of runs for cross-fitting (:func:`cross_fitted`).
FOLDS = 4


@dataclass(frozen=True)
class TreeFit:
    """What the trees expect of each run (``expected``, in the metric's units) and the features
    they used."""

    expected: np.ndarray
    used: tuple[str, ...]


def feature_matrix(conditions: Mapping[str, np.ndarray], used: tuple[str, ...]) -> np.ndarray:
    """The columns the trees see for the features in ``used`` (the day of the year as its sine
    and cosine, so 31 December sits beside 1 January)."""
    columns = []
    for name in used:
        x = np.asarray(conditions[name], dtype=float)
        if name == "day_of_year":
            angle = 2 * math.pi * x / 365.25
            columns += [np.sin(angle), np.cos(angle)]
        else:
            columns.append(x)
    return np.column_stack(columns)


def usable(conditions: Mapping[str, np.ndarray]) -> tuple[str, ...]:
    """The features known for at least :data:`MIN_KNOWN` of the runs and not constant. The
    time of year and the temperature only when the runs (``conditions["day_number"]``, days
    since any fixed day) span at least :data:`SEASON_SPAN_DAYS`: within a year either stands
    for the date itself, and the trees would take a lasting change out as a season (a 5 %
    cadence step in 160 real runs came out at 2.2 % with them)."""
    used = []
    days = np.asarray(conditions.get("day_number", np.array([])), dtype=float)
    days = days[np.isfinite(days)]
    span = float(np.ptp(days)) if days.size else 0.0
    for name in FEATURES:
        x = np.asarray(conditions.get(name, np.array([])), dtype=float)
        known = x[np.isfinite(x)]
        if name in SEASONAL and span < SEASON_SPAN_DAYS:
            continue
        if x.size and known.size >= MIN_KNOWN * x.size and np.ptp(known) > 0:
            used.append(name)
    return tuple(used)


def _huber_slope(y: np.ndarray) -> float:
    """The pseudo-Huber loss's scale: the robust spread of ``y`` (the loss is quadratic within
    about it and linear beyond), so it means the same for cadence and for step length."""
    spread = 1.4826 * float(np.median(np.abs(y - np.median(y))))
    return spread if spread > 0 else float(np.std(y)) or 1.0


def fit_trees(
    y: np.ndarray,
    conditions: Mapping[str, np.ndarray],
    train: np.ndarray | None = None,
    used: tuple[str, ...] | None = None,
) -> TreeFit:
    """Fit the trees on the runs in ``train`` (a boolean mask; default all with a value) and
    predict every run. Raises ValueError with fewer than :data:`MIN_RUNS` runs in all, fewer
    than half of them to learn from, or no feature known."""
    import xgboost as xgb  # imported here: only change detection needs it

    y = np.asarray(y, dtype=float)
    used = usable(conditions) if used is None else used
    ok = np.isfinite(y) if train is None else (np.asarray(train, dtype=bool) & np.isfinite(y))
    if not used or np.isfinite(y).sum() < MIN_RUNS or ok.sum() < MIN_RUNS // 2:
        raise ValueError(f"trees need {MIN_RUNS} runs and a known condition")
    x = feature_matrix(conditions, used)
    centre = float(np.median(y[ok]))
    params = {**PARAMS, "huber_slope": _huber_slope(y[ok]), "base_score": centre}
    booster = xgb.train(params, xgb.DMatrix(x[ok], label=y[ok]), num_boost_round=ROUNDS)
    return TreeFit(booster.predict(xgb.DMatrix(x)).astype(float), used)


def cross_fitted(
    y: np.ndarray, conditions: Mapping[str, np.ndarray], used: tuple[str, ...], folds: int = FOLDS
) -> TreeFit:
    """Each run's expected value from trees fitted without it: the runs are dealt into
    ``folds`` groups (seeded, so the same runs give the same groups) and each group is
    predicted by trees fitted on the others. Fitted on all runs at once, the trees learn some
    runs' own noise, and with it part of any lasting change (a 5 % cadence step in 160 real
    runs came out at 2.2 %, 3.9 % cross-fitted)."""
    y = np.asarray(y, dtype=float)
    group = np.random.default_rng(0).integers(0, folds, size=y.size)
    expected = np.full(y.size, np.nan)
    for k in range(folds):
        fit = fit_trees(y, conditions, train=group != k, used=used)
        expected[group == k] = fit.expected[group == k]
    return TreeFit(expected, used)


#: Fits kept by a digest of their inputs: a chat asks about the same history again and again.
_KEPT: OrderedDict[bytes, TreeFit] = OrderedDict()
_KEEP = 32
_LOCK = threading.Lock()


def expected_by_trees(y: np.ndarray, conditions: Mapping[str, np.ndarray]) -> TreeFit:
    """:func:`fit_trees` over every run with a value, kept in memory by a digest of the values
    and conditions, so asking again about the same runs costs no new fit."""
    y = np.asarray(y, dtype=float)
    used = usable(conditions)
    digest = hashlib.blake2b(y.tobytes(), digest_size=16)
    for name in used:
        digest.update(name.encode())
        digest.update(np.asarray(conditions[name], dtype=float).tobytes())
    key = digest.digest()
    with _LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    fit = cross_fitted(y, conditions, used)
    with _LOCK:
        _KEPT[key] = fit
        while len(_KEPT) > _KEEP:
            _KEPT.popitem(last=False)
    return fit
