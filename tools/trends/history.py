"""An athlete's history as a table: one row per activity with its metrics, computed on first use
and kept (``storage.metrics``), so later trend, load and change questions are cheap."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from storage.metrics import activity_streams, load_metrics, save_metrics, stale_activities
from tools.context import ToolContext
from tools.trends.metrics import VERSION, as_row, compute

#: Columns every history frame has, whatever the activities hold.
BASE_COLUMNS = (
    "athlete_id",
    "activity_id",
    "start_time",
    "date",
    "sport",
    "source",
    "name",
    "hr_seconds",
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
    "stride_m",
    "power_w",
    "ef",
    "decoupling_pct",
    "elevation_gain_m",
    "temp_c",
    "effort",
    "race",
)


def refresh(ctx: ToolContext, athlete_id: int) -> int:
    """Compute the metrics of ``athlete_id``'s activities that have none (or old ones); returns
    how many were computed."""
    with ctx.session() as session:
        stale = stale_activities(session, ctx.actor, athlete_id, VERSION)
        for activity in stale:
            computed = compute(activity, activity_streams(session, ctx.actor, activity))
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
    an activity does not have them.
    """
    ids = list(athlete_ids) if athlete_ids is not None else [ctx.athlete_id]
    for athlete_id in ids:
        refresh(ctx, athlete_id)
    with ctx.session() as session:
        rows = load_metrics(session, ctx.actor, ids, since=since, until=until)
        records = [
            {
                "athlete_id": row["user_id"],
                "activity_id": row["activity_id"],
                "start_time": row["start_time"],
                "date": row["local_date"],
                "sport": row["sport"],
                "source": row["source"],
                "name": row["name"],
                "hr_seconds": row["hr_seconds"] or {},
                **row["values"],
            }
            for row in rows
        ]
    frame = pd.DataFrame.from_records(records, columns=[*BASE_COLUMNS, *METRIC_COLUMNS])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["start_time"] = pd.to_datetime(frame["start_time"], utc=True)
    frame["race"] = frame["race"].fillna(0.0).astype(bool)
    return frame.reset_index(drop=True)
