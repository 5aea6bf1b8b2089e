"""Cleaning landmark trajectories: outliers out, short gaps filled, zero-phase low-pass filter."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Low-pass cut-off for running kinematics; capped below Nyquist for low frame rates.
CUTOFF_HZ = 8.0
#: Gaps up to this long are interpolated; longer ones stay missing.
MAX_GAP_S = 0.2


def preload() -> None:
    """Import the SciPy filters now (0.8 s of CPU): called while pose runs, so the analysis
    after it does not wait for them."""
    import scipy.ndimage
    import scipy.signal  # noqa: F401


def median_filter(values: np.ndarray, **options: Any) -> np.ndarray:
    """``scipy.ndimage.median_filter``, imported on first use: a third of a second that a chat
    turn, which imports the gait modules through the trend tools, does not need."""
    from scipy import ndimage

    return ndimage.median_filter(values, **options)


def percentile_filter(values: np.ndarray, percentile: float, **options: Any) -> np.ndarray:
    """``scipy.ndimage.percentile_filter``, imported on first use (see :func:`median_filter`)."""
    from scipy import ndimage

    return ndimage.percentile_filter(values, percentile, **options)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges where ``mask`` is True."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def remove_outliers(
    signal: np.ndarray, *, window: int = 5, k: float = 5.0, floor: float = 0.0
) -> np.ndarray:
    """Hampel filter: samples further than ``k`` robust SDs (at least ``floor``) from the local
    median become NaN. ``signal`` is 1-D with NaN for missing samples."""
    out = signal.copy()
    finite = np.isfinite(signal)
    if finite.sum() < window:
        return out
    filled = fill_gaps(signal, max_gap=len(signal))
    med = median_filter(filled, size=window, mode="nearest")
    dev = np.abs(filled - med)
    mad = median_filter(dev, size=window * 3, mode="nearest") * 1.4826
    # never below the whole signal's typical deviation: smooth stretches have a local MAD near 0
    mad = np.maximum(mad, float(np.mean(dev)))
    out[finite & (dev > np.maximum(k * mad, floor))] = np.nan
    return out


def fill_gaps(signal: np.ndarray, *, max_gap: int) -> np.ndarray:
    """Linearly interpolate interior runs of NaN no longer than ``max_gap`` samples."""
    out = signal.copy()
    finite = np.isfinite(signal)
    if finite.sum() < 2:
        return out
    idx = np.arange(len(signal))
    first, last = np.flatnonzero(finite)[[0, -1]]
    for a, b in _runs(~finite):
        if a > first and b <= last and b - a <= max_gap:
            out[a:b] = np.interp(idx[a:b], idx[finite], signal[finite])
    return out


def lowpass(
    signal: np.ndarray, fs: float, cutoff_hz: float = CUTOFF_HZ, order: int = 2
) -> np.ndarray:
    """Zero-phase Butterworth low-pass (filtfilt: ``order`` applied forwards and back), run on each
    stretch without gaps; stretches too short to filter are left as they are."""
    from scipy.signal import butter, filtfilt  # seconds to import: only when filtering

    out = signal.copy()
    wn = min(cutoff_hz / (fs / 2), 0.9)
    b, a = butter(order, wn)
    padlen = 3 * max(len(a), len(b))
    for start, stop in _runs(np.isfinite(signal)):
        if stop - start > padlen:
            out[start:stop] = filtfilt(b, a, signal[start:stop], padlen=padlen)
    return out


def clean_trajectories(
    xy: np.ndarray, fs: float, *, outlier_floor_px: float = 0.0, cutoff_hz: float = CUTOFF_HZ
) -> np.ndarray:
    """Outlier removal, gap filling and low-pass filtering of every landmark coordinate.

    ``xy`` is ``(T, K, 2)`` with NaN for missing samples; returns an array of the same shape.
    """
    out = np.full_like(xy, np.nan)
    max_gap = max(1, round(MAX_GAP_S * fs))
    for k in range(xy.shape[1]):
        for d in range(xy.shape[2]):
            s = remove_outliers(xy[:, k, d], floor=outlier_floor_px)
            s = fill_gaps(s, max_gap=max_gap)
            out[:, k, d] = lowpass(s, fs, cutoff_hz)
    return out
