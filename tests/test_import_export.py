"""Strava bulk exports (folder and zip) and gzipped files, on the real export layout."""

from __future__ import annotations

import csv
import gzip
import shutil
import zipfile
from pathlib import Path

import fitdecode
import pytest

from storage.activities import get_streams
from storage.activities import list_activities as stored_activities
from tools.context import ToolContext
from tools.importing.importer import import_paths


def _csv(export: Path) -> tuple[list[str], list[list[str]]]:
    with (export / "activities.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _activities(ctx: ToolContext):
    with ctx.session() as session:
        return stored_activities(session, ctx.actor, ctx.athlete_id)


def _streams(ctx: ToolContext, activity_id: int):
    with ctx.session() as session:
        return get_streams(session, ctx.actor, activity_id)


def _copy_export(shared_data: Path, target: Path) -> Path:
    shutil.copytree(shared_data / "activity_files" / "strava_export", target)
    return target


def test_export_folder_then_watch_file_is_one_activity(
    ann_ctx: ToolContext, shared_data: Path
) -> None:
    export = shared_data / "activity_files" / "strava_export"
    header, rows = _csv(export)
    (row,) = rows
    assert header.count("Distance") == 2  # repeated names, different units
    report = import_paths(ann_ctx, [export])
    assert report.imported == 1 and not report.failed
    (activity,) = _activities(ann_ctx)
    assert activity.source == "strava"
    assert activity.source_id == row[header.index("Activity ID")]
    assert activity.name == row[header.index("Activity Name")]
    # the second Distance column is metres; the first is kilometres
    second = [i for i, name in enumerate(header) if name == "Distance"][1]
    assert activity.distance_m == pytest.approx(float(row[second]))
    assert activity.distance_m == pytest.approx(float(row[header.index("Distance")]) * 1000, 0.01)
    assert activity.moving_time_s == float(row[header.index("Moving Time")])
    # samples come from the file the Filename column names (not named after the activity id)
    file_name = row[header.index("Filename")]
    assert Path(file_name).name.split(".")[0] != activity.source_id
    streams = _streams(ann_ctx, activity.id)
    with gzip.open(export / file_name) as raw, fitdecode.FitReader(raw) as fit:
        records = [f for f in fit if isinstance(f, fitdecode.FitDataMessage) and f.name == "record"]
    assert len(streams["time"]) == len(records)
    assert "heart_rate" not in streams  # the export's file has no heart rate

    laufen = next((shared_data / "activity_files" / "fit").glob("*Laufen*.fit"))
    again = import_paths(ann_ctx, [laufen, export])
    assert again.imported == 0 and again.duplicates == 2
    (activity,) = _activities(ann_ctx)
    assert activity.source == "strava"  # a later Strava sync still recognises it
    assert "heart_rate" in _streams(ann_ctx, activity.id)  # filled in from the watch file


def test_watch_file_then_export_is_one_activity(ann_ctx: ToolContext, shared_data: Path) -> None:
    laufen = next((shared_data / "activity_files" / "fit").glob("*Laufen*.fit"))
    assert import_paths(ann_ctx, [laufen]).imported == 1
    report = import_paths(ann_ctx, [shared_data / "activity_files" / "strava_export"])
    assert report.imported == 0 and report.duplicates == 1
    assert len(_activities(ann_ctx)) == 1


def test_export_zip_with_rows_without_files(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    export = _copy_export(shared_data, tmp_path / "export_12345")
    header, rows = _csv(export)
    extra = list(rows[0])
    extra[header.index("Activity ID")] = "999000111"
    extra[header.index("Activity Date")] = "Jun 2, 2022, 6:01:02 AM"
    extra[header.index("Activity Name")] = "Treadmill, no file"
    extra[header.index("Activity Type")] = "Run"
    extra[header.index("Filename")] = ""
    distance_columns = [i for i, name in enumerate(header) if name == "Distance"]
    extra[distance_columns[0]] = "5.01"
    extra[distance_columns[1]] = "5012.5"
    broken = list(extra)
    broken[header.index("Activity ID")] = "999000222"
    broken[header.index("Activity Date")] = "sometime last week"
    damaged = list(extra)
    damaged[header.index("Activity ID")] = "999000333"
    damaged[header.index("Activity Date")] = "Jul 3, 2022, 7:00:00 PM"
    damaged[header.index("Filename")] = "activities/777.fit"
    invalid = shared_data / "activity_files" / "fit" / "invalid"
    shutil.copy(next(invalid.glob("*unexpected-eof.fit")), export / "activities" / "777.fit")
    with (export / "activities.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, rows[0], extra, broken, damaged])
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(export.rglob("*")):
            zf.write(path, Path("export_12345") / path.relative_to(export))
    shutil.rmtree(export)

    report = import_paths(ann_ctx, [archive])

    assert report.imported == 3
    assert len(report.failed) == 1 and "999000222" in report.failed[0][0]
    # a damaged file loses nothing: the row imports from the CSV, and the report says so
    assert any("999000333" in w and "777.fit" in w for w in report.warnings)
    by_id = {a.source_id: a for a in _activities(ann_ctx)}
    treadmill = by_id["999000111"]
    assert treadmill.sport == "run" and treadmill.distance_m == 5012.5
    assert treadmill.start_time.isoformat() == "2022-06-02T06:01:02+00:00"
    assert _streams(ann_ctx, treadmill.id) == {}
    assert by_id["999000333"].distance_m == 5012.5
    assert _streams(ann_ctx, by_id[rows[0][0]].id)["cadence"].size > 0
    assert import_paths(ann_ctx, [archive]).imported == 0


def test_gzipped_files_match_their_plain_copies(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    files = shared_data / "activity_files"
    plain = [
        files / "gpx" / "sweatpy__activity_5039744860.gpx",
        files / "tcx" / "strava-ruby-client__17611540601.tcx",
        files / "fit" / "fitparse__garmin-fenix-5-run.fit",
    ]
    for path in plain:
        (tmp_path / (path.name + ".gz")).write_bytes(gzip.compress(path.read_bytes()))
    first = import_paths(ann_ctx, [tmp_path])
    assert first.imported == 3 and not first.failed
    # the same content, not gzipped: recognised (the id hashes the decompressed bytes)
    second = import_paths(ann_ctx, plain)
    assert second.imported == 0 and second.duplicates == 3


def test_export_first_without_its_file_then_with_it_gains_the_samples(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    """A row already held is passed over on re-import only when the stored copy has everything;
    a row imported from the CSV alone still gains its samples when the file turns up."""
    export = _copy_export(shared_data, tmp_path / "export")
    header, (row,) = _csv(export)
    moved = tmp_path / "held_back"
    shutil.move(export / row[header.index("Filename")], moved)
    first = import_paths(ann_ctx, [export])
    assert first.imported == 1 and first.warnings  # "imported from the CSV summary only"
    (activity,) = _activities(ann_ctx)
    assert _streams(ann_ctx, activity.id) == {}

    shutil.move(moved, export / row[header.index("Filename")])
    second = import_paths(ann_ctx, [export])
    assert (second.imported, second.duplicates) == (0, 1)
    assert len(_streams(ann_ctx, activity.id)["time"]) > 100

    third = import_paths(ann_ctx, [export])  # now complete: passed over without parsing
    assert (third.imported, third.duplicates) == (0, 1) and not third.warnings
