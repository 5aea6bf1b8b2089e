"""Metrics of an athlete's activities are computed once when several requests ask at the same
moment (a coach and their athlete, two browser tabs): each activity's row is written once and
no request fails on the other's rows. Real FIT files, a real database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from storage.models import ActivityMetrics
from tests.conftest import People
from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.trends.history import refresh

FIT = Path(__file__).resolve().parents[2] / "shared" / "data" / "activity_files" / "fit"


def test_refreshes_at_the_same_time_compute_each_activity_once(
    ann_ctx: ToolContext, people: People
) -> None:
    files = [
        FIT / "fitparse__garmin-fenix-5-run.fit",
        FIT / "fitparse__garmin-fenix-5-walk.fit",
        FIT / "fitparse__activity-small-fenix2-run.fit",
    ]
    report = import_paths(ann_ctx, files)
    stored = report.imported
    assert stored >= 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(lambda _: refresh(ann_ctx, people.ann.id), range(4)))
    assert sum(counts) == stored  # each computed by exactly one of the four
    with ann_ctx.session() as session:
        rows = session.scalar(
            select(func.count())
            .select_from(ActivityMetrics)
            .where(ActivityMetrics.user_id == people.ann.id)
        )
    assert rows == stored


def test_the_samples_of_many_activities_read_at_once_are_each_one_s_own(
    ann_ctx: ToolContext, people: People
) -> None:
    """``streams_of`` (a few queries for a whole history) gives each activity the same samples
    as reading it alone, and refuses an athlete the reader may not see."""
    import numpy as np
    import pytest

    from storage.access import AccessDenied
    from storage.activities import get_streams
    from storage.metrics import streams_of

    report = import_paths(
        ann_ctx,
        [FIT / "fitparse__garmin-fenix-5-run.fit", FIT / "fitparse__garmin-fenix-5-walk.fit"],
    )
    with ann_ctx.session() as session:
        together = streams_of(session, people.ann, people.ann.id, report.activity_ids)
        for activity_id in report.activity_ids:
            alone = get_streams(session, people.ann, activity_id)
            assert alone and together[activity_id].keys() == alone.keys()
            for channel, samples in alone.items():
                assert np.array_equal(together[activity_id][channel], samples, equal_nan=True)
        with pytest.raises(AccessDenied):
            streams_of(session, people.bob, people.ann.id, report.activity_ids)
