"""Activities, their streams and laps: every read and write is scoped to the acting user."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.access import require_access, visible_athlete_ids
from storage.models import Activity, ActivityMetrics, Lap, Stream, User
from storage.streams import pack, unpack

# Two records of the same sport starting this close together are one real activity
# (the same run from a watch file and from a Strava export, say).
SAME_ACTIVITY_WINDOW = timedelta(seconds=90)

SUMMARY_FIELDS = (
    "sport",
    "name",
    "start_time",
    "timezone",
    "distance_m",
    "moving_time_s",
    "elapsed_time_s",
    "elevation_gain_m",
    "avg_hr",
    "max_hr",
    "avg_cadence_spm",
    "avg_power_w",
    "avg_temp_c",
    "is_race",
    "perceived_effort",
    "device",
    "file_name",
)


@dataclass
class NewActivity:
    """An activity as a parser or the Strava client reads it, before it is stored."""

    source: str
    source_id: str
    sport: str
    start_time: datetime
    name: str = ""
    timezone: str = ""
    distance_m: float | None = None
    moving_time_s: float | None = None
    elapsed_time_s: float | None = None
    elevation_gain_m: float | None = None
    avg_hr: float | None = None
    max_hr: float | None = None
    avg_cadence_spm: float | None = None
    avg_power_w: float | None = None
    avg_temp_c: float | None = None
    is_race: bool | None = None
    perceived_effort: float | None = None
    device: str = ""
    file_name: str = ""
    streams: dict[str, np.ndarray] = field(default_factory=dict)
    laps: list[dict[str, Any]] = field(default_factory=list)


def find_existing(session: Session, athlete_id: int, new: NewActivity) -> Activity | None:
    """The stored activity that ``new`` repeats: the same source record, or the same sport
    started within :data:`SAME_ACTIVITY_WINDOW`."""
    same_source = session.scalar(
        select(Activity).where(
            Activity.user_id == athlete_id,
            Activity.source == new.source,
            Activity.source_id == new.source_id,
        )
    )
    if same_source is not None:
        return same_source
    return session.scalar(
        select(Activity).where(
            Activity.user_id == athlete_id,
            Activity.sport == new.sport,
            Activity.start_time >= new.start_time - SAME_ACTIVITY_WINDOW,
            Activity.start_time <= new.start_time + SAME_ACTIVITY_WINDOW,
        )
    )


def held_record(
    session: Session, actor: User, athlete_id: int, source: str, source_id: str
) -> tuple[bool, bool]:
    """``(held, with_samples)``: whether ``athlete_id`` has the record ``source``/``source_id``,
    and whether it has any streams (a cheap check before parsing a file again)."""
    require_access(session, actor, athlete_id)
    activity_id = session.scalar(
        select(Activity.id).where(
            Activity.user_id == athlete_id,
            Activity.source == source,
            Activity.source_id == source_id,
        )
    )
    if activity_id is None:
        return False, False
    streams = session.scalar(select(func.count()).where(Stream.activity_id == activity_id))
    return True, bool(streams)


def add_activity(
    session: Session, actor: User, athlete_id: int, new: NewActivity
) -> tuple[Activity, bool]:
    """Store ``new`` for ``athlete_id`` unless it is already there.

    Returns ``(activity, created)``. A repeat fills in what the stored copy lacks (streams,
    heart rate, ...) and is not added again.
    """
    require_access(session, actor, athlete_id)
    existing = find_existing(session, athlete_id, new)
    if existing is not None:
        _fill_missing(session, existing, new)
        return existing, False
    activity = Activity(
        user_id=athlete_id,
        source=new.source,
        source_id=new.source_id,
        **{name: getattr(new, name) for name in SUMMARY_FIELDS},
    )
    session.add(activity)
    session.flush()
    _store_streams(session, activity, new.streams)
    for index, lap in enumerate(new.laps):
        session.add(Lap(activity_id=activity.id, index=index, **lap))
    session.flush()
    return activity, True


def _fill_missing(session: Session, activity: Activity, new: NewActivity) -> None:
    for name in SUMMARY_FIELDS:
        if getattr(activity, name) in (None, "") and getattr(new, name) not in (None, ""):
            setattr(activity, name, getattr(new, name))
    have = set(session.scalars(select(Stream.channel).where(Stream.activity_id == activity.id)))
    added = {k: v for k, v in new.streams.items() if k not in have}
    _store_streams(session, activity, added)
    # What was computed from the old record is out of date; trends compute it again.
    session.execute(delete(ActivityMetrics).where(ActivityMetrics.activity_id == activity.id))
    if not activity.laps and new.laps:
        for index, lap in enumerate(new.laps):
            session.add(Lap(activity_id=activity.id, index=index, **lap))
    session.flush()


def _store_streams(session: Session, activity: Activity, streams: Mapping[str, Any]) -> None:
    for channel, values in streams.items():
        dtype, length, data = pack(channel, values)
        session.add(
            Stream(activity_id=activity.id, channel=channel, dtype=dtype, length=length, data=data)
        )


def list_activities(
    session: Session,
    actor: User,
    athlete_id: int | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    sport: str | Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Activity]:
    """Activities ``actor`` may see, newest first: one athlete's if ``athlete_id`` is given
    (refused if not visible), else all visible ones."""
    if athlete_id is None:
        ids = visible_athlete_ids(session, actor)
    else:
        require_access(session, actor, athlete_id)
        ids = {athlete_id}
    query = select(Activity).where(Activity.user_id.in_(ids))
    if since is not None:
        query = query.where(Activity.start_time >= since)
    if until is not None:
        query = query.where(Activity.start_time < until)
    if sport:
        sports = [sport] if isinstance(sport, str) else list(sport)
        query = query.where(Activity.sport.in_(sports))
    query = query.order_by(Activity.start_time.desc(), Activity.id.desc())
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_activities(session: Session, actor: User, athlete_id: int) -> int:
    """How many activities ``athlete_id`` has (refused if ``actor`` may not see them)."""
    require_access(session, actor, athlete_id)
    return (
        session.scalar(
            select(func.count()).select_from(Activity).where(Activity.user_id == athlete_id)
        )
        or 0
    )


def get_activity(session: Session, actor: User, activity_id: int) -> Activity | None:
    """One activity, or None if it does not exist or ``actor`` may not see it."""
    activity = session.get(Activity, activity_id)
    if activity is None or activity.user_id not in visible_athlete_ids(session, actor):
        return None
    return activity


def get_streams(session: Session, actor: User, activity_id: int) -> dict[str, np.ndarray]:
    """An activity's samples by channel (empty if none, or not visible)."""
    activity = get_activity(session, actor, activity_id)
    if activity is None:
        return {}
    rows = session.scalars(select(Stream).where(Stream.activity_id == activity.id))
    return {row.channel: unpack(row.dtype, row.length, row.data) for row in rows}


def newest_start(session: Session, actor: User, athlete_id: int, source: str) -> datetime | None:
    """The start of the newest activity from ``source`` for ``athlete_id``."""
    require_access(session, actor, athlete_id)
    return session.scalar(
        select(func.max(Activity.start_time)).where(
            Activity.user_id == athlete_id, Activity.source == source
        )
    )


def source_ids(session: Session, actor: User, athlete_id: int, source: str) -> set[str]:
    """The source ids already held for ``athlete_id`` from ``source``."""
    require_access(session, actor, athlete_id)
    return set(
        session.scalars(
            select(Activity.source_id).where(
                Activity.user_id == athlete_id, Activity.source == source
            )
        )
    )


def delete_activity(session: Session, actor: User, activity_id: int) -> bool:
    """Delete an activity the actor may see (with its streams and laps)."""
    activity = get_activity(session, actor, activity_id)
    if activity is None:
        return False
    session.execute(delete(Stream).where(Stream.activity_id == activity.id))
    session.execute(delete(Lap).where(Lap.activity_id == activity.id))
    session.delete(activity)
    session.flush()
    return True
