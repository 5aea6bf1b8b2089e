"""What the web shows reads as a runner and a coach expect: local times, sensible precision,
thousands separators, week ticks on Mondays, the Strength tab in the Trends tab's style, and a
coach's own view (whose account an import goes into, their athletes first).

On real data: Ann's recorded Strava listing (``history_world``, 1,132 activities) and the real
Strong export. Expected values are read from the raw files here (the JSON pages, the CSV), never
from the code under test.
"""

from __future__ import annotations

import csv
import math
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from storage.db import Database
from storage.settings import Settings
from tests.conftest import People
from tests.worlds import World
from tools.context import ToolContext
from tools.importing.importer import import_paths
from ui import trends_figures as figures
from ui.web import coach_placeholder
from ui.web_format import local_time, machine_time, shown_cells
from ui.web_import import TABLE_HEADERS, TABLE_LIMIT, ImportHandler
from ui.web_strength import EXERCISE_HEADERS, StrengthHandler
from ui.web_trends import ROSTER_HEADERS, TrendsHandler, build_view

FOOT = {"Run", "TrailRun", "VirtualRun", "Walk", "Hike"}
RUNS = {"Run", "TrailRun", "VirtualRun"}
WEEK = timedelta(days=7)


def _request(name: str) -> Any:
    return SimpleNamespace(username=name, session_hash=None)


