"""Importing the real activity files in ../shared/data/activity_files.

Expectations come from the files themselves (read here with fitdecode, regular expressions and
the csv module), never from the importer's own output.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

import fitdecode
import numpy as np
import pytest

from storage.activities import count_activities, get_streams
from storage.activities import list_activities as stored_activities
from storage.db import Database
from storage.settings import Settings
from tests.conftest import People
from tools.activities import list_activities
from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.importing.tool import import_activities


def _fit_messages(path: Path, name: str) -> list[dict]:
    """Every message called ``name`` in a FIT file, as plain dicts (developer fields too)."""
    out = []
    with fitdecode.FitReader(str(path)) as fit:
        for frame in fit:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == name:
                out.append({f.name: f.value for f in frame.fields})
    return out


def _files(root: Path, suffix: str) -> list[Path]:
    return sorted(p for p in root.rglob(f"*{suffix}") if "invalid" not in p.parts)


def _expected_activity_count(files: Path) -> int:
    """Real activities in the folder, counted from the files themselves.

    * FIT: one per ``session`` message (the triathlon has one per leg, transitions included);
    * TCX: one per ``<Activity>``, but python-tcxparser's test.tcx and no_hr.tcx are the same
      run (README: "with / without HR"; checked below: same start);
    * GPX: one per ``<trk>`` with timed points;
    * the Strava export's single row is the same run as the geo-activity-playground FIT
      (README; checked below: same start), and series/ is a summary table, not activities.
    """
    sessions = sum(len(_fit_messages(p, "session")) for p in _files(files / "fit", ".fit"))
    tcx_ids = []
    for path in _files(files / "tcx", ".tcx"):
        text = path.read_text(encoding="utf-8-sig")
        tcx_ids += re.findall(r"<Activity [^>]*>\s*<Id>([^<]+)</Id>", text)
    tcx_runs = len(set(tcx_ids))
    assert tcx_runs == len(tcx_ids) - 1  # exactly the one pair named in the README
    gpx_tracks = sum(
        len(re.findall(r"<trk>", p.read_text(encoding="utf-8")))
        for p in _files(files / "gpx", ".gpx")
    )
    return sessions + tcx_runs + gpx_tracks


def _export_row(files: Path) -> list[str]:
    with (files / "strava_export" / "activities.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[1]


def test_export_row_is_the_same_run_as_the_laufen_fit(shared_data: Path) -> None:
    files = shared_data / "activity_files"
    row = _export_row(files)
    csv_start = datetime.strptime(row[1], "%b %d, %Y, %I:%M:%S %p").replace(tzinfo=UTC)
    laufen = next((files / "fit").glob("geo-activity-playground__*Laufen*.fit"))
    (session,) = _fit_messages(laufen, "session")
    assert abs((session["start_time"] - csv_start).total_seconds()) < 2


def test_import_everything_once(ann_ctx: ToolContext, shared_data: Path) -> None:
    files = shared_data / "activity_files"
    expected = _expected_activity_count(files)

    report = import_paths(ann_ctx, [files])

    assert report.imported == expected
    with ann_ctx.session() as session:
        assert count_activities(session, ann_ctx.actor, ann_ctx.athlete_id) == expected
    broken = sorted(p.name for p in (files / "fit" / "invalid").iterdir())
    assert len(broken) == 2
    failed_names = [name for name, _ in report.failed]
    for name in broken:
        assert any(name in failed for failed in failed_names), (name, failed_names)
    assert len(report.failed) == len(broken)
    assert all(reason for _, reason in report.failed)

    again = import_paths(ann_ctx, [files])
    assert again.imported == 0
    assert again.duplicates == report.imported + report.duplicates
    with ann_ctx.session() as session:
        assert count_activities(session, ann_ctx.actor, ann_ctx.athlete_id) == expected


def test_parsing_in_worker_processes_gives_the_same_import(
    db: Database, people: People, settings: Settings, shared_data: Path
) -> None:
    """Large imports parse in worker processes: the same files give the same activities, streams
    and failures as parsing here."""
    files = shared_data / "activity_files"
    here = ToolContext(db=db, actor=people.ann, settings=settings)
    there = ToolContext(db=db, actor=people.bob, settings=settings)
    inline = import_paths(here, [files], workers=1)
    pooled = import_paths(there, [files], workers=2)
    assert (pooled.imported, pooled.duplicates) == (inline.imported, inline.duplicates)
    assert sorted(pooled.failed) == sorted(inline.failed)
    assert sorted(pooled.warnings) == sorted(inline.warnings)

    def stored(ctx: ToolContext) -> list[tuple]:
        with ctx.session() as session:
            return sorted(
                (a.source, a.source_id, a.sport, a.start_time, a.distance_m, len(a.streams))
                for a in stored_activities(session, ctx.actor, ctx.athlete_id)
            )

    assert stored(there) == stored(here)


def _activity_for(ctx: ToolContext, file_name: str, sport: str | None = None):
    with ctx.session() as session:
        rows = [
            a
            for a in stored_activities(session, ctx.actor, ctx.athlete_id)
            if a.file_name == file_name and (sport is None or a.sport == sport)
        ]
    assert len(rows) == 1, [(a.file_name, a.sport) for a in rows]
    return rows[0]


def _check_cadence_against_raw(ctx: ToolContext, path: Path, sport: str, fit_sport: str) -> None:
    """Stored cadence (steps/min) equals the raw FIT record's (cadence + fraction) x 2."""
    session = next(s for s in _fit_messages(path, "session") if s["sport"] == fit_sport)
    start, end = session["start_time"], session["timestamp"]
    raw = [
        r
        for r in _fit_messages(path, "record")
        if r.get("cadence") and start <= r["timestamp"] <= end
    ]
    assert raw
    activity = _activity_for(ctx, path.name, sport)
    with ctx.session() as db_session:
        streams = get_streams(db_session, ctx.actor, activity.id)
    times = streams["time"]
    for record in raw[:: max(1, len(raw) // 25)]:
        offset = (record["timestamp"] - start).total_seconds()
        (index,) = np.flatnonzero(np.isclose(times, offset))[:1]
        expected = (record["cadence"] + (record.get("fractional_cadence") or 0.0)) * 2
        assert streams["cadence"][index] == pytest.approx(expected, abs=1e-3)
        assert 100 < streams["cadence"][index] < 260


def test_running_cadence_is_in_steps_per_minute(ann_ctx: ToolContext, shared_data: Path) -> None:
    fit = shared_data / "activity_files" / "fit"
    import_paths(ann_ctx, [fit / "fitparse__activity-small-fenix2-run.fit"])
    _check_cadence_against_raw(
        ann_ctx, fit / "fitparse__activity-small-fenix2-run.fit", "run", "running"
    )
    # the triathlon's run leg has fractional_cadence too
    import_paths(ann_ctx, [fit / "fitparse__sample_mulitple_header.fit"])
    _check_cadence_against_raw(
        ann_ctx, fit / "fitparse__sample_mulitple_header.fit", "run", "running"
    )


def test_triathlon_splits_into_one_activity_per_session(
    ann_ctx: ToolContext, shared_data: Path
) -> None:
    path = shared_data / "activity_files" / "fit" / "fitparse__sample_mulitple_header.fit"
    sessions = _fit_messages(path, "session")
    records = _fit_messages(path, "record")
    assert len(sessions) > 1

    report = import_paths(ann_ctx, [path])

    assert report.imported == len(sessions)
    with ann_ctx.session() as session:
        stored = sorted(
            stored_activities(session, ann_ctx.actor, ann_ctx.athlete_id),
            key=lambda a: a.start_time,
        )
        samples = [get_streams(session, ann_ctx.actor, a.id) for a in stored]
    for raw, activity, streams in zip(sessions, stored, samples, strict=True):
        assert activity.start_time == raw["start_time"]
        assert activity.distance_m == pytest.approx(raw["total_distance"])
        inside = [r for r in records if raw["start_time"] <= r["timestamp"] < raw["timestamp"]]
        # every record inside the leg's time span belongs to this leg, and none from others
        assert len(inside) <= len(streams.get("time", [])) <= len(inside) + 1
    sports = [a.sport for a in stored]
    assert {"swim", "ride", "run"} <= set(sports)
    run = stored[sports.index("run")]
    run_streams = samples[sports.index("run")]
    # running dynamics in their units: ms, mm, m
    raw_run = next(
        r
        for r in records
        if r["timestamp"] >= run.start_time and r.get("stance_time") and r.get("step_length")
    )
    offset = (raw_run["timestamp"] - run.start_time).total_seconds()
    (index,) = np.flatnonzero(np.isclose(run_streams["time"], offset))[:1]
    assert run_streams["ground_contact_time"][index] == pytest.approx(raw_run["stance_time"])
    assert run_streams["vertical_oscillation"][index] == pytest.approx(
        raw_run["vertical_oscillation"], abs=0.01
    )
    assert run_streams["stride_length"][index] == pytest.approx(
        raw_run["step_length"] / 1000, abs=1e-4
    )
    # distance restarts at zero for each leg
    assert np.nanmin(run_streams["distance"]) == pytest.approx(0.0, abs=1.0)


def test_tcx_with_byte_order_mark_and_cadence(ann_ctx: ToolContext, shared_data: Path) -> None:
    tcx = shared_data / "activity_files" / "tcx"
    bom = tcx / "strava-ruby-client__17611540601.tcx"
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")
    polar = tcx / "sweatpy__3173437224.tcx"
    report = import_paths(ann_ctx, [bom, polar])
    assert report.imported == 2 and not report.failed

    text = bom.read_text(encoding="utf-8-sig")
    heart = [float(v) for v in re.findall(r"<HeartRateBpm>\s*<Value>(\d+)</Value>", text)]
    activity = _activity_for(ann_ctx, bom.name)
    assert activity.max_hr == max(heart)
    assert activity.avg_hr == pytest.approx(np.mean([h for h in heart if h > 0]))
    lap_distance = sum(
        float(v) for v in re.findall(r"</TotalTimeSeconds>\s*<DistanceMeters>([\d.]+)<", text)
    )
    assert activity.distance_m == pytest.approx(lap_distance)

    points = re.findall(r"<Trackpoint>(.*?)</Trackpoint>", polar.read_text(), re.S)
    point_cadence = [float(re.search(r"<Cadence>(\d+)</Cadence>", p).group(1)) for p in points]
    activity = _activity_for(ann_ctx, polar.name)
    with ann_ctx.session() as session:
        streams = get_streams(session, ann_ctx.actor, activity.id)
    # Polar writes strides per minute (median well under 120): stored as steps = 2 x strides
    assert np.median([c for c in point_cadence if c > 0]) < 120
    assert streams["cadence"] == pytest.approx(np.array(point_cadence) * 2)


def test_gpx_distance_time_and_extensions(ann_ctx: ToolContext, shared_data: Path) -> None:
    path = shared_data / "activity_files" / "gpx" / "sweatpy__activity_5039744860.gpx"
    text = path.read_text()
    report = import_paths(ann_ctx, [path])
    assert report.imported == 1
    activity = _activity_for(ann_ctx, path.name)
    points = re.findall(r'<trkpt lat="([-\d.]+)" lon="([-\d.]+)"', text)
    times = re.findall(r"<time>([^<]+)</time>", text)[1:]  # the first is the metadata time
    lat = np.radians([float(a) for a, _ in points])
    lon = np.radians([float(b) for _, b in points])
    # equirectangular approximation: independent of the importer's haversine, close at 1 km
    x = np.diff(lon) * np.cos((lat[1:] + lat[:-1]) / 2)
    y = np.diff(lat)
    approx = float(np.sum(np.hypot(x, y)) * 6_371_000)
    assert activity.distance_m == pytest.approx(approx, rel=0.01)
    first = datetime.fromisoformat(times[0].replace("Z", "+00:00"))
    last = datetime.fromisoformat(times[-1].replace("Z", "+00:00"))
    assert activity.start_time == first
    assert activity.elapsed_time_s == (last - first).total_seconds()
    assert activity.sport == "ride"  # <type>cycling</type>
    hr = [float(v) for v in re.findall(r"<ns3:hr>(\d+)</ns3:hr>", text)]
    assert activity.max_hr == max(hr)
    with ann_ctx.session() as session:
        streams = get_streams(session, ann_ctx.actor, activity.id)
    cadence = [float(v) for v in re.findall(r"<ns3:cad>(\d+)</ns3:cad>", text)]
    assert streams["cadence"] == pytest.approx(cadence)  # a ride: rpm stays rpm

    strava_gpx = shared_data / "activity_files" / "gpx" / "sweatpy__4801048867_strava.gpx"
    assert "<type>1</type>" in strava_gpx.read_text()
    import_paths(ann_ctx, [strava_gpx])
    assert _activity_for(ann_ctx, strava_gpx.name).sport == "ride"  # Strava's code 1 = Ride


def test_other_athletes_see_nothing(
    db: Database, people, settings, ann_ctx: ToolContext, shared_data: Path
) -> None:
    report = import_paths(ann_ctx, [shared_data / "activity_files" / "gpx"])
    assert report.imported == 2
    bob = ToolContext(db=db, actor=people.bob, settings=settings)
    listing = list_activities(bob)
    assert listing.ok and listing.data["rows"] == []
    assert listing.fact("count").value == 0
    with pytest.raises(PermissionError):
        ToolContext(db=db, actor=people.bob, settings=settings, athlete_id=people.ann.id)
    coach = ToolContext(db=db, actor=people.cora, settings=settings, athlete_id=people.ann.id)
    assert list_activities(coach).fact("count").value == 2
    # Bob importing the same files gets his own copies; Ann's stay hers
    assert import_paths(bob, [shared_data / "activity_files" / "gpx"]).imported == 2
    assert list_activities(ann_ctx).fact("count").value == 2


def test_import_tool_and_list_tool(ann_ctx: ToolContext, shared_data: Path) -> None:
    fit = shared_data / "activity_files" / "fit"
    result = import_activities(ann_ctx, [str(fit)])
    assert result.ok
    sessions = {p: _fit_messages(p, "session") for p in _files(fit, ".fit")}
    assert result.fact("imported").value == sum(len(s) for s in sessions.values())
    assert result.fact("failed").value == 2
    assert {Path(f["name"]).name for f in result.data["failed"]} == {
        p.name for p in (fit / "invalid").iterdir()
    }

    fenix2 = fit / "fitparse__activity-small-fenix2-run.fit"
    (session,) = sessions[fenix2]
    day = session["start_time"].date().isoformat()
    listing = list_activities(ann_ctx, since=day, until=day, sport="running")
    assert listing.ok
    assert listing.fact("count").value == 1
    assert listing.fact("total_distance").value == round(session["total_distance"] / 1000, 2)
    assert listing.fact("total_time").value == round(session["total_timer_time"] / 3600, 1)
    (row,) = listing.data["rows"]
    assert row["sport"] == "run" and row["file_name"] == fenix2.name

    runs = [s for ss in sessions.values() for s in ss if s["sport"] == "running"]
    all_runs = list_activities(ann_ctx, sport="run", limit=100)
    assert all_runs.fact("count").value == len(runs)
    newest_first = [r["start_time"] for r in all_runs.data["rows"]]
    assert newest_first == sorted(newest_first, reverse=True)
    assert list_activities(ann_ctx, limit=2).fact("count").value == 2

    bad = list_activities(ann_ctx, since="last tuesday")
    assert not bad.ok and "YYYY-MM-DD" in bad.message
    assert not list_activities(ann_ctx, sport="quidditch").ok
    assert not import_activities(ann_ctx, []).ok


def test_pace_is_written_the_way_runners_read_it(ann_ctx: ToolContext, shared_data: Path) -> None:
    import_paths(ann_ctx, [shared_data / "activity_files" / "fit"])
    rows = list_activities(ann_ctx, sport="run").data["rows"]
    assert rows
    for row in rows:
        minutes, seconds = (int(part) for part in row["pace_per_km"].split(":"))
        assert 0 <= seconds < 60
        assert minutes + seconds / 60 == pytest.approx(row["pace_min_per_km"], abs=1 / 60)
