"""Cleaning landmark trajectories: outliers out, short gaps filled, zero-phase low-pass filter."""

from __future__ import annotations

import numpy as np

#: Low-pass cut-off for running kinematics; capped below Nyquist for low frame rates.
CUTOFF_HZ = 8.0
#: Gaps up to this long are interpolated; longer ones stay missing.
MAX_GAP_S = 0.2


def preload() -> None:
    """Nothing left to load ahead: the filters here are NumPy's own (SciPy's ``ndimage``, 0.22
    CPU s to import, and its ``signal``, 0.66 s, were imported for them). Kept for callers that
    load the analysis while pose runs."""


def _rank_filter(values: np.ndarray, size: int, rank: int, mode: str) -> np.ndarray:
    """The ``rank``-th smallest value of each ``size``-long window of a 1-D series, centred as
    SciPy centres it (``size // 2`` before), the ends extended by their own values (SciPy's
    ``mode="nearest"``, the only mode used here): SciPy's numbers exactly, as each is one of
    the series' own values."""
    if mode != "nearest":
        raise ValueError(f"only mode='nearest' is implemented, not {mode!r}")
    series = np.asarray(values)
    if series.ndim != 1:
        raise ValueError("a 1-D series is expected")
    if len(series) == 0:
        return series.copy()
    padded = np.pad(series, (size // 2, size - 1 - size // 2), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, size)
    return np.partition(windows, rank, axis=1)[:, rank].astype(series.dtype, copy=False)


def median_filter(values: np.ndarray, *, size: int, mode: str = "nearest") -> np.ndarray:
    """``scipy.ndimage.median_filter`` of a 1-D series (an even ``size`` takes the upper of the
    two middle values, as SciPy does)."""
    return _rank_filter(values, int(size), int(size) // 2, mode)


def percentile_filter(
    values: np.ndarray, percentile: float, *, size: int, mode: str = "nearest"
) -> np.ndarray:
    """``scipy.ndimage.percentile_filter`` of a 1-D series (SciPy's rank: ``int(size *
    percentile / 100)``, the largest value at 100)."""
    size = int(size)
    if percentile < 0:
        percentile += 100.0
    if not 0 <= percentile <= 100:
        raise ValueError(f"percentile {percentile} is outside 0-100")
    rank = size - 1 if percentile == 100 else int(float(size) * percentile / 100.0)
    return _rank_filter(values, size, rank, mode)


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
