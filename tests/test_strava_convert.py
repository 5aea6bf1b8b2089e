"""stravalib models -> Coach G records, on the real recordings and on damaged copies of them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from stravalib import model

from tests.fake_strava import FakeStrava, fake_strava  # noqa: F401 - the fixture
from tests.test_strava_sync import (  # noqa: F401 - ann_on_strava is a fixture
    ann_on_strava,
    connect_directly,
    held_ids,
    recorded,
    strava_ctx,
)
from tools.context import ToolContext
from tools.strava.convert import streams_to_channels, summary_to_activity, zone_name
from tools.strava.sync import SyncOptions, sync


def recorded_streams(shared_data: Path) -> dict[str, Any]:
    path = shared_data / "strava_api/sweatpy/activity_3547667536_streams_key_by_type.DERIVED.json"
    return json.loads(path.read_text())["body"]


def as_models(raw: dict[str, Any]) -> dict[str, model.Stream]:
    return {kind: model.Stream.model_validate(stream) for kind, stream in raw.items()}


def test_summaries_keep_sport_and_per_leg_cadence_only_for_foot_sports(shared_data: Path) -> None:
    for record in recorded(shared_data):
        new = summary_to_activity(model.SummaryActivity.model_validate(record))
        assert new.source == "strava" and new.source_id == str(record["id"])
        cadence = record.get("average_cadence")
        kind = record["sport_type"]
        if cadence is None:
            assert new.avg_cadence_spm is None
        elif kind in ("Run", "TrailRun", "Hike", "Walk"):
            assert new.avg_cadence_spm == pytest.approx(2 * cadence)
        else:
            assert new.avg_cadence_spm == pytest.approx(cadence)
        expected_sport = {
            "Run": "run",
            "TrailRun": "run",
            "Swim": "swim",
            "Ride": "ride",
            "Hike": "hike",
            "AlpineSki": "ski",
            "BackcountrySki": "ski",
            "NordicSki": "ski",
        }.get(kind, "other")
        assert new.sport == expected_sport, kind


def test_ride_streams_are_not_doubled_and_runs_are(shared_data: Path) -> None:
    raw = recorded_streams(shared_data)
    ride = streams_to_channels(as_models(raw), "ride")
    run = streams_to_channels(as_models(raw), "run")
    np.testing.assert_allclose(ride["cadence"], raw["cadence"]["data"])
    np.testing.assert_allclose(run["cadence"], 2 * np.asarray(raw["cadence"]["data"], float))
    assert "temp" not in run and "moving" not in run and "grade_smooth" not in run


def test_damaged_streams_lose_only_the_damaged_channel(shared_data: Path) -> None:
    raw = copy.deepcopy(recorded_streams(shared_data))
    raw["heartrate"]["data"][10:20] = [None] * 10  # a gap
    raw["watts"]["data"][5] = "lots"  # not a number
    raw["altitude"]["data"] = raw["altitude"]["data"][:-3]  # misaligned
    raw["latlng"]["data"][7] = None  # a missing fix
    channels = streams_to_channels(as_models(raw), "run")
    assert "power" not in channels and "altitude" not in channels
    assert np.isnan(channels["heart_rate"][10:20]).all()
    assert not np.isnan(channels["heart_rate"][20:]).any()
    assert np.isnan(channels["lat"][7]) and np.isnan(channels["lng"][7])
    assert {len(v) for v in channels.values()} == {len(raw["time"]["data"])}


def test_zone_names() -> None:
    assert zone_name("(GMT-05:00) America/New_York") == "America/New_York"
    assert zone_name("Europe/Amsterdam") == "Europe/Amsterdam"
    assert zone_name(None) == ""


def test_an_unreadable_record_is_skipped_and_named_the_rest_stored(
    ann_on_strava: ToolContext,  # noqa: F811
    fake_strava: FakeStrava,  # noqa: F811
    shared_data: Path,
) -> None:
    ctx = ann_on_strava
    broken = fake_strava.activities[40]
    fake_strava.activities[40] = {**broken, "start_date": "last Tuesday"}
    report = sync(ctx, SyncOptions(streams=False))
    assert report.complete, report.message
    assert report.skipped == [f"{broken['id']}: ValidationError"]
    expected = {str(a["id"]) for a in recorded(shared_data)} - {str(broken["id"])}
    assert held_ids(ctx) == expected
