"""The Trends tab: its figures built from real data, its handlers' access checks, and the tab in
a real headless Chromium against a real server.

One database serves every test of this module: Ann holds the real recorded Strava listing of
one runner (1,132 activities, 2017-2025, through stravalib and the converter) and two real FIT
runs with GPS, heart rate and (one of them) cadence; Bob holds one FIT run; Cora coaches Ann and
Eve, Dave coaches Bob. Expected values are computed here from the raw files (the JSON pages,
fitdecode), never from the code under test.

Screenshots of every chart go to ``tests/artifacts/trends/`` (git-ignored) and, when
``COACHG_TEST_ARTIFACTS`` is set, to ``$COACHG_TEST_ARTIFACTS/trends/`` too.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import fitdecode
import numpy as np
import pandas as pd
import pytest
from stravalib.model import SummaryActivity

from storage.access import DENIED
from storage.activities import add_activity
from storage.db import Database
from storage.metrics import load_tracks
from storage.models import User
from storage.settings import Settings
from storage.users import create_user, link_coach
from tests.browser import REPO, chromium, login, require_chromium, running_server, wait_logged_in
from tests.worlds import recorded_activities as recorded_listing
from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.strava.convert import summary_to_activity
from tools.trends.changes import detect_changes
from tools.trends.history import history
from tools.trends.load import SPIKE_RATIO
from tools.trends.training_load import load_report
from ui import trends_figures as figures
from ui.web_trends import (
    ROSTER_HEADERS,
    TrendsHandler,
    build_view,
    period_of,
    roster_rows,
    session_data,
)

ARTIFACTS = REPO / "tests" / "artifacts" / "trends"
FOOT = {"Run", "TrailRun", "VirtualRun", "Walk", "Hike"}
RUNS = {"Run", "TrailRun", "VirtualRun"}
FENIX = "fitparse__activity-small-fenix2-run.fit"  # GPS, HR, cadence
FORERUNNER = "fitparse__2013-02-06-12-11-14.fit"  # GPS, HR, no cadence
BOB_FIT = "geo-activity-playground__2022-05-29-15-53-35_Laufen_Landal_Park.fit"
#: The last day of the recorded listing; the figures are asked "as of" it.
LAST_DAY = date(2025, 10, 19)
HOSTILE = '<img src=x onerror="alert(1)"> & <b>bold</b>'


@dataclass
class World:
    db: Database
    settings: Settings
    home: Path
    users: dict[str, User]
    items: list[dict[str, Any]]

    def ctx(self, actor: str, athlete: str | None = None) -> ToolContext:
        return ToolContext(
            db=self.db,
            actor=self.users[actor],
            settings=self.settings,
            athlete_id=self.users[athlete or actor].id,
        )


@pytest.fixture(scope="module")
def world(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("trends") / "home"
    home.mkdir()
    db = Database(f"sqlite:///{home / 'coachg.db'}")
    settings = Settings(home=home, database_url=db.url)
    items = recorded_listing(shared_data)
    with db.session() as session:
        ann = create_user(session, "ann", password="ann-pass-1")
        bob = create_user(session, "bob", password="bob-pass-1")
        eve = create_user(session, "eve", password="eve-pass-1", display_name=HOSTILE)
        cora = create_user(session, "cora", role="coach", password="cora-pass-1")
        dave = create_user(session, "dave", role="coach", password="dave-pass-1")
        link_coach(session, cora, ann)
        link_coach(session, cora, eve)
        link_coach(session, dave, bob)
        for item in items:
            new = summary_to_activity(SummaryActivity.model_validate(item))
            add_activity(session, ann, ann.id, new)
    users = {u.name: u for u in (ann, bob, eve, cora, dave)}
    made = World(db, settings, home, users, items)
    fit = shared_data / "activity_files" / "fit"
    assert import_paths(made.ctx("ann"), [fit / FENIX, fit / FORERUNNER]).imported == 2
    assert import_paths(made.ctx("bob"), [fit / BOB_FIT]).imported == 1
    for name in ("ann", "bob"):
        history(made.ctx(name))  # metrics computed once, here, for every test and the server
    yield made
    db.dispose()


def _fit_session(path: Path) -> dict[str, Any]:
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "session":
                return {f.name: f.value for f in frame.fields}
    raise AssertionError(f"no session in {path}")


def _fit_label(shared_data: Path, name: str) -> str:
    """A FIT run's label as the comparison should show it, from the file (fitdecode): the day
    its session started where it was run (the activity's local time offset, if any) and its
    sport."""
    offset = timedelta(0)
    with fitdecode.FitReader(str(shared_data / "activity_files" / "fit" / name)) as reader:
        for frame in reader:
            if not isinstance(frame, fitdecode.FitDataMessage):
                continue
            if frame.name == "session":
                start, sport = frame.get_value("start_time"), frame.get_value("sport")
            elif frame.name == "activity" and frame.get_value("local_timestamp", fallback=None):
                offset = frame.get_value("local_timestamp") - frame.get_value("timestamp")
    return f"{(start + offset).date().isoformat()} {str(sport).capitalize()}"


def _runs_by_id(world: World, name: str) -> dict[str, int]:
    """Ann's activity ids by FIT file name, from the history."""
    frame = history(world.ctx(name))
    streams = frame[frame["source"] == "streams"]
    return {
        (FENIX if row.start_time.year == 2015 else FORERUNNER): int(row.activity_id)
        for row in streams.itertuples()
    }


# --------------------------------------------------------------------------- the figures


def _weekly_km_from_json(items: list[dict[str, Any]]) -> dict[date, float]:
    """Km on foot per Monday-to-Sunday week (local days), from the raw listing."""
    weeks: dict[date, float] = defaultdict(float)
    for item in items:
        if item["sport_type"] in FOOT and item.get("distance"):
            day = date.fromisoformat(item["start_date_local"][:10])
            weeks[day - timedelta(days=day.weekday())] += item["distance"] / 1000.0
    return dict(weeks)


def test_weekly_volume_matches_the_recorded_listing(world: World) -> None:
    expected = _weekly_km_from_json(world.items)
    report = load_report(world.ctx("ann"), LAST_DAY)
    fig = figures.weekly_volume(report.weeks, date(2017, 10, 1), LAST_DAY)
    bars, average = fig.data
    assert (bars.type, bars.name, average.name) == ("bar", "km per week", "4-week average")
    shown = {pd.Timestamp(x).date(): float(y) for x, y in zip(bars.x, bars.y, strict=True)}
    assert all(day.weekday() == 0 for day in shown)
    # A known heavy week (the one with the 35 km run of 2025-10-04) and every other week.
    monday = date(2025, 9, 29)
    assert shown[monday] == pytest.approx(expected[monday], abs=0.02)
    wrong = {
        d: (shown.get(d, 0.0), km) for d, km in expected.items() if abs(shown.get(d, 0) - km) > 0.02
    }
    assert not wrong


def test_weekly_volume_of_a_week_without_sunday_runs(world: World) -> None:
    """A week with no Sunday or Saturday-night runs either side, so the week's bins cannot
    matter: its bar equals the raw listing's sum."""
    expected = _weekly_km_from_json(world.items)
    report = load_report(world.ctx("ann"), LAST_DAY)
    fig = figures.weekly_volume(report.weeks, date(2017, 10, 1), LAST_DAY)
    shown = {
        pd.Timestamp(x).date(): float(y) for x, y in zip(fig.data[0].x, fig.data[0].y, strict=True)
    }
    sundays = {
        date.fromisoformat(i["start_date_local"][:10])
        for i in world.items
        if i["sport_type"] in FOOT and date.fromisoformat(i["start_date_local"][:10]).weekday() == 6
    }
    clean = [
        monday
        for monday in expected
        if monday - timedelta(days=1) not in sundays
        and monday + timedelta(days=6) not in sundays
        and expected[monday] > 40
    ]
    assert clean, "the listing has heavy weeks without Sunday runs"
    for monday in clean:
        assert shown[monday] == pytest.approx(expected[monday], abs=0.02), monday


def test_fitness_figure_marks_every_spike_with_its_size(world: World) -> None:
    report = load_report(world.ctx("ann"), LAST_DAY)
    since = date(2025, 1, 1)
    fig = figures.fitness_form(report.days, report.spikes, since, LAST_DAY)
    names = [t.name for t in fig.data]
    assert names == [
        "fitness (42 days)",
        "fatigue (7 days)",
        "long-run spike (>10 %)",
        "form (fitness − fatigue)",
    ]
    spikes = fig.data[2]
    in_window = [s for s in report.spikes if s.date >= pd.Timestamp(since)]
    assert len(spikes.x) == len(in_window) > 0
    # The 35.4 km run of 2025-10-04 against the 30 days before it, from the raw listing.
    run = next(i for i in world.items if i["start_date_local"].startswith("2025-10-04"))
    before = [
        i["distance"] / 1000
        for i in world.items
        if i["sport_type"] in {"Run", "TrailRun", "VirtualRun"}
        and datetime.fromisoformat(run["start_date"]) - timedelta(days=30)
        <= datetime.fromisoformat(i["start_date"])
        < datetime.fromisoformat(run["start_date"])
    ]
    longest = max(before)
    increase = (run["distance"] / 1000 / longest - 1) * 100
    text = next(t for t in spikes.hovertext if t.startswith("2025-10-04"))
    assert f"{run['distance'] / 1000:.1f} km" in text
    assert f"+{increase:.0f} %" in text and f"({longest:.1f} km)" in text
    assert fig.layout.yaxis2.title.text == "form" and fig.layout.xaxis2.title.text == "date"


def test_every_spike_matches_the_recorded_listing(world: World) -> None:
    """Every run more than 10 % longer than the longest run of the 30 days before it, worked
    out here from the raw listing, and nothing else (the FIT runs of 2013 and 2015 have no run
    in the 30 days before them)."""
    runs = sorted(
        (datetime.fromisoformat(i["start_date"]), i)
        for i in world.items
        if i["sport_type"] in RUNS and i.get("distance")
    )
    expected = []
    for start, item in runs:
        before = [i["distance"] for s, i in runs if start - timedelta(days=30) <= s < start]
        if before and item["distance"] / max(before) > SPIKE_RATIO:
            increase = (item["distance"] / max(before) - 1) * 100
            expected.append((item["start_date_local"][:10], increase))
    assert len(expected) > 20
    report = load_report(world.ctx("ann"), LAST_DAY)
    assert [s.date.date().isoformat() for s in report.spikes] == [day for day, _ in expected]
    assert [s.increase_pct for s in report.spikes] == pytest.approx([p for _, p in expected])
    for spike in report.spikes:
        ratio = spike.distance_km / spike.previous_longest_km
        assert spike.band == ("large" if ratio > 2 else "moderate" if ratio > 1.3 else "small")


def test_load_report_from_a_history_already_read(world: World) -> None:
    ctx = world.ctx("ann")
    frame = history(ctx)
    kept = frame.copy()
    given, read = load_report(ctx, LAST_DAY, frame), load_report(ctx, LAST_DAY)
    pd.testing.assert_frame_equal(given.days, read.days)
    pd.testing.assert_frame_equal(given.weeks, read.weeks)
    assert given.spikes == read.spikes and given.last_session == read.last_session
    pd.testing.assert_frame_equal(frame, kept)  # the caller's frame is left as it was


def test_pace_trend_is_upside_down_in_minutes_and_marks_races(world: World) -> None:
    frame = history(world.ctx("ann"))
    since = date(2024, 1, 1)
    fig = figures.metric_trend(frame, "pace_s_per_km", since=since, until=LAST_DAY)
    runs, median, races = fig.data[:3]
    assert (runs.name, median.name, races.name) == ("run", "28-day median", "race")
    y_axis = fig.layout.yaxis
    assert y_axis.range[0] > y_axis.range[1]  # slower (more s/km) at the bottom
    assert all(":" in t for t in y_axis.ticktext)
    assert y_axis.title.text == "pace (min/km)"
    expected = [
        i
        for i in world.items
        if i["sport_type"] in {"Run", "TrailRun", "VirtualRun"}
        and since.isoformat() <= i["start_date_local"][:10] <= LAST_DAY.isoformat()
        and i.get("distance")
    ]
    assert len(runs.x) == len(expected)
    assert len(races.x) == sum(1 for i in expected if i.get("workout_type") == 1)
    # Points in s/km, equal to the listing's moving time over distance.
    paces = sorted(i["moving_time"] / (i["distance"] / 1000) for i in expected)
    assert np.allclose(sorted(runs.y), paces, atol=0.05)


def test_metric_trend_without_data_says_so(world: World) -> None:
    frame = history(world.ctx("ann"))
    fig = figures.metric_trend(frame, "power_w")
    assert figures.is_empty(fig)
    assert fig.layout.annotations[0].text == "No runs with power in this period"
    assert fig.layout.yaxis.title.text == "power (W)"
    quiet = figures.metric_trend(frame, "avg_hr", since=date(2026, 1, 1), until=date(2026, 2, 1))
    assert quiet.layout.annotations[0].text == "No runs with heart rate in this period"
    empty = history(world.ctx("eve"))
    for fig in (
        figures.weekly_volume(pd.DataFrame(columns=["km", "sessions"])),
        figures.fitness_form(pd.DataFrame(columns=["fitness", "fatigue", "form"])),
        figures.metric_trend(empty, "cadence_spm"),
        figures.session_comparison(None, None),
        figures.route_heatmap([]),
    ):
        assert figures.is_empty(fig) and fig.layout.annotations[0].text
        assert fig.layout.title.text


def test_change_markers_draw_a_line_and_the_levels(world: World) -> None:
    frame = history(world.ctx("ann"))
    changes = [{"date": "2025-05-01", "before": 330.0, "after": 315.0, "label": HOSTILE}]
    fig = figures.metric_trend(frame, "pace_s_per_km", changes, date(2025, 1, 1), LAST_DAY)
    levels = fig.data[-1]
    assert levels.name == "level before / after a change"
    assert [y for y in levels.y if y is not None] == [330.0, 330.0, 315.0, 315.0]
    assert fig.layout.shapes[0].x0 == fig.layout.shapes[0].x1
    label = next(a.text for a in fig.layout.annotations if "img" in a.text)
    assert "<img" not in label and "&lt;img" in label and "&amp;" in label


def _markers(fig: Any) -> tuple[list[str], list[float], list[str]]:
    """The change lines' days, the level segments' values and the change labels of a metric
    trend figure."""
    days = [pd.Timestamp(shape.x0).date().isoformat() for shape in fig.layout.shapes]
    levels = [t for t in fig.data if t.name == "level before / after a change"]
    values = [y for y in levels[0].y if y is not None] if levels else []
    labels = [a.text for a in fig.layout.annotations if a.xref != "paper"]  # not the notes
    return days, values, labels


@pytest.mark.parametrize("metric", ["avg_hr", "pace_s_per_km"])
def test_the_tab_marks_the_changes_detect_changes_finds(world: World, metric: str) -> None:
    """The metric trend draws the ``detect_changes`` tool's own changes for the period: a line
    on each change's day and its levels before and after; heart rate is compared at the
    runner's usual pace, and its labels say so (the levels need not sit on the points). A period
    that ends earlier shows the changes up to its end; the metric picker's handler draws the
    same. (Cadence was the adjusted example until issue 19: Ann's cadence, moved to her usual
    pace, climb and duration, no longer changes beyond its everyday noise.)"""
    ctx = world.ctx("ann")
    since = "2018-01-01"
    result = detect_changes(ctx, metric, since)
    assert result.ok and result.data["metric"] == metric and result.data["changes"]
    changes = result.data["changes"]
    adjusted = result.data["adjustment"]
    assert bool(adjusted) == (metric == "avg_hr")
    view = build_view(ctx, "Ann", "All", since, LAST_DAY.isoformat(), metric)
    days, values, labels = _markers(view.metric)
    assert days == [c["date"] for c in changes]
    assert values == [v for c in changes for v in (c["before"],) * 2 + (c["after"],) * 2]
    assert len(labels) == len(changes)
    for label, change in zip(labels, changes, strict=True):
        assert label.startswith(f"{change['before_text']} → {change['after_text']}")
        assert label.endswith(" at usual pace") == bool(adjusted)
    # To the day before the latest change: that change is not drawn.
    until = date.fromisoformat(changes[-1]["date"]) - timedelta(days=1)
    early = build_view(ctx, "Ann", "All", since, until.isoformat(), metric)
    assert _markers(early.metric)[0] == [c["date"] for c in changes[:-1]]
    handler = TrendsHandler(world.db, world.settings)
    request: Any = SimpleNamespace(username="ann")
    assert _markers(handler.metric("ann", view.period, metric, request)) == (days, values, labels)


def test_no_change_markers_for_a_metric_the_tool_does_not_know(world: World) -> None:
    view = build_view(world.ctx("ann"), "Ann", "All", "2018-01-01", None, "gap_pace_s_per_km")
    assert not figures.is_empty(view.metric)
    assert _markers(view.metric) == ([], [], [])


def test_names_cannot_inject_markup_into_plotly_text(world: World) -> None:
    frame = history(world.ctx("ann")).tail(30).copy()
    frame["name"] = HOSTILE
    dump = figures.metric_trend(frame, "pace_s_per_km").to_json()
    assert "<img" not in dump and "<b>bold" not in dump and "&lt;img" in dump
    session = figures.SessionData(label=HOSTILE, summary={"pace_s_per_km": 300.0})
    dump = figures.session_comparison(session, None).to_json()
    assert "<img" not in dump and "&lt;img" in dump
    assert figures.plain("a\nb <x>" + "y" * 80).startswith("a b &lt;x&gt;")


def test_two_real_sessions_overlaid_and_a_summary_only_one_said(
    world: World, shared_data: Path
) -> None:
    ids = _runs_by_id(world, "ann")
    ctx = world.ctx("ann")
    fenix, forerunner = session_data(ctx, str(ids[FENIX])), session_data(ctx, str(ids[FORERUNNER]))
    assert fenix is not None and forerunner is not None
    fig = figures.session_comparison(fenix, forerunner)
    by_axis = defaultdict(list)
    for trace in fig.data:
        by_axis[trace.yaxis].append(trace.name[:1])
    # Pace and HR for both; cadence only for the Fenix (the Forerunner 110 has none).
    assert by_axis == {"y": ["A", "B"], "y2": ["A", "B"], "y3": ["A"]}
    hovers = {t.yaxis: t.hovertemplate for t in fig.data}
    assert "bpm" in hovers["y2"] and "steps/min" in hovers["y3"]  # each value with its unit
    notes = [a.text for a in fig.layout.annotations]
    assert "B: no cadence recorded" in notes
    assert fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]
    # The x axis ends at the file's own session distance (fitdecode), in km.
    total = _fit_session(shared_data / "activity_files" / "fit" / FENIX)
    assert max(fig.data[0].x) == pytest.approx(total["total_distance"] / 1000, abs=0.05)
    # A run from the Strava listing has no streams: said in red, its averages dashed.
    listing = history(ctx)
    summary_run = listing[(listing["source"] == "summary") & (listing["sport"] == "run")].iloc[-1]
    plain_run = session_data(ctx, str(int(summary_run.activity_id)))
    fig = figures.session_comparison(fenix, plain_run, "time")
    notes = [a.text for a in fig.layout.annotations]
    assert any("has no recorded streams" in n for n in notes)
    dashed = [t for t in fig.data if t.name.startswith("B")]
    assert dashed and all(t.line.dash == "dash" for t in dashed)
    assert fig.layout.xaxis3.title.text == "time (min)"


