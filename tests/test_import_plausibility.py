"""Impossible data at import: hostile copies of the real files in ../shared/data (a heart rate of
900, a run at 10,000 km/h, a FIT claiming 42,000 km, runs dated 1970 and 2199, RPE 99) go
through the real importer into a real database. Impossible activities are refused with the
reason and never stored or totalled; impossible samples are dropped and counted; the real files
beside them still import; and no real file loses anything.
"""

from __future__ import annotations

import copy
import csv
import io
import re
import shutil
import struct
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from stravalib import model

from storage.activities import NewActivity, count_activities, get_streams
from storage.activities import list_activities as stored_activities
from storage.strength import sessions_between
from tests.fake_strava import FakeStrava, fake_strava  # noqa: F401 - the fixture
from tests.test_strava_convert import as_models, recorded_streams
from tests.test_strava_sync import (  # noqa: F401 - ann_on_strava is a fixture
    ann_on_strava,
    held_ids,
    recorded,
)
from tools.activities import list_activities
from tools.context import ToolContext
from tools.importing.importer import ImportReport, import_paths
from tools.importing.plausibility import (
    ImpossibleActivity,
    activity_problems,
    check_activity,
    clean_samples,
)
from tools.importing.sources import activity_format, parse_bytes
from tools.importing.tool import import_activities
from tools.strava.convert import streams_to_channels, summary_to_activity
from tools.strava.sync import SyncOptions, sync

# -- the real files the hostile ones are made from ------------------------------------------


def _real(shared_data: Path, name: str) -> Path:
    return next((shared_data / "activity_files").rglob(name))


def _laufen(shared_data: Path) -> Path:
    return _real(shared_data, "geo-activity-playground__*Laufen*.fit")


def _garmin_gpx(shared_data: Path) -> str:
    """The Garmin Connect GPX (96 points, 1 per second, hr and cad), made a run."""
    text = _real(shared_data, "sweatpy__activity_5039744860.gpx").read_text(encoding="utf-8")
    return text.replace("<type>cycling</type>", "<type>running</type>")


def _polar_tcx(shared_data: Path) -> str:
    """The Polar M400 run (3507 trackpoints with HR, cadence, GPS, distance), 29 Jan 2019."""
    return _real(shared_data, "sweatpy__3173437224.tcx").read_text(encoding="utf-8")


def _km(ctx: ToolContext, year: int, sport: str = "run") -> float:
    """'How many km did I run in <year>?': the stored activities the activities tool totals."""
    with ctx.session() as session:
        found = stored_activities(
            session,
            ctx.actor,
            ctx.athlete_id,
            since=datetime(year, 1, 1, tzinfo=UTC),
            until=datetime(year + 1, 1, 1, tzinfo=UTC),
            sport=sport,
        )
        return round(sum(a.distance_m or 0.0 for a in found) / 1000.0, 3)


def _count(ctx: ToolContext) -> int:
    with ctx.session() as session:
        return count_activities(session, ctx.actor, ctx.athlete_id)


def _reason(report: ImportReport, name: str) -> str:
    found = [reason for failed, reason in report.failed if name in failed]
    assert len(found) == 1, (name, report.failed)
    return found[0]


# -- FIT writing: a real FIT with one field of one message changed, CRC made good again ---------

_CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401)
_CRC_TABLE += (0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)


def _fit_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = _CRC_TABLE[crc & 0xF]
            crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ _CRC_TABLE[nibble]
    return crc


