"""The event detector against force-plate stance (real treadmill running, Fukuchi et al. 2017)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evals.gait_accuracy import MARKER_HZ, TRIALS, evaluate_trial, force_stances, load_trial
from tests.test_gait_helpers import require, shared_data
from tools.gait.filtering import _runs, fill_gaps, lowpass, remove_outliers


@pytest.fixture(scope="module")
def trials() -> dict:
    require(shared_data() / "mocap")
    return {name: load_trial(name, shared_data()) for name in TRIALS}


def test_force_plate_stance_is_running(trials: dict) -> None:
    for trial in trials.values():
        stances = force_stances(trial.force_times, trial.fy)
        durations = np.array([b - a for a, b in stances])
        assert len(stances) > 60  # ~30 s at ~2.7 steps/s
        assert 0.2 < np.median(durations) < 0.35


def test_marker_and_force_clocks_agree(trials: dict) -> None:
    # 4500 marker samples at 150 Hz and 9000 force samples at 300 Hz: the same 30 s
    for trial in trials.values():
        assert np.allclose(np.diff(trial.marker_times), 1 / MARKER_HZ)
        assert trial.marker_times[-1] == pytest.approx(trial.force_times[-1], abs=0.01)


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_event_timing_against_force_plates(trials: dict, fps: float) -> None:
    # RBDS001 lands on the forefoot, RBDS0041 on the heel: both must time contact within ~20 ms
    for name, trial in trials.items():
        errors = evaluate_trial(trial, fps)
        assert errors.matched >= 0.95 * errors.force_stances, name
        s = errors.summary()
        assert s["contact_mae_ms"] < 25, (name, s)
        assert s["toe_off_mae_ms"] < 20, (name, s)
        assert s["contact_time_mae_ms"] < 30, (name, s)


def test_lowpass_is_zero_phase() -> None:
    t = np.arange(0, 4, 1 / 30)
    x = np.sin(2 * np.pi * 1.4 * t)
    y = lowpass(x + 0.05 * np.random.default_rng(0).standard_normal(len(t)), 30.0)
    peaks_x = t[1:-1][(x[1:-1] > x[:-2]) & (x[1:-1] > x[2:])]
    peaks_y = t[1:-1][(y[1:-1] > y[:-2]) & (y[1:-1] > y[2:]) & (y[1:-1] > 0.5)]
    assert len(peaks_x) == len(peaks_y)
    assert np.max(np.abs(peaks_x - peaks_y)) <= 1 / 30 + 1e-9


def test_lowpass_is_scipys_filter_without_importing_it() -> None:
    """NumPy's own Butterworth design and filtfilt give SciPy's numbers (on a landmark-like
    walk with gaps, several series at once); that the analysis imports no SciPy at all
    (scipy.signal was 0.66 CPU s) is checked with the rank filters below."""
    from scipy.signal import butter, filtfilt

    from tools.gait.filtering import butter_lowpass, lowpass_many

    for wn in (0.1, 0.27, 0.53, 0.9):
        ours, theirs = butter_lowpass(2, wn), butter(2, wn)
        assert np.allclose(ours[0], theirs[0], rtol=0, atol=1e-15)
        assert np.allclose(ours[1], theirs[1], rtol=0, atol=1e-15)
    walk = np.cumsum(np.random.default_rng(3).standard_normal((300, 5)), axis=0) * 4 + 300
    walk[40:47, 1] = np.nan  # a gap: each stretch filtered on its own
    walk[:3, 2] = np.nan
    got = lowpass_many(walk, 30.0)
    b, a = butter(2, 8.0 / 15.0)
    for column in range(walk.shape[1]):
        x = walk[:, column]
        for start, stop in _runs(np.isfinite(x)):
            want = filtfilt(b, a, x[start:stop], padlen=9)
            assert np.abs(got[start:stop, column] - want).max() < 1e-9
        assert np.array_equal(np.isnan(got[:, column]), np.isnan(x))


def test_outliers_removed_and_short_gaps_filled() -> None:
    x = np.linspace(0, 10, 50)
    spiky = x.copy()
    spiky[20] = 80.0
    cleaned = remove_outliers(spiky)
    assert np.isnan(cleaned[20]) and np.isfinite(np.delete(cleaned, 20)).all()
    filled = fill_gaps(cleaned, max_gap=3)
    assert filled[20] == pytest.approx(x[20])
    long_gap = x.copy()
    long_gap[10:20] = np.nan
    assert np.isnan(fill_gaps(long_gap, max_gap=3)[15])


def test_rank_filters_are_scipys_without_importing_it() -> None:
    """The median and percentile filters give SciPy's numbers exactly (series of any length,
    windows longer than the series, even windows, ties), and the analysis of the real clip
    never imports SciPy at all (``scipy.ndimage``: 0.22 CPU s)."""
    import subprocess
    import sys

    from scipy import ndimage

    from tools.gait.filtering import median_filter, percentile_filter

    rng = np.random.default_rng(7)
    for trial in range(600):
        x = rng.standard_normal(int(rng.integers(1, 50)))
        if trial % 3 == 0:
            x = np.round(x, 1)  # ties
        size = int(rng.integers(1, 30))
        pct = float(rng.choice([0.0, 10.0, 50.0, 90.0, 100.0, rng.uniform(0, 100)]))
        assert np.array_equal(
            median_filter(x, size=size, mode="nearest"),
            ndimage.median_filter(x, size=size, mode="nearest"),
        )
        assert np.array_equal(
            percentile_filter(x, pct, size=size, mode="nearest"),
            ndimage.percentile_filter(x, pct, size=size, mode="nearest"),
        )
    probe = (
        "import sys\n"
        "from tests.gait_clips import cached_pose\n"
        "from tests.test_gait_helpers import VIDEO, require\n"
        "from tools.gait.analyze import analyze_track\n"
        "analyze_track(*cached_pose(require(VIDEO)))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
