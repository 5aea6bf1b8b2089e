"""The change-point detector (tools.trends.changepoints) and its TCPD scores (evals.change_points),
on real data: a real runner's 908 runs and the annotated TCPD series in ../shared/data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evals.change_points import (
    DEV,
    HELD_OUT,
    covering,
    f1_score,
    main,
    partition,
    precision_recall,
)
from tools.trends.changepoints import detect

RUNS = Path("activity_files") / "series" / "dblock_runs_summary_2017-2025.csv"
TCPD = Path("changepoint") / "tcpd"


@pytest.fixture(scope="module")
def runs(shared_data: Path) -> pd.DataFrame:
    """The real runner's 908 runs, in date order."""
    path = shared_data / RUNS
    if not path.is_file():
        pytest.skip(f"real runs file not found at {path}")
    return pd.read_csv(path).sort_values("start_date", ignore_index=True)


@pytest.fixture(scope="module")
def speed(runs: pd.DataFrame) -> np.ndarray:
    """Average speed per run (m/s)."""
    return runs["average_speed"].to_numpy(float)


# --- the detector ------------------------------------------------------------------------------


def test_finds_a_clear_step_injected_into_real_cadence_at_the_right_place(
    runs: pd.DataFrame,
) -> None:
    # Real cadence (steps/min), 254 of 908 runs without it (NaN, left in place), real changes of
    # 1-3 steps/min, noise about 3.4 steps/min: a +10 % step (about 15 steps/min) is clear.
    cadence = 2.0 * runs["average_cadence"].to_numpy(float)
    assert cadence.size == 908 and np.isnan(cadence).sum() == 254
    at = 650
    first = at + int(np.flatnonzero(~np.isnan(cadence[at:]))[0])  # first run after it with cadence
    stepped = cadence.copy()
    stepped[at:] *= 1.10
    found = detect(stepped)
    assert found.n == 654 and found.n_missing == 254
    near = [c for c in found.changes if abs(c.index - first) <= 2]
    assert len(near) == 1, (first, found.indices)
    assert near[0].relative == pytest.approx(0.10, abs=0.03)
    assert near[0].ci_low > 0


def test_interval_holds_the_injected_size_in_real_values(speed: np.ndarray) -> None:
    # The real speeds in a random order (so no real change or drift is left; the real spread and
    # outliers are), +20 % from run 650 on. Per-run speed varies by about 10 %, so +20 % is about
    # two noise units: found within ±2 runs four times in five, and the interval holds the true
    # size about 95 % of the time (measured over 200 seeds); this seed is the first one tried.
    assert speed.size == 908
    x = np.random.default_rng(0).permutation(speed)
    at = 650
    injected = 0.20 * x[at:].mean()  # what the step adds to the mean after it
    x[at:] *= 1.20
    found = detect(x)
    assert len(found.changes) == 1, found.indices
    change = found.changes[0]
    assert abs(change.index - at) <= 2
    assert change.ci_low <= injected <= change.ci_high, (change, injected)
    assert change.relative == pytest.approx(change.size / change.before)
    assert 0 < found.min_detectable < injected


def test_same_input_same_interval(speed: np.ndarray) -> None:
    a, b = detect(speed), detect(speed)
    assert a.changes == b.changes


def test_nothing_in_a_constant_series() -> None:
    found = detect(np.full(60, 3.2))
    assert found.changes == []
    assert "constant" in found.note


def test_nothing_in_pure_noise() -> None:
    rng = np.random.default_rng(7)
    for n in (50, 200, 908):
        assert detect(rng.normal(10.0, 2.0, size=n)).changes == []


def test_missing_values_map_back_to_original_positions() -> None:
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(0.0, 1.0, 30), rng.normal(6.0, 1.0, 30)]
    x[[2, 5, 7, 11, 20]] = np.nan
    found = detect(x)
    assert found.indices == [30]
    assert found.n == 55 and found.n_missing == 5
    assert found.changes[0].n_before == 25 and found.changes[0].n_after == 30
    # The first point of the new level is missing: the change starts at the next one.
    x[30] = np.nan
    assert detect(x).indices == [31]


def test_too_short_says_so() -> None:
    for values in ([], [1.0, 2.0, 3.0], [np.nan] * 40 + [1.0] * 5):
        found = detect(np.array(values, dtype=float))
        assert found.changes == []
        assert found.note.startswith("too short"), found.note


def test_two_columns_give_one_change_per_column() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(0.0, 1.0, size=(80, 2))
    x[40:, 1] += 5.0
    found = detect(x)
    assert found.indices == [40]
    assert [c.column for c in found.changes] == [0, 1]
    assert found.changes[1].size == pytest.approx(5.0, abs=1.0)


def test_a_random_walk_is_not_cut_into_levels() -> None:
    rng = np.random.default_rng(11)
    walk = np.cumsum(rng.normal(size=400))
    found = detect(walk)
    assert found.changes == []
    assert "random walk" in found.note and found.rho >= 0.8
    # Next to a column with a real step, the wandering column is left out, the step still found.
    x = np.c_[walk, rng.normal(size=400)]
    x[200:, 1] += 3.0
    found = detect(x)
    assert found.indices == [200]
    assert "column(s) 0" in found.note
    assert found.min_detectable_by_column[0] == np.inf


# --- the scores, on examples worked by hand -------------------------------------------------------