def _fit_with(data: bytes, message: int, field: int, value: int) -> bytes:
    """``data`` (one FIT file) with ``field`` of every ``message`` set to ``value``."""
    out = bytearray(data)
    end = out[0] + struct.unpack_from("<I", out, 4)[0]
    assert _fit_crc(out[:end]) == struct.unpack_from("<H", out, end)[0]  # we read it right
    pos, definitions, hits = out[0], {}, 0
    while pos < end:
        record = out[pos]
        pos += 1
        if record & 0x80:  # compressed-timestamp header: a data message
            local, is_definition, developer = (record >> 5) & 3, False, False
        else:
            local, is_definition, developer = record & 0xF, record & 0x40, record & 0x20
        if is_definition:
            big = out[pos + 1] == 1
            number = struct.unpack_from(">H" if big else "<H", out, pos + 2)[0]
            count = out[pos + 4]
            fields = [tuple(out[pos + 5 + 3 * i : pos + 8 + 3 * i]) for i in range(count)]
            pos += 5 + 3 * count
            size = sum(f[1] for f in fields)
            if developer:
                size += sum(out[pos + 2 + 3 * i] for i in range(out[pos]))
                pos += 1 + 3 * out[pos]
            definitions[local] = (number, big, fields, size)
            continue
        number, big, fields, size = definitions[local]
        if number == message:
            offset = pos
            for num, width, _ in fields:
                if num == field:
                    kind = {1: "B", 2: "H", 4: "I"}[width]
                    struct.pack_into((">" if big else "<") + kind, out, offset, value)
                    hits += 1
                offset += width
        pos += size
    assert hits, "the message or field is not in the file"
    struct.pack_into("<H", out, end, _fit_crc(out[:end]))
    return bytes(out)


FIT_SESSION, FIT_TOTAL_DISTANCE = 18, 9  # total_distance in 1/100 m


# -- refused ---------------------------------------------------------------------------------


