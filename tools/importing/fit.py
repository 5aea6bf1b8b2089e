"""FIT files (Garmin, Stryd, Wahoo, ...) via fitdecode.

One activity per ``session`` message, so a multi-sport file (a triathlon, possibly written as
chained FIT files) becomes one activity per leg, each with the records that fall inside it.
Units are converted here: cadence to steps/min for foot sports (FIT counts strides, plus
``fractional_cadence``), positions from semicircles to degrees, ``stance_time`` to
``ground_contact_time`` (ms), ``step_length`` to ``stride_length`` (m). Developer fields are
ignored.
"""

from __future__ import annotations

import bisect
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import fitdecode
import numpy as np

from storage.activities import NewActivity
from tools.importing.errors import ActivityFileError, NotAnActivity
from tools.importing.sports import is_foot_sport, normalise_sport
from tools.importing.summary import fill_from, keep_channels, summarise

SEMICIRCLE_TO_DEG = 180.0 / 2**31

# record field(s) -> stream channel; the first field present wins (enhanced_* preferred).
_RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "distance": ("distance",),
    "heart_rate": ("heart_rate",),
    "speed": ("enhanced_speed", "speed"),
    "altitude": ("enhanced_altitude", "altitude"),
    "power": ("power",),
    "ground_contact_time": ("stance_time",),
    "vertical_oscillation": ("vertical_oscillation",),
}


@dataclass
class _Parsed:
    sessions: list[dict[str, Any]] = field(default_factory=list)
    laps: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    sports: list[dict[str, Any]] = field(default_factory=list)
    file_type: str | None = None
    device: str = ""
    utc_offset: timedelta | None = None


def _fields(frame: fitdecode.FitDataMessage) -> dict[str, Any]:
    """The message's standard (non-developer) fields that hold a value."""
    return {
        f.name: f.value
        for f in frame.fields
        if f.value is not None and not isinstance(f.field, fitdecode.types.DevField)
    }


def _read(data: bytes) -> _Parsed:
    parsed = _Parsed()
    activity_time: tuple[Any, Any] | None = None
    reader = fitdecode.FitReader(
        io.BytesIO(data),
        check_crc=fitdecode.CrcCheck.DISABLED,
        error_handling=fitdecode.ErrorHandling.RAISE,
    )
    with reader as fit:
        for frame in fit:
            if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                continue
            name = frame.name
            if name == "record":
                parsed.records.append(_fields(frame))
            elif name == "session":
                parsed.sessions.append(_fields(frame))
            elif name == "lap":
                parsed.laps.append(_fields(frame))
            elif name == "sport":
                parsed.sports.append(_fields(frame))
            elif name == "file_id" and parsed.file_type is None:
                values = _fields(frame)
                parsed.file_type = str(values.get("type", ""))
                maker = values.get("manufacturer")
                product = values.get("garmin_product") or values.get("product")
                parsed.device = " ".join(str(v) for v in (maker, product) if v is not None)
            elif name == "activity":
                values = _fields(frame)
                if isinstance(values.get("timestamp"), datetime) and isinstance(
                    values.get("local_timestamp"), datetime
                ):
                    activity_time = (values["timestamp"], values["local_timestamp"])
    if activity_time is not None:
        utc, local = activity_time
        offset = local.replace(tzinfo=None) - utc.replace(tzinfo=None)
        # Real offsets are whole quarter hours within a day.
        quarter = round(offset.total_seconds() / 900) * 900
        if abs(quarter) <= 14 * 3600:
            parsed.utc_offset = timedelta(seconds=quarter)
    return parsed


def _describe_error(error: Exception) -> str:
    if isinstance(error, fitdecode.FitHeaderError):
        return f"not a readable FIT file (bad header: {error}); export it again from the device"
    if isinstance(error, fitdecode.FitEOFError):
        return f"the FIT file is cut short ({error}); copy it again from the device or app"
    return f"the FIT file is damaged ({error}); export it again from the device or app"


def _zone_name(offset: timedelta | None) -> str:
    if offset is None:
        return ""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _cadence(values: dict[str, Any], whole: str, fraction: str, foot: bool) -> float | None:
    base = values.get(whole)
    if base is None:
        return None
    total = float(base) + float(values.get(fraction) or 0.0)
    return total * 2.0 if foot else total


def _session_cadence(session: dict[str, Any], foot: bool) -> float | None:
    if session.get("avg_running_cadence") is not None:
        return _cadence(session, "avg_running_cadence", "avg_fractional_cadence", foot)
    return _cadence(session, "avg_cadence", "avg_fractional_cadence", foot)


def _first(values: dict[str, Any], *names: str) -> Any:
    for name in names:
        if values.get(name) is not None:
            return values[name]
    return None


def _as_float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _lap_row(lap: dict[str, Any], foot: bool) -> dict[str, Any]:
    start = lap.get("start_time")
    return {
        "start_time": start if isinstance(start, datetime) else None,
        "elapsed_time_s": _as_float(lap.get("total_elapsed_time")),
        "moving_time_s": _as_float(lap.get("total_timer_time")),
        "distance_m": _as_float(lap.get("total_distance")),
        "avg_hr": _as_float(lap.get("avg_heart_rate")),
        "max_hr": _as_float(lap.get("max_heart_rate")),
        "avg_cadence_spm": _session_cadence(lap, foot),
        "avg_speed_mps": _as_float(_first(lap, "enhanced_avg_speed", "avg_speed")),
        "avg_power_w": _as_float(lap.get("avg_power")),
    }


