"""Import speed on a Strava bulk export of a few hundred activities built from the real files.

Run: ``python -m evals.bench_import [--copies N]``. It writes, in a temp folder, an export laid
out like Strava's (``activities.csv`` with its repeated column names, ``activities/`` with FIT,
TCX and GPX files, some gzipped, named unlike their activity ids), imports it into a fresh SQLite
database and prints activities imported per second, with seconds per phase.

How the copies are made distinct (each must be a different activity, or the importer rightly
merges them): every copy is shifted by a whole number of days.
* FIT: the binary file is walked message by message and every date-time field (``timestamp``,
  ``start_time``, ``time_created``, ``local_timestamp``) is moved; the shift is a multiple of
  32 s so compressed-timestamp records stay consistent; the file CRC is recomputed.
* TCX/GPX: ISO timestamps are re-timed by text substitution.
* CSV rows carry the shifted dates; one row in ten has no file (summary-only import).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
import struct
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fitdecode.utils import compute_crc

from storage.db import Database
from storage.settings import Settings
from storage.users import create_user
from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.importing.sources import parse_bytes

REPO = Path(__file__).resolve().parents[1]
FILES = REPO.parent / "shared" / "data" / "activity_files"
SOURCES = (
    "fit/fitparse__activity-small-fenix2-run.fit",
    "fit/fitparse__developer-types-sample.fit",
    "fit/fitparse__2013-02-06-12-11-14.fit",
    "fit/geo-activity-playground__2022-05-29-15-53-35_Laufen_Landal_Park.fit",
    "fit/fitparse__garmin-fenix-5-run.fit",
    "fit/fitparse__garmin-fenix-5-bike.fit",
    "tcx/sweatpy__3173437224.tcx",
    "tcx/python-tcxparser__test.tcx",
    "tcx/strava-ruby-client__17611540601.tcx",
    "gpx/sweatpy__4801048867_strava.gpx",
    "gpx/sweatpy__activity_5039744860.gpx",
)
# (global message number, field number) of date-time fields; 253 is ``timestamp`` everywhere.
_DATE_FIELDS = {(0, 4), (18, 2), (19, 2), (34, 5)}
_STRAVA_TYPES = {"run": "Run", "ride": "Ride", "walk": "Walk", "swim": "Swim", "hike": "Hike"}


def shift_fit(data: bytes, seconds: int) -> bytes:
    """A copy of a FIT file (chained files too) with every date-time field moved by
    ``seconds`` (a multiple of 32) and the CRCs made right again."""
    assert seconds % 32 == 0
    out = bytearray(data)
    pos = 0
    while pos + 12 <= len(out):
        header_size = out[pos]
        data_size = struct.unpack_from("<I", out, pos + 4)[0]
        start, end = pos + header_size, pos + header_size + data_size
        definitions: dict[int, tuple[int, str, list[tuple[int, int]], int]] = {}
        cursor = start
        while cursor < end:
            head = out[cursor]
            cursor += 1
            if head & 0x80:  # compressed timestamp header: a data message, no timestamp field
                local = (head >> 5) & 0x03
                cursor += definitions[local][3]
            elif head & 0x40:  # definition message
                local = head & 0x0F
                order = ">" if out[cursor + 1] else "<"
                global_num = struct.unpack_from(order + "H", out, cursor + 2)[0]
                count = out[cursor + 4]
                fields = [(out[cursor + 5 + 3 * i], out[cursor + 6 + 3 * i]) for i in range(count)]
                cursor += 5 + 3 * count
                size = sum(s for _, s in fields)
                if head & 0x20:  # developer fields
                    dev_count = out[cursor]
                    size += sum(out[cursor + 2 + 3 * i] for i in range(dev_count))
                    cursor += 1 + 3 * dev_count
                definitions[local] = (global_num, order, fields, size)
            else:  # data message
                global_num, order, fields, size = definitions[head & 0x0F]
                offset = cursor
                for number, field_size in fields:
                    dated = number == 253 or (global_num, number) in _DATE_FIELDS
                    if dated and field_size == 4:
                        value = struct.unpack_from(order + "I", out, offset)[0]
                        if 0x10000000 <= value < 0xFFFFFFFF:  # real dates, not invalid/relative
                            struct.pack_into(order + "I", out, offset, value + seconds)
                    offset += field_size
                cursor += size
        struct.pack_into("<H", out, end, compute_crc(out, start=pos, end=end))
        pos = end + 2
    return bytes(out)


_ISO = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})")


def shift_text(data: bytes, seconds: int) -> bytes:
    """A copy of a TCX/GPX with every ISO timestamp moved by ``seconds``."""

    def move(match: re.Match[bytes]) -> bytes:
        moment = datetime.fromisoformat(match.group(1).decode()) + timedelta(seconds=seconds)
        return moment.strftime("%Y-%m-%dT%H:%M:%S").encode()

    return re.sub(_ISO.pattern.encode(), move, data)


def build_export(root: Path, copies: int) -> int:
    """Write a Strava-like export with ``copies`` activities under ``root``; returns how many
    activities it holds."""
    header = next(csv.reader((FILES / "strava_export" / "activities.csv").open(encoding="utf-8")))
    col = {name: header.index(name) for name in header}
    distance_cols = [i for i, name in enumerate(header) if name == "Distance"]
    (root / "activities").mkdir(parents=True)
    originals = []
    for relative in SOURCES:
        data = (FILES / relative).read_bytes()
        (first,) = parse_bytes(data, relative)[:1]
        originals.append((relative, data, first))
    rows = []
    for index in range(copies):
        relative, data, first = originals[index % len(originals)]
        days = 1 + index // len(originals) * 3 + index % 3
        shift = days * 86_400
        start = first.start_time + timedelta(seconds=shift)
        row = [""] * len(header)
        row[col["Activity ID"]] = str(10_000_000_000 + index)
        row[col["Activity Date"]] = start.astimezone(UTC).strftime("%b %d, %Y, %I:%M:%S %p")
        row[col["Activity Name"]] = f"{first.name} #{index}"
        row[col["Activity Type"]] = _STRAVA_TYPES.get(first.sport, "Workout")
        row[col["Elapsed Time"]] = str(int(first.elapsed_time_s or 0))
        row[distance_cols[0]] = f"{(first.distance_m or 0) / 1000:.2f}"
        row[distance_cols[1]] = f"{first.distance_m or 0:.1f}"
        if index % 10 != 9:  # one row in ten has no file, as in real exports
            suffix = relative.rsplit(".", 1)[-1]
            body = shift_fit(data, shift) if suffix == "fit" else shift_text(data, shift)
            name = f"activities/{20_000_000_000 + index * 7}.{suffix}"
            if index % 2:
                name += ".gz"
                body = gzip.compress(body, compresslevel=1)
            (root / name).write_bytes(body)
            row[col["Filename"]] = name
        rows.append(row)
    with (root / "activities.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=300, help="activities in the export")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="coachg-bench-") as tmp:
        work = Path(tmp)
        tick = time.perf_counter()
        expected = build_export(work / "export", args.copies)
        built = time.perf_counter() - tick
        db = Database(f"sqlite:///{work / 'bench.db'}")
        with db.session() as session:
            runner = create_user(session, "bench", password="bench-pass-1")
        ctx = ToolContext(db=db, actor=runner, settings=Settings(work, db.url))
        tick = time.perf_counter()
        report = import_paths(ctx, [work / "export"])
        seconds = time.perf_counter() - tick
        tick = time.perf_counter()
        again = import_paths(ctx, [work / "export"])
        reimport = time.perf_counter() - tick
        db.dispose()
    print(f"built an export of {expected} activities in {built:.1f} s")
    print(
        f"imported {report.imported} activities ({report.duplicates} duplicates, "
        f"{len(report.failed)} failed) in {seconds:.2f} s: "
        f"{report.imported / seconds:.1f} activities/s"
    )
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in report.seconds.items())
    print(f"phases: {phases}")
    print(
        f"re-import: {again.imported} new, {again.duplicates} recognised in {reimport:.2f} s "
        f"({again.duplicates / reimport:.1f} activities/s)"
    )
    if report.failed:
        for name, reason in report.failed[:5]:
            print(f"  failed: {name}: {reason}")
    return 0 if report.imported == expected and again.imported == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
