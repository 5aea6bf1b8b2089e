"""TCX files (Garmin Training Center XML) via ElementTree.

Tags are matched by local name, so files with or without namespace prefixes (and with a UTF-8
byte-order mark) read the same. One activity per ``<Activity>``, with its laps and trackpoints.
"""

from __future__ import annotations

import contextlib
import hashlib
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from storage.activities import NewActivity
from tools.importing.errors import ActivityFileError, NotAnActivity
from tools.importing.sports import is_foot_sport, normalise_sport
from tools.importing.summary import fill_from, keep_channels, steps_per_minute, summarise


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, *path: str) -> ET.Element | None:
    """The first descendant following ``path`` by local names, or None."""
    current: ET.Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == name), None)
    return current


def _number(element: ET.Element, *path: str) -> float | None:
    found = _child(element, *path)
    if found is None or found.text is None:
        return None
    try:
        return float(found.text.strip())
    except ValueError:
        return None


def _extension_number(element: ET.Element, name: str) -> float | None:
    """A value from ``<Extensions>`` (e.g. ``TPX/Speed``, ``TPX/RunCadence``, ``TPX/Watts``)."""
    extensions = _child(element, "Extensions")
    if extensions is None:
        return None
    for found in extensions.iter():
        if _local(found.tag) == name and found.text:
            try:
                return float(found.text.strip())
            except ValueError:
                return None
    return None


def parse_time(text: str) -> datetime:
    """An ISO 8601 time as aware UTC (a time without zone is taken as UTC)."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _time(element: ET.Element, *path: str) -> datetime | None:
    found = _child(element, *path)
    if found is None or not found.text:
        return None
    try:
        return parse_time(found.text)
    except ValueError:
        return None


def _lap_row(lap: ET.Element, foot: bool) -> dict[str, Any]:
    start = lap.get("StartTime")
    cadence = _number(lap, "Cadence") or _extension_number(lap, "AvgRunCadence")
    elapsed = _number(lap, "TotalTimeSeconds")
    distance = _number(lap, "DistanceMeters")
    speed = _extension_number(lap, "AvgSpeed")
    if speed is None and elapsed and distance is not None:
        speed = distance / elapsed
    return {
        "start_time": parse_time(start) if start else None,
        "elapsed_time_s": elapsed,
        "moving_time_s": None,
        "distance_m": distance,
        "avg_hr": _number(lap, "AverageHeartRateBpm", "Value"),
        "max_hr": _number(lap, "MaximumHeartRateBpm", "Value"),
        "avg_cadence_spm": (cadence * 2 if foot and cadence < 120 else cadence)
        if cadence
        else None,
        "avg_speed_mps": speed,
        "avg_power_w": _extension_number(lap, "AvgWatts"),
    }


def _activity(
    activity: ET.Element, device: str, digest: str, index: int, file_name: str
) -> NewActivity | None:
    sport = normalise_sport(activity.get("Sport"))
    foot = is_foot_sport(sport)
    laps = [c for c in activity if _local(c.tag) == "Lap"]
    points: list[tuple[datetime, ET.Element]] = []
    for lap in laps:
        for point in lap.iter():
            if _local(point.tag) == "Trackpoint":
                moment = _time(point, "Time")
                if moment is not None:
                    points.append((moment, point))
    points.sort(key=lambda item: item[0])
    start = _time(activity, "Id")
    if laps and laps[0].get("StartTime"):
        with contextlib.suppress(ValueError):
            start = parse_time(laps[0].get("StartTime", ""))
    if points:
        start = min(start, points[0][0]) if start else points[0][0]
    if start is None:
        return None
    columns: dict[str, list[float | None]] = {
        name: []
        for name in (
            "time",
            "lat",
            "lng",
            "altitude",
            "distance",
            "heart_rate",
            "cadence",
            "speed",
            "power",
        )
    }
    for moment, point in points:
        columns["time"].append((moment - start).total_seconds())
        columns["lat"].append(_number(point, "Position", "LatitudeDegrees"))
        columns["lng"].append(_number(point, "Position", "LongitudeDegrees"))
        columns["altitude"].append(_number(point, "AltitudeMeters"))
        columns["distance"].append(_number(point, "DistanceMeters"))
        columns["heart_rate"].append(_number(point, "HeartRateBpm", "Value"))
        cadence = _number(point, "Cadence")
        if cadence is None:
            cadence = _extension_number(point, "RunCadence")
        columns["cadence"].append(cadence)
        columns["speed"].append(_extension_number(point, "Speed"))
        columns["power"].append(_extension_number(point, "Watts"))
    streams = keep_channels(columns)
    if "cadence" in streams and foot:
        streams["cadence"] = steps_per_minute(streams["cadence"])
    lap_rows = [_lap_row(lap, foot) for lap in laps]
    lap_distance = [row["distance_m"] for row in lap_rows if row["distance_m"] is not None]
    lap_time = [row["elapsed_time_s"] for row in lap_rows if row["elapsed_time_s"] is not None]
    hr_max = [row["max_hr"] for row in lap_rows if row["max_hr"] is not None]
    new = NewActivity(
        source="file",
        source_id=f"sha256:{digest}:{index}",
        sport=sport,
        start_time=start,
        name=(activity.get("Sport") or "Activity").strip()[:255],
        distance_m=sum(lap_distance) if lap_distance else None,
        moving_time_s=sum(lap_time) if lap_time else None,
        max_hr=max(hr_max) if hr_max else None,
        device=device,
        file_name=file_name,
        streams=streams,
        laps=lap_rows,
    )
    fill_from(new, summarise(streams))
    return new


def parse_tcx(data: bytes, file_name: str) -> list[NewActivity]:
    """The activities in a TCX file's bytes. A TCX without activities (a course, a workout
    plan) is :class:`NotAnActivity`."""
    try:
        root = ET.fromstring(data.lstrip(b"\xef\xbb\xbf").lstrip())
    except ET.ParseError as error:
        raise ActivityFileError(
            f"not a readable TCX file ({error}); export it again from the app"
        ) from error
    digest = hashlib.sha256(data).hexdigest()
    activities = []
    for index, element in enumerate(e for e in root.iter() if _local(e.tag) == "Activity"):
        creator = _child(element, "Creator", "Name")
        device = (creator.text or "").strip() if creator is not None else ""
        activity = _activity(element, device, digest, index, file_name)
        if activity is not None:
            activities.append(activity)
    if not activities:
        raise NotAnActivity("a TCX file without a recorded activity")
    return activities
