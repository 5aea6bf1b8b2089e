"""Cleaning landmark trajectories: outliers out, short gaps filled, zero-phase low-pass filter."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Low-pass cut-off for running kinematics; capped below Nyquist for low frame rates.
CUTOFF_HZ = 8.0
#: Gaps up to this long are interpolated; longer ones stay missing.
MAX_GAP_S = 0.2


def preload() -> None:
    """Import the SciPy filters now (0.2 s of CPU): called while pose runs, so the analysis
    after it does not wait for them. (The low-pass filter is NumPy's own: SciPy's signal
    package took 0.66 CPU s to import for it.)"""
    import scipy.ndimage  # noqa: F401


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


def butter_lowpass(order: int, wn: float) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.butter(order, wn)``: a Butterworth low-pass's ``(b, a)`` for a cut-off of
    ``wn`` times Nyquist. Order 2 in closed form (the bilinear transform of the prewarped analog
    filter, as SciPy designs it), so the analysis need not import SciPy's signal package."""
    if order != 2:
        from scipy.signal import butter

        b, a = butter(order, wn)
        return np.asarray(b, dtype=float), np.asarray(a, dtype=float)
    k = np.tan(np.pi * wn / 2)
    norm = 1 / (1 + np.sqrt(2) * k + k * k)
    b = np.array([1.0, 2.0, 1.0]) * k * k * norm
    a = np.array([1.0, 2 * (k * k - 1) * norm, (1 - np.sqrt(2) * k + k * k) * norm])
    return b, a


def _steady_state(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``scipy.signal.lfilter_zi``: the filter's state for a step of 1 held for ever."""
    n = len(a) - 1
    companion = np.zeros((n, n))
    companion[0] = -a[1:] / a[0]
    companion[1:, :-1] = np.eye(n - 1)
    return np.linalg.solve(np.eye(n) - companion.T, b[1:] - a[1:] * b[0])


def _lfilter(b: np.ndarray, a: np.ndarray, x: np.ndarray, state: np.ndarray) -> np.ndarray:
    """``scipy.signal.lfilter`` (direct form II transposed) along axis 0 of ``x`` (samples x
    series, every series at once), from ``state`` (orders x series)."""
    z = state.copy()
    y = np.empty_like(x)
    n = len(a) - 1
    for i, xi in enumerate(x):
        yi = b[0] * xi + z[0]
        for j in range(n - 1):
            z[j] = b[j + 1] * xi + z[j + 1] - a[j + 1] * yi
        z[n - 1] = b[n] * xi - a[n] * yi
        y[i] = yi
    return y


def filtfilt(b: np.ndarray, a: np.ndarray, x: np.ndarray, padlen: int) -> np.ndarray:
    """``scipy.signal.filtfilt(b, a, x, axis=0, padlen=padlen)`` (odd extension at both ends,
    each pass started from its steady state) for samples x series."""
    ext = np.concatenate(
        [2 * x[0] - x[padlen:0:-1], x, 2 * x[-1] - x[-2 : -padlen - 2 : -1]], axis=0
    )
    zi = _steady_state(b, a)[:, None]
    y = _lfilter(b, a, ext, zi * ext[0])
    y = _lfilter(b, a, y[::-1], zi * y[-1])[::-1]
    return y[padlen:-padlen]


def lowpass(
    signal: np.ndarray, fs: float, cutoff_hz: float = CUTOFF_HZ, order: int = 2
) -> np.ndarray:
    """Zero-phase Butterworth low-pass (filtfilt: ``order`` applied forwards and back), run on each
    stretch without gaps; stretches too short to filter are left as they are."""
    return lowpass_many(signal[:, None], fs, cutoff_hz, order)[:, 0]


def lowpass_many(
    signals: np.ndarray, fs: float, cutoff_hz: float = CUTOFF_HZ, order: int = 2
) -> np.ndarray:
    """:func:`lowpass` of each column of ``signals`` (samples x series), the columns with the
    same stretches without gaps filtered together."""
    out = signals.copy()
    wn = min(cutoff_hz / (fs / 2), 0.9)
    b, a = butter_lowpass(order, wn)
    padlen = 3 * max(len(a), len(b))
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for column in range(signals.shape[1]):
        runs = tuple(_runs(np.isfinite(signals[:, column])))
        groups.setdefault(runs, []).append(column)
    for runs, columns in groups.items():
        for start, stop in runs:
            if stop - start > padlen:
                out[start:stop, columns] = filtfilt(b, a, signals[start:stop, columns], padlen)
    return out


def clean_trajectories(
    xy: np.ndarray, fs: float, *, outlier_floor_px: float = 0.0, cutoff_hz: float = CUTOFF_HZ
) -> np.ndarray:
    """Outlier removal, gap filling and low-pass filtering of every landmark coordinate.

    ``xy`` is ``(T, K, 2)`` with NaN for missing samples; returns an array of the same shape.
    """
    filled = np.full_like(xy, np.nan)
    max_gap = max(1, round(MAX_GAP_S * fs))
    for k in range(xy.shape[1]):
        for d in range(xy.shape[2]):
            s = remove_outliers(xy[:, k, d], floor=outlier_floor_px)
            filled[:, k, d] = fill_gaps(s, max_gap=max_gap)
    flat = filled.reshape(len(xy), -1)
    return lowpass_many(flat, fs, cutoff_hz).reshape(xy.shape)
