"""An athlete's history as a table: one row per activity with its metrics, computed on first use
and kept (``storage.metrics``), so later trend, load and change questions are cheap."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from storage.metrics import (
    fingerprint,
    load_metrics,
    save_metrics,
    stale_activities,
    streams_of,
)
from tools.context import ToolContext
from tools.trends.metrics import VERSION, as_row, compute, local_hour
from tools.trends.sources import data_source

if TYPE_CHECKING:
    import pandas as pd

#: Columns every history frame has, whatever the activities hold.
BASE_COLUMNS = (
    "athlete_id",
    "activity_id",
    "start_time",
    "date",
    "sport",
    "source",
    "name",
    "hr_bpm",
    "hr_s",
    "hour",  # the local hour it started (NaN when its time zone is unknown)
    "data_source",  # the device or data source it came from ("" unknown; tools.trends.sources)
)
METRIC_COLUMNS = (
    "distance_km",
    "duration_min",
    "speed_mps",
    "pace_s_per_km",
    "gap_speed_mps",
    "gap_pace_s_per_km",
    "avg_hr",
    "max_hr",
    "cadence_spm",
    "step_m",
    "stride_m",  # the same as step_m, under its old, wrong name (see tools.trends.metrics)
    "power_w",
    "ef",
    "decoupling_pct",
    "elevation_gain_m",
    "temp_c",
    "effort",
    "race",
)


#: One refresh of an athlete's metrics at a time in this process (a coach and their athlete
#: asking at once compute them once).
_REFRESHING: dict[int, threading.Lock] = {}
_REFRESHING_GUARD = threading.Lock()
#: Tries of a refresh that another process's refresh of the same athlete got in the way of.
_TRIES = 3


def refresh(ctx: ToolContext, athlete_id: int) -> int:
    """Compute the metrics of ``athlete_id``'s activities that have none (or old ones); returns
    how many were computed. When another process stored some of the same rows first (a
    duplicate key, or a deadlock between the two), it is tried again: what that process stored
    is then no longer stale."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    with _REFRESHING_GUARD:
        lock = _REFRESHING.setdefault(athlete_id, threading.Lock())
    with lock:
        for _ in range(_TRIES - 1):
            try:
                return _refresh_once(ctx, athlete_id)
            except (IntegrityError, OperationalError):
                continue  # the other process's rows are stored now: what is left is stale
        return _refresh_once(ctx, athlete_id)


def _refresh_once(ctx: ToolContext, athlete_id: int) -> int:
    with ctx.session() as session:
        stale = stale_activities(session, ctx.actor, athlete_id, VERSION)
        samples = streams_of(session, ctx.actor, athlete_id, [a.id for a in stale])
        for activity in stale:
            computed = compute(activity, samples[activity.id])
            save_metrics(
                session,
                ctx.actor,
                activity,
                VERSION,
                local_date=computed.local_date.isoformat(),
                source=computed.source,
                values=as_row(computed.values),
                hr_seconds=computed.hr_seconds,
                track=computed.track,
            )
    return len(stale)


def history(
    ctx: ToolContext,
    athlete_ids: Iterable[int] | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """One row per activity of the athletes (default: the context's athlete), oldest first.

    ``date`` is the local calendar day (a midnight ``Timestamp``); metric columns are NaN where
    an activity does not have them; ``hr_bpm`` and ``hr_s`` hold the time at each heart rate
    as arrays. Each athlete's table is kept in memory until their activities change.
    """
    import pandas as pd

    ids = list(athlete_ids) if athlete_ids is not None else [ctx.athlete_id]
    frames = [_athlete_history(ctx, athlete_id) for athlete_id in ids]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    if len(frames) > 1:
        frame = frame.sort_values(["start_time", "activity_id"], kind="stable")
    if since is not None:
        frame = frame[frame["start_time"] >= pd.Timestamp(since)]
    if until is not None:
        frame = frame[frame["start_time"] < pd.Timestamp(until)]
    return frame.reset_index(drop=True)


#: Athletes' tables by (database, athlete), with the fingerprint they were built at.
_TABLES: OrderedDict[tuple[str, int], tuple[tuple[int, int], pd.DataFrame]] = OrderedDict()
_KEPT = 32
_LOCK = threading.Lock()


def _athlete_history(ctx: ToolContext, athlete_id: int) -> pd.DataFrame:
    computed = refresh(ctx, athlete_id)
    with ctx.session() as session:
        mark = fingerprint(session, ctx.actor, athlete_id)
    key = (ctx.db.url, athlete_id)
    with _LOCK:
        kept = _TABLES.get(key)
        if kept is not None and kept[0] == mark and not computed:
            _TABLES.move_to_end(key)
            return kept[1]
    frame = _build(ctx, athlete_id)
    with _LOCK:
        _TABLES[key] = (mark, frame)
        _TABLES.move_to_end(key)
        while len(_TABLES) > _KEPT:
            _TABLES.popitem(last=False)
    return frame


def _build(ctx: ToolContext, athlete_id: int) -> pd.DataFrame:
    import pandas as pd

    with ctx.session() as session:
        rows = load_metrics(session, ctx.actor, [athlete_id])
    records = []
    for row in rows:
        histogram = row["hr_seconds"] or {}
        records.append(
            {
                "athlete_id": row["user_id"],
                "activity_id": row["activity_id"],
                "start_time": row["start_time"],
                "date": row["local_date"],
                "sport": row["sport"],
                "source": row["source"],
                "name": row["name"],
                "hr_bpm": np.fromiter(map(float, histogram), float, len(histogram)),
                "hr_s": np.fromiter(histogram.values(), float, len(histogram)),
                "hour": local_hour(row["start_time"], row["timezone"] or ""),
                "data_source": data_source(row["device"] or "", row["file_name"] or ""),
                **row["values"],
            }
        )
    frame = pd.DataFrame.from_records(records, columns=[*BASE_COLUMNS, *METRIC_COLUMNS])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["start_time"] = pd.to_datetime(frame["start_time"], utc=True)
    frame["race"] = frame["race"].fillna(0.0).astype(bool)
    return frame