def test_f1_by_hand() -> None:
    # Predictions {0, 12, 50}; annotators {0, 10} and {0, 20}, union {0, 10, 20}.
    # Precision: 0 matches 0, 10 matches 12 (2 away), 20 has nothing within 5 -> 2 of 3 = 2/3.
    # Recall: annotator a gets 0 and 10 -> 1; annotator b gets 0 only -> 1/2; mean 3/4.
    # F1 = 2 * (2/3) * (3/4) / (2/3 + 3/4) = 1 / (17/12) = 12/17.
    ann = {"a": [10], "b": [20]}
    assert precision_recall(ann, [12, 50]) == pytest.approx((2 / 3, 3 / 4))
    assert f1_score(ann, [12, 50]) == pytest.approx(12 / 17)
    # Two predictions around one true point: only one counts. {0, 9, 11} against {0, 10}:
    # precision 2/3, recall 1, F1 = 2 * (2/3) / (5/3) = 4/5.
    assert f1_score({"a": [10]}, [9, 11]) == pytest.approx(4 / 5)
    # No change predicted, nobody saw one: {0} against {0}: F1 = 1.
    assert f1_score({"a": [], "b": []}, []) == pytest.approx(1.0)
    # No change predicted, one point annotated: precision 1, recall 1/2, F1 = 1 / 1.5 = 2/3.
    assert f1_score({"a": [10]}, []) == pytest.approx(2 / 3)
    # Exactly at the margin counts, one past it does not. {0, 15} vs {0, 10}: F1 1.
    assert f1_score({"a": [10]}, [15]) == pytest.approx(1.0)
    # {0, 16} vs {0, 10}: precision 1/2, recall 1/2, F1 1/2.
    assert f1_score({"a": [10]}, [16]) == pytest.approx(1 / 2)


def test_covering_by_hand() -> None:
    assert partition([5], 10) == [(0, 5), (5, 10)]
    assert partition([0, 10, 5], 10) == [(0, 5), (5, 10)]
    # Truth [0,5) [5,10), prediction [0,10): each true segment overlaps 5/10 -> covering 1/2.
    assert covering({"a": [5]}, [], 10) == pytest.approx(0.5)
    # Prediction [0,4) [4,10): [0,5) best 4/5 with [0,4); [5,10) best 5/6 with [4,10).
    # (5 * 4/5 + 5 * 5/6) / 10 = (4 + 25/6) / 10 = 49/60.
    assert covering({"a": [5]}, [4], 10) == pytest.approx(49 / 60)
    # A second annotator with no change: [0,10) best 6/10 with [4,10) -> 0.6 = 36/60.
    # Mean over annotators (49/60 + 36/60) / 2 = 85/120 = 17/24.
    assert covering({"a": [5], "b": []}, [4], 10) == pytest.approx(17 / 24)
    # Perfect prediction: 1.
    assert covering({"a": [3, 7]}, [3, 7], 10) == pytest.approx(1.0)


# --- the evaluation on the real annotated series --------------------------------------------------


def test_tcpd_evaluation_writes_every_series_and_beats_no_change(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shared_data / TCPD
    if not (folder / "annotations.json").is_file():
        pytest.skip(f"TCPD folder not found at {folder}")
    out, scores = tmp_path / "changes.json", tmp_path / "scores.json"
    args = ["--data", str(folder), "--out", str(out), "--json", str(scores)]
    assert main(args) == 0  # the development half only, by default (issue 19's split)
    found = json.loads(out.read_text())
    names = set(json.loads((folder / "annotations.json").read_text()))
    assert len(names) == 16 and set(DEV) | set(HELD_OUT) == names and not set(DEV) & set(HELD_OUT)
    assert set(found) == set(DEV)
    assert all(isinstance(i, int) for points in found.values() for i in points)
    mean = json.loads(scores.read_text())["mean"]
    # True of the detector since its one post-hoc change (see evals.change_points); the first,
    # never-tuned version scored below the no-change baseline on both. Since issue 19 it also
    # searches wandering series (for changes of their rate) instead of declining most of them.
    assert mean["detector"]["f1"] > mean["no change"]["f1"]
    assert mean["detector"]["covering"] > mean["no change"]["covering"]
    # Issue 19's aim, on the development half, without declining series to win: F1 at least
    # 0.75 (0.862), at most one of the eight series declined (global_co2, which wanders).
    assert mean["detector"]["f1"] >= 0.75
    series = json.loads(scores.read_text())["series"]
    declined = [s["series"] for s in series if s["method"] == "detector" and s["declined"]]
    assert len(declined) <= 1, declined
    assert "mean" in capsys.readouterr().out


# --- the local check (issue 19, fifth part) -----------------------------------------------------


def test_local_scan_finds_a_step_and_keeps_away_from_cuts_already_there() -> None:
    """A 1.5-noise-unit step at 60 in 120 noise points: the moving-sum scan puts one candidate
    within 5 points of it (one, not one each side of it), none within 5 points of a cut
    already found, none in a series shorter than two widths, none in pure noise here."""
    from tools.trends.changepoints import local_scan

    z = np.random.default_rng(8).normal(size=120)
    z[60:] += 1.5
    found = local_scan(z, [], 15, 2.5, 5)
    assert len([i for i in found if abs(i - 60) <= 15]) == 1, found
    assert any(abs(i - 60) <= 5 for i in found), found
    assert not any(abs(i - 60) < 5 for i in local_scan(z, [60], 15, 2.5, 5))
    assert local_scan(z[:29], [], 15, 2.5, 5) == []
    assert local_scan(np.random.default_rng(9).normal(size=120), [], 15, 3.5, 5) == []