def test_tracks_up_to_a_day(world: World) -> None:
    """``until`` is the activity's own calendar day, included; a From/To period shows the
    routes of its days only."""
    ann = world.users["ann"]
    frame = history(world.ctx("ann"))
    days = sorted(frame.loc[frame["source"] == "streams", "date"].dt.date)
    assert len(days) == 2 and days[0].year == 2013 and days[1].year == 2015
    with world.db.session() as session:
        counts = [
            len(load_tracks(session, ann, ann.id, until=day))
            for day in (days[0] - timedelta(days=1), days[0], days[1] - timedelta(days=1), days[1])
        ]
    assert counts == [0, 1, 1, 2]
    ctx = world.ctx("ann")
    view = build_view(ctx, "Ann", "All", "2013-01-01", days[0].isoformat())
    assert view.routes.layout.title.text == "Route heatmap: 1 route"
    view = build_view(ctx, "Ann", "All", "2013-01-01", days[1].isoformat())
    assert view.routes.layout.title.text == "Route heatmap: 2 routes"
    # The background picker's handler keeps to the period shown.
    shown = period_of("All", "2013-01-01", (days[1] - timedelta(days=1)).isoformat())
    handler = TrendsHandler(world.db, world.settings)
    request: Any = SimpleNamespace(username="ann")
    fig = handler.routes("ann", shown, "plain", request)
    assert fig.layout.title.text == "Route heatmap: 1 route"


