"""stravalib models -> Coach G records: summaries to :class:`NewActivity`, streams, laps.

Units are fixed here, at the edge: Strava counts running cadence per leg (a median of about
77 /min in the recordings), Coach G in steps per minute, so cadence of foot sports is doubled.
Gaps (``None`` samples) become NaN; ``latlng`` pairs become ``lat`` and ``lng`` channels.
Everything passes the import's plausibility limits (:mod:`tools.importing.plausibility`): an
impossible summary raises :class:`~tools.importing.plausibility.ImpossibleActivity` (a
``ValueError``, so a sync skips it and stores the rest); impossible samples are dropped.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
from stravalib import model

from storage.activities import NewActivity
from tools.importing.plausibility import (
    ImpossibleActivity,
    clean_laps,
    clean_samples,
    plausible,
)
from tools.importing.sports import is_foot_sport, normalise_sport

log = logging.getLogger(__name__)

SOURCE = "strava"

# The stream types a run is fetched with, and the Coach G channel each one fills.
STREAM_TYPES = (
    "time",
    "distance",
    "heartrate",
    "cadence",
    "velocity_smooth",
    "altitude",
    "watts",
    "latlng",
)
_CHANNELS = {
    "time": "time",
    "distance": "distance",
    "heartrate": "heart_rate",
    "cadence": "cadence",
    "velocity_smooth": "speed",
    "altitude": "altitude",
    "watts": "power",
}


def _number(value: Any) -> float | None:
    """A plain float (stravalib's unit-carrying floats and ints included), or None."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _steps(cadence: Any, sport: str) -> float | None:
    value = _number(cadence)
    if value is None:
        return None
    return value * 2.0 if is_foot_sport(sport) else value


def zone_name(text: str | None) -> str:
    """``"(GMT-05:00) America/New_York"`` -> ``"America/New_York"`` ('' if absent)."""
    if not text:
        return ""
    return re.sub(r"^\([^)]*\)\s*", "", str(text)).strip()


def utc(moment: datetime) -> datetime:
    """An aware UTC datetime (Strava's ``start_date`` is UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def sport_of(activity: model.SummaryActivity) -> str:
    """The Coach G sport of a Strava activity (``sport_type`` first, then the older ``type``)."""
    for kind in (activity.sport_type, activity.type):
        name = getattr(kind, "root", kind)
        if name:
            return normalise_sport(str(name))
    return "other"


#: Strava's ``workout_type`` codes for a race: 1 for runs, 11 for rides.
RACE_WORKOUT_TYPES = {"run": 1, "ride": 11}


def is_race(workout_type: Any, sport: str) -> bool | None:
    """Whether Strava marks the activity a race; None when it does not say."""
    if workout_type is None or workout_type == "":
        return None
    try:
        return int(workout_type) == RACE_WORKOUT_TYPES.get(sport, 1)
    except (TypeError, ValueError):
        return None


def summary_to_activity(activity: model.SummaryActivity) -> NewActivity:
    """A Strava ``SummaryActivity`` as an activity to store (``source_id`` = the Strava id).

    Raises :class:`~tools.importing.plausibility.ImpossibleActivity` when no one could have done
    it (dated 1970, 42,000 km, ...)."""
    if activity.id is None or activity.start_date is None:
        raise ValueError("a Strava activity without an id or start date cannot be stored")
    sport = sport_of(activity)
    new = NewActivity(
        source=SOURCE,
        source_id=str(activity.id),
        sport=sport,
        start_time=utc(activity.start_date),
        name=activity.name or "",
        timezone=zone_name(activity.timezone),
        distance_m=_number(activity.distance),
        moving_time_s=_number(activity.moving_time),
        elapsed_time_s=_number(activity.elapsed_time),
        elevation_gain_m=_number(activity.total_elevation_gain),
        avg_hr=_number(activity.average_heartrate),
        max_hr=_number(activity.max_heartrate),
        avg_cadence_spm=_steps(activity.average_cadence, sport),
        avg_power_w=_number(activity.average_watts),
        is_race=is_race(activity.workout_type, sport),
        device=getattr(activity, "device_name", None) or "",
        # the name it was uploaded to Strava under ("garmin_ping_...", "1234.tcx"): where it
        # came from, when Strava's listing gives no device (tools.trends.sources)
        file_name=(getattr(activity, "external_id", None) or "")[:255],
    )
    try:
        return plausible(new)
    except ImpossibleActivity as why:
        log.warning("Strava activity %s left out: %s", activity.id, why)
        raise


def _array(data: list[Any]) -> np.ndarray:
    """Samples as floats; NumPy turns ``None`` gaps into NaN."""
    return np.array(data, dtype=float)


def streams_to_channels(streams: Mapping[str, model.Stream], sport: str) -> dict[str, np.ndarray]:
    """Strava streams (by type) as Coach G channels of equal length.

    A channel whose length differs from ``time`` (or, without time, from the first channel) is
    left out rather than stored misaligned. Impossible samples are dropped (NaN), and a channel
    whose samples are mostly impossible is left out.
    """
    channels: dict[str, np.ndarray] = {}
    for kind, stream in streams.items():
        data = list(stream.data or [])
        if not data:
            continue
        try:
            channels.update(_channel(kind, data, sport))
        except (TypeError, ValueError):  # a malformed channel is left out, the rest kept
            continue
    if not channels:
        return {}
    length = len(channels["time"]) if "time" in channels else len(next(iter(channels.values())))
    aligned = {name: values for name, values in channels.items() if len(values) == length}
    samples = clean_samples(aligned, sport)
    for channel, why in samples.broken.items():
        log.warning("left out an impossible Strava stream: %s", why)
        for name in ("lat", "lng") if channel == "position" else (channel,):
            samples.streams.pop(name, None)
    return samples.streams


def _channel(kind: str, data: list[Any], sport: str) -> dict[str, np.ndarray]:
    """One Strava stream as Coach G channel(s) (empty for types Coach G does not keep)."""
    channels: dict[str, np.ndarray] = {}
    if kind == "latlng":
        pairs = [p if isinstance(p, list | tuple) and len(p) == 2 else (None, None) for p in data]
        channels["lat"] = _array([p[0] for p in pairs])
        channels["lng"] = _array([p[1] for p in pairs])
    elif kind in _CHANNELS:
        values = _array(data)
        if kind == "cadence" and is_foot_sport(sport):
            values = values * 2.0
        channels[_CHANNELS[kind]] = values
    return channels


def lap_to_row(lap: model.Lap, sport: str) -> dict[str, Any]:
    """A Strava lap as the keyword arguments of a stored :class:`storage.models.Lap` (an
    impossible value left out)."""
    row = {
        "start_time": utc(lap.start_date) if lap.start_date else None,
        "elapsed_time_s": _number(lap.elapsed_time),
        "moving_time_s": _number(lap.moving_time),
        "distance_m": _number(lap.distance),
        "avg_hr": _number(lap.average_heartrate),
        "max_hr": _number(lap.max_heartrate),
        "avg_cadence_spm": _steps(lap.average_cadence, sport),
        "avg_speed_mps": _number(lap.average_speed),
        "avg_power_w": _number(lap.average_watts),
    }
    (clean,), _ = clean_laps([row], sport)
    return clean