def _newest_first(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(raw, key=lambda item: item["start_date"], reverse=True)


def _last_day(raw: list[dict[str, Any]]) -> date:
    """The local day of the newest activity of the raw listing."""
    return max(date.fromisoformat(i["start_date_local"][:10]) for i in raw)


# --------------------------------------------------------------------------- local times


def test_local_time_reads_the_zone_as_the_activity_recorded_it() -> None:
    # 20:00 UTC on 19 Oct 2025 was 16:00 in New York (EDT); on 9 Mar 2025 04:30 UTC it was
    # still 23:30 EST the evening before.
    assert local_time(datetime(2025, 10, 19, 20, 0), "America/New_York") == datetime(
        2025, 10, 19, 16, 0
    )
    assert local_time(datetime(2025, 3, 9, 4, 30), "America/New_York").day == 8
    assert local_time(datetime(2015, 8, 15, 14, 45), "UTC+02:00").hour == 16
    assert local_time(datetime(2015, 8, 15, 14, 45), "").hour == 14  # unknown: UTC
    assert local_time(datetime(2015, 8, 15, 14, 45), "Not/AZone").hour == 14


def test_a_sync_time_reads_on_this_machines_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last Strava sync, stored in UTC, shows on the clock of the machine Coach G runs on
    (the user's own)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert machine_time("2025-10-19T20:00:00+00:00") == "2025-10-19 16:00"
        assert machine_time("never") == "never"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_activities_table_in_local_time_and_runner_precision(history_world: World) -> None:
    """Every row of the Activities tab against the raw listing: the start as Strava's own
    ``start_date_local``, km to 0.1, heart rate and cadence whole; the numbers stay numbers."""
    table = ImportHandler(history_world.db, history_world.settings).table("ann", _request("ann"))
    cells = shown_cells(table)
    expected = _newest_first(history_world.raw)[:TABLE_LIMIT]
    assert len(cells) == len(expected) == TABLE_LIMIT
    column = {header: i for i, header in enumerate(TABLE_HEADERS)}
    for row, item in zip(cells, expected, strict=True):
        assert row[column["name"]] == " ".join(item["name"].split())[: len(row[column["name"]])]
        assert row[column["start (local time)"]] == item["start_date_local"][:16].replace("T", " ")
        km = f"{item['distance'] / 1000:.1f}" if item.get("distance") else ""
        assert row[column["km"]] == km, (item["name"], row)
        if item.get("has_heartrate") and item.get("average_heartrate"):
            assert row[column["avg HR (bpm)"]] == f"{item['average_heartrate']:.0f}"
    # A run in New York at 16:00 local is not shown at 20:00 (UTC).
    assert any(i["start_date"][:16] != i["start_date_local"][:16] for i in expected)
    assert pd.api.types.is_float_dtype(table.data["km"])  # still sorts by value


def test_imports_say_whose_account_they_go_into(history_world: World) -> None:
    handler = ImportHandler(history_world.db, history_world.settings)
    ann = history_world.ann.display_name or history_world.ann.name
    assert handler.target("ann", _request("cora")) == f"Importing into **{ann}**'s account."
    own = handler.target("", _request("cora"))
    assert own.startswith("Importing into your own account") and "Question about" in own
    assert handler.target("ann", _request("ann")).startswith("Importing into your account")
    # Someone not theirs: refused, no import target named.
    assert "Importing" not in handler.target("ann", _request("dave"))


# --------------------------------------------------------------------------- the roster


def test_roster_reads_in_runner_units(history_world: World) -> None:
    _, table = TrendsHandler(history_world.db, history_world.settings).roster(
        True, _request("cora")
    )
    cells = {row[0]: dict(zip(ROSTER_HEADERS, row, strict=True)) for row in shown_cells(table)}
    ann = cells[history_world.ann.display_name or history_world.ann.name]
    # Ann's last 7 days on foot, from the raw listing, to 0.1 km.
    last = _last_day(history_world.raw)
    week = sum(
        i["distance"] / 1000
        for i in history_world.raw
        if i["sport_type"] in FOOT
        and (last - timedelta(days=6)).isoformat() <= i["start_date_local"][:10]
    )
    assert abs(float(ann["km, last 7 days"]) - week) < 0.06
    assert len(ann["km, last 7 days"].split(".")[1]) == 1  # 55.2, not 55.23
    for load in ("fitness", "fatigue", "form"):
        assert ann[load].lstrip("-").isdigit(), ann  # whole load points, not 49.04
    assert len(ann["acute:chronic"].split(".")[1]) == 2


# --------------------------------------------------------------------------- week ticks


def _ticks(axis: Any, first: pd.Timestamp, last: pd.Timestamp) -> list[pd.Timestamp]:
    """The major ticks plotly draws between ``first`` and ``last`` (tick0 + k × dtick)."""
    tick0, step = pd.Timestamp(axis.tick0), pd.Timedelta(milliseconds=float(axis.dtick))
    k = math.ceil((first - tick0) / step)
    ticks = []
    while tick0 + k * step <= last:
        ticks.append(tick0 + k * step)
        k += 1
    return ticks


@pytest.mark.parametrize("choice", ["Last 3 months", "Last year", "All"])
def test_trends_plots_tick_weeks_on_mondays(history_world: World, choice: str) -> None:
    raw = history_world.raw
    last = _last_day(raw)
    ctx = history_world.ctx(history_world.ann)
    view = build_view(ctx, "Ann", choice, today=last)
    since = view.period.since or min(date.fromisoformat(i["start_date_local"][:10]) for i in raw)
    first, end = pd.Timestamp(since), pd.Timestamp(last)
    for axis in (view.volume.layout.xaxis, view.load.layout.xaxis2, view.metric.layout.xaxis):
        assert axis.dtick % (7 * 24 * 3600 * 1000) == 0
        ticks = _ticks(axis, first, end)
        assert ticks and all(t.weekday() == 0 for t in ticks), (choice, ticks[:3])
        assert len(ticks) <= 15, (choice, len(ticks))
    if choice == "Last 3 months":  # 13 weeks: a tick every Monday
        assert view.volume.layout.xaxis.dtick == 7 * 24 * 3600 * 1000
    # The weekly bars stand on the Mondays of the raw listing's weeks on foot.
    weeks: dict[date, float] = defaultdict(float)
    for item in raw:
        day = date.fromisoformat(item["start_date_local"][:10])
        if item["sport_type"] in FOOT and item.get("distance") and since - WEEK < day <= last:
            weeks[day - timedelta(days=day.weekday())] += item["distance"] / 1000
    bars = {pd.Timestamp(x).date(): y for x, y in zip(*_bar_xy(view.volume), strict=True) if y > 0}
    assert {d for d in bars if d >= since} == {
        d for d, km in weeks.items() if km > 0 and d >= since
    }
    if choice == "All":  # over a thousand km: thousands separators, no decimals
        foot_km = sum(i["distance"] for i in raw if i["sport_type"] in FOOT) / 1000
        assert f"{foot_km:,.0f} km on foot" in view.summary
        assert f"{sum(1 for i in raw):,} activities" in view.summary


def _bar_xy(fig: Any) -> tuple[list[Any], list[float]]:
    bar = next(t for t in fig.data if t.type == "bar")
    return list(bar.x), list(bar.y)


# --------------------------------------------------------------------------- strength


def test_strength_tab_reads_like_the_trends_tab(
    db: Database, people: People, settings: Settings, shared_data: Path
) -> None:
    strong = shared_data / "strength" / "strong_export.csv"
    with strong.open(newline="") as f:
        rows = list(csv.DictReader(f))
    ctx = ToolContext(db=db, actor=people.ann, settings=settings)
    assert not import_paths(ctx, [strong]).failed
    handler = StrengthHandler(db, settings)
    summary, volume, groups, _, e1rm, table, _ = handler.refresh(True, "ann", None, _request("ann"))
    # Volume: weight × reps of every set of the file (it marks no warm-ups), thousands
    # separated, whole kg.
    total = sum(float(r["Weight"] or 0) * float(r["Reps"] or 0) for r in rows)
    assert total > 10_000 and f"{total:,.0f} kg volume" in summary
    days = sorted({r["Date"][:10] for r in rows})
    assert f"{days[0]} to {days[-1]}" in summary
    # The Trends tab's look: its template, titles on the left, axis titles, orange bars.
    for fig in (volume, groups, e1rm):
        assert fig.layout.template.layout.font.family == figures.TEMPLATE.layout.font.family
        assert fig.layout.title.x == pytest.approx(0.01)
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert volume.data[0].marker.color == groups.data[0].marker.color == figures.ORANGE
    # Weeks on Mondays: every bar, and the ticks.
    mondays = {
        date.fromisoformat(d) - timedelta(days=date.fromisoformat(d).weekday()) for d in days
    }
    assert {pd.Timestamp(x).date() for x in volume.data[0].x} == mondays
    assert pd.Timestamp(volume.layout.xaxis.tick0).weekday() == 0
    assert pd.Timestamp(e1rm.layout.xaxis.tick0).weekday() == 0
    # The table: volumes of a thousand kg or more with a separator, weights to 0.1 at most.
    shown = [dict(zip(EXERCISE_HEADERS, row, strict=True)) for row in shown_cells(table)]
    big = [r["Volume (kg)"] for r in shown if float(r["Volume (kg)"].replace(",", "")) >= 1000]
    assert big and all("," in v and "." not in v for v in big)
    for row in shown:
        for key in ("Best e1RM (kg)", "Heaviest (kg)"):
            assert row[key] == "" or len(row[key].partition(".")[2]) <= 1, row
    # A coach with no sessions of their own is pointed at their athletes.
    coach = handler.refresh(True, "", None, _request("cora"))
    assert "Pick one of your athletes" in coach[0]


# --------------------------------------------------------------------------- a coach's page


def test_a_coach_lands_on_their_athletes(history_world: World) -> None:
    handler = TrendsHandler(history_world.db, history_world.settings)
    assert handler.coach_lands(_request("cora")) is True
    assert handler.coach_lands(_request("ann")) is not True  # an athlete's page opens on Chat
    welcome = coach_placeholder(["Ann", "Bob"])
    assert "your athletes" in welcome and "Ann's last 5 runs" in welcome
    assert "about your running" not in welcome
    # A coach's own (empty) Trends point at their athletes, not at importing.
    view = build_view(history_world.ctx(history_world.cora), "Cora", "All")
    assert "Pick one of your athletes" in view.summary and "Import" not in view.summary
