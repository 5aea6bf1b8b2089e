"""What one activity says about the runner: pace and grade-adjusted pace, heart rate, cadence,
step length, power, efficiency factor, aerobic decoupling and time at each heart rate.

Computed from the activity's streams where it has them, else from its summary (Strava's
``activities.csv`` rows without files give only the summary). Pure functions: storage keeps the
results (``storage.metrics``), trends and training load read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from storage.models import Activity
from tools.trends.load import HR_HIGH, HR_LOW

#: Bump when what is computed here changes; stored metrics of an older version are recomputed.
#: 2: ``step_m`` (step length) beside ``stride_m``.
VERSION = 2
#: Below this speed a runner is standing (m/s); such samples are left out of averages.
MOVING_SPEED = 0.5
#: A gap between samples longer than this is a pause, not time at that heart rate (s).
MAX_SAMPLE_GAP = 10.0
#: Decoupling needs a steady effort of at least this long (s) to mean anything.
MIN_DECOUPLING_S = 20 * 60
TRACK_POINTS = 300

_OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")


@dataclass
class Computed:
    """One activity's metrics. ``values`` holds only what could be computed (no None)."""

    source: str  # "streams" | "summary"
    local_date: date
    values: dict[str, float] = field(default_factory=dict)
    hr_seconds: dict[str, float] = field(default_factory=dict)
    track: list[list[float]] = field(default_factory=list)


def _local_clock(moment: datetime, zone: str) -> datetime | None:
    """``moment`` as the clock read where the activity happened; None when ``zone`` is empty or
    unknown."""
    match = _OFFSET.match(zone or "")
    if match:
        sign = 1 if match.group(1) == "+" else -1
        offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        return moment + sign * offset
    try:
        return moment.astimezone(ZoneInfo(zone)) if zone else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_date(moment: datetime, zone: str) -> date:
    """The calendar day ``moment`` fell on where the activity happened (UTC if unknown)."""
    local = _local_clock(moment, zone)
    return (local if local is not None else moment).date()


def local_hour(moment: datetime, zone: str) -> float:
    """The hour of the day (0-24, with minutes as a fraction) ``moment`` was where the activity
    happened; NaN when its time zone is unknown (the UTC hour would say nothing of the day)."""
    local = _local_clock(moment, zone)
    if local is None:
        return float("nan")
    return local.hour + local.minute / 60.0


def energy_cost(grade: np.ndarray | float) -> np.ndarray | float:
    """Minetti et al. (2002, J Appl Physiol 93:1039) cost of running on a grade (a fraction,
    -0.45..0.45), in J/kg/m; 3.6 on the flat."""
    g = np.clip(grade, -0.45, 0.45)
    return 155.4 * g**5 - 30.4 * g**4 - 43.3 * g**3 + 46.3 * g**2 + 19.5 * g + 3.6


def summary_grade_factor(elevation_gain_m: float | None, distance_m: float | None) -> float:
    """How much harder than the flat a run with this climb was, from the summary only: the climb
    is taken as spread over half the distance and descended over the other half (a loop)."""
    if not elevation_gain_m or not distance_m or distance_m <= 0:
        return 1.0
    grade = min(0.45, 2.0 * elevation_gain_m / distance_m)
    return float((energy_cost(grade) + energy_cost(-grade)) / 2.0 / energy_cost(0.0))


def compute(activity: Activity, streams: dict[str, np.ndarray]) -> Computed:
    """The metrics of ``activity``, from ``streams`` (by channel) when they hold speed or
    distance over time, else from its summary."""
    day = local_date(activity.start_time, activity.timezone)
    summary = _from_summary(activity)
    if "time" in streams and ("speed" in streams or "distance" in streams):
        computed = _from_streams(activity, streams, day)
        # What the streams could not give, the summary may (a watch's own averages).
        for key, value in summary.items():
            computed.values.setdefault(key, value)
    else:
        computed = Computed(source="summary", local_date=day, values=summary)
    _derived(computed.values)
    computed.track = _track(streams)
    return computed


