"""How long the Trends tab takes to render its figures, on two histories:

- the real one: the recorded Strava listing of one runner (1132 activities, 908 runs,
  2017-2025) and two real FIT runs with GPS, heart rate and cadence streams;
- ten years of daily runs (3653), each with a one-hour stream sampled every 5 s (speed, heart
  rate, cadence, and a GPS loop: the real Fenix 2 track, shifted a little each day), made here
  from a seeded generator (their values do not matter, their number and shape do).

"Tab" is what one refresh of the tab does on the server: the history, the training-load report,
the GPS tracks and two sessions' streams read from SQLite, the five figures built, and each
serialised to the JSON Gradio sends (``Figure.to_json``). "Figures" is the building and
serialising alone, from frames already read. Times are the median of ``--repeat`` warm runs
(after one cold run, which also computes and stores every activity's metrics, as an import does).

    python -m evals.bench_trends [--repeat 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import fitdecode
import numpy as np

from evals.bench_load import real_history as listing_pages
from evals.bench_load import timed
from storage.activities import NewActivity, add_activity
from storage.db import Database
from storage.settings import Settings
from storage.users import create_user, link_coach
from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.trends.history import history
from tools.trends.training_load import load_report
from ui import trends_figures as figures
from ui.web_trends import (
    athlete_tracks,
    build_view,
    default_pair,
    period_of,
    roster_rows,
    session_data,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FITS = [
    DATA / "activity_files" / "fit" / "fitparse__activity-small-fenix2-run.fit",
    DATA / "activity_files" / "fit" / "fitparse__2013-02-06-12-11-14.fit",
]
TODAY = date(2026, 11, 29)


def real_history(ctx: ToolContext) -> int:
    """The recorded listing pages and two real FIT runs, for ``ctx``'s athlete."""
    return listing_pages(ctx) + import_paths(ctx, FITS).imported


def _real_loop(samples: int) -> np.ndarray:
    """The Fenix 2 run's GPS track (degrees), resampled to ``samples`` points."""
    points = []
    with fitdecode.FitReader(str(FITS[0])) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                lat, lng = (
                    frame.get_value("position_lat", fallback=None),
                    frame.get_value("position_long", fallback=None),
                )
                if lat is not None and lng is not None:
                    points.append((lat * 180 / 2**31, lng * 180 / 2**31))
    track = np.array(points)
    where = np.linspace(0, len(track) - 1, samples)
    return np.column_stack([np.interp(where, np.arange(len(track)), track[:, i]) for i in range(2)])


def ten_years(ctx: ToolContext, days: int = 3653) -> int:
    """A run every day for ten years, each an hour of 5-s samples with GPS."""
    rng = np.random.default_rng(1)
    start = datetime(2015, 1, 1, 6, tzinfo=UTC)
    seconds = np.arange(0, 3600, 5, dtype=float)
    loop = _real_loop(seconds.size)
    with ctx.session() as session:
        for day in range(days):
            speed = 3.0 + 0.3 * rng.standard_normal() + 0.05 * np.sin(seconds / 300)
            heart = 140 + 8 * rng.standard_normal() + seconds / 360
            cadence = 165 + 4 * (speed - 3.0) + rng.normal(0, 1.5, seconds.size)
            shift = rng.normal(0, 0.003, 2)
            new = NewActivity(
                source="bench",
                source_id=str(day),
                sport="run",
                name=f"Daily run {day}",
                start_time=start + timedelta(days=day),
                timezone="Europe/Oslo",
                distance_m=float((speed * 5).sum()),
                moving_time_s=3600.0,
                avg_hr=float(heart.mean()),
                max_hr=float(heart.max()),
                avg_cadence_spm=float(cadence.mean()),
                streams={
                    "time": seconds,
                    "speed": speed,
                    "distance": np.cumsum(speed * 5),
                    "heart_rate": heart,
                    "cadence": cadence,
                    "lat": loop[:, 0] + shift[0],
                    "lng": loop[:, 1] + shift[1],
                },
            )
            add_activity(session, ctx.actor, ctx.athlete_id, new)
    return days


def tab(ctx: ToolContext, period: str) -> int:
    """One refresh of the tab, as the server does it; returns the JSON bytes sent."""
    view = build_view(ctx, "bench", period, today=TODAY)
    shown = [view.volume, view.load, view.metric, view.comparison, view.routes]
    return sum(len(fig.to_json()) for fig in shown)


def figures_only(ctx: ToolContext, period: str) -> Callable[[], int]:
    """Building and serialising the five figures from frames read once, up front."""
    frame = history(ctx)
    last = frame["date"].max().date()
    span = period_of(period, today=TODAY, last_activity=last)
    report = load_report(ctx, span.until)
    shown = frame[frame["date"] <= str(span.until)]
    first, second = (session_data(ctx, i) for i in default_pair(shown))
    tracks = athlete_tracks(ctx, None)

    def build() -> int:
        made = [
            figures.weekly_volume(report.weeks, span.since, span.until),
            figures.fitness_form(report.days, report.spikes, span.since, span.until),
            figures.metric_trend(frame, "pace_s_per_km", None, span.since, span.until),
            figures.session_comparison(first, second),
            figures.route_heatmap(tracks),
        ]
        return sum(len(fig.to_json()) for fig in made)

    return build


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        settings = Settings(home=Path(folder) / "home", database_url=db.url)
        with db.session() as session:
            coach = create_user(session, "coach", role="coach", password="x" * 10)
        print(f"{'history':<24} {'what':<34} {'cold ms':>9} {'warm ms':>9} {'JSON KB':>8}")
        for name, fill in (("real, 1134 activities", real_history), ("10 years daily", ten_years)):
            with db.session() as session:
                user = create_user(session, name.split(",")[0].replace(" ", "-"), password="x" * 10)
                link_coach(session, coach, user)
            ctx = ToolContext(db=db, actor=user, settings=settings)
            started = time.perf_counter()
            count = fill(ctx)
            stored = (time.perf_counter() - started) * 1000
            print(f"{name:<24} {f'store {count} activities':<34} {stored:>9.0f}")
            started = time.perf_counter()
            history(ctx)
            computed = (time.perf_counter() - started) * 1000
            print(f"{name:<24} {'compute metrics (once, on import)':<34} {computed:>9.0f}")
            for period in ("Last 6 months", "All"):
                size = tab(ctx, period)
                cold, warm = timed(lambda ctx=ctx, period=period: tab(ctx, period), args.repeat)
                label = f"tab, {period.lower()}"
                print(f"{name:<24} {label:<34} {cold:>9.0f} {warm:>9.0f} {size / 1024:>8.0f}")
                build = figures_only(ctx, period)
                cold, warm = timed(build, args.repeat)
                label = f"figures only, {period.lower()}"
                print(f"{name:<24} {label:<34} {cold:>9.0f} {warm:>9.0f}")
        cold, warm = timed(lambda: roster_rows(db, settings, coach, TODAY), args.repeat)
        print(f"{'both':<24} {'roster of 2 athletes':<34} {cold:>9.0f} {warm:>9.0f}")
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
