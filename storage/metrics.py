"""Per-activity metrics and athlete profiles: every read and write is scoped to the acting user."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.access import require_access
from storage.models import Activity, ActivityMetrics, AthleteProfile, Stream, User
from storage.streams import unpack

PROFILE_FIELDS = ("sex", "resting_hr", "max_hr", "threshold_hr", "threshold_pace_s_per_km")


def stale_activities(
    session: Session, actor: User, athlete_id: int, version: int
) -> list[Activity]:
    """``athlete_id``'s activities whose metrics are missing or of another ``version``."""
    require_access(session, actor, athlete_id)
    query = (
        select(Activity)
        .outerjoin(ActivityMetrics, ActivityMetrics.activity_id == Activity.id)
        .where(Activity.user_id == athlete_id)
        .where(or_(ActivityMetrics.activity_id.is_(None), ActivityMetrics.version != version))
    )
    return list(session.scalars(query))


def fingerprint(session: Session, actor: User, athlete_id: int) -> tuple[int, int]:
    """``(count, sum of ids)`` of ``athlete_id``'s activities: it changes when one is added or
    deleted, so a table built from them can be kept until it does."""
    require_access(session, actor, athlete_id)
    count, total = session.execute(
        select(func.count(Activity.id), func.coalesce(func.sum(Activity.id), 0)).where(
            Activity.user_id == athlete_id
        )
    ).one()
    return int(count), int(total)


#: Activities whose samples one query reads (well under every database's parameter limit).
_STREAMS_PER_QUERY = 500


def streams_of(
    session: Session, actor: User, athlete_id: int, activity_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """The samples of many of ``athlete_id``'s activities by activity, a few queries in all
    (the first metrics of a long history otherwise ask once per activity)."""
    require_access(session, actor, athlete_id)
    ids = list(activity_ids)
    out: dict[int, dict[str, Any]] = {i: {} for i in ids}
    for first in range(0, len(ids), _STREAMS_PER_QUERY):
        chunk = ids[first : first + _STREAMS_PER_QUERY]
        rows = session.scalars(
            select(Stream)
            .join(Activity, Activity.id == Stream.activity_id)
            .where(Activity.user_id == athlete_id, Stream.activity_id.in_(chunk))
        )
        for row in rows:
            out[row.activity_id][row.channel] = unpack(row.dtype, row.length, row.data)
    return out


def save_metrics(
    session: Session, actor: User, activity: Activity, version: int, **fields: Any
) -> None:
    """Store (or replace) the metrics of ``activity``."""
    require_access(session, actor, activity.user_id)
    row = session.get(ActivityMetrics, activity.id)
    if row is None:
        row = ActivityMetrics(activity_id=activity.id, user_id=activity.user_id)
        session.add(row)
    row.version = version
    row.start_time = activity.start_time
    row.sport = activity.sport
    for name, value in fields.items():
        setattr(row, name, value)


def load_metrics(
    session: Session,
    actor: User,
    athlete_ids: Iterable[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """The stored metrics of the athletes' activities, oldest first, as plain rows (with the
    activity's ``name``, ``timezone``, ``device``, ``file_name`` and ``activity_source``, where
    it came from)."""
    ids = list(athlete_ids)
    for athlete_id in ids:
        require_access(session, actor, athlete_id)
    m = ActivityMetrics
    query = (
        select(
            m.user_id,
            m.activity_id,
            m.start_time,
            m.local_date,
            m.sport,
            m.source,
            Activity.name,
            Activity.timezone,
            Activity.device,
            Activity.file_name,
            Activity.source.label("activity_source"),
            m.values,
            m.hr_seconds,
        )
        .join(Activity, Activity.id == m.activity_id)
        .where(m.user_id.in_(ids))
    )
    if since is not None:
        query = query.where(m.start_time >= since)
    if until is not None:
        query = query.where(m.start_time < until)
    query = query.order_by(m.start_time, m.activity_id)
    return [row._asdict() for row in session.execute(query)]


def load_tracks(
    session: Session,
    actor: User,
    athlete_id: int,
    *,
    since: datetime | None = None,
    until: date | None = None,
) -> list[list[list[float]]]:
    """The thinned GPS tracks of ``athlete_id``'s activities that have one: those started at
    ``since`` or later, and on the local day ``until`` (the activity's own calendar day) or
    before."""
    require_access(session, actor, athlete_id)
    query = select(ActivityMetrics.track).where(ActivityMetrics.user_id == athlete_id)
    if since is not None:
        query = query.where(ActivityMetrics.start_time >= since)
    if until is not None:
        query = query.where(ActivityMetrics.local_date <= until.isoformat()[:10])
    return [track for track in session.scalars(query) if track]


def get_profile(session: Session, actor: User, athlete_id: int) -> dict[str, Any]:
    """What the athlete (or their coach) told Coach G: sex, resting / max / threshold heart rate
    and threshold pace; absent values are None (``sex`` '')."""
    require_access(session, actor, athlete_id)
    row = session.get(AthleteProfile, athlete_id)
    if row is None:
        return {name: ("" if name == "sex" else None) for name in PROFILE_FIELDS}
    return {name: getattr(row, name) for name in PROFILE_FIELDS}


def set_profile(session: Session, actor: User, athlete_id: int, **values: Any) -> dict[str, Any]:
    """Set some profile fields (None clears one); returns the whole profile."""
    require_access(session, actor, athlete_id)
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"unknown profile fields: {', '.join(sorted(unknown))}")
    row = session.get(AthleteProfile, athlete_id)
    if row is None:
        row = AthleteProfile(user_id=athlete_id, sex="")
        session.add(row)
    for name, value in values.items():
        setattr(row, name, "" if name == "sex" and value is None else value)
    session.flush()
    return get_profile(session, actor, athlete_id)
