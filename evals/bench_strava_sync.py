"""Strava sync cost and speed: API requests per new activity, and seconds, for a full sync.

Run: ``python -m evals.bench_strava_sync [--stream-runs N] [--laps]``. A loopback fake Strava
(``tests/fake_strava.py``) serves the real recorded responses in ``../shared/data/strava_api``
(1132 activities of one athlete) to the real stravalib client; each scenario syncs into a fresh
SQLite database. The fake's rate limits are lifted so every scenario runs to the end; the
report then says how long Strava's default limits for a new application (100 reads per
15 minutes, 1000 per day) would stretch each one.

Scenarios: summaries only at 200 per page (Coach G's default) and at 30 per page (Strava's
default page size), then summaries plus streams of the runs (one request per run), optionally
plus laps (one more per run).
"""

from __future__ import annotations

import argparse
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from storage.db import Database
from storage.settings import Settings
from storage.strava_tokens import save_token
from storage.users import create_user
from tests.fake_strava import FakeStrava
from tools.context import ToolContext
from tools.strava.sync import SyncOptions, SyncReport, sync

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "strava_api"
READS_PER_15_MIN = 100
READS_PER_DAY = 1000
UNLIMITED = (10**9, 10**9)


@dataclass
class Outcome:
    name: str
    report: SyncReport

    def row(self) -> list[str]:
        r = self.report
        per_new = r.requests_per_new_activity()
        windows = math.ceil(r.api_requests / READS_PER_15_MIN)
        days = math.ceil(r.api_requests / READS_PER_DAY)
        return [
            self.name,
            str(r.new),
            str(r.streams_fetched),
            str(r.api_requests),
            f"{per_new:.4f}" if per_new is not None else "-",
            f"{r.seconds:.2f}",
            f"{r.new / r.seconds:.0f}" if r.seconds else "-",
            f"{windows} x 15 min" + (f", {days} days" if days > 1 else ""),
        ]


def run_scenario(name: str, options: SyncOptions, home: Path) -> Outcome:
    """One full sync of the recordings into a fresh database."""
    with FakeStrava(DATA, read_limits=UNLIMITED, overall_limits=UNLIMITED) as fake:
        db = Database(f"sqlite:///{home / name.replace(' ', '_')}.db")
        try:
            with db.session() as session:
                athlete = create_user(session, "bench", password="bench-pass-1")
                tokens = fake.issue_tokens()
                save_token(
                    session,
                    athlete,
                    access_token=tokens["access_token"],
                    refresh_token=tokens["refresh_token"],
                    expires_at=tokens["expires_at"],
                )
            settings = Settings(
                home=home,
                database_url=db.url,
                strava_client_id=str(fake.client_id),
                strava_client_secret=fake.client_secret,
                strava_base_url=fake.base_url,
            )
            ctx = ToolContext(db=db, actor=athlete, settings=settings)
            report = sync(ctx, options)
            if not report.complete:
                raise SystemExit(f"{name}: the sync stopped: {report.message}")
            served = len(fake.api_requests())
            if served != report.api_requests:
                raise SystemExit(f"{name}: client counted {report.api_requests}, fake {served}")
            return Outcome(name, report)
        finally:
            db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stream-runs",
        type=int,
        default=None,
        metavar="N",
        help="fetch streams of at most N runs in the streams scenario (default: all)",
    )
    parser.add_argument("--laps", action="store_true", help="add a streams + laps scenario")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        raise SystemExit(f"recordings not found at {DATA}")

    scenarios = [
        ("summaries, 200/page", SyncOptions(streams=False)),
        ("summaries, 30/page", SyncOptions(streams=False, per_page=30)),
        ("summaries + run streams", SyncOptions(stream_limit=args.stream_runs)),
    ]
    if args.laps:
        scenarios.append(
            ("summaries + streams + laps", SyncOptions(stream_limit=args.stream_runs, laps=True))
        )
    with tempfile.TemporaryDirectory() as folder:
        outcomes = [run_scenario(name, options, Path(folder)) for name, options in scenarios]

    headers = [
        "scenario",
        "new",
        "streams",
        "API requests",
        "requests/new activity",
        "seconds",
        "activities/s",
        "at 100 reads/15 min",
    ]
    rows = [headers] + [o.row() for o in outcomes]
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    print(
        "\nSummaries carry distance, times, climb, heart rate, cadence and power, so details are "
        "never fetched;\nstreams cost one request per run and are fetched newest first within "
        "the rate limits, the rest\nqueued for later syncs (`coachg strava sync --streams N`)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