def _from_summary(activity: Activity) -> dict[str, float]:
    values: dict[str, float] = {}
    seconds = activity.moving_time_s or activity.elapsed_time_s
    if activity.distance_m:
        values["distance_km"] = activity.distance_m / 1000.0
    if seconds:
        values["duration_min"] = seconds / 60.0
    if activity.distance_m and seconds:
        values["speed_mps"] = activity.distance_m / seconds
        factor = summary_grade_factor(activity.elevation_gain_m, activity.distance_m)
        values["gap_speed_mps"] = values["speed_mps"] * factor
    for key, value in (
        ("avg_hr", activity.avg_hr),
        ("max_hr", activity.max_hr),
        ("cadence_spm", activity.avg_cadence_spm),
        ("power_w", activity.avg_power_w),
        ("elevation_gain_m", activity.elevation_gain_m),
        ("temp_c", activity.avg_temp_c),
        ("effort", activity.perceived_effort),
    ):
        if value is not None and np.isfinite(value) and (value > 0 or key == "temp_c"):
            values[key] = float(value)
    if activity.is_race:
        values["race"] = 1.0
    return values


def _from_streams(activity: Activity, streams: dict[str, np.ndarray], day: date) -> Computed:
    time = np.asarray(streams["time"], dtype=float)
    n = time.size
    dt = np.diff(time, prepend=time[0]) if n else time
    dt = np.where((dt > 0) & (dt <= MAX_SAMPLE_GAP), dt, 0.0)
    speed = _speed(streams, time)
    moving = (speed > MOVING_SPEED) & np.isfinite(speed)
    weights = dt * moving
    values: dict[str, float] = {}
    moving_s = float(weights.sum())
    if moving_s > 0:
        values["duration_min"] = moving_s / 60.0
        distance = float(np.nansum(np.where(moving, speed, 0.0) * dt))
        values["distance_km"] = distance / 1000.0
        values["speed_mps"] = distance / moving_s
        grade = _grade(streams, n)
        if grade is not None:
            cost = np.asarray(energy_cost(grade)) / energy_cost(0.0)
            flat_equivalent = np.nansum(np.where(moving, speed * cost, 0.0) * dt)
            values["gap_speed_mps"] = float(flat_equivalent / moving_s)
    channels = (("avg_hr", "heart_rate"), ("cadence_spm", "cadence"), ("power_w", "power"))
    for key, channel in channels:
        mean = _weighted_mean(streams.get(channel), weights, n)
        if mean is not None:
            values[key] = mean
    hr_seconds: dict[str, float] = {}
    heart = streams.get("heart_rate")
    if heart is not None and heart.size == n:
        valid = np.isfinite(heart) & (heart >= HR_LOW) & (heart <= HR_HIGH) & (dt > 0)
        if valid.any():
            values["max_hr"] = float(np.max(heart[valid]))
            bins = np.rint(heart[valid]).astype(int)
            totals = np.bincount(bins, weights=dt[valid])
            hr_seconds = {str(b): round(float(s), 1) for b, s in enumerate(totals) if s > 0}
            decoupling = _decoupling(speed, heart, dt, moving, time)
            if decoupling is not None:
                values["decoupling_pct"] = decoupling
    return Computed(source="streams", local_date=day, values=values, hr_seconds=hr_seconds)


