"""Strava sync through the real stravalib against a loopback server serving real recordings.

Expectations come from the recorded JSON files themselves, read here independently of the
fake server: the set of Strava ids, their sports, distances and cadences.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from storage.activities import count_activities, get_streams, list_activities, source_ids
from storage.db import Database
from storage.strava_tokens import get_sync_state, get_token, save_token
from tests.conftest import People
from tests.fake_strava import FakeStrava, fake_strava  # noqa: F401 - the fixture
from tests.worlds import recorded_activities as recorded
from tools.context import ToolContext
from tools.strava.sync import SyncOptions, sync
from tools.strava.tool import sync_strava

RUNS = {"Run", "TrailRun", "VirtualRun"}


def strava_ctx(ctx: ToolContext, fake: FakeStrava) -> ToolContext:
    """``ctx`` with the Strava settings pointed at ``fake``."""
    settings = replace(
        ctx.settings,
        strava_base_url=fake.base_url,
        strava_client_id=str(fake.client_id),
        strava_client_secret=fake.client_secret,
        strava_redirect_port=0,
    )
    return ToolContext(db=ctx.db, actor=ctx.actor, settings=settings, athlete_id=ctx.athlete_id)


def connect_directly(ctx: ToolContext, fake: FakeStrava, expires_in: int | None = None) -> dict:
    """Store a token pair the fake minted, as a finished OAuth connect would."""
    tokens = fake.issue_tokens(expires_in)
    with ctx.session() as session:
        save_token(
            session,
            ctx.actor,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            expires_at=tokens["expires_at"],
            strava_athlete_id=26462176,
            scope="activity:read_all,read",
        )
    return tokens


@pytest.fixture
def ann_on_strava(ann_ctx: ToolContext, fake_strava: FakeStrava) -> ToolContext:  # noqa: F811
    """Ann's context pointed at the fake Strava, with a token pair as after connecting."""
    ctx = strava_ctx(ann_ctx, fake_strava)
    connect_directly(ctx, fake_strava)
    return ctx


def held_ids(ctx: ToolContext) -> set[str]:
    with ctx.session() as session:
        return source_ids(session, ctx.actor, ctx.athlete_id, "strava")


def held_count(ctx: ToolContext) -> int:
    with ctx.session() as session:
        return count_activities(session, ctx.actor, ctx.athlete_id)


def test_full_sync_of_every_recorded_activity(
    ann_on_strava: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
    shared_data: Path,
) -> None:
    ctx = ann_on_strava
    items = recorded(shared_data)
    expected = {str(a["id"]) for a in items}

    report = sync(ctx, SyncOptions(streams=False))

    assert report.complete, report.message
    assert report.new == len(expected) and report.already_held == 0
    assert held_ids(ctx) == expected
    assert held_count(ctx) == len(expected)
    # Every request the client made reached the server, and only listing pages were needed.
    listing = fake_strava.api_requests("/athlete/activities")
    assert report.api_requests == len(fake_strava.api_requests()) == len(listing)
    assert all(r.query.get("per_page") == "200" for r in listing)
    assert report.api_requests <= math.ceil(len(expected) / 199) + 1
    # Runs are queued for streams: the non-manual runs of the recordings.
    queued = {str(a["id"]) for a in items if a["sport_type"] in RUNS and not a.get("manual")}
    assert report.streams_pending == len(queued)

    # The stored values are the recorded ones, with cadence in steps/min for runs.
    by_id = {str(a["id"]): a for a in items}
    with ctx.session() as session:
        stored = list_activities(session, ctx.actor, ctx.athlete_id)
    for activity in stored:
        source = by_id[activity.source_id]
        start = datetime.fromisoformat(source["start_date"].replace("Z", "+00:00"))
        assert activity.start_time == start.astimezone(UTC)
        assert activity.distance_m == pytest.approx(source["distance"])
        assert activity.moving_time_s == source["moving_time"]
        assert activity.name == source["name"]
        if source.get("average_heartrate") is not None:
            assert activity.avg_hr == pytest.approx(source["average_heartrate"])
        if source["sport_type"] in RUNS and source.get("average_cadence") is not None:
            assert activity.sport == "run"
            assert activity.avg_cadence_spm == pytest.approx(2 * source["average_cadence"])
        if source["sport_type"] == "Run":
            assert activity.timezone == source["timezone"].split(") ", 1)[1]