def test_route_heatmap_on_a_map_and_plain(world: World, shared_data: Path) -> None:
    with world.db.session() as session:
        tracks = load_tracks(session, world.users["ann"], world.users["ann"].id)
    assert len(tracks) == 2
    fig = figures.route_heatmap(tracks)
    assert [t.type for t in fig.data] == ["densitymap", "scattermap"]
    assert fig.layout.map.style == "white-bg"  # the tiles are a layer: offline, routes still draw
    assert fig.layout.map.layers[0].source[0].startswith("https://tile.openstreetmap.org/")
    # The first view is one area (Norway and Scotland are far apart), the other is said.
    assert "1 of 2 routes lie outside this view" in fig.layout.annotations[0].text
    plain = figures.route_heatmap(tracks, "plain")
    assert [t.type for t in plain.data] == ["scatter"]
    assert plain.layout.yaxis.scaleanchor == "x"
    lat = np.radians(np.mean(plain.layout.yaxis.range))
    assert plain.layout.yaxis.scaleratio == pytest.approx(1 / np.cos(lat), rel=0.01)
    # Every GPS point the file holds lies on the drawn line (first and last, from fitdecode).
    with fitdecode.FitReader(str(shared_data / "activity_files" / "fit" / FENIX)) as reader:
        records = [
            (f.get_value("position_lat"), f.get_value("position_long"))
            for f in reader
            if isinstance(f, fitdecode.FitDataMessage)
            and f.name == "record"
            and f.has_field("position_lat")
            and f.get_value("position_lat") is not None
        ]
    first = np.array(records[0], dtype=float) * 180 / 2**31
    xs, ys = np.asarray(plain.data[0].x, float), np.asarray(plain.data[0].y, float)
    assert np.isnan(xs).sum() == 2  # one gap after each route
    assert np.nanmin(np.hypot(xs - first[1], ys - first[0])) < 1e-4


