"""A club for the load test (:mod:`evals.load_test`): athletes with real-shaped histories, coaches
linked to them, and a personal access token for each person.

Each athlete's history is one of the two real series in ``../shared/data``, replayed with its
dates shifted so that it ends a few days before ``today`` and under the athlete's own name:

- the 1132 activities of the recorded Strava API pages (runs, rides, walks...), through the
  real converter (:func:`tools.strava.convert.summary_to_activity`);
- the 908-run series (2017-2025) of ``activity_files/series``.

Seeding is bulk: the activities of all athletes go in as multi-row inserts of the storage
layer's :class:`storage.models.Activity` rows (the histories hold summaries, no streams, as a
Strava listing does), so 200 athletes (about 200,000 activities) take seconds, not the hour
that one ``add_activity`` (two look-ups each) would.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from stravalib import model

from storage.activities import SUMMARY_FIELDS, NewActivity
from storage.api_tokens import create_token
from storage.db import Database
from storage.models import Activity
from storage.users import create_user, link_coach
from tools.strava.convert import _steps, is_race, summary_to_activity

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
#: Rows per INSERT statement.
BATCH = 5000


@dataclass(frozen=True)
class Person:
    """Someone of the club: a login name, a role, an API token (read and write) and, for a
    coach, the athletes they are linked to."""

    name: str
    role: str
    token: str
    athletes: tuple[str, ...] = ()


@dataclass
class Club:
    """What :func:`seed_club` made."""

    athletes: list[Person]
    coaches: list[Person]
    activities: int
    seconds: float = 0.0
    histories: dict[str, int] = field(default_factory=dict)

    @property
    def people(self) -> list[Person]:
        return self.athletes + self.coaches

    def write(self, path: Path) -> Path:
        """The people as JSON (what the locust file reads); the file is made 0600."""
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(json.dumps([asdict(p) for p in self.people]))
        return path


def strava_pages(shared: Path = SHARED) -> list[NewActivity]:
    """The 1132 activities of the recorded Strava listing pages, converted as a sync does."""
    folder = shared / "strava_api" / "strava-ruby-client"
    items: list[dict[str, Any]] = []
    for path in sorted(folder.glob("client__all_athlete_activities__*.json")):
        items.extend(json.loads(path.read_text())["body"])
    return [summary_to_activity(model.SummaryActivity.model_validate(i)) for i in items]


def _number(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def run_series(shared: Path = SHARED) -> list[NewActivity]:
    """The 908 runs of ``activity_files/series`` (one athlete, 2017-2025)."""
    path = shared / "activity_files" / "series" / "dblock_runs_summary_2017-2025.csv"
    runs = []
    for row in csv.DictReader(path.open()):
        runs.append(
            NewActivity(
                source="strava",
                source_id=row["id"],
                sport="run",
                start_time=datetime.fromisoformat(row["start_date"].replace("Z", "+00:00")),
                name="Run",
                distance_m=_number(row["distance"]),
                moving_time_s=_number(row["moving_time"]),
                elapsed_time_s=_number(row["elapsed_time"]),
                elevation_gain_m=_number(row["total_elevation_gain"]),
                avg_hr=_number(row["average_heartrate"]),
                max_hr=_number(row["max_heartrate"]),
                avg_cadence_spm=_steps(_number(row["average_cadence"]), "run"),
                avg_temp_c=_number(row["average_temp"]),
                is_race=is_race(row["workout_type"], "run"),
            )
        )
    return runs


def replayed(series: list[NewActivity], athlete_id: int, ends: date) -> list[dict[str, Any]]:
    """``series`` as activity rows of ``athlete_id``, shifted by whole days so that its last
    activity falls on ``ends`` (weekdays and times of day stay as they were)."""
    last = max(a.start_time for a in series)
    shift = timedelta(days=(ends - last.astimezone(UTC).date()).days)
    rows = []
    for a in series:
        row = {name: getattr(a, name) for name in SUMMARY_FIELDS}
        row |= {"user_id": athlete_id, "source": a.source, "source_id": a.source_id}
        row["start_time"] = a.start_time + shift
        rows.append(row)
    return rows


def seed_club(
    db: Database,
    athletes: int = 200,
    coaches: int = 20,
    today: date | None = None,
    shared: Path = SHARED,
) -> Club:
    """``athletes`` athletes (``runner001``...) with real-shaped histories, ``coaches`` coaches
    (``coach01``...) each linked to an equal share of them, and a token for everyone."""
    import time

    started = time.perf_counter()
    today = today or date.today()
    series = {"strava-pages": strava_pages(shared), "run-series": run_series(shared)}
    kinds = list(series)
    made_athletes: list[Person] = []
    made_coaches: list[Person] = []
    rows: list[dict[str, Any]] = []
    histories: dict[str, int] = {}
    with db.session() as session:
        users = []
        for n in range(athletes):
            user = create_user(session, f"runner{n + 1:03d}")
            token = create_token(session, user, "write", name="load test").secret
            kind = kinds[n % len(kinds)]
            ends = today - timedelta(days=1 + n % 6)
            rows.extend(replayed(series[kind], user.id, ends))
            histories[user.name] = len(series[kind])
            users.append(user)
            made_athletes.append(Person(user.name, "athlete", token))
        share = max(1, -(-athletes // max(coaches, 1)))
        for n in range(coaches):
            coach = create_user(session, f"coach{n + 1:02d}", role="coach")
            token = create_token(session, coach, "write", name="load test").secret
            linked = users[n * share : (n + 1) * share] or users[n % len(users) :][:1]
            for athlete in linked:
                link_coach(session, coach, athlete)
            made_coaches.append(Person(coach.name, "coach", token, tuple(u.name for u in linked)))
        for start in range(0, len(rows), BATCH):
            session.execute(insert(Activity), rows[start : start + BATCH])
    return Club(made_athletes, made_coaches, len(rows), time.perf_counter() - started, histories)