def _streams(records: list[dict[str, Any]], start: datetime, foot: bool, rebase: bool) -> dict:
    columns: dict[str, list[float | None]] = {
        channel: []
        for channel in (
            "time",
            "distance",
            "heart_rate",
            "cadence",
            "speed",
            "altitude",
            "power",
            "lat",
            "lng",
            "ground_contact_time",
            "vertical_oscillation",
            "stride_length",
        )
    }
    for record in records:
        columns["time"].append((record["timestamp"] - start).total_seconds())
        for channel, names in _RECORD_FIELDS.items():
            columns[channel].append(_as_float(_first(record, *names)))
        columns["cadence"].append(_cadence(record, "cadence", "fractional_cadence", foot))
        lat, lng = record.get("position_lat"), record.get("position_long")
        valid = isinstance(lat, int) and isinstance(lng, int)
        columns["lat"].append(lat * SEMICIRCLE_TO_DEG if valid else None)
        columns["lng"].append(lng * SEMICIRCLE_TO_DEG if valid else None)
        step = _as_float(record.get("step_length"))
        columns["stride_length"].append(None if step is None else step / 1000.0)
    streams = keep_channels(columns)
    if rebase and "distance" in streams:
        # In a multi-sport file the distance runs on across legs; each leg starts at zero.
        distance = streams["distance"]
        finite = distance[np.isfinite(distance)]
        if finite.size:
            streams["distance"] = distance - finite[0]
    return streams


def _session_sport(session: dict[str, Any], sports: list[dict[str, Any]], index: int) -> str:
    sport = session.get("sport")
    if sport is None and index < len(sports):
        sport = sports[index].get("sport")
    sub = session.get("sub_sport")
    if str(sub) in ("trail", "treadmill", "track") and sport in (None, "generic"):
        sport = "running"
    return normalise_sport(str(sport) if sport is not None else "")


def _synthetic_session(parsed: _Parsed) -> dict[str, Any]:
    """A session for files that have records but no session message (some apps write those)."""
    times = [r["timestamp"] for r in parsed.records]
    sport = parsed.sports[0].get("sport") if parsed.sports else None
    return {
        "start_time": times[0],
        "timestamp": times[-1],
        "total_elapsed_time": (times[-1] - times[0]).total_seconds(),
        "sport": sport,
    }


def parse_fit(data: bytes, file_name: str) -> list[NewActivity]:
    """The activities in a FIT file's bytes (one per session), streams and laps included.

    Raises :class:`ActivityFileError` for a damaged file, :class:`NotAnActivity` for a FIT file
    of another kind (settings, courses, ...).
    """
    try:
        parsed = _read(data)
    except (fitdecode.FitError, ValueError, KeyError, IndexError, TypeError) as error:
        raise ActivityFileError(_describe_error(error)) from error
    parsed.records = [r for r in parsed.records if isinstance(r.get("timestamp"), datetime)]
    if parsed.file_type not in (None, "activity", "4") and not parsed.sessions:
        raise NotAnActivity(f"a FIT {parsed.file_type} file, not an activity")
    sessions = [s for s in parsed.sessions if isinstance(s.get("start_time"), datetime)]
    if not sessions:
        if not parsed.records:
            raise NotAnActivity("a FIT file without any recorded activity")
        sessions = [_synthetic_session(parsed)]
    sessions.sort(key=lambda s: s["start_time"])
    digest = hashlib.sha256(data).hexdigest()
    starts = [s["start_time"] for s in sessions]
    records_by_session: list[list[dict[str, Any]]] = [[] for _ in sessions]
    for record in sorted(parsed.records, key=lambda r: r["timestamp"]):
        index = max(bisect.bisect_right(starts, record["timestamp"]) - 1, 0)
        records_by_session[index].append(record)
    laps_by_session: list[list[dict[str, Any]]] = [[] for _ in sessions]
    for lap in parsed.laps:
        if isinstance(lap.get("start_time"), datetime):
            index = max(bisect.bisect_right(starts, lap["start_time"]) - 1, 0)
            laps_by_session[index].append(lap)
    multi = len(sessions) > 1
    activities = []
    for index, session in enumerate(sessions):
        sport = _session_sport(session, parsed.sports, index)
        foot = is_foot_sport(sport)
        start: datetime = session["start_time"]
        profile = session.get("sport_profile_name")
        raw_sport = str(session.get("sport") or "activity").replace("_", " ")
        name = str(profile) if profile else raw_sport.capitalize()
        streams = _streams(records_by_session[index], start, foot, rebase=multi)
        new = NewActivity(
            source="file",
            source_id=f"sha256:{digest}:{index}",
            sport=sport,
            start_time=start,
            name=name,
            timezone=_zone_name(parsed.utc_offset),
            distance_m=_as_float(session.get("total_distance")),
            moving_time_s=_as_float(session.get("total_timer_time")),
            elapsed_time_s=_as_float(session.get("total_elapsed_time")),
            elevation_gain_m=_as_float(session.get("total_ascent")),
            avg_hr=_as_float(session.get("avg_heart_rate")),
            max_hr=_as_float(session.get("max_heart_rate")),
            avg_cadence_spm=_session_cadence(session, foot),
            avg_power_w=_as_float(session.get("avg_power")),
            device=parsed.device,
            file_name=file_name,
            streams=streams,
            laps=[
                _lap_row(lap, foot)
                for lap in sorted(laps_by_session[index], key=lambda x: x["start_time"])
            ],
        )
        fill_from(new, summarise(streams))
        activities.append(new)
    return activities