def _speed(streams: dict[str, np.ndarray], time: np.ndarray) -> np.ndarray:
    speed = streams.get("speed")
    if speed is not None and speed.size == time.size and np.isfinite(speed).any():
        return np.asarray(speed, dtype=float)
    distance = np.asarray(streams.get("distance", np.full(time.size, np.nan)), dtype=float)
    if distance.size != time.size or time.size < 2:
        return np.zeros(time.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        derived = np.gradient(distance, time)
    return np.where(np.isfinite(derived), derived, 0.0)


def _grade(streams: dict[str, np.ndarray], n: int) -> np.ndarray | None:
    """The grade at each sample (a fraction), over 50 m of distance to quiet the altimeter."""
    altitude, distance = streams.get("altitude"), streams.get("distance")
    if altitude is None or distance is None or altitude.size != n or distance.size != n:
        return None
    ok = np.isfinite(altitude) & np.isfinite(distance)
    if ok.sum() < 10:
        return None
    d, a = distance[ok], altitude[ok]
    order = np.argsort(d, kind="stable")
    d, a = d[order], a[order]
    ahead = np.interp(np.asarray(distance) + 25.0, d, a)
    behind = np.interp(np.asarray(distance) - 25.0, d, a)
    grade = (ahead - behind) / 50.0
    return np.where(np.isfinite(grade), np.clip(grade, -0.45, 0.45), 0.0)


def _weighted_mean(values: np.ndarray | None, weights: np.ndarray, n: int) -> float | None:
    if values is None or values.size != n:
        return None
    ok = np.isfinite(values) & (values > 0) & (weights > 0)
    if not ok.any():
        return None
    return float(np.average(values[ok], weights=weights[ok]))


def _decoupling(
    speed: np.ndarray, heart: np.ndarray, dt: np.ndarray, moving: np.ndarray, time: np.ndarray
) -> float | None:
    """Aerobic decoupling (Friel's Pa:HR): how much the efficiency factor (speed / HR) of the
    second half of the moving time fell below the first half's, in %."""
    ok = moving & np.isfinite(heart) & (heart >= HR_LOW) & (heart <= HR_HIGH)
    weights = dt * ok
    total = weights.sum()
    if total < MIN_DECOUPLING_S:
        return None
    halfway = np.searchsorted(np.cumsum(weights), total / 2.0)
    halves = []
    for part in (slice(0, halfway), slice(halfway, None)):
        w = weights[part]
        if w.sum() <= 0:
            return None
        halves.append(
            np.average(speed[part], weights=w) / np.average(np.nan_to_num(heart[part]), weights=w)
        )
    first, second = halves
    return float((first - second) / first * 100.0)


def _derived(values: dict[str, float]) -> None:
    speed, cadence, hr = values.get("speed_mps"), values.get("cadence_spm"), values.get("avg_hr")
    if speed:
        values["pace_s_per_km"] = 1000.0 / speed
    if values.get("gap_speed_mps"):
        values["gap_pace_s_per_km"] = 1000.0 / values["gap_speed_mps"]
    if speed and cadence:
        # Cadence counts steps (both feet), so distance per cadence unit is one STEP, half a
        # stride. ``stride_m`` is the old, wrong name of the same number, kept for readers that
        # still use it (the Trends tab's figure); new code reads ``step_m``.
        values["step_m"] = speed / (cadence / 60.0)
        values["stride_m"] = values["step_m"]
    if (values.get("gap_speed_mps") or speed) and hr:
        # Efficiency factor: metres covered per heartbeat (grade-adjusted speed over HR).
        values["ef"] = (values.get("gap_speed_mps") or speed) * 60.0 / hr


def _track(streams: dict[str, np.ndarray]) -> list[list[float]]:
    lat, lng = streams.get("lat"), streams.get("lng")
    if lat is None or lng is None or lat.size != lng.size:
        return []
    ok = np.isfinite(lat) & np.isfinite(lng) & ~((lat == 0) & (lng == 0))
    points = np.column_stack([lat[ok], lng[ok]])
    if not len(points):
        return []
    step = max(1, len(points) // TRACK_POINTS)
    return [[round(float(a), 5), round(float(b), 5)] for a, b in points[::step]]


def as_row(values: dict[str, Any]) -> dict[str, float]:
    """``values`` rounded for storage (JSON)."""
    return {k: round(float(v), 4) for k, v in values.items() if v is not None and np.isfinite(v)}