# --------------------------------------------------------------------------- the tab's logic


def test_period_choices_and_typed_dates() -> None:
    today = date(2026, 11, 29)
    assert period_of("Last 3 months", today=today).since == today - timedelta(days=90)
    assert period_of("All", today=today).since is None
    typed = period_of("Last year", "2024-03-01", "2024-02-01", today)
    assert (typed.since, typed.until) == (date(2024, 2, 1), date(2024, 3, 1))
    bad = period_of("Last year", "March", None, today)
    assert "YYYY-MM-DD" in bad.note and bad.until == today
    quiet = period_of("Last 6 months", today=today, last_activity=LAST_DAY)
    assert quiet.until == LAST_DAY and "2025-10-19" in quiet.note


def test_whole_view_for_a_coach_and_refusals(world: World, shared_data: Path) -> None:
    ctx = world.ctx("cora", "ann")
    view = build_view(ctx, "Ann", "Last 3 months", today=date(2026, 11, 29))
    assert "Ann" in view.summary and "2025-10-19" in view.summary
    for fig in (view.volume, view.load, view.metric):
        assert not figures.is_empty(fig)
    # The comparison starts on the two runs with samples (the FIT files, years before this
    # period), not on the newest runs, which are summaries only; both are offered.
    ids = _runs_by_id(world, "ann")
    assert (view.first, view.second) == (str(ids[FENIX]), str(ids[FORERUNNER]))
    offered = [value for _, value in view.sessions]
    assert {view.first, view.second} <= set(offered)
    newest = max((i for i in world.items if i["sport_type"] in RUNS), key=lambda i: i["start_date"])
    assert view.sessions[0][0].startswith(f"{newest['start_date_local'][:10]} · {newest['name']}")
    # Bob's run is not Ann's: a coach (of Ann) cannot pull it into the comparison.
    bob_run = int(history(world.ctx("bob"))["activity_id"].iloc[0])
    assert session_data(ctx, str(bob_run)) is None
    assert session_data(world.ctx("dave", "bob"), str(bob_run)) is not None
    handler = TrendsHandler(world.db, world.settings)
    request: Any = SimpleNamespace(username="cora")
    fig = handler.compare("ann", str(bob_run), "not-a-number", "distance", request)
    assert figures.is_empty(fig)  # Bob's run is not drawn for Ann's coach, nor a non-number
    assert fig.layout.annotations[0].text == "Choose two runs to compare"
    # Ann's two FIT runs are drawn under their files' own day and sport, A first.
    fit = _runs_by_id(world, "ann")
    fig = handler.compare("ann", str(fit[FENIX]), str(fit[FORERUNNER]), "distance", request)
    labels = {"A": _fit_label(shared_data, FENIX), "B": _fit_label(shared_data, FORERUNNER)}
    assert labels == {"A": "2015-08-15 Running", "B": "2013-02-06 Running"}
    assert {t.name[0] for t in fig.data} == {"A", "B"}
    for trace in fig.data:
        assert trace.name.startswith(f"{trace.name[0]}: {labels[trace.name[0]]}"), trace.name
    refused = handler.refresh(True, "bob", "All", "", "", "avg_hr", "map", "distance", request)
    assert refused[0] == DENIED
    refused = handler.compare("bob", str(bob_run), None, "distance", request)
    assert refused.layout.annotations[0].text == DENIED
    athlete: Any = SimpleNamespace(username="ann")
    refused = handler.refresh(True, "cora", "All", "", "", "avg_hr", "map", "distance", athlete)
    assert refused[0] == DENIED


