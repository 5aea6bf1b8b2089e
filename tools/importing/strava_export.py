"""A Strava bulk export ("Download your data"): ``activities.csv`` plus ``activities/`` files.

The CSV repeats column names (two ``Distance`` columns, the first in km or miles, the second in
metres; two ``Elapsed Time`` columns, ...), so it is read with :mod:`csv` by position: for each
name the last filled occurrence wins, which is the precise, unit-fixed one. File names need not
match activity ids; the ``Filename`` column says which file belongs to a row. Rows without a
file still import from the CSV summary. Rows become activities with ``source="strava"`` and
``source_id`` = the Strava activity id, so a later Strava sync recognises them.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from storage.activities import NewActivity
from tools.importing.errors import ActivityFileError
from tools.importing.sports import is_foot_sport, normalise_sport

CSV_NAME = "activities.csv"
MAX_CSV_BYTES = 64 * 1024 * 1024

_DATE_FORMATS = (
    "%b %d, %Y, %I:%M:%S %p",
    "%b %d, %Y %I:%M:%S %p",
    "%d %b %Y, %H:%M:%S",
    "%b %d, %Y, %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
)


@dataclass
class ExportRow:
    """One row of ``activities.csv``, units already converted (m, s, steps/min)."""

    line: int
    activity_id: str
    start_time: datetime
    name: str
    sport: str
    file_name: str = ""
    summary: dict[str, float | None] = field(default_factory=dict)


def parse_export_date(text: str) -> datetime:
    """An ``Activity Date`` (UTC in Strava exports, e.g. ``May 29, 2022, 3:53:35 PM``)."""
    clean = re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " ")).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(clean, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    moment = datetime.fromisoformat(clean.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _Columns:
    """Cell lookup by column name in a header with repeated names."""

    def __init__(self, header: list[str]) -> None:
        self.positions: dict[str, list[int]] = defaultdict(list)
        for index, name in enumerate(header):
            self.positions[name.strip().lower()].append(index)

    def has(self, name: str) -> bool:
        return name.lower() in self.positions

    def text(self, row: list[str], name: str) -> str:
        """The last non-empty cell among the columns called ``name`` ('' if none)."""
        for index in reversed(self.positions.get(name.lower(), [])):
            if index < len(row) and row[index].strip():
                return row[index].strip()
        return ""

    def number(self, row: list[str], name: str) -> float | None:
        text = self.text(row, name)
        try:
            return float(text.replace(",", "")) if text else None
        except ValueError:
            return None

    def distance_m(self, row: list[str]) -> float | None:
        """Metres: the second ``Distance`` column is in metres; an export with only one
        holds kilometres there."""
        indexes = self.positions.get("distance", [])
        for position, index in reversed(list(enumerate(indexes))):
            if index < len(row) and row[index].strip():
                try:
                    value = float(row[index].replace(",", ""))
                except ValueError:
                    return None
                return value if position > 0 else value * 1000.0
        return None


def read_activities_csv(data: bytes) -> tuple[list[ExportRow], list[tuple[str, str]]]:
    """The rows of an ``activities.csv``, and ``(row label, reason)`` for rows that cannot be
    read."""
    if len(data) > MAX_CSV_BYTES:
        raise ActivityFileError(
            f"{CSV_NAME} is over {MAX_CSV_BYTES // 1024 // 1024} MB; that is not a Strava export"
        )
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ActivityFileError(f"{CSV_NAME} is empty; download the Strava export again")
    columns = _Columns(header)
    if not (columns.has("activity id") and columns.has("activity date")):
        raise ActivityFileError(
            f"{CSV_NAME} has no 'Activity ID' and 'Activity Date' columns; is it a Strava export?"
        )
    rows: list[ExportRow] = []
    failures: list[tuple[str, str]] = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        activity_id = columns.text(cells, "activity id")
        label = f"{CSV_NAME} line {line}"
        if not activity_id.isdigit():
            failures.append((label, "no Strava activity id in this row; the row was left out"))
            continue
        try:
            start = parse_export_date(columns.text(cells, "activity date"))
        except ValueError:
            failures.append(
                (f"{label} (activity {activity_id})", "the Activity Date cannot be read")
            )
            continue
        sport = normalise_sport(columns.text(cells, "activity type"))
        cadence = columns.number(cells, "average cadence")
        if cadence is not None and is_foot_sport(sport):
            cadence *= 2.0  # Strava counts running cadence per leg
        rows.append(
            ExportRow(
                line=line,
                activity_id=activity_id,
                start_time=start,
                name=columns.text(cells, "activity name"),
                sport=sport,
                file_name=columns.text(cells, "filename"),
                summary={
                    "distance_m": columns.distance_m(cells),
                    "elapsed_time_s": columns.number(cells, "elapsed time"),
                    "moving_time_s": columns.number(cells, "moving time"),
                    "elevation_gain_m": columns.number(cells, "elevation gain"),
                    "avg_hr": columns.number(cells, "average heart rate"),
                    "max_hr": columns.number(cells, "max heart rate"),
                    "avg_cadence_spm": cadence,
                    "avg_power_w": columns.number(cells, "average watts"),
                    "avg_temp_c": columns.number(cells, "average temperature"),
                    "perceived_effort": columns.number(cells, "perceived exertion"),
                },
            )
        )
    return rows, failures


def row_activity(row: ExportRow, from_file: list[NewActivity] | None = None) -> NewActivity:
    """The activity for a CSV row: the CSV's summary (Strava's numbers), with the start time,
    device, streams and laps of its file when there is one."""
    base = from_file[0] if from_file else None
    if base is None:
        new = NewActivity(
            source="strava", source_id=row.activity_id, sport=row.sport, start_time=row.start_time
        )
    else:
        new = replace(base, source="strava", source_id=row.activity_id, sport=row.sport)
    new.name = row.name or new.name
    if row.file_name:
        new.file_name = row.file_name.rsplit("/", 1)[-1]
    for name, value in row.summary.items():
        if value is not None:
            setattr(new, name, value)
    return new
