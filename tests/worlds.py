"""Real histories shared by the trend, load and check-in tests: one athlete's 1132 Strava
activities (from the recorded API pages, through the real converter), and a Strava bulk export
whose rows come without activity files (the real 908-run series written as an
``activities.csv``, imported through the real importer), with and without heart rate.
"""

from __future__ import annotations

import csv
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from stravalib import model

from storage.activities import add_activity
from storage.db import Database
from storage.models import User
from storage.settings import Settings
from storage.users import create_user, link_coach
from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.strava.convert import summary_to_activity


def recorded_activities(shared: Path) -> list[dict[str, Any]]:
    """Every activity of the recorded Strava listing pages, read straight from the files."""
    folder = shared / "strava_api" / "strava-ruby-client"
    items: list[dict[str, Any]] = []
    for path in sorted(folder.glob("client__all_athlete_activities__*.json")):
        items.extend(json.loads(path.read_text())["body"])
    return items


def export_date(moment: datetime) -> str:
    """A UTC time as Strava's export writes it: ``Oct 1, 2017, 9:08:32 PM``."""
    hour = moment.hour % 12 or 12
    return f"{moment:%b} {moment.day}, {moment.year}, {hour}:{moment:%M:%S} {moment:%p}"


def write_summary_export(shared: Path, target: Path, with_hr: bool = True) -> Path:
    """The real 908-run series as a Strava export zip whose rows have no files."""
    header = next(csv.reader((shared / "activity_files/strava_export/activities.csv").open()))
    series = shared / "activity_files/series/dblock_runs_summary_2017-2025.csv"
    rows = []

    def put(cells: list[str], name: str, value: str, which: int | None = None) -> None:
        places = [i for i, h in enumerate(header) if h == name]
        for i in places if which is None else [places[which]]:
            cells[i] = value

    for run in csv.DictReader(series.open()):
        cells = [""] * len(header)

        start = datetime.fromisoformat(run["start_date"].replace("Z", "+00:00"))
        put(cells, "Activity ID", run["id"])
        put(cells, "Activity Date", export_date(start))
        put(cells, "Activity Name", "Morning Run")
        put(cells, "Activity Type", "Run")
        put(cells, "Elapsed Time", run["elapsed_time"])
        put(cells, "Moving Time", run["moving_time"])
        put(cells, "Distance", f"{float(run['distance']) / 1000:.2f}", 0)
        put(cells, "Distance", run["distance"], 1)
        put(cells, "Elevation Gain", run["total_elevation_gain"])
        put(cells, "Average Cadence", run["average_cadence"])
        put(cells, "Average Temperature", run["average_temp"])
        if with_hr:
            put(cells, "Max Heart Rate", run["max_heartrate"])
            put(cells, "Average Heart Rate", run["average_heartrate"])
        rows.append(cells)
    archive = target / ("export_hr.zip" if with_hr else "export_nohr.zip")
    with zipfile.ZipFile(archive, "w") as zf:
        text = "\n".join(",".join(f'"{c}"' for c in row) for row in [header, *rows])
        zf.writestr("export_1/activities.csv", text)
    return archive


@dataclass
class World:
    db: Database
    settings: Settings
    ann: User  # 1132 Strava activities (HR on most)
    bob: User  # the 908-run series as an export without files
    cy: User  # the same export without heart rate
    cora: User  # coaches Ann and Bob
    dave: User  # coaches no one
    raw: list[dict[str, Any]]
    series: list[dict[str, str]]

    def ctx(self, actor: User, athlete: User | None = None) -> ToolContext:
        return ToolContext(
            db=self.db, actor=actor, settings=self.settings, athlete_id=(athlete or actor).id
        )


def build_world(shared: Path, tmp: Path) -> World:
    """The histories the trend and check-in tests share (built once per test session)."""
    db = Database(f"sqlite:///{tmp / 'coachg.db'}")
    settings = Settings(home=tmp / "home", database_url=db.url)
    raw = recorded_activities(shared)
    with db.session() as session:
        ann = create_user(session, "ann", password="ann-pass-1")
        bob = create_user(session, "bob", password="bob-pass-1")
        cy = create_user(session, "cy", password="cy-pass-11")
        cora = create_user(session, "cora", role="coach", password="cora-pass-1")
        dave = create_user(session, "dave", role="coach", password="dave-pass-1")
        link_coach(session, cora, ann)
        link_coach(session, cora, bob)
        for item in raw:
            new = summary_to_activity(model.SummaryActivity.model_validate(item))
            add_activity(session, ann, ann.id, new)
    series_file = shared / "activity_files/series/dblock_runs_summary_2017-2025.csv"
    series = list(csv.DictReader(series_file.open()))
    world = World(db, settings, ann, bob, cy, cora, dave, raw, series)
    for user, with_hr in ((bob, True), (cy, False)):
        report = import_paths(world.ctx(user), [write_summary_export(shared, tmp, with_hr)])
        assert report.imported == len(series), report.failed
    return world