def test_comparison_starts_on_runs_with_samples(world: World) -> None:
    """A period with one recorded run (the 2015 Fenix file) and the listing's first
    summary-only runs compares it with the nearest other recorded run (the 2013 Forerunner
    file, before the period), not with a newer run that has no samples."""
    ids = _runs_by_id(world, "ann")
    first_year = min(i["start_date_local"][:4] for i in world.items if i["sport_type"] in RUNS)
    view = build_view(world.ctx("ann"), "Ann", "All", "2015-01-01", f"{first_year}-12-31")
    assert (view.first, view.second) == (str(ids[FENIX]), str(ids[FORERUNNER]))
    assert str(ids[FORERUNNER]) in [value for _, value in view.sessions]
    names = [t.name for t in view.comparison.data]
    assert names and not any("average" in n for n in names), names  # both drawn from samples


def test_roster_lists_only_the_coachs_own_athletes(world: World) -> None:
    rows = roster_rows(world.db, world.settings, world.users["cora"], LAST_DAY)
    assert sorted(r["athlete"] for r in rows) == sorted(["Ann", HOSTILE])
    ann = next(r for r in rows if r["athlete"] == "Ann")
    # Last 7 days' km on foot, from the raw listing.
    week = [
        i["distance"] / 1000
        for i in world.items
        if i["sport_type"] in FOOT
        and (LAST_DAY - timedelta(days=6)).isoformat() <= i["start_date_local"][:10]
    ]
    assert ann["km_7_days"] == pytest.approx(sum(week), abs=0.1)
    assert ann["fitness"] > 0 and ann["acute_chronic"] is not None
    assert ann["spike_count"] >= 1 and "2025-10-04" in ann["spikes"]
    eve = next(r for r in rows if r["athlete"] == HOSTILE)
    assert eve["last_session"] == "no activities"
    assert [r["athlete"] for r in roster_rows(world.db, world.settings, world.users["dave"])] == [
        "Bob"
    ]
    assert roster_rows(world.db, world.settings, world.users["ann"]) == []


