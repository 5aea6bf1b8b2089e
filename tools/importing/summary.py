"""Summary numbers computed from an activity's streams, for files that do not state them
(GPX never does; TCX and FIT sometimes leave fields out)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
# Below this speed a stretch counts as standing still (moving time leaves it out).
MOVING_SPEED_MPS = 0.5
# Altitude changes smaller than this are treated as noise when summing the climb.
CLIMB_DEAD_BAND_M = 2.0
# A running cadence below this median is taken to count strides (one foot), not steps.
STRIDE_CADENCE_LIMIT = 120.0


@dataclass
class StreamSummary:
    """What the streams say about the whole activity; None where they cannot say."""

    distance_m: float | None = None
    elapsed_time_s: float | None = None
    moving_time_s: float | None = None
    elevation_gain_m: float | None = None
    avg_hr: float | None = None
    max_hr: float | None = None
    avg_cadence_spm: float | None = None
    avg_power_w: float | None = None


def haversine_m(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    """Distances in metres between consecutive points (length ``n - 1``; NaN across gaps)."""
    phi = np.radians(lat)
    lam = np.radians(lng)
    dphi = np.diff(phi)
    dlam = np.diff(lam)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi[:-1]) * np.cos(phi[1:]) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def cumulative_distance(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    """Distance from the start in metres at each point, from positions (gaps add nothing)."""
    if lat.size == 0:
        return np.zeros(0)
    steps = np.nan_to_num(haversine_m(lat, lng), nan=0.0)
    return np.concatenate([[0.0], np.cumsum(steps)])


def elevation_gain(altitude: np.ndarray, dead_band: float = CLIMB_DEAD_BAND_M) -> float | None:
    """Total climb in metres, ignoring wiggles smaller than ``dead_band``."""
    values = altitude[np.isfinite(altitude)]
    if values.size < 2:
        return None
    gain = 0.0
    anchor = float(values[0])
    for value in values[1:]:
        if value > anchor + dead_band:
            gain += float(value) - anchor
            anchor = float(value)
        elif value < anchor - dead_band:
            anchor = float(value)
    return gain


def moving_time(time: np.ndarray, distance: np.ndarray) -> float | None:
    """Seconds spent moving faster than :data:`MOVING_SPEED_MPS`."""
    ok = np.isfinite(time) & np.isfinite(distance)
    t, d = time[ok], distance[ok]
    if t.size < 2:
        return None
    dt = np.diff(t)
    dd = np.diff(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dt > 0, dd / dt, 0.0)
    return float(dt[(dt > 0) & (speed >= MOVING_SPEED_MPS)].sum())


def _mean(values: np.ndarray | None, positive_only: bool = False) -> float | None:
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    if positive_only:
        finite = finite[finite > 0]
    return float(finite.mean()) if finite.size else None


def _max(values: np.ndarray | None) -> float | None:
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else None


def summarise(streams: dict[str, np.ndarray]) -> StreamSummary:
    """Summary numbers from streams (``time`` in seconds since start, units as stored)."""
    out = StreamSummary()
    time = streams.get("time")
    distance = streams.get("distance")
    if distance is None and "lat" in streams and "lng" in streams:
        distance = cumulative_distance(streams["lat"], streams["lng"])
    if distance is not None and np.isfinite(distance).any():
        finite = distance[np.isfinite(distance)]
        out.distance_m = float(finite.max() - finite[0])
    if time is not None and time.size:
        out.elapsed_time_s = float(np.nanmax(time) - np.nanmin(time))
        if distance is not None:
            out.moving_time_s = moving_time(time, distance)
    if "altitude" in streams:
        out.elevation_gain_m = elevation_gain(streams["altitude"])
    out.avg_hr = _mean(streams.get("heart_rate"), positive_only=True)
    out.max_hr = _max(streams.get("heart_rate"))
    out.avg_cadence_spm = _mean(streams.get("cadence"), positive_only=True)
    out.avg_power_w = _mean(streams.get("power"), positive_only=True)
    return out


def steps_per_minute(cadence: np.ndarray) -> np.ndarray:
    """A foot cadence of unknown convention in steps/min: doubled when it counts strides.

    FIT always counts strides (one foot); TCX and GPX writers differ, so the median of the
    moving values decides (nobody runs or walks at under 120 steps/min for long).
    """
    moving = cadence[np.isfinite(cadence) & (cadence > 0)]
    if moving.size and float(np.median(moving)) < STRIDE_CADENCE_LIMIT:
        return cadence * 2.0
    return cadence


def fill_from(new: object, summary: StreamSummary) -> None:
    """Set each summary field that ``new`` (a NewActivity) lacks from ``summary``."""
    for name, value in vars(summary).items():
        if getattr(new, name, None) is None and value is not None:
            setattr(new, name, value)


def to_array(values: list[float | None]) -> np.ndarray:
    """A float array with NaN for missing values."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def keep_channels(columns: dict[str, list[float | None]]) -> dict[str, np.ndarray]:
    """The channels that hold at least one value, as arrays."""
    streams: dict[str, np.ndarray] = {}
    for channel, values in columns.items():
        array = to_array(values)
        if array.size and np.isfinite(array).any():
            streams[channel] = array
    return streams
