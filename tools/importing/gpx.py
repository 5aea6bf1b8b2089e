"""GPX tracks (Garmin Connect, Strava, phone apps) via gpxpy.

GPX states no summary, so distance, times and climb are computed from the points. Heart rate,
cadence and power come from the Garmin/Strava track-point extensions (``hr``, ``cad``,
``power``), whatever their namespace prefix.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import gpxpy
import gpxpy.gpx

from storage.activities import NewActivity
from tools.importing.errors import ActivityFileError, NotAnActivity
from tools.importing.sports import is_foot_sport, normalise_sport
from tools.importing.summary import (
    cumulative_distance,
    fill_from,
    keep_channels,
    steps_per_minute,
    summarise,
)

_EXTENSION_CHANNELS = {
    "hr": "heart_rate",
    "heartrate": "heart_rate",
    "cad": "cadence",
    "cadence": "cadence",
    "runcadence": "cadence",
    "power": "power",
    "watts": "power",
}


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _extension_values(point: gpxpy.gpx.GPXTrackPoint) -> dict[str, float]:
    values: dict[str, float] = {}
    for extension in point.extensions:
        for element in extension.iter():
            channel = _EXTENSION_CHANNELS.get(_local_name(element.tag))
            if channel and element.text and channel not in values:
                try:
                    values[channel] = float(element.text)
                except ValueError:
                    continue
    return values


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _track_activity(
    track: gpxpy.gpx.GPXTrack, creator: str, digest: str, index: int, file_name: str
) -> NewActivity | None:
    points = [p for segment in track.segments for p in segment.points if p.time is not None]
    if not points:
        return None
    points.sort(key=lambda p: _utc(p.time))  # type: ignore[arg-type]
    start = _utc(points[0].time)  # type: ignore[arg-type]
    sport = normalise_sport(track.type)
    columns: dict[str, list[float | None]] = {
        name: [] for name in ("time", "lat", "lng", "altitude", "heart_rate", "cadence", "power")
    }
    for point in points:
        columns["time"].append((_utc(point.time) - start).total_seconds())  # type: ignore[arg-type]
        columns["lat"].append(point.latitude)
        columns["lng"].append(point.longitude)
        columns["altitude"].append(point.elevation)
        extra = _extension_values(point)
        for channel in ("heart_rate", "cadence", "power"):
            columns[channel].append(extra.get(channel))
    streams = keep_channels(columns)
    if "lat" in streams and "lng" in streams:
        streams["distance"] = cumulative_distance(streams["lat"], streams["lng"])
    if "cadence" in streams and is_foot_sport(sport):
        streams["cadence"] = steps_per_minute(streams["cadence"])
    new = NewActivity(
        source="file",
        source_id=f"sha256:{digest}:{index}",
        sport=sport,
        start_time=start,
        name=track.name or "",
        device=creator,
        file_name=file_name,
        streams=streams,
    )
    fill_from(new, summarise(streams))
    return new


def parse_gpx(data: bytes, file_name: str) -> list[NewActivity]:
    """The recorded tracks in a GPX file's bytes, one activity per track with timed points.

    A GPX with no timed track points (a planned route) is :class:`NotAnActivity`.
    """
    try:
        gpx = gpxpy.parse(_decode(data))
    except Exception as error:  # gpxpy raises several unrelated types for bad XML
        raise ActivityFileError(
            f"not a readable GPX file ({error}); export it again from the app"
        ) from error
    digest = hashlib.sha256(data).hexdigest()
    activities = []
    for index, track in enumerate(gpx.tracks):
        activity = _track_activity(track, gpx.creator or "", digest, index, file_name)
        if activity is not None:
            activities.append(activity)
    if not activities:
        raise NotAnActivity("a GPX file without timed track points (a route, not an activity)")
    return activities