# --------------------------------------------------------------------------- in Chromium


def _keep(path: Path) -> None:
    """Copy an artefact to ``$COACHG_TEST_ARTIFACTS/trends`` too, when that is set."""
    extra = os.environ.get("COACHG_TEST_ARTIFACTS")
    if extra:
        target = Path(extra) / "trends"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / path.name)


def _save(locator: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    locator.screenshot(path=str(path))
    _keep(path)


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[Any]:
    require_chromium()
    with running_server(world.home, world.db.url, env={"COACHG_LLM": "rules"}) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Any) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, set[str]]]:
    """A fresh page that cannot reach outside this machine; the hosts it tried are kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    outside: set[str] = set()

    def route(request_route: Any) -> None:
        host = urlparse(request_route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost", ""):
            request_route.continue_()
        else:
            outside.add(host)
            request_route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    yield tab, outside
    context.close()


PLOTS = {
    "trends-volume": "Weekly volume",
    "trends-load": "Fitness, fatigue and form",
    "trends-metric-plot": "Pace per run",
    "trends-compare": "Two sessions compared",
    "trends-routes": "Route heatmap",
}


def _open_trends(tab: Any) -> None:
    tab.get_by_role("tab", name="Trends").click()
    for elem_id, title in PLOTS.items():
        plot = tab.locator(f"#{elem_id} .js-plotly-plot")
        plot.wait_for(timeout=30_000)
        plot.locator(".gtitle").filter(has_text=title).wait_for(timeout=30_000)


@pytest.mark.browser
def test_trends_tab_in_chromium(page: tuple[Any, set[str]], server: Any, world: World) -> None:
    tab, outside = page
    login(tab, server.url, "ann", "ann-pass-1")
    wait_logged_in(tab)
    _open_trends(tab)
    summary = tab.locator("#trends-summary").inner_text()
    assert "Ann" in summary and "2025-10-19" in summary  # the period ends on her last run
    assert tab.locator("#trends-roster-box").is_hidden()
    _save(tab.locator("#trends-summary"), "summary-6-months")
    # The ticks plotly drew under the weekly volume and fitness plots fall on Mondays.
    for elem_id, axis in (("trends-volume", "xaxis"), ("trends-load", "xaxis2")):
        ticks = tab.evaluate(
            "([id, axis]) => document.querySelector(`#${id} .js-plotly-plot`)"
            "._fullLayout[axis]._vals.map(v => v.x)",
            [elem_id, axis],
        )
        days = [(datetime(1970, 1, 1) + timedelta(milliseconds=ms)).date() for ms in ticks]
        assert len(days) >= 4 and {d.weekday() for d in days} == {0}, (elem_id, days)
    # All of it: the two FIT runs with GPS (2013, 2015) come into the period. How long the
    # five figures take to show is kept with the screenshots (a record, not a timed test).
    started = time.perf_counter()
    tab.locator("#trends-period").get_by_text("All").click()
    routes_title = tab.locator("#trends-routes .gtitle").filter(has_text="2 routes")
    routes_title.wait_for(timeout=30_000)
    tab.locator("#trends-compare .gtitle").wait_for()
    shown_s = time.perf_counter() - started
    timing = ARTIFACTS / "render-time.json"
    timing.write_text(json.dumps({"all_figures_after_choosing_all_s": round(shown_s, 2)}))
    _keep(timing)
    assert "2013-02-06" in tab.locator("#trends-summary").inner_text()
    # The map draws its routes (a MapLibre canvas) though the tiles cannot be fetched here.
    tab.locator("#trends-routes canvas.maplibregl-canvas").wait_for(timeout=30_000)
    tab.wait_for_timeout(1500)
    for elem_id in PLOTS:
        _save(tab.locator(f"#{elem_id}"), elem_id.removeprefix("trends-"))
    tab.locator("#trends-background").get_by_text("Plain").click()
    tab.locator("#trends-routes .js-plotly-plot .scatterlayer .trace").first.wait_for(
        timeout=30_000
    )
    _save(tab.locator("#trends-routes"), "routes-plain")
    tab.locator("#trends-metric input").click()
    tab.get_by_role("option", name="Cadence").click()
    tab.locator("#trends-metric-plot .gtitle").filter(has_text="Cadence per run").wait_for()
    _save(tab.locator("#trends-metric-plot"), "metric-cadence")
    # Only the map tiles were asked for outside this machine; plotly.js came from the server.
    assert outside <= {"tile.openstreetmap.org"}, outside


@pytest.mark.browser
def test_coach_roster_in_chromium(page: tuple[Any, set[str]], server: Any) -> None:
    tab, _ = page
    login(tab, server.url, "cora", "cora-pass-1")
    wait_logged_in(tab)
    tab.get_by_role("tab", name="Trends").click()
    roster = tab.locator("#trends-roster")
    roster.get_by_text("Ann", exact=True).wait_for(timeout=30_000)
    text = roster.inner_text()
    for header in ROSTER_HEADERS[:4]:
        assert header in text
    assert "Bob" not in text and "bob" not in text
    assert HOSTILE in text  # a display name is shown as written, not as markup
    assert roster.locator("img").count() == 0
    _save(tab.locator("#trends-roster-box"), "roster")
    # The tab follows the header's athlete choice.
    tab.locator("#athlete-choice input").click()
    tab.get_by_role("option", name="Ann").click()
    tab.locator("#trends-summary").get_by_text("Ann").first.wait_for(timeout=30_000)
    tab.locator("#trends-volume .js-plotly-plot .gtitle").wait_for(timeout=30_000)


@pytest.mark.browser
def test_strength_tab_in_chromium(
    page: tuple[Any, set[str]], server: Any, world: World, shared_data: Path
) -> None:
    """The Strength tab (ui/web_strength.py) on this module's server: Ann's imported Strong
    export as sessions, estimated 1RM over time, weekly volume, sets per runner group and the
    table by exercise; expected numbers from the CSV file."""
    strong = shared_data / "strength" / "strong_export.csv"
    with strong.open(newline="") as f:
        rows = list(csv.DictReader(f))
    sessions = {(r["Date"], r["Workout Name"]) for r in rows}
    first, last = min(r["Date"][:10] for r in rows), max(r["Date"][:10] for r in rows)
    assert not import_paths(world.ctx("ann"), [strong]).failed
    tab, _ = page
    login(tab, server.url, "ann", "ann-pass-1")
    wait_logged_in(tab)
    tab.get_by_role("tab", name="Strength").click()
    summary = tab.locator("#strength-summary")
    summary.get_by_text("sessions").wait_for(timeout=30_000)
    text = summary.inner_text()
    assert f"{len(sessions)} sessions" in text and first in text and last in text
    assert "Epley" in text and "estimate" in text
    e1rm = tab.locator("#strength-e1rm .gtitle").filter(has_text="estimated 1RM")
    e1rm.wait_for(timeout=30_000)
    tab.locator("#strength-volume .gtitle").wait_for(timeout=30_000)
    tab.locator("#strength-groups .gtitle").wait_for(timeout=30_000)
    # "Seated Row (Cable)", the most logged exercise, under its library name.
    assert "Seated Cable Rows" in tab.locator("#strength-exercises").inner_text()
    for elem_id in ("strength-e1rm", "strength-volume", "strength-groups"):
        _save(tab.locator(f"#{elem_id}"), elem_id)