def test_incremental_sync_asks_only_for_newer_activities(
    ann_on_strava: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
    shared_data: Path,
) -> None:
    ctx = ann_on_strava
    items = recorded(shared_data)
    starts = sorted(
        int(datetime.fromisoformat(a["start_date"].replace("Z", "+00:00")).timestamp())
        for a in items
    )
    cut = starts[len(starts) * 2 // 3]
    fake_strava.uploaded_until = cut  # the newest third is not on Strava yet
    first = sync(ctx, SyncOptions(streams=False))
    older = {str(a["id"]) for a in items if _epoch(a) <= cut}
    assert first.complete and held_ids(ctx) == older

    fake_strava.uploaded_until = None
    before = len(fake_strava.requests)
    second = sync(ctx, SyncOptions(streams=False, per_page=100))
    assert second.complete, second.message
    assert held_ids(ctx) == {str(a["id"]) for a in items}
    assert second.new == len(items) - len(older)
    asked = fake_strava.requests[before:]
    # The newest stored start (less one second) bounds the listing from below.
    assert all(int(r.query["after"]) >= cut - 1 for r in asked)

    third = sync(ctx, SyncOptions(streams=False))
    assert third.new == 0 and third.api_requests == 1


def _epoch(activity: dict[str, Any]) -> int:
    return int(datetime.fromisoformat(activity["start_date"].replace("Z", "+00:00")).timestamp())


@pytest.mark.parametrize("ascending_after", [True, False], ids=["oldest-first", "newest-first"])
def test_sync_stopped_by_429_resumes_without_duplicates_or_gaps(
    ann_ctx: ToolContext,
    shared_data: Path,
    ascending_after: bool,
) -> None:
    items = recorded(shared_data)
    expected = {str(a["id"]) for a in items}
    half = sorted(_epoch(a) for a in items)[len(items) // 2]
    with FakeStrava(shared_data / "strava_api", ascending_after=ascending_after) as fake:
        ctx = strava_ctx(ann_ctx, fake)
        connect_directly(ctx, fake)
        # The older half first, so the interrupted sync is an incremental one (with `after`).
        fake.uploaded_until = half
        assert sync(ctx, SyncOptions(streams=False)).complete
        fake.uploaded_until = None

        fake.fail_after(3)
        stopped = sync(ctx, SyncOptions(streams=False, per_page=60))
        assert stopped.stopped == "rate_limit"
        assert "run the sync again" in stopped.message
        assert stopped.resume_at is not None and stopped.resume_at > datetime.now(UTC)
        assert [r.status for r in fake.api_requests()][-4:] == [200, 200, 200, 429]
        kept = held_ids(ctx)
        assert len(kept) < len(expected)
        assert stopped.new == len(kept) - sum(1 for a in items if _epoch(a) <= half)
        with ctx.session() as session:
            state = get_sync_state(session, ctx.actor, ctx.athlete_id, "strava")
        assert state["window"] is not None  # where it stopped

        fake.stop_failing()
        resumed = sync(ctx, SyncOptions(streams=False, per_page=60))
        assert resumed.complete, resumed.message
        # It went on from where it stopped: pages overlap only on activities it knows it
        # stored, and just the newest start held before the window (its lower bound) repeats.
        assert resumed.already_held <= 1
        assert held_ids(ctx) == expected
        assert held_count(ctx) == len(expected)
        assert stopped.new + resumed.new == len(expected) - sum(
            1 for a in items if _epoch(a) <= half
        )


def test_sync_stops_before_exceeding_the_read_limit(
    ann_ctx: ToolContext, shared_data: Path
) -> None:
    expected = {str(a["id"]) for a in recorded(shared_data)}
    with FakeStrava(shared_data / "strava_api", read_limits=(4, 1000)) as fake:
        ctx = strava_ctx(ann_ctx, fake)
        connect_directly(ctx, fake)
        first = sync(ctx, SyncOptions(streams=False, per_page=100))
        assert first.stopped == "rate_limit"
        assert "15-minute" in first.message
        assert len(fake.api_requests()) == 4
        assert all(r.status == 200 for r in fake.requests)  # no 429 was ever provoked
        fake.new_window()
        while not (report := sync(ctx, SyncOptions(streams=False, per_page=100))).complete:
            assert report.stopped == "rate_limit"
            assert all(r.status == 200 for r in fake.requests)
            fake.new_window()
        assert held_ids(ctx) == expected
        assert held_count(ctx) == len(expected)


def test_streams_of_the_newest_runs(
    ann_on_strava: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
    shared_data: Path,
) -> None:
    ctx = ann_on_strava
    items = recorded(shared_data)
    runs = sorted(
        (a for a in items if a["sport_type"] in RUNS and not a.get("manual")),
        key=_epoch,
        reverse=True,
    )
    report = sync(ctx, SyncOptions(stream_limit=3, laps=True))
    assert report.complete, report.message
    assert report.streams_fetched == 3 and report.laps_fetched == 3
    assert report.streams_pending == len(runs) - 3
    stream_requests = fake_strava.api_requests("/streams")
    assert [r.path.split("/")[-2] for r in stream_requests] == [str(a["id"]) for a in runs[:3]]
    assert report.api_requests == report.pages + 3 + 3

    raw = json.loads(
        (
            shared_data / "strava_api/sweatpy/activity_3547667536_streams_key_by_type.DERIVED.json"
        ).read_text()
    )["body"]
    laps = json.loads(
        (shared_data / "strava_api/strava-ruby-client/client__activity_laps.json").read_text()
    )["body"]
    with ctx.session() as session:
        activity = next(
            a for a in list_activities(session, ctx.actor) if a.source_id == str(runs[0]["id"])
        )
        channels = get_streams(session, ctx.actor, activity.id)
        stored_laps = list(activity.laps)
    assert set(channels) == {
        "time", "distance", "heart_rate", "cadence", "speed", "altitude", "power", "lat", "lng"
    }  # fmt: skip
    np.testing.assert_allclose(channels["cadence"], 2 * np.array(raw["cadence"]["data"], float))
    np.testing.assert_allclose(channels["heart_rate"], raw["heartrate"]["data"])
    np.testing.assert_allclose(channels["lat"], [p[0] for p in raw["latlng"]["data"]])
    np.testing.assert_allclose(channels["lng"], [p[1] for p in raw["latlng"]["data"]])
    np.testing.assert_allclose(channels["speed"], raw["velocity_smooth"]["data"], rtol=1e-6)
    assert len(stored_laps) == len(laps)
    assert stored_laps[0].avg_cadence_spm == pytest.approx(2 * laps[0]["average_cadence"])
    assert stored_laps[0].distance_m == pytest.approx(laps[0]["distance"])

    # The next sync continues the queue with the next-newest runs, listing only one page.
    again = sync(ctx, SyncOptions(stream_limit=2))
    assert again.new == 0 and again.streams_fetched == 2
    later = fake_strava.api_requests("/streams")[3:]
    assert [r.path.split("/")[-2] for r in later] == [str(a["id"]) for a in runs[3:5]]


def test_expired_token_is_refreshed_and_stored(
    ann_ctx: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    ctx = strava_ctx(ann_ctx, fake_strava)
    old = connect_directly(ctx, fake_strava, expires_in=-60)  # expired a minute ago

    report = sync(ctx, SyncOptions(streams=False, per_page=200))

    assert report.complete, report.message
    refreshes = fake_strava.token_requests("refresh_token")
    assert len(refreshes) == 1
    assert refreshes[0].form["refresh_token"] == old["refresh_token"]
    with ctx.session() as session:
        row = get_token(session, ctx.actor, ctx.athlete_id)
        assert row is not None
        new_access, new_refresh, expires_at = row.access_token, row.refresh_token, row.expires_at
    assert new_access != old["access_token"] and new_refresh != old["refresh_token"]
    assert {new_access, new_refresh} <= fake_strava.issued
    assert expires_at > time.time()
    assert {r.bearer for r in fake_strava.api_requests()} == {new_access}


def test_token_rejected_by_strava_is_refreshed_once(
    ann_on_strava: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    ctx = ann_on_strava
    fake_strava.expire_access_tokens()  # Strava says expired although the stored time disagrees
    report = sync(ctx, SyncOptions(streams=False))
    assert report.complete, report.message
    assert [r.status for r in fake_strava.api_requests()][:2] == [401, 200]
    assert len(fake_strava.token_requests("refresh_token")) == 1


def test_revoked_access_says_to_reconnect_and_keeps_data(
    ann_on_strava: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    ctx = ann_on_strava
    assert sync(ctx, SyncOptions(streams=False)).complete
    count = held_count(ctx)
    fake_strava.revoke_all()

    result = sync_strava(ctx)

    assert not result.ok
    assert result.data["stopped"] == "unauthorized"
    assert "coachg strava connect" in result.message
    assert held_count(ctx) == count


def test_not_connected_and_not_configured_say_what_to_do(
    ann_ctx: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    ctx = strava_ctx(ann_ctx, fake_strava)
    not_connected = sync_strava(ctx)
    assert not not_connected.ok and "coachg strava connect" in not_connected.message
    bare = ToolContext(
        db=ctx.db, actor=ctx.actor, settings=replace(ctx.settings, strava_client_id="")
    )
    not_configured = sync_strava(bare)
    assert not not_configured.ok and "COACHG_STRAVA_CLIENT_ID" in not_configured.message
    assert fake_strava.requests == []


def test_a_coach_syncs_a_linked_athlete_but_not_others(
    db: Database,
    people: People,
    settings: Any,
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    ann = strava_ctx(ToolContext(db=db, actor=people.ann, settings=settings), fake_strava)
    connect_directly(ann, fake_strava, expires_in=-1)
    coach = ToolContext(db=db, actor=people.cora, settings=ann.settings, athlete_id=people.ann.id)
    report = sync(coach, SyncOptions(streams=False))
    assert report.complete and report.new > 0
    assert held_ids(ann) == held_ids(coach)
    with db.session() as session:  # the refreshed tokens are still Ann's
        assert get_token(session, people.ann, people.ann.id) is not None
        assert get_token(session, people.cora, people.cora.id) is None
    with pytest.raises(PermissionError):
        ToolContext(db=db, actor=people.bob, settings=ann.settings, athlete_id=people.ann.id)
