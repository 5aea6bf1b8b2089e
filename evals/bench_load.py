"""How long a training-load or change-detection request takes, on two histories:

- the real one: 1132 activities (908 runs, 2017-2025) from the recorded Strava API pages;
- ten years of daily runs (3653), each with a one-hour heart-rate, speed and cadence stream, made
  here from a seeded generator (their values do not matter, their number and shape do).

Each request is timed cold (the first after import, which computes and stores every activity's
metrics) and warm (median of ``--repeat``), in this process, as the chat and CLI call them.

    python -m evals.bench_load [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from stravalib import model

from storage.activities import NewActivity, add_activity
from storage.db import Database
from storage.settings import Settings
from storage.users import create_user
from tools.context import ToolContext
from tools.strava.convert import summary_to_activity
from tools.trends.changes import detect_changes
from tools.trends.training_load import training_load

PAGES = Path(__file__).resolve().parents[2] / "shared/data/strava_api/strava-ruby-client"


def real_history(ctx: ToolContext) -> int:
    items = []
    for path in sorted(PAGES.glob("client__all_athlete_activities__*.json")):
        items.extend(json.loads(path.read_text())["body"])
    with ctx.session() as session:
        for item in items:
            new = summary_to_activity(model.SummaryActivity.model_validate(item))
            add_activity(session, ctx.actor, ctx.athlete_id, new)
    return len(items)


def ten_years(ctx: ToolContext, days: int = 3653) -> int:
    rng = np.random.default_rng(1)
    start = datetime(2015, 1, 1, 6, tzinfo=UTC)
    seconds = np.arange(3600, dtype=float)
    with ctx.session() as session:
        for day in range(days):
            speed = 3.0 + 0.3 * rng.standard_normal() + 0.05 * np.sin(seconds / 300)
            heart = 140 + 8 * rng.standard_normal() + seconds / 360
            cadence = 165 + 4 * (speed - 3.0) + rng.normal(0, 1.5, seconds.size)
            new = NewActivity(
                source="bench",
                source_id=str(day),
                sport="run",
                start_time=start + timedelta(days=day),
                timezone="Europe/Berlin",
                distance_m=float(speed.sum()),
                moving_time_s=3600.0,
                avg_hr=float(heart.mean()),
                max_hr=float(heart.max()),
                avg_cadence_spm=float(cadence.mean()),
                streams={
                    "time": seconds,
                    "speed": speed,
                    "distance": np.cumsum(speed),
                    "heart_rate": heart,
                    "cadence": cadence,
                },
            )
            add_activity(session, ctx.actor, ctx.athlete_id, new)
    return days


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(cold, warm median) in ms."""
    started = time.perf_counter()
    call()
    cold = (time.perf_counter() - started) * 1000
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        warm.append((time.perf_counter() - started) * 1000)
    return cold, statistics.median(warm)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        settings = Settings(home=Path(folder) / "home", database_url=db.url)
        print(f"{'history':<28} {'request':<34} {'cold ms':>9} {'warm ms':>9}")
        for name, fill in (("real, 1132 activities", real_history), ("10 years daily", ten_years)):
            with db.session() as session:
                user = create_user(session, name.split(",")[0].replace(" ", "-"), password="x" * 10)
            ctx = ToolContext(db=db, actor=user, settings=settings)
            started = time.perf_counter()
            count = fill(ctx)
            stored = time.perf_counter() - started
            print(f"{name:<28} {f'store {count} activities':<34} {stored * 1000:>9.0f}")
            requests: list[tuple[str, Callable[[], object]]] = [
                ("training_load", lambda ctx=ctx: training_load(ctx)),
                ("detect_changes cadence", lambda ctx=ctx: detect_changes(ctx, "cadence")),
                ("detect_changes heart rate", lambda ctx=ctx: detect_changes(ctx, "heart rate")),
                ("detect_changes overview", lambda ctx=ctx: detect_changes(ctx)),
            ]
            for label, call in requests:
                cold, warm = timed(call, args.repeat)
                print(f"{name:<28} {label:<34} {cold:>9.0f} {warm:>9.0f}")
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