def test_a_fit_claiming_42000_km_is_refused_and_never_totalled(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    laufen = _laufen(shared_data)
    hostile = tmp_path / "laufen_42000km.fit"
    hostile.write_bytes(
        _fit_with(laufen.read_bytes(), FIT_SESSION, FIT_TOTAL_DISTANCE, 42_000 * 1000 * 100)
    )
    assert parse_bytes(hostile.read_bytes(), hostile.name)[0].distance_m == 42_000_000.0
    fenix = _real(shared_data, "fitparse__activity-small-fenix2-run.fit")
    assert _km(ann_ctx, 2022) == 0.0

    report = import_paths(ann_ctx, [hostile, fenix])

    reason = _reason(report, "laufen_42000km.fit")
    assert "42,000" in reason and "km" in reason and "Kouros" in reason
    assert "export" in reason  # what to do
    assert report.imported == 1 and report.refused == 1  # the real run beside it landed
    assert _count(ann_ctx) == 1
    assert _km(ann_ctx, 2022) == 0.0  # "How many km did I run in 2022?": not 42000
    assert _km(ann_ctx, 2015) == pytest.approx(9.0, abs=0.05)
    assert "1 refused as impossible" in report.summary()

    # The real file it was made from imports as it is.
    real = import_paths(ann_ctx, [laufen])
    assert real.imported == 1 and not real.failed
    assert _km(ann_ctx, 2022) == pytest.approx(3.3, abs=0.05)


def test_runs_dated_1970_and_2199_are_refused(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    tcx = _polar_tcx(shared_data)
    assert "2019-01-29" in tcx
    (tmp_path / "run_1970.tcx").write_text(tcx.replace("2019-01-29", "1970-01-01"))
    (tmp_path / "run_2199.tcx").write_text(tcx.replace("2019-01-29", "2199-01-29"))
    (tmp_path / "run.tcx").write_text(tcx)  # the real one, in the same batch

    report = import_paths(ann_ctx, [tmp_path])

    old, future = _reason(report, "run_1970.tcx"), _reason(report, "run_2199.tcx")
    assert "1 Jan 1970" in old and "before 1990" in old and "date" in old
    assert "29 Jan 2199" in future and "future" in future and "clock" in future
    assert report.imported == 1 and report.refused == 2 and _count(ann_ctx) == 1
    with ann_ctx.session() as session:
        (stored,) = stored_activities(session, ann_ctx.actor, ann_ctx.athlete_id)
    assert stored.start_time.year == 2019
    assert _km(ann_ctx, 1970) == 0.0 and _km(ann_ctx, 2199) == 0.0


def test_a_gpx_with_heart_rate_900_cadence_5000_and_10000_kmh_is_refused(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    gpx = _garmin_gpx(shared_data)
    hot = re.sub(r"<ns3:hr>\d+</ns3:hr>", "<ns3:hr>900</ns3:hr>", gpx)
    hot = re.sub(r"<ns3:cad>\d+</ns3:cad>", "<ns3:cad>5000</ns3:cad>", hot)
    (tmp_path / "hr900.gpx").write_text(hot)
    # Each point 2,778 m north of the one before, a second later: 10,000 km/h.
    points = iter(range(10_000))

    def north(match: re.Match[str]) -> str:
        lat = 10.0 + next(points) * 2777.8 / 111_195.0
        return f'<trkpt lat="{lat:.6f}" lon="{match[1]}">'

    fast = re.sub(r'<trkpt lat="[^"]+" lon="([^"]+)">', north, gpx)
    (tmp_path / "fast.gpx").write_text(fast)
    (tmp_path / "real.gpx").write_text(gpx)

    report = import_paths(ann_ctx, [tmp_path])

    hr = _reason(report, "hr900.gpx")
    assert "heart-rate readings are impossible (900 bpm" in hr and "cadence" in hr
    speed = _reason(report, "fast.gpx")
    assert "10,000 km/h" in speed and "Bolt" in speed
    assert report.imported == 1 and report.refused == 2 and _count(ann_ctx) == 1


def test_a_strava_export_zip_keeps_its_real_run_and_reports_the_impossible_ones(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    export = shared_data / "activity_files" / "strava_export"
    with (export / "activities.csv").open(newline="", encoding="utf-8") as f:
        header, real_row = list(csv.reader(f))
    column = {name: i for i, name in reversed(list(enumerate(header)))}  # the first of each

    def row(activity_id: str, date: str, file_name: str = "", metres: str | None = None) -> list:
        cells = list(real_row)
        cells[column["Activity ID"]], cells[column["Activity Date"]] = activity_id, date
        cells[column["Filename"]] = file_name
        if metres is not None:  # the first Distance is km, the second metres ("": none)
            first, second = [i for i, name in enumerate(header) if name == "Distance"]
            cells[first], cells[second] = (str(float(metres) / 1000) if metres else ""), metres
        return cells

    laufen = _laufen(shared_data).read_bytes()
    hostile_fit = _fit_with(laufen, FIT_SESSION, FIT_TOTAL_DISTANCE, 4_200_000_000)
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerows(
        [
            header,
            real_row,
            row("900000001", "Mar 3, 2021, 7:00:00 AM", metres="42000000"),  # CSV says 42,000 km
            row("900000002", "Jan 1, 1970, 7:00:00 AM"),
            row("900000003", "Mar 5, 2021, 7:00:00 AM", "activities/900000003.fit", metres=""),
            row("900000004", "Mar 6, 2021, 7:00:00 AM", "activities/900000004.fit"),
        ]
    )
    archive = tmp_path / "export_with_impossible.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("activities.csv", table.getvalue())
        zf.write(export / real_row[column["Filename"]], real_row[column["Filename"]])
        # The file claims 42,000 km, and its row has no distance to correct it.
        zf.writestr("activities/900000003.fit", hostile_fit)
        zf.writestr("activities/900000004.fit", laufen[:200])  # a broken file
    assert _km(ann_ctx, 2021) == 0.0

    report = import_paths(ann_ctx, [archive])

    assert "42,000" in _reason(report, "Strava activity 900000001")
    assert "1970" in _reason(report, "Strava activity 900000002")
    assert "42,000" in _reason(report, "Strava activity 900000003")
    # The broken file's row keeps its CSV summary, as before, with a word about the file.
    assert any("900000004" in w and "summary only" in w for w in report.warnings)
    assert report.refused == 3 and report.imported == 2
    with ann_ctx.session() as session:
        held = {a.source_id for a in stored_activities(session, ann_ctx.actor, ann_ctx.athlete_id)}
    assert held == {real_row[column["Activity ID"]], "900000004"}
    assert _km(ann_ctx, 2021) == pytest.approx(3.32, abs=0.01)  # the broken file's CSV row
    # "How many km did I run in 2021?", as the chat's activities tool answers it: not 42000.
    answer = list_activities(ann_ctx, since="2021-01-01", until="2021-12-31", sport="run")
    assert {f.name: f.value for f in answer.facts}["total_distance"] == 3.32
    assert _km(ann_ctx, 1970) == 0.0


def test_the_chat_tool_says_what_was_refused_and_why(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    hostile = tmp_path / "run_2199.tcx"
    hostile.write_text(_polar_tcx(shared_data).replace("2019-01-29", "2199-01-29"))
    result = import_activities(ann_ctx, [str(hostile)])
    assert not result.ok
    assert "1 refused as impossible" in result.message
    assert (
        "nothing of it was stored" in result.message and "Files that failed" not in result.message
    )
    ((failed),) = result.data["failed"]
    assert failed["name"] == "run_2199.tcx" and "future" in failed["reason"]
    assert {f.name: f.value for f in result.facts}["refused_impossible"] == 1


# -- samples dropped, activity kept ----------------------------------------------------------


def test_a_real_run_with_a_few_impossible_samples_keeps_the_rest(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    tcx = _polar_tcx(shared_data)
    points = tcx.split("<Trackpoint>")
    assert len(points) > 3000
    hr_at, cadence_at, jump_at = (500, 1000, 1500, 2000, 2500), (700, 1700, 2700), (1200, 2200)
    for i in hr_at:
        points[i] = re.sub(r"(<HeartRateBpm>\s*<Value>)\d+", r"\g<1>900", points[i], count=1)
    for i in cadence_at:
        points[i] = re.sub(r"<Cadence>\d+", "<Cadence>5000", points[i], count=1)
    for i in jump_at:  # one GPS fix 1 degree (111 km) north, then back
        points[i] = re.sub(
            r"<LatitudeDegrees>([-\d.]+)",
            lambda m: f"<LatitudeDegrees>{float(m[1]) + 1.0:.7f}",
            points[i],
            count=1,
        )
    assert (
        sum("<Value>900" in p for p in points) == 5
        and sum("<Cadence>5000" in p for p in points) == 3
    )
    glitchy = tmp_path / "glitchy.tcx"
    glitchy.write_text("<Trackpoint>".join(points))
    real = parse_bytes(tcx.encode(), "real.tcx")[0]

    report = import_paths(ann_ctx, [glitchy])

    assert report.imported == 1 and not report.failed and report.dropped_samples == 10
    (warning,) = report.warnings
    assert "glitchy.tcx" in warning and "5 heart-rate readings" in warning
    assert "3 cadence readings" in warning and "2 GPS positions" in warning and "kept" in warning
    with ann_ctx.session() as session:
        (stored,) = stored_activities(session, ann_ctx.actor, ann_ctx.athlete_id)
        streams = get_streams(session, ann_ctx.actor, stored.id)
    # Trackpoint k of the file is sample k - 1 (every point has a time).
    hr, cadence, lat = streams["heart_rate"], streams["cadence"], streams["lat"]
    assert len(hr) == len(real.streams["heart_rate"])  # dropped, not shifted
    assert all(np.isnan(hr[i - 1]) for i in hr_at) and np.nanmax(hr) == 168
    assert all(np.isnan(cadence[i - 1]) for i in cadence_at) and np.nanmax(cadence) < 250
    assert all(np.isnan(lat[i - 1]) for i in jump_at)
    assert np.isfinite(hr).sum() == np.isfinite(real.streams["heart_rate"]).sum() - 5
    assert stored.max_hr == real.max_hr == 168
    assert stored.avg_hr == pytest.approx(real.avg_hr, abs=0.5)
    assert stored.distance_m == pytest.approx(real.distance_m)  # the watch's own distance


def test_gps_jumps_in_a_gpx_are_dropped_and_its_distance_measured_without_them(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    path = _real(shared_data, "sweatpy__4801048867_strava.gpx")
    gpx = path.read_text(encoding="utf-8")
    real = parse_bytes(gpx.encode(), path.name)[0]
    points = gpx.split("<trkpt ")
    for i in (1000, 3000):  # two fixes 0.5 degrees (55 km) away
        points[i] = re.sub(r'lat="([-\d.]+)"', lambda m: f'lat="{float(m[1]) + 0.5}"', points[i])
    jumpy = tmp_path / "jumpy.gpx"
    jumpy.write_text("<trkpt ".join(points))
    assert parse_bytes(jumpy.read_bytes(), jumpy.name)[0].distance_m > real.distance_m + 200_000

    report = import_paths(ann_ctx, [jumpy])

    assert report.imported == 1 and report.dropped_samples == 2, report.failed
    with ann_ctx.session() as session:
        (stored,) = stored_activities(session, ann_ctx.actor, ann_ctx.athlete_id)
    assert stored.distance_m == pytest.approx(real.distance_m, rel=0.002)
    assert _km(ann_ctx, 2020, "ride") == pytest.approx(real.distance_m / 1000, abs=0.1)


# -- Strava API records ----------------------------------------------------------------------


def test_strava_summaries_claiming_the_impossible_are_skipped_the_rest_synced(
    ann_on_strava: ToolContext,  # noqa: F811
    fake_strava: FakeStrava,  # noqa: F811
    shared_data: Path,
) -> None:
    ctx = ann_on_strava
    far, old = fake_strava.activities[10], fake_strava.activities[20]
    fake_strava.activities[10] = {**far, "distance": 42_000_000.0}
    fake_strava.activities[20] = {**old, "start_date": "1970-01-01T07:00:00Z"}
    with pytest.raises(ImpossibleActivity, match="42,000"):
        summary_to_activity(model.SummaryActivity.model_validate(fake_strava.activities[10]))

    report = sync(ctx, SyncOptions(streams=False))

    assert report.complete, report.message
    assert sorted(report.skipped) == sorted(f"{a['id']}: ImpossibleActivity" for a in (far, old))
    expected = {str(a["id"]) for a in recorded(shared_data)} - {str(far["id"]), str(old["id"])}
    assert held_ids(ctx) == expected  # every other one of the 1132 records, none refused


def test_impossible_strava_stream_samples_are_dropped(shared_data: Path) -> None:
    raw = copy.deepcopy(recorded_streams(shared_data))
    raw["heartrate"]["data"][100] = 900
    raw["watts"]["data"][200] = 25_000
    raw["velocity_smooth"]["data"][300] = 2777.8
    channels = streams_to_channels(as_models(raw), "ride")
    assert np.isnan(channels["heart_rate"][100]) and np.isnan(channels["power"][200])
    assert np.isnan(channels["speed"][300])
    assert np.isfinite(channels["heart_rate"]).sum() == len(raw["heartrate"]["data"]) - 1
    raw["heartrate"]["data"] = [900] * len(raw["heartrate"]["data"])  # a broken strap
    assert "heart_rate" not in streams_to_channels(as_models(raw), "ride")


# -- strength logs ---------------------------------------------------------------------------


def test_a_hevy_log_with_rpe_99_impossible_sets_and_dates_1970_and_2199(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    with (shared_data / "strength" / "hevy_export.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    starts = list(dict.fromkeys(r["start_time"] for r in rows))[:4]
    rows = [r for r in rows if r["start_time"] in starts]
    first, second, old, future = starts
    in_first = [r for r in rows if r["start_time"] == first]
    in_first[0]["rpe"] = "99"
    in_first[1]["reps"] = "5000"
    in_first[2]["weight_kg"] = "9000"
    for r in rows:
        if r["start_time"] == old:
            r["start_time"] = r["end_time"] = "1 Jan 1970, 07:00"
        elif r["start_time"] == future:
            r["start_time"] = r["end_time"] = "1 Jan 2199, 07:00"
    log = tmp_path / "hevy_hostile.csv"
    with log.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    real_sets = sum(r["start_time"] in (first, second) for r in rows)

    report = import_paths(ann_ctx, [log])

    (done,) = report.strength
    assert done.sessions_added == 2 and done.sets_added == real_sets - 2
    assert report.refused == 2 and report.refused_workouts == 2
    assert report.summary() == (
        f"hevy_hostile.csv (Hevy): 2 strength sessions ({real_sets - 2} sets) imported, "
        "2 refused as impossible."
    )
    assert "1970" in _reason(report, "1 Jan 1970") and "before 1990" in _reason(report, "1970")
    assert "future" in _reason(report, "1 Jan 2199")
    warnings = " ".join(report.warnings)
    assert "2 sets no one could do" in warnings and "5,000 reps" in warnings
    assert "9,000 kg" in warnings and "Björnsson" in warnings
    assert "RPE 99" in warnings and "the sets kept" in warnings
    with ann_ctx.session() as session:
        held = sessions_between(session, ann_ctx.actor, ann_ctx.athlete_id)
        rpes = [s.rpe for held_session in held for s in held_session.sets]
        days = sorted(held_session.day[:4] for held_session in held)
    assert days == ["2025", "2025"]
    assert all(rpe is None or 1 <= rpe <= 10 for rpe in rpes)
    assert sum(rpe is None for rpe in rpes) == 1 + sum(
        not r["rpe"] for r in in_first[3:] + [r for r in rows if r["start_time"] == second]
    )


# -- the real data is never touched ----------------------------------------------------------


def test_no_real_activity_file_is_refused_or_loses_a_sample(
    ann_ctx: ToolContext, shared_data: Path
) -> None:
    files = shared_data / "activity_files"
    parsed = [
        new
        for path in sorted(files.rglob("*"))
        if path.is_file() and activity_format(path.name) and "invalid" not in path.parts
        for new in parse_bytes(path.read_bytes(), path.name)
    ]
    assert len(parsed) == 19
    for new in parsed:
        checked = check_activity(new)
        assert checked.activity is not None and not checked.dropped, (new.file_name, checked)

    report = import_paths(ann_ctx, [files])

    assert report.refused == 0 and report.dropped_samples == 0
    assert len(report.failed) == 2  # the two deliberately broken files in fit/invalid
    assert not [w for w in report.warnings if "left out" in w]


def test_no_real_strava_record_summary_or_stream_is_refused_or_trimmed(shared_data: Path) -> None:
    records = recorded(shared_data)
    assert len(records) == 1132
    for record in records:
        new = summary_to_activity(model.SummaryActivity.model_validate(record))
        assert activity_problems(new) == []
    raw = recorded_streams(shared_data)
    for sport in ("ride", "run", "other"):
        channels = streams_to_channels(as_models(raw), sport)
        samples = clean_samples(channels, sport)
        assert samples.dropped == {} and samples.broken == {}
        assert len(channels["heart_rate"]) == len(raw["heartrate"]["data"]) == 7306


def test_no_real_run_of_the_908_run_summary_is_impossible(shared_data: Path) -> None:
    series = shared_data / "activity_files" / "series" / "dblock_runs_summary_2017-2025.csv"
    with series.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 908
    names = rows[0].keys()

    def number(row: dict, *keys: str) -> float | None:
        key = next((k for k in keys if k in names), None)
        return float(row[key]) if key and row[key] not in ("", None) else None

    for row in rows:
        start = next(row[k] for k in ("start_date", "start_date_local", "date") if k in names)
        new = NewActivity(
            source="strava",
            source_id="x",
            sport="run",
            start_time=datetime.fromisoformat(start.replace("Z", "+00:00")),
            distance_m=number(row, "distance_m", "distance"),
            moving_time_s=number(row, "moving_time_s", "moving_time"),
            elapsed_time_s=number(row, "elapsed_time_s", "elapsed_time"),
            avg_hr=number(row, "average_heartrate", "avg_hr"),
            max_hr=number(row, "max_heartrate", "max_hr"),
        )
        assert activity_problems(new) == [], row


def test_the_real_strength_logs_lose_nothing(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    for name in ("hevy_export.csv", "strong_export.csv"):
        shutil.copy(shared_data / "strength" / name, tmp_path / name)
    report = import_paths(ann_ctx, [tmp_path / "hevy_export.csv", tmp_path / "strong_export.csv"])
    assert report.refused == 0 and not report.failed
    assert not [w for w in report.warnings if "left out" in w or "no one could" in w]
    assert sum(done.sessions_added for done in report.strength) > 100


FIT_AVG_HEART_RATE, FIT_MAX_HEART_RATE = 16, 17  # session fields, bpm (one byte)


def test_an_impossible_heart_rate_a_watch_states_is_measured_again_from_its_samples(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    laufen = _laufen(shared_data).read_bytes()
    real = parse_bytes(laufen, "real.fit")[0]
    stated = _fit_with(laufen, FIT_SESSION, FIT_MAX_HEART_RATE, 252)
    stated = _fit_with(stated, FIT_SESSION, FIT_AVG_HEART_RATE, 251)
    assert parse_bytes(stated, "x.fit")[0].max_hr == 252
    (tmp_path / "stated_252.fit").write_bytes(stated)

    report = import_paths(ann_ctx, [tmp_path / "stated_252.fit"])

    assert report.imported == 1 and not report.failed
    (warning,) = report.warnings
    assert "stated maximum heart rate" in warning and "stated average heart rate" in warning
    with ann_ctx.session() as session:
        (stored,) = stored_activities(session, ann_ctx.actor, ann_ctx.athlete_id)
    samples = real.streams["heart_rate"]
    assert stored.max_hr == np.nanmax(samples) == 168  # the highest of its samples (it says 169)
    assert stored.avg_hr == pytest.approx(np.nanmean(samples[samples > 0]))


def test_a_summary_without_samples_stating_an_impossible_heart_rate_is_refused(
    shared_data: Path,
) -> None:
    record = copy.deepcopy(next(r for r in recorded(shared_data) if r.get("average_heartrate")))
    record["average_heartrate"] = 900.0
    with pytest.raises(ImpossibleActivity, match="average heart rate is 900 bpm"):
        summary_to_activity(model.SummaryActivity.model_validate(record))


def test_an_impossible_lap_value_is_left_out_and_the_lap_kept(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    tcx = _polar_tcx(shared_data)
    lap_max = "<MaximumHeartRateBpm><Value>145</Value>"
    assert tcx.count(lap_max) == 1
    (tmp_path / "lap900.tcx").write_text(
        tcx.replace(lap_max, "<MaximumHeartRateBpm><Value>900</Value>")
    )

    report = import_paths(ann_ctx, [tmp_path / "lap900.tcx"])

    assert report.imported == 1 and not report.failed and report.dropped_samples == 2
    (warning,) = report.warnings
    assert "1 stated maximum heart rate" in warning and "1 lap value" in warning
    with ann_ctx.session() as session:
        (stored,) = stored_activities(session, ann_ctx.actor, ann_ctx.athlete_id)
        first, second = stored.laps
        assert first.max_hr is None and first.avg_hr == 117 and second.max_hr == 168
    assert stored.max_hr == 168  # measured again from its samples
